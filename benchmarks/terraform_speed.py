"""Speed of ``rdslink check`` on a generated Terraform configuration (target: < 5 s for 200 functions).

Generates a root module with a local ``./modules/service`` module called with ``for_each`` over N services
(default 200): each service has a function (vpc_config, environment with the DB address, a role with an
``aws_iam_policy_document`` policy), its security group with a ``dynamic`` egress block, a standalone
ingress rule on a shared DB security group, and every 4th service its own DB instance; the root has a VPC,
``count`` subnets over three AZs, route tables, a NAT gateway and a shared Aurora cluster. Then it times,
in-process, the median of N runs of:

* ``load``    ``load_terraform(...)`` (parse, evaluate, convert)
* ``analyse`` ``analyse(inv)`` (pair discovery, paths, checks)
* ``render``  ``render_json(result)``
* ``total``   the three above per run

Usage::

    python benchmarks/terraform_speed.py                 # table
    python benchmarks/terraform_speed.py --json          # table, then one JSON object on the last line
    python benchmarks/terraform_speed.py --functions 400 --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 5.0
SCHEMA = "rdslink/bench/terraform-speed/v1"

ROOT_TF = '''
provider "aws" {
  region = "us-east-1"
}

variable "services" {
  type = number
  default = %(n)d
}

locals {
  azs      = ["us-east-1a", "us-east-1b", "us-east-1c"]
  services = { for i in range(var.services) : format("svc%%03d", i) => { index = i, own_db = i %% 4 == 0 } }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_subnet" "private" {
  count             = 3
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 4, count.index)
  availability_zone = local.azs[count.index]
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 200)
  availability_zone = local.azs[0]
}

resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "private" {
  count          = length(aws_subnet.private)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_db_subnet_group" "shared" {
  name       = "shared"
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_security_group" "shared_db" {
  name   = "shared-db"
  vpc_id = aws_vpc.main.id
}

resource "aws_rds_cluster" "shared" {
  cluster_identifier     = "shared"
  engine                 = "aurora-postgresql"
  master_username        = "admin_user"
  manage_master_user_password = true
  db_subnet_group_name   = aws_db_subnet_group.shared.name
  vpc_security_group_ids = [aws_security_group.shared_db.id]
}

module "service" {
  source        = "./modules/service"
  for_each      = local.services
  name          = each.key
  own_db        = each.value.own_db
  vpc_id        = aws_vpc.main.id
  subnet_ids    = aws_subnet.private[*].id
  subnet_group  = aws_db_subnet_group.shared.name
  shared_db_sg  = aws_security_group.shared_db.id
  shared_db     = aws_rds_cluster.shared.endpoint
}
'''

SERVICE_TF = '''
variable "name" {}
variable "own_db" {}
variable "vpc_id" {}
variable "subnet_ids" {}
variable "subnet_group" {}
variable "shared_db_sg" {}
variable "shared_db" {}

resource "aws_security_group" "fn" {
  name   = "${var.name}-fn"
  vpc_id = var.vpc_id
  dynamic "egress" {
    for_each = [5432, 443]
    content {
      from_port   = egress.value
      to_port     = egress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "shared" {
  security_group_id            = var.shared_db_sg
  referenced_security_group_id = aws_security_group.fn.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_security_group" "db" {
  count  = var.own_db ? 1 : 0
  name   = "${var.name}-db"
  vpc_id = var.vpc_id
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.fn.id]
  }
}

resource "aws_db_instance" "own" {
  count                  = var.own_db ? 1 : 0
  identifier             = "${var.name}-db"
  engine                 = "postgres"
  instance_class         = "db.t4g.micro"
  allocated_storage      = 20
  username               = "app"
  manage_master_user_password = true
  db_subnet_group_name   = var.subnet_group
  vpc_security_group_ids = [aws_security_group.db[0].id]
}

data "aws_iam_policy_document" "fn" {
  statement {
    actions   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "fn" {
  name               = "${var.name}-fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
  inline_policy {
    name   = "eni"
    policy = data.aws_iam_policy_document.fn.json
  }
}

resource "aws_lambda_function" "fn" {
  function_name = var.name
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.fn.id]
  }
  environment {
    variables = {
      DB_HOST = var.own_db ? aws_db_instance.own[0].address : var.shared_db
    }
  }
}
'''


def generate(folder: Path, n: int) -> None:
    """Write the root module and ./modules/service for ``n`` services into ``folder``."""
    (folder / "modules" / "service").mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(ROOT_TF % {"n": n})
    (folder / "modules" / "service" / "main.tf").write_text(SERVICE_TF)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    from rdslink.analysis.engine import analyse
    from rdslink.render.json_out import render_json
    from rdslink.sources.terraform import load_terraform
    import_s = time.perf_counter() - t0
    rows: dict[str, list[float]] = {"load": [], "analyse": [], "render": [], "total": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "infra"
        generate(folder, args.functions)
        old = os.getcwd()
        os.chdir(tmp)
        try:
            first = None
            for i in range(args.runs + 1):
                a = time.perf_counter()
                inv = load_terraform(["infra"])
                b = time.perf_counter()
                result = analyse(inv)
                c = time.perf_counter()
                render_json(result)
                d = time.perf_counter()
                if i == 0:
                    first = d - a
                    summary = {"functions": len(inv.functions), "pairs": len(result.pairs),
                               "verdicts": sorted({p.verdict.value for p in result.pairs})}
                    continue
                for k, v in (("load", b - a), ("analyse", c - b), ("render", d - c), ("total", d - a)):
                    rows[k].append(v)
        finally:
            os.chdir(old)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"rdslink check on a generated Terraform configuration ({args.functions} services; "
          f"{summary['functions']} functions, {summary['pairs']} pairs, verdicts {summary['verdicts']})")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpu, median of {args.runs} runs after a warm-up")
    print(f"{'phase':<10}{'seconds':>10}")
    for k in ("load", "analyse", "render", "total"):
        print(f"{k:<10}{med[k]:>10.3f}")
    print(f"{'first':<10}{first:>10.3f}")
    print(f"{'imports':<10}{import_s:>10.3f}")
    ok = med["total"] < TARGET_S
    print(f"target total < {TARGET_S:.0f} s: {'met' if ok else 'NOT met'}")
    if args.json:
        print(json.dumps({"schema": SCHEMA, "functions": args.functions, "runs": args.runs, **summary,
                          "median_s": med, "first_s": first, "import_s": import_s, "target_s": TARGET_S,
                          "target_met": ok}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
