"""Terraform inputs: transit gateways (what the configuration leaves undecided stays UNKNOWN), SSM Parameter
Store wiring (Terraform <-> CloudFormation), ``*.tf.json`` files and ``%{ }`` template directives."""

from __future__ import annotations

import shutil
from pathlib import Path

from .test_check_fixtures import run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
TGW = (FIXTURES / "good" / "tgw-two-vpcs" / "main.tf").read_text()


def _verdicts(doc: dict) -> list[str]:
    return [p["verdict"] for p in doc["pairs"]]


def _tgw_variant(tmp_path: Path, old: str, new: str) -> tuple[int, dict]:
    assert old in TGW
    (tmp_path / "main.tf").write_text(TGW.replace(old, new))
    code, doc, err = run_check([str(tmp_path)], [])
    assert doc is not None, err
    return code, doc


def test_tgw_option_from_a_variable_without_value_is_unknown(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, 'description = "hub between the application and the data VPC"',
                             'default_route_table_propagation = var.propagation')
    (tmp_path / "vars.tf").write_text('variable "propagation" {\n  type = string\n}\n')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and _verdicts(doc) == ["UNKNOWN"] and code == 3
    code, doc, _ = run_check([str(tmp_path)], ["--var", "propagation=disable"])
    assert doc is not None and _verdicts(doc) == ["BLOCKED"] and code == 1
    code, doc, _ = run_check([str(tmp_path)], ["--var", "propagation=enable"])
    assert doc is not None and _verdicts(doc) == ["REACHABLE"] and code == 0


def test_attachment_opted_out_of_default_association_is_blocked(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, "  subnet_ids         = aws_subnet.app[*].id\n",
                             "  subnet_ids         = aws_subnet.app[*].id\n"
                             "  transit_gateway_default_route_table_association = false\n")
    assert _verdicts(doc) == ["BLOCKED"] and code == 1
    f = [f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL305"]
    assert f and "associated with no transit gateway route table" in f[0]["evidence"]


def test_second_association_without_replace_is_unknown(tmp_path: Path) -> None:
    extra = '''
resource "aws_ec2_transit_gateway_route_table" "other" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
}

resource "aws_ec2_transit_gateway_route_table_association" "app" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.app.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id
}
'''
    code, doc = _tgw_variant(tmp_path, 'resource "aws_route_table" "app" {', extra + 'resource "aws_route_table" "app" {')
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3
    assert any("replace_existing_association" in w for w in doc["warnings"])
    # with replace_existing_association the explicit table (no routes at all) is the one used: no route
    (tmp_path / "main.tf").write_text((tmp_path / "main.tf").read_text().replace(
        "transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id",
        "transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id\n"
        "  replace_existing_association   = true"))
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and _verdicts(doc) == ["BLOCKED"] and code == 1


def test_tgw_not_in_the_inputs_is_unknown(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, "  transit_gateway_id     = aws_ec2_transit_gateway.hub.id\n",
                             '  transit_gateway_id     = "tgw-0123456789abcdef0"\n')
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3


def _copy(tmp_path: Path, rel: str) -> Path:
    dst = tmp_path / rel.replace("/", "_")
    shutil.copytree(FIXTURES / rel, dst)
    return dst
