"""Fixes for Terraform inputs as HCL blocks (the ``template`` part of a Fix), referencing resources by their
Terraform addresses. The AWS CLI part is the same as for templates.

AWS provider documentation followed: ``aws_security_group`` (inline ``egress``; Terraform removes the default
allow-all egress), ``aws_vpc_security_group_ingress_rule`` / ``_egress_rule`` (one rule per resource, the
provider's recommended form), ``aws_vpc_endpoint``.
"""

from __future__ import annotations

import re

from ..model import Provenance

_ADDRESS = re.compile(r"^(module\.[\w-]+(\[[^\]]*\])?\.)*(data\.)?aws_[a-z0-9_]+\.[\w-]+(\[[^\]]*\])?"
                      r"(\.(default_security_group|main_route_table|default_network_acl))?$")


def address(prov: Provenance) -> str:
    """The Terraform address of an object (without an input prefix)."""
    return prov.logical_id.rsplit("/", 1)[-1] if "/" in prov.logical_id and not prov.logical_id.startswith(
        "arn:") else prov.logical_id


def is_terraform(prov: Provenance) -> bool:
    """True when the object comes from a Terraform input (its display id is a Terraform address; CloudFormation
    logical ids are alphanumeric and cannot contain ``.``)."""
    return bool(_ADDRESS.match(address(prov)))


def expr(prov: Provenance, attr: str = "id") -> str:
    """HCL reference to an object's attribute: ``aws_security_group.db.id``; implicit VPC objects become the
    VPC's attribute (``aws_vpc.main.default_security_group_id``)."""
    a = address(prov)
    for implicit in ("default_security_group", "main_route_table", "default_network_acl"):
        if a.endswith("." + implicit):
            return f"{a[:-len(implicit) - 1]}.{implicit}_id"
    return f"{a}.{attr}"


def _name(*provs: Provenance) -> str:
    parts = []
    for p in provs:
        segs = re.sub(r"\[.*?\]", "", address(p)).split(".")
        parts.append(segs[-1] if segs[-1] not in ("default_security_group",) else segs[-2])
    return re.sub(r"[^A-Za-z0-9_]", "_", "_to_".join(parts))


def _module_note(*provs: Provenance) -> str:
    mods = sorted({address(p).rsplit(".aws_", 1)[0] for p in provs if address(p).startswith("module.")})
    if not mods:
        return ""
    return (f"# {', '.join(mods)}: these resources are inside a module; add the rule there (or expose the group "
            "id as a module output and reference it)\n")


def sg_ingress(group: Provenance, port: int, source: Provenance) -> str:
    """HCL: allow TCP ``port`` into ``group`` from members of ``source``."""
    return (_module_note(group, source) +
            f'resource "aws_vpc_security_group_ingress_rule" "{_name(source, group)}" {{\n'
            f"  security_group_id            = {expr(group)}\n"
            f"  referenced_security_group_id = {expr(source)}\n"
            f'  ip_protocol                  = "tcp"\n'
            f"  from_port                    = {port}\n"
            f"  to_port                      = {port}\n"
            "}\n")


def sg_egress(group: Provenance, port: int, dest: Provenance) -> str:
    """HCL: allow TCP ``port`` out of ``group`` to members of ``dest``."""
    return (_module_note(group, dest) +
            f'resource "aws_vpc_security_group_egress_rule" "{_name(group, dest)}" {{\n'
            f"  security_group_id            = {expr(group)}\n"
            f"  referenced_security_group_id = {expr(dest)}\n"
            f'  ip_protocol                  = "tcp"\n'
            f"  from_port                    = {port}\n"
            f"  to_port                      = {port}\n"
            "}\n")


def egress_block(group: Provenance) -> str:
    """HCL: the ``egress`` block to add inside the ``aws_security_group`` (RL207)."""
    a = re.sub(r"\[.*?\]", "", address(group)).split(".")
    return (_module_note(group) +
            f'resource "{a[-2]}" "{a[-1]}" {{\n'
            "  # ... keep the existing arguments, and add:\n"
            "  egress {\n"
            '    description = "outbound (AWS creates this rule by default; Terraform removes it)"\n'
            "    from_port   = 0\n"
            "    to_port     = 0\n"
            '    protocol    = "-1"\n'
            '    cidr_blocks = ["0.0.0.0/0"]\n'
            "  }\n"
            "}\n")


def secrets_endpoint(vpc: Provenance, subnet_refs: list[str], sg_ref: str) -> str:
    """HCL: a secretsmanager interface endpoint with private DNS in the function's subnets."""
    subnets = ", ".join(_ref_expr(s) for s in subnet_refs)
    if sg_ref.startswith("<") and not _ADDRESS.match(sg_ref.strip("<>")):
        groups = "  security_group_ids  = [aws_security_group.endpoints.id] # a group admitting tcp/443 from the function\n"
    else:
        groups = f"  security_group_ids  = [{_ref_expr(sg_ref)}]\n"
    return (f'resource "aws_vpc_endpoint" "secretsmanager" {{\n'
            f"  vpc_id              = {expr(vpc)}\n"
            '  service_name        = "com.amazonaws.${data.aws_region.current.name}.secretsmanager"\n'
            '  vpc_endpoint_type   = "Interface"\n'
            "  private_dns_enabled = true\n"
            f"  subnet_ids          = [{subnets}]\n"
            + groups +
            "}\n"
            'data "aws_region" "current" {}\n')


