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
