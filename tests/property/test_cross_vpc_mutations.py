"""Property test over the two-VPC fixtures (peering and transit gateway, both REACHABLE as written): any non-empty
set of cross-VPC breakages - delete one side's route, make the peering pending (cross-account, not accepted),
detach an Availability Zone from a transit gateway attachment, drop an attachment, send a route to a blackhole -
mixed with harmless edits (descriptions, list order, an unrelated VPC) must never leave the pair REACHABLE, and
the harmless edits alone must keep it REACHABLE."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from rdslink.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "good"
PEERING = FIXTURES / "RL105-peered-vpcs-routed-both-ways.yaml"
TGW = FIXTURES / "RL307-tgw-attachments-in-every-az.yaml"
SETTINGS = settings(max_examples=20, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Fn::" + suffix if suffix not in ("Ref",) else "Ref"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def verdict(template: dict[str, Any], tmp: Path) -> tuple[int, list[str]]:
    path = tmp / "t.json"
    path.write_text(json.dumps(template))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path), "--no-lint", "--format", "json"])
    doc = json.loads(out.getvalue())
    return code, [p["verdict"] for p in doc["pairs"]]


Mutation = Callable[[dict[str, Any]], bool]


def _del(name: str) -> Mutation:
    def m(t: dict[str, Any]) -> bool:
        return t["Resources"].pop(name, None) is not None
    m.__name__ = f"delete {name}"
    return m


def pending_peering(t: dict[str, Any]) -> bool:
    r = t["Resources"].get("Peering")
    if r is None:
        return False
    r["Properties"]["PeerOwnerId"] = "111122223333"
    return True


def detach_az_b(t: dict[str, Any]) -> bool:
    r = t["Resources"].get("AppAttachment")
    if r is None:
        return False
    r["Properties"]["SubnetIds"] = [{"Ref": "AppSubnetA"}]
    return True


def detach_data_az_a(t: dict[str, Any]) -> bool:
    r = t["Resources"].get("DataAttachment")
    if r is None:
        return False
    r["Properties"]["SubnetIds"] = [{"Ref": "DataSubnetB"}]
    return True


def route_to_nowhere(t: dict[str, Any]) -> bool:
    r = t["Resources"].get("AppToData")
    if r is None:
        return False
    r["Properties"]["DestinationCidrBlock"] = "10.9.0.0/16"  # no longer covers the data VPC
    return True


def tgw_blackhole(t: dict[str, Any]) -> bool:
    if "Tgw" not in t["Resources"]:
        return False
    t["Resources"]["TgwRouteTable"] = {"Type": "AWS::EC2::TransitGatewayRouteTable",
                                       "Properties": {"TransitGatewayId": {"Ref": "Tgw"}}}
    t["Resources"]["TgwAssoc"] = {"Type": "AWS::EC2::TransitGatewayRouteTableAssociation", "Properties": {
        "TransitGatewayRouteTableId": {"Ref": "TgwRouteTable"}, "TransitGatewayAttachmentId": {"Ref": "AppAttachment"}}}
    t["Resources"]["TgwBlackhole"] = {"Type": "AWS::EC2::TransitGatewayRoute", "Properties": {
        "TransitGatewayRouteTableId": {"Ref": "TgwRouteTable"}, "DestinationCidrBlock": "10.1.0.0/16",
        "Blackhole": True}}
    return True


BREAKING: list[Mutation] = [_del("AppToData"), _del("DataToApp"), _del("Peering"), pending_peering, detach_az_b,
                            detach_data_az_a, _del("AppAttachment"), _del("DataAttachment"), route_to_nowhere,
                            tgw_blackhole]


def describe(t: dict[str, Any]) -> bool:
    t["Description"] = "mutated " + t.get("Description", "")
    return True


def reorder_subnets(t: dict[str, Any]) -> bool:
    t["Resources"]["Fn"]["Properties"]["VpcConfig"]["SubnetIds"].reverse()
    t["Resources"]["DbSubnetGroup"]["Properties"]["SubnetIds"].reverse()
    return True


def unrelated_vpc(t: dict[str, Any]) -> bool:
    t["Resources"]["OtherVpc"] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "172.16.0.0/16"}}
    return True


HARMLESS: list[Mutation] = [describe, reorder_subnets, unrelated_vpc]


@pytest.mark.parametrize("path", [PEERING, TGW], ids=["peering", "tgw"])
def test_baseline_is_reachable(path: Path, tmp_path: Path) -> None:
    assert verdict(load(path), tmp_path) == (0, ["REACHABLE"])


@SETTINGS
@given(st.sampled_from([PEERING, TGW]), st.lists(st.sampled_from(BREAKING), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from(HARMLESS), max_size=3, unique=True))
def test_cross_vpc_breakage_never_reachable(path: Path, breaking: list[Mutation], harmless: list[Mutation]) -> None:
    import tempfile

    t = load(path)
    applied = [m.__name__ for m in breaking if m(t)]
    for m in harmless:
        m(t)
    note(f"{path.name}: {applied} + {[m.__name__ for m in harmless]}")
    with tempfile.TemporaryDirectory() as tmp:
        code, verdicts = verdict(t, Path(tmp))
    if applied:
        assert "REACHABLE" not in verdicts and code != 0, (applied, verdicts)
    else:
        assert verdicts == ["REACHABLE"]


@settings(SETTINGS, max_examples=6)
@given(st.sampled_from([PEERING, TGW]), st.lists(st.sampled_from(HARMLESS), min_size=1, max_size=3, unique=True))
def test_harmless_edits_keep_it_reachable(path: Path, harmless: list[Mutation]) -> None:
    import tempfile

    t = load(path)
    for m in harmless:
        m(t)
    with tempfile.TemporaryDirectory() as tmp:
        assert verdict(t, Path(tmp)) == (0, ["REACHABLE"])
