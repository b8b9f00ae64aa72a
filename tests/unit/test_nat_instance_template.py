"""What the CloudFormation builder reads for a NAT instance: AWS::EC2::Instance SourceDestCheck (default true)
and public IP (AssociatePublicIpAddress of the primary interface, an Elastic IP, else the subnet's
MapPublicIpOnLaunch), AWS::EC2::NetworkInterface SourceDestCheck, and routes with InstanceId /
NetworkInterfaceId targets."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from rdslink.sources.cloudformation.loader import load_templates

BASE = """
Parameters:
  Check: {Type: String, AllowedValues: ["true", "false"]}
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.9.0/24, MapPublicIpOnLaunch: MAP}
  NatSg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: nat, VpcId: !Ref Vpc}}
  Nat:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      SubnetId: !Ref Public
      SecurityGroupIds: [!Ref NatSg]
EXTRA
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: !Ref Public, GroupSet: [!Ref NatSg], SourceDestCheck: false}
  Rt: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  ToInstance:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, InstanceId: !Ref Nat}
  ToEni:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 10.1.0.0/16, NetworkInterfaceId: !Ref Eni}
"""


def _load(tmp_path: Path, extra: str = "", mapped: str = "false", params: list[str] | None = None) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "t.yaml"
    path.write_text(dedent(BASE).replace("MAP", mapped).replace("EXTRA\n", extra))
    inv = load_templates([str(path)], parameters=params or ["Check=true"])
    return inv[0] if isinstance(inv, tuple) else inv


def _nat(inv: Any) -> Any:
    return next(i for i in inv.instances.values() if i.prov.logical_id == "Nat")


def test_defaults_source_dest_check_on_and_subnet_decides_the_public_ip(tmp_path: Path) -> None:
    inv = _load(tmp_path)
    nat = _nat(inv)
    assert nat.source_dest_check is True and nat.public_ip is False
    assert nat.subnet_id in inv.subnets and nat.vpc_id in inv.vpcs and len(nat.security_group_ids) == 1
    assert _nat(_load(tmp_path / "m", mapped="true")).public_ip is True
    eni = next(e for e in inv.network_interfaces.values() if e.prov.logical_id == "Eni")
    assert eni.source_dest_check is False and eni.vpc_id == nat.vpc_id and eni.public_ip is False
    kinds = {r.prov.logical_id: (r.target_type, r.target_id) for rt in inv.route_tables.values() for r in rt.routes}
    assert kinds["ToInstance"] == ("instance", nat.id) and kinds["ToEni"] == ("eni", eni.id)


@pytest.mark.parametrize(("extra", "sdc", "public"), [
    ("      SourceDestCheck: false\n", False, False),
    ("      SourceDestCheck: !Ref Check\n", True, False),
    ("      SourceDestCheck: !Ref Unset\n", None, False),
    ("  Eip: {Type: AWS::EC2::EIP, Properties: {InstanceId: !Ref Nat}}\n", True, True),
    ("  Assoc: {Type: AWS::EC2::EIPAssociation, Properties: {InstanceId: !Ref Nat, AllocationId: eipalloc-1}}\n",
     True, True),
])
def test_source_dest_check_and_elastic_ip(tmp_path: Path, extra: str, sdc: bool | None, public: bool) -> None:
    if "Unset" in extra:
        extra = extra.replace("Unset", "Missing")
        base = dedent(BASE).replace("  Check: {Type: String", "  Missing: {Type: String}\n  Check: {Type: String")
        path = tmp_path / "t.yaml"
        path.write_text(base.replace("MAP", "false").replace("EXTRA\n", extra))
        inv = load_templates([str(path)], parameters=["Check=true"])
        inv = inv[0] if isinstance(inv, tuple) else inv
    else:
        inv = _load(tmp_path, extra)
    nat = _nat(inv)
    assert (nat.source_dest_check, nat.public_ip) == (sdc, public)
