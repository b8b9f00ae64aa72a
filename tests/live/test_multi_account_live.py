"""``--live`` over several accounts and Regions (issue 9, "Multi-account and multi-Region"): two moto accounts
(111111111111 and 222222222222, reached through credentials STS AssumeRole returned, written as two profiles of a
shared credentials file) in us-east-1 and us-west-2. The function in account A, its PostgreSQL DB in account B,
joined by a cross-account VPC peering: every account x Region is read into one inventory whose objects carry
their account and Region; the pair is REACHABLE, and BLOCKED by RL304 when the accepter account has no route
back. ``snapshot`` with two profiles writes Batfish's ``accounts/<id>/<region>/`` layout, which loads to the same
verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from rdslink.analysis.engine import analyse
from rdslink.sources.describe_json import load_describe_dir
from rdslink.sources.live import load_live, write_snapshot

from .builders import TRUST_LAMBDA, VPC_ACCESS, ZIP

ACCT_A, ACCT_B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "us-west-2"


def _credentials(tmp: Path) -> Path:
    """A shared credentials file with profiles ``a`` and ``b``: moto credentials of the two accounts."""
    sts = boto3.client("sts", region_name=EAST)
    lines = []
    for name, acct in (("a", ACCT_A), ("b", ACCT_B)):
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/rdslink-scan", RoleSessionName=f"rdslink-{name}")[
            "Credentials"]
        lines += [f"[{name}]", f"aws_access_key_id = {c['AccessKeyId']}",
                  f"aws_secret_access_key = {c['SecretAccessKey']}", f"aws_session_token = {c['SessionToken']}", ""]
    path = tmp / "credentials"
    path.write_text("\n".join(lines))
    return path


def _build(a_east: Any, b_east: Any, a_west: Any) -> dict[str, str]:
    ec2a, ec2b = a_east.client("ec2"), b_east.client("ec2")
    vpc_a = ec2a.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    vpc_b = ec2b.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    fn_subnets = [ec2a.create_subnet(VpcId=vpc_a, CidrBlock=f"10.41.{i}.0/24", AvailabilityZone=f"{EAST}{z}")[
        "Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    db_subnets = [ec2b.create_subnet(VpcId=vpc_b, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{EAST}{z}")[
        "Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    fn_sg = ec2a.create_security_group(GroupName="fn", Description="fn", VpcId=vpc_a)["GroupId"]
    db_sg = ec2b.create_security_group(GroupName="db", Description="db", VpcId=vpc_b)["GroupId"]
    ec2b.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.41.0.0/16"}]}])
    pcx = ec2a.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=ACCT_B)[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    def main_rt(ec2: Any, vpc: str) -> str:
        rts = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
        return str(next(t["RouteTableId"] for t in rts if any(x.get("Main") for x in t.get("Associations", []))))

    rt_a, rt_b = main_rt(ec2a, vpc_a), main_rt(ec2b, vpc_b)
    ec2a.create_route(RouteTableId=rt_a, DestinationCidrBlock="10.42.0.0/16", VpcPeeringConnectionId=pcx)
    ec2b.create_route(RouteTableId=rt_b, DestinationCidrBlock="10.41.0.0/16", VpcPeeringConnectionId=pcx)
    rds = b_east.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="xacct-dbsubnets", DBSubnetGroupDescription="x",
                               SubnetIds=db_subnets)
    rds.create_db_instance(DBInstanceIdentifier="xacct-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                           DBSubnetGroupName="xacct-dbsubnets", VpcSecurityGroupIds=[db_sg],
                           PubliclyAccessible=False)
    endpoint = rds.describe_db_instances(DBInstanceIdentifier="xacct-db")["DBInstances"][0]["Endpoint"]["Address"]
    iam = a_east.client("iam")
    role = iam.create_role(RoleName="xacct-fn-role", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="xacct-fn-role", PolicyArn=VPC_ACCESS)
    a_east.client("lambda").create_function(
        FunctionName="xacct-fn", Runtime="python3.12", Role=role, Handler="h.h", Code={"ZipFile": ZIP},
        Environment={"Variables": {"DB_HOST": endpoint}},
        VpcConfig={"SubnetIds": fn_subnets, "SecurityGroupIds": [fn_sg]})
    # a VPC of account A in the second Region: read too, in its own scope
    vpc_w = a_west.client("ec2").create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    return {"vpc_a": vpc_a, "vpc_b": vpc_b, "vpc_w": vpc_w, "pcx": pcx, "rt_b": rt_b}


@pytest.fixture(scope="module")
def two_accounts(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Built once inside the package's moto state (``world``), in accounts other than its default one."""
    tmp = tmp_path_factory.mktemp("multi")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(_credentials(tmp)))
        ids = _build(boto3.session.Session(profile_name="a", region_name=EAST),
                     boto3.session.Session(profile_name="b", region_name=EAST),
                     boto3.session.Session(profile_name="a", region_name=WEST))
        inv = load_live(profiles=["a", "b"], regions=[EAST, WEST], functions=None)
        snap = tmp / "snap"
        write_snapshot(str(snap), profiles=["a", "b"], regions=[EAST, WEST])
        yield {"ids": ids, "inv": inv, "snap": snap, "mp": mp, "tmp": tmp}