def _ref_expr(ref: str) -> str:
    """``!Ref aws_subnet.a`` / ``<aws_subnet.a>`` / a physical id -> an HCL expression."""
    r = ref.removeprefix("!Ref ").strip("<>")
    if _ADDRESS.match(r):
        return expr(Provenance("", r))
    return f'"{r}"'


def _block(prov: Provenance, body: str) -> str:
    """``resource "<type>" "<name>" { ...body }`` for an existing resource (keep its other arguments)."""
    segs = re.sub(r"\[.*?\]", "", address(prov)).split(".")
    return (_module_note(prov) + f'resource "{segs[-2]}" "{segs[-1]}" {{\n  # ... keep the existing arguments, '
            f"and set:\n{body}}}\n")


def attach_vpc_policy(role: Provenance) -> str:
    """HCL: attach AWSLambdaVPCAccessExecutionRole to the function's role."""
    return (_module_note(role) + f'resource "aws_iam_role_policy_attachment" "{_name(role)}_vpc_access" {{\n'
            f"  role       = {expr(role, 'name')}\n"
            '  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"\n'
            "}\n")


def inline_policy(role: Provenance, policy_name: str, action: str, resource: str) -> str:
    """HCL: an ``aws_iam_role_policy`` granting ``action`` on ``resource``."""
    return (_module_note(role) + f'resource "aws_iam_role_policy" "{_name(role)}_{policy_name.replace("-", "_")}" {{\n'
            f'  name = "{policy_name}"\n'
            f"  role = {expr(role)}\n"
            "  policy = jsonencode({\n"
            '    Version   = "2012-10-17"\n'
            f'    Statement = [{{ Effect = "Allow", Action = "{action}", Resource = "{resource}" }}]\n'
            "  })\n"
            "}\n")


def private_dns(endpoint: Provenance) -> str:
    return _block(endpoint, "  private_dns_enabled = true\n")


def dns_support(vpc: Provenance) -> str:
    return _block(vpc, "  enable_dns_support = true\n")


def not_public(db: Provenance) -> str:
    return _block(db, "  publicly_accessible = false\n")


def reserved_concurrency(fn: Provenance, n: int) -> str:
    """HCL: cap the function's concurrency (``reserved_concurrent_executions`` of aws_lambda_function)."""
    return _block(fn, f"  reserved_concurrent_executions = {n}\n")


def nacl_entry(acl: Provenance, egress: bool, cidr: str, low: int, high: int, number: int) -> str:
    """HCL: allow tcp ``low``-``high`` to/from ``cidr``. ``aws_default_network_acl`` manages its entries
    exclusively, so the fix is a block inside it; otherwise an ``aws_network_acl_rule``."""
    direction = "egress" if egress else "ingress"
    if re.sub(r"\[.*?\]", "", address(acl)).rsplit(".", 1)[0].endswith("aws_default_network_acl"):
        return _block(acl, f"  {direction} {{\n    rule_no    = {number}\n    action     = \"allow\"\n"
                           f'    protocol   = "tcp"\n    cidr_block = "{cidr}"\n    from_port  = {low}\n'
                           f"    to_port    = {high}\n  }}\n")
    return (_module_note(acl) +
            f"# if {address(acl)} declares inline ingress/egress blocks, add this as an {direction} block there\n"
            f'resource "aws_network_acl_rule" "{_name(acl)}_{direction}_{low}_{number}" {{\n'
            f"  network_acl_id = {expr(acl)}\n"
            f"  rule_number    = {number}\n"
            f"  egress         = {'true' if egress else 'false'}\n"
            '  protocol       = "tcp"\n'
            '  rule_action    = "allow"\n'
            f'  cidr_block     = "{cidr}"\n'
            f"  from_port      = {low}\n"
            f"  to_port        = {high}\n"
            "}\n")


def vpc_config(fn: Provenance, subnet_refs: list[str], sg_ref: str) -> str:
    """HCL: the ``vpc_config`` block of the function (private subnets in two or more AZs, a security group)."""
    subnets = ", ".join(_ref_expr(s) for s in subnet_refs) if subnet_refs else \
        "aws_subnet.private_a.id, aws_subnet.private_b.id"
    group = _ref_expr(sg_ref) if not sg_ref.startswith("<") or _ADDRESS.match(sg_ref.strip("<>")) else \
        "aws_security_group.lambda.id"
    return _block(fn, f"  vpc_config {{\n    subnet_ids         = [{subnets}]\n"
                      f"    security_group_ids = [{group}]\n  }}\n")


def revoke_world(group: Provenance, port: int, cidr: str) -> str:
    return (_module_note(group) + f"# {address(group)}: remove the rule (inline ingress block or standalone rule) that "
            f"admits {cidr} on port {port}, and admit the function's security group instead:\n"
            f'resource "aws_vpc_security_group_ingress_rule" "{_name(group)}_from_function" {{\n'
            f"  security_group_id            = {expr(group)}\n"
            "  referenced_security_group_id = aws_security_group.lambda.id # the function's group\n"
            '  ip_protocol                  = "tcp"\n'
            f"  from_port                    = {port}\n"
            f"  to_port                      = {port}\n"
            "}\n")
