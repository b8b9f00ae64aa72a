"""The static Terraform evaluator: expressions, variable precedence, modules, count/for_each, and input errors
(exit 2 naming file and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rdslink.model import Unresolved
from rdslink.sources.errors import InputError
from rdslink.sources.terraform import is_plan_file, is_terraform_dir, load_terraform
from rdslink.sources.terraform.expr import Evaluator, Scope, parse_expression
from rdslink.sources.terraform.hcl import RootLoader, load_variables

from .test_check_fixtures import run_check


def ev(text: str, names: dict | None = None) -> object:
    names = names or {}

    def lookup(n: str) -> object:
        if n in names:
            return names[n]
        raise KeyError(n)

    return Evaluator().eval(parse_expression(text), Scope(lookup, "."))


@pytest.mark.parametrize(("expr", "want"), [
    ('cidrsubnet("10.100.0.0/16", 8, 1)', "10.100.1.0/24"),
    ('cidrsubnet("172.18.0.0/16", 4, 3)', "172.18.48.0/20"),
    ('cidrhost("10.0.1.0/24", 5)', "10.0.1.5"),
    ('cidrsubnets("10.0.0.0/16", 8, 8, 4)', ["10.0.0.0/24", "10.0.1.0/24", "10.0.16.0/20"]),
    ('element(["a", "b"], 3)', "b"),
    ('length({a = 1, b = 2})', 2),
    ('[for k, v in {a = 1, b = 2} : "${k}=${v}" if v > 1]', ["b=2"]),
    ('{for s in ["x", "y"] : s => upper(s)}', {"x": "X", "y": "Y"}),
    ('values({b = {id = "2"}, a = {id = "1"}})[*].id', ["2", "1"]),
    ('true ? 1 : 2', 1),
    ('1 + 2 * 3 == 7 && !false', True),
    ('"a-${1 + 1}"', "a-2"),
    ('jsondecode(jsonencode({k = [1, "x"]}))', {"k": [1, "x"]}),
    ('format("%s:%d", "h", 5432)', "h:5432"),
    ('try(local_missing, "fallback")', "fallback"),
    ('merge({a = 1}, {b = 2})', {"a": 1, "b": 2}),
    ('lookup({a = 1}, "b", 9)', 9),
    ('coalesce("", "x")', "x"),
    ('"$${literal}"', "${literal}"),
])
def test_expressions(expr: str, want: object) -> None:
    assert ev(expr) == want


def test_unresolved_propagates_with_its_name() -> None:
    u = Unresolved("var.db_host", "no value")
    got = ev('"${h}:5432"', {"h": u})
    assert isinstance(got, Unresolved) and got.name == "var.db_host"
    got = ev("h[1]", {"h": Unresolved("var.subnets", "no value")})
    assert isinstance(got, Unresolved) and got.name == "var.subnets" and got.index == 1
    assert ev('u == "x" ? 1 : 1', {"u": u}) == 1  # both branches equal: decided
    assert isinstance(ev('u == "x" ? 1 : 2', {"u": u}), Unresolved)
    assert isinstance(ev("unknownfn(1)"), Unresolved)


def test_heredoc_policy_keeps_known_statements(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "rid" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = <<EOF
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "rds-db:connect", "Resource": "arn:aws:rds-db:us-east-1:1:dbuser:${var.rid}/*"},
  {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface"], "Resource": "*"}]}
EOF
}
''')
    inv = load_terraform([str(tmp_path)])
    role = next(iter(inv.roles.values()))
    sts = role.inline_policies[0].statements
    assert sts[1].actions == ("ec2:CreateNetworkInterface",) and sts[1].resources == ("*",)
    assert isinstance(sts[0].resources[0], Unresolved) and sts[0].resources[0].name == "var.rid"


def test_variable_precedence(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "a" {\n  default = "default"\n}\nvariable "n" {\n  type = number\n}\n'
                                      'variable "l" {\n  type = list(string)\n}\n')
    (tmp_path / "terraform.tfvars").write_text('a = "tfvars"\n')
    (tmp_path / "x.auto.tfvars").write_text('a = "auto"\n')
    (tmp_path / "extra.tfvars").write_text('a = "file"\n')
    values = load_variables(str(tmp_path), "in", [], [])
    assert values["a"] == "auto"
    values = load_variables(str(tmp_path), "in", ["a=cli", "n=5", 'l=["x","y"]'], [str(tmp_path / "extra.tfvars")])
    assert values["a"] == "cli"
    root = RootLoader(str(tmp_path), "in", values, "us-east-1").root
    assert root.var("n") == 5 and root.var("l") == ["x", "y"]
    with pytest.raises(InputError):
        load_variables(str(tmp_path), "in", ["novalue"], [])


def test_modules_count_and_addresses(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('variable "n" {}\nresource "aws_subnet" "s" {\n  count = var.n\n'
                                            '  vpc_id = "vpc-1"\n  cidr_block = "10.0.${count.index}.0/24"\n}\n'
                                            'output "ids" {\n  value = aws_subnet.s[*].id\n}\n')
    (tmp_path / "main.tf").write_text('module "net" {\n  source = "./m"\n  for_each = {x = 2, y = 1}\n'
                                      '  n = each.value\n}\nresource "aws_db_subnet_group" "g" {\n  name = "g"\n'
                                      '  subnet_ids = module.net["x"].ids\n}\n')
    inv = load_terraform([str(tmp_path)])
    names = sorted(s.prov.logical_id for s in inv.subnets.values())
    assert names == ['module.net["x"].aws_subnet.s[0]', 'module.net["x"].aws_subnet.s[1]',
                     'module.net["y"].aws_subnet.s[0]']
    group = next(iter(inv.db_subnet_groups.values()))
    assert set(group.subnet_ids) == {s.id for s in inv.subnets.values() if 'net["x"]' in s.prov.logical_id}
    assert next(iter(inv.subnets.values())).prov.source.endswith("m/main.tf")


def test_undeclared_reference_is_rl004(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_security_group" "g" {\n  vpc_id = aws_vpc.missing.id\n}\n')
    inv = load_terraform([str(tmp_path)])
    assert [i.id for i in inv.issues] == ["RL004"]
    assert "main.tf:2" in inv.issues[0].evidence


def test_syntax_error_is_input_error_with_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = \n}\n')
    code, doc, err = run_check([str(tmp_path)], [])
    assert code == 2 and doc is None
    assert "main.tf:" in err and "HCL syntax error" in err and "Traceback" not in err


def test_var_without_terraform_input_is_usage_error(tmp_path: Path) -> None:
    code, _, err = run_check([str(tmp_path)], ["--var", "a=b"])
    assert code == 2 and "--var" in err


def test_input_detection(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    assert is_terraform_dir(str(tmp_path))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": {}}))
    assert is_plan_file(str(plan))
    other = tmp_path / "t.json"
    other.write_text(json.dumps({"Resources": {}}))
    assert not is_plan_file(str(other))


def test_default_vpc_db_and_no_subnet_group_is_unknown(tmp_path: Path) -> None:
    """aws_db_instance without db_subnet_group_name is in the default VPC, which no input describes."""
    (tmp_path / "main.tf").write_text('''
resource "aws_db_instance" "d" {
  identifier = "d"
  engine     = "mysql"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/x"
  vpc_config {
    subnet_ids         = ["subnet-0123456789abcdef0"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
  environment {
    variables = { DB_HOST = aws_db_instance.d.address }
  }
}
''')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and code == 3
    assert [p["verdict"] for p in doc["pairs"]] == ["UNKNOWN"]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_mixed_template_and_terraform_inputs() -> None:
    """A template and a Terraform folder in one run: each keeps its own pairs and ids."""
    tpl = FIXTURES / "templates" / "good" / "RL002-parameter-supplied.yaml"
    tf = FIXTURES / "terraform" / "bad" / "RL207-no-egress"
    code, doc, err = run_check([str(tpl), str(tf)], ["--no-lint", "--parameter", "DbPort=5432"])
    assert doc is not None, err
    kinds = sorted(i["kind"] for i in doc["inputs"])
    assert kinds == ["cloudformation", "terraform"]
    by_fn = {p["function"]["id"]: p["verdict"] for p in doc["pairs"]}
    assert by_fn["aws_lambda_function.orders"] == "BLOCKED"
    assert any(not k.startswith("aws_") for k in by_fn)
    assert code == 1


def test_egress_rule_with_unresolved_count_is_not_rl207(tmp_path: Path) -> None:
    """An egress rule whose count is unresolved may exist: the group is not proven egress-less (no RL207, no
    BLOCKED from the egress hop)."""
    src = (FIXTURES / "terraform" / "good" / "RL207-standalone-egress-rule" / "main.tf").read_text()
    src = src.replace('resource "aws_vpc_security_group_egress_rule" "fn_to_db" {',
                      'variable "n" {}\nresource "aws_vpc_security_group_egress_rule" "fn_to_db" {\n  count = var.n')
    (tmp_path / "main.tf").write_text(src)
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None
    ids = {f["id"] for p in doc["pairs"] for f in p["findings"]}
    assert "RL207" not in ids and "RL204" not in ids
    assert [p["verdict"] for p in doc["pairs"]] == ["UNKNOWN"] and code == 3
    code, doc, _ = run_check([str(tmp_path)], ["--var", "n=0"])
    assert doc is not None and [p["verdict"] for p in doc["pairs"]] == ["BLOCKED"]
    assert "RL207" in {f["id"] for p in doc["pairs"] for f in p["findings"]}
    code, doc, _ = run_check([str(tmp_path)], ["--var", "n=1"])
    assert doc is not None and [p["verdict"] for p in doc["pairs"]] == ["REACHABLE"] and code == 0


def test_partly_unresolved_url_still_pairs_with_its_database(tmp_path: Path) -> None:
    src = (FIXTURES / "terraform" / "good" / "RL207-inline-egress" / "main.tf").read_text()
    src = src.replace("DB_HOST = aws_db_instance.orders.address",
                      'DATABASE_URL = "postgres://${aws_db_instance.orders.address}:5432/${var.db}"')
    (tmp_path / "main.tf").write_text(src + '\nvariable "db" {}\n')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("aws_db_instance.orders", "REACHABLE")]


def test_two_roots_with_the_same_addresses_are_kept_apart(tmp_path: Path) -> None:
    """T1: the same address in two inputs is prefixed with the input folder, and both pairs are analysed."""
    import shutil

    src = FIXTURES / "terraform" / "good" / "RL207-inline-egress"
    shutil.copytree(src, tmp_path / "dev")
    shutil.copytree(FIXTURES / "terraform" / "bad" / "RL207-no-egress", tmp_path / "prod")
    code, doc, _ = run_check([str(tmp_path / "dev"), str(tmp_path / "prod")], [])
    assert doc is not None
    got = sorted((p["function"]["id"].rsplit("/", 2)[-2] + "/" + p["function"]["id"].rsplit("/", 1)[-1],
                  p["verdict"]) for p in doc["pairs"])
    assert got == [("dev/aws_lambda_function.orders", "REACHABLE"), ("prod/aws_lambda_function.orders", "BLOCKED")]
    assert code == 1


@pytest.mark.parametrize("plan", [
    {"format_version": "1.2", "planned_values": None},
    {"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_vpc.v", "values": None}]}},
     "resource_changes": None, "configuration": []},
    {"format_version": "1.2", "planned_values": {"root_module": {"resources": ["x", {"no": "address"}],
                                                                 "child_modules": [None]}}, "variables": []},
])
def test_odd_plan_shapes_do_not_crash(tmp_path: Path, plan: dict) -> None:
    p = tmp_path / "plan.json"
    p.write_text(json.dumps(plan))
    code, doc, err = run_check([str(p)], [])
    assert code in (0, 2, 3) and "Traceback" not in err, err


def test_no_egress_blocks_even_an_unresolved_target(tmp_path: Path) -> None:
    """With no outbound rule at all the function reaches nothing, whatever the endpoint turns out to be."""
    src = (FIXTURES / "terraform" / "bad" / "RL207-no-egress" / "main.tf").read_text()
    (tmp_path / "main.tf").write_text(src.replace("DB_HOST = aws_db_instance.orders.address", "DB_HOST = var.db_host")
                                      + '\nvariable "db_host" {}\n')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and code == 1
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("?var.db_host", "BLOCKED")]
    assert "RL207" in {f["id"] for p in doc["pairs"] for f in p["findings"]}


def test_standalone_rule_on_a_group_with_inline_rules_is_not_trusted(tmp_path: Path) -> None:
    """The provider removes standalone rules of a direction the group declares inline: the DB-port rule may
    vanish on the next apply, so the pair cannot be REACHABLE (UNKNOWN)."""
    src = (FIXTURES / "terraform" / "good" / "RL207-inline-egress" / "main.tf").read_text()
    src = src.replace('''resource "aws_security_group" "db" {
  name   = "orders-db"
  vpc_id = aws_vpc.main.id
}''', '''resource "aws_security_group" "db" {
  name   = "orders-db"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
}''')
    (tmp_path / "main.tf").write_text(src)
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None
    assert [p["verdict"] for p in doc["pairs"]] == ["UNKNOWN"] and code == 3


def test_standalone_route_on_a_table_with_inline_routes_is_not_trusted(tmp_path: Path) -> None:
    src = (FIXTURES / "terraform" / "good" / "main-route-table-association" / "main.tf").read_text()
    src = src.replace('''resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}''', '''resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "192.168.0.0/16"
    gateway_id = aws_internet_gateway.igw.id
  }
}''')
    (tmp_path / "main.tf").write_text(src)
    inv = load_terraform([str(tmp_path)])
    rt = next(r for r in inv.route_tables.values() if r.prov.logical_id == "aws_route_table.private")
    standalone = [r for r in rt.routes if r.prov.path == "aws_route.private_default"]
    assert len(standalone) == 1 and isinstance(standalone[0].destination, Unresolved)
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and [p["verdict"] for p in doc["pairs"]] != ["REACHABLE"]


def test_terraform_reads_are_bounded_like_every_other_input(tmp_path: Path) -> None:
    """A --var-file that is a FIFO or a device, and a file() of /dev/zero, go through the project's bounded reader
    (regular files only, size cap): a clear exit 2 or an unresolved value, never a hang or unbounded memory."""
    import os

    (tmp_path / "main.tf").write_text('variable "x" {}\n')
    fifo = tmp_path / "vars.tfvars"
    os.mkfifo(fifo)
    code, _, err = run_check([str(tmp_path)], ["--var-file", str(fifo)])
    assert code == 2 and "vars.tfvars" in err, err
    code, _, err = run_check([str(tmp_path)], ["--var-file", "/dev/zero"])
    assert code == 2 and "/dev/zero" in err, err
    value = ev('file("/dev/zero")')
    assert isinstance(value, Unresolved) and value.reason == "file not readable"