def _xacct_pair(result: Any) -> Any:
    (pair,) = [p for p in result.pairs if p.function.name == "xacct-fn"]
    return pair


def test_every_account_and_region_is_read_into_one_inventory(two_accounts: dict[str, Any]) -> None:
    inv, ids = two_accounts["inv"], two_accounts["ids"]
    assert {i["location"] for i in inv.inputs} == {f"{ACCT_A}/{EAST}", f"{ACCT_A}/{WEST}", f"{ACCT_B}/{EAST}",
                                                   f"{ACCT_B}/{WEST}"}
    assert inv.scope_of(inv.vpcs[ids["vpc_a"]]) == (ACCT_A, EAST)
    assert inv.scope_of(inv.vpcs[ids["vpc_b"]]) == (ACCT_B, EAST)
    assert inv.scope_of(inv.vpcs[ids["vpc_w"]]) == (ACCT_A, WEST)
    pcx = inv.peering_connections[ids["pcx"]]
    assert pcx.status == "active" and (pcx.requester_vpc_id, pcx.accepter_vpc_id) == (ids["vpc_a"], ids["vpc_b"])
    # nothing of the package's default moto account (123456789012) was read
    assert all(inv.scope_of(v)[0] in (ACCT_A, ACCT_B) for v in inv.vpcs.values())


def test_cross_account_peering_reachable_live(two_accounts: dict[str, Any]) -> None:
    pair = _xacct_pair(analyse(two_accounts["inv"]))
    assert pair.verdict.value == "REACHABLE", [(h.name, h.status, h.evidence) for h in pair.hops]


def test_snapshot_of_two_profiles_uses_the_accounts_layout(two_accounts: dict[str, Any]) -> None:
    snap: Path = two_accounts["snap"]
    assert {p.relative_to(snap).as_posix() for p in snap.glob("accounts/*/*")} == {
        f"accounts/{ACCT_A}/{EAST}", f"accounts/{ACCT_A}/{WEST}", f"accounts/{ACCT_B}/{EAST}",
        f"accounts/{ACCT_B}/{WEST}"}
    inv = load_describe_dir(str(snap))
    assert inv.scope_of(inv.vpcs[two_accounts["ids"]["vpc_b"]]) == (ACCT_B, EAST)
    assert _xacct_pair(analyse(inv)).verdict.value == "REACHABLE"


def test_missing_accepter_route_is_rl304_live(two_accounts: dict[str, Any]) -> None:
    ids = two_accounts["ids"]
    b = boto3.session.Session(profile_name="b", region_name=EAST).client("ec2")
    b.delete_route(RouteTableId=ids["rt_b"], DestinationCidrBlock="10.41.0.0/16")
    try:
        pair = _xacct_pair(analyse(load_live(profiles=["a", "b"], regions=[EAST])))
        assert pair.verdict.value == "BLOCKED"
        assert "RL304" in {f.id for f in pair.findings}
    finally:
        b.create_route(RouteTableId=ids["rt_b"], DestinationCidrBlock="10.41.0.0/16",
                       VpcPeeringConnectionId=ids["pcx"])


def test_tgw_peering_between_regions_is_read_live(two_accounts: dict[str, Any]) -> None:
    """DescribeTransitGatewayPeeringAttachments in both Regions gives one attachment with both sides' TGW, owner
    and Region; DescribeTransitGatewayAttachments gives its association on the requester side. (moto's
    SearchTransitGatewayRoutes returns static routes without their ``TransitGatewayAttachments``, so forwarding
    across the peering is covered by the describe-JSON fixtures of tests/unit/test_multi_scope.py.)"""
    a_east = boto3.session.Session(profile_name="a", region_name=EAST).client("ec2")
    a_west = boto3.session.Session(profile_name="a", region_name=WEST).client("ec2")
    east = a_east.create_transit_gateway(Description="east")["TransitGateway"]
    west = a_west.create_transit_gateway(Description="west")["TransitGateway"]
    att = a_east.create_transit_gateway_peering_attachment(
        TransitGatewayId=east["TransitGatewayId"], PeerTransitGatewayId=west["TransitGatewayId"],
        PeerAccountId=ACCT_A, PeerRegion=WEST)["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
    a_west.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=att)
    table = east["Options"]["AssociationDefaultRouteTableId"]
    a_east.associate_transit_gateway_route_table(TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=att)
    inv = load_live(profiles=["a"], regions=[EAST, WEST])
    tpa = inv.transit_gateway_peering_attachments[att]
    assert tpa.state == "available"
    assert (tpa.requester_tgw_id, tpa.requester_region) == (east["TransitGatewayId"], EAST)
    assert (tpa.accepter_tgw_id, tpa.accepter_region, tpa.accepter_owner_id) == (west["TransitGatewayId"], WEST, ACCT_A)
    assert tpa.route_table_on(east["TransitGatewayId"]) == table
    assert inv.scope_of(inv.transit_gateways[west["TransitGatewayId"]]) == (ACCT_A, WEST)
