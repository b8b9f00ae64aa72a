"""NAT instances from describe JSON (VPC User Guide, "NAT instances"): a route to an instance or a network
interface forwards only when its SourceDestCheck is false; the instance's security group must admit the
traffic from the function, its subnet must route 0.0.0.0/0 to an internet gateway, and it needs a public IP.

Built on the ``route-table-associations`` snapshot (tests/unit/test_describe_fixtures.py): the function
``correct-secrets-nat-fn`` reads a secret at run time and its subnets' table routes 0.0.0.0/0 to a NAT
gateway. Here that route goes to an instance in the NAT gateway's public subnet instead (DescribeRouteTables
gives both ``InstanceId`` and ``NetworkInterfaceId`` for such a route), described by DescribeInstances or
DescribeNetworkInterfaces, so the secrets path (a hop of the pair) is decided by the NAT instance alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .test_describe_fixtures import ASSOC, GOOD_FN, NAT_TABLE, ROUTES, _check, _summary

FN_SG = "sg-b23d9119a367b33e3"
PUBLIC_SUBNET = "subnet-be38ded5ee68ce71a"  # 10.20.9.0/24, routes 0.0.0.0/0 to igw-675e9ac840f7de7f8
VPC = "vpc-e7a2ffee7a02b8d68"
NAT_SG = "sg-0a7a7a7a7a7a7a7a7"


def _eni(sdc: bool | None, public: bool) -> dict[str, Any]:
    eni: dict[str, Any] = {"NetworkInterfaceId": "eni-0a7a7a7a7a7a7a7a7", "SubnetId": PUBLIC_SUBNET, "VpcId": VPC,
                           "PrivateIpAddress": "10.20.9.10", "InterfaceType": "interface",
                           "Groups": [{"GroupId": NAT_SG}],
                           "Attachment": {"InstanceId": "i-0a7a7a7a7a7a7a7a7", "DeviceIndex": 0}}
    if sdc is not None:
        eni["SourceDestCheck"] = sdc
    if public:
        eni["Association"] = {"PublicIp": "54.0.0.10"}
    return eni


def _snapshot(tmp_path: Path, *, target: str = "instance", sdc: bool | None = False, public: bool = True,
              sg_admits: bool = True, described: bool = True) -> Path:
    folder = tmp_path / "snap"
    shutil.copytree(ASSOC, folder)
    path = folder / ROUTES
    data = json.loads(path.read_text())
    table = next(t for t in data["RouteTables"] if t["RouteTableId"] == NAT_TABLE)
    route = next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
    route.pop("NatGatewayId")
    route["NetworkInterfaceId"] = "eni-0a7a7a7a7a7a7a7a7"
    if target == "instance":
        route["InstanceId"] = "i-0a7a7a7a7a7a7a7a7"
        route["InstanceOwnerId"] = "123456789012"
    path.write_text(json.dumps(data))
    sgs_path = folder / "us-east-1/ec2-describe-security-groups.json"
    sgs = json.loads(sgs_path.read_text())
    sgs["SecurityGroups"].append({
        "GroupId": NAT_SG, "GroupName": "nat-instance", "VpcId": VPC, "OwnerId": "123456789012",
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [], "Ipv6Ranges": [],
                           "PrefixListIds": [],
                           "UserIdGroupPairs": [{"GroupId": FN_SG if sg_admits else NAT_SG}]}],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                                 "PrefixListIds": [], "UserIdGroupPairs": []}]})
    sgs_path.write_text(json.dumps(sgs))
    if not described:
        return folder
    if target == "instance":
        inst: dict[str, Any] = {"InstanceId": "i-0a7a7a7a7a7a7a7a7", "SubnetId": PUBLIC_SUBNET, "VpcId": VPC,
                                "PrivateIpAddress": "10.20.9.10", "State": {"Name": "running"},
                                "SecurityGroups": [{"GroupId": NAT_SG}], "NetworkInterfaces": [_eni(sdc, public)]}
        if sdc is not None:
            inst["SourceDestCheck"] = sdc
        if public:
            inst["PublicIpAddress"] = "54.0.0.10"
        (folder / "us-east-1/ec2-describe-instances.json").write_text(
            json.dumps({"Reservations": [{"Instances": [inst]}]}))
    else:
        (folder / "us-east-1/ec2-describe-network-interfaces.json").write_text(
            json.dumps({"NetworkInterfaces": [_eni(sdc, public)]}))
    return folder


def _good_pair(doc: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in doc["pairs"] if p["function"]["name"] == GOOD_FN)


@pytest.mark.parametrize("target", ["instance", "eni"])
def test_nat_instance_with_source_dest_check_off_carries_the_secrets_call(tmp_path: Path, target: str) -> None:
    _, doc = _check(_snapshot(tmp_path, target=target))
    assert _summary(doc)[GOOD_FN] == ("REACHABLE", [])
    hop = next(h for h in _good_pair(doc)["hops"] if h["name"] == "secrets-path")
    assert hop["status"] == "open" and "i-0a7a7a7a7a7a7a7a7" in hop["evidence"], hop


@pytest.mark.parametrize("target", ["instance", "eni"])
def test_source_dest_check_on_drops_the_traffic(tmp_path: Path, target: str) -> None:
    _, doc = _check(_snapshot(tmp_path, target=target, sdc=True))
    assert _summary(doc)[GOOD_FN] == ("BLOCKED", ["RL504"])
    f = next(f for f in _good_pair(doc)["findings"] if f["id"] == "RL504")
    assert "SourceDestCheck enabled" in f["evidence"], f


@pytest.mark.parametrize("change", [{"public": False}, {"sg_admits": False}])
def test_nat_instance_that_cannot_reach_the_internet_is_rl504(tmp_path: Path, change: dict[str, Any]) -> None:
    _, doc = _check(_snapshot(tmp_path, **change))
    assert _summary(doc)[GOOD_FN] == ("BLOCKED", ["RL504"])


@pytest.mark.parametrize("change", [{"sdc": None}, {"described": False}, {"target": "eni", "described": False}])
def test_undecided_nat_instance_is_unknown(tmp_path: Path, change: dict[str, Any]) -> None:
    _, doc = _check(_snapshot(tmp_path, **change))
    verdict, ids = _summary(doc)[GOOD_FN]
    assert verdict == "UNKNOWN" and "RL504" not in ids
    hop = next(h for h in _good_pair(doc)["hops"] if h["name"] == "secrets-path")
    assert hop["status"] == "unknown"
    assert ("SourceDestCheck" in hop["evidence"]) if "sdc" in change else ("not in the inputs" in hop["evidence"])
