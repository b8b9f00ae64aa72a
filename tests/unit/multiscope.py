"""Builders of describe-JSON folders in Batfish's multi-account layout (``accounts/<account-id>/<region>/*.json``)
for the multi-account / multi-Region tests: one function in one scope, its PostgreSQL DB in another, joined by a
VPC peering (cross-account or cross-Region) or by two transit gateways peered between Regions.

Responses are shaped as the EC2/RDS/Lambda/IAM APIs return them (field names of the API references); ids that
would collide in real snapshots copied between accounts (``rtb-0main``, ``acl-0main``, ``sg-0default``) are
deliberately the same in both scopes, with different content, so a loader that merged them silently would lose
one account's routes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCT_A, ACCT_B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "us-west-2"
FN_CIDR, DB_CIDR = "10.1.0.0/16", "10.2.0.0/16"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def _write(folder: Path, data: dict[str, dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in data.items():
        (folder / f"{name}.json").write_text(json.dumps(body, indent=1))


def _vpc_base(vpc: str, cidr: str, subnets: list[tuple[str, str, str]], routes: list[dict[str, Any]],
              sg: dict[str, Any], owner: str) -> dict[str, dict[str, Any]]:
    """A VPC with its subnets (id, CIDR, AZ), one main route table ``rtb-0main`` (routes besides local), one
    default NACL ``acl-0main`` allowing everything, a default group ``sg-0default`` and the group ``sg``."""
    return {
        "Vpcs": {"Vpcs": [{"VpcId": vpc, "CidrBlock": cidr, "OwnerId": owner, "State": "available",
                           "CidrBlockAssociationSet": [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}]}]},
        "VpcAttributes": {"VpcAttributes": [{"VpcId": vpc, "EnableDnsSupport": {"Value": True},
                                             "EnableDnsHostnames": {"Value": True}}]},
        "Subnets": {"Subnets": [{"SubnetId": s, "VpcId": vpc, "CidrBlock": c, "AvailabilityZone": az,
                                 "OwnerId": owner} for s, c, az in subnets]},
        "RouteTables": {"RouteTables": [{
            "RouteTableId": "rtb-0main", "VpcId": vpc, "OwnerId": owner,
            "Associations": [{"Main": True, "RouteTableId": "rtb-0main"}],
            "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active"}, *routes]}]},
        "NetworkAcls": {"NetworkAcls": [{
            "NetworkAclId": "acl-0main", "VpcId": vpc, "IsDefault": True, "OwnerId": owner,
            "Associations": [{"SubnetId": s} for s, _, _ in subnets],
            "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": e,
                         "CidrBlock": "0.0.0.0/0"} for e in (False, True)]}]},
        "SecurityGroups": {"SecurityGroups": [
            {"GroupId": "sg-0default", "GroupName": "default", "VpcId": vpc, "OwnerId": owner,
             "IpPermissions": [], "IpPermissionsEgress": []}, sg]},
    }


def _fn_side(vpc: str, owner: str, region: str, routes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    sg = {"GroupId": "sg-0fn", "GroupName": "fn", "VpcId": vpc, "OwnerId": owner, "IpPermissions": [],
          "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    data = _vpc_base(vpc, FN_CIDR, [("subnet-0fa", "10.1.1.0/24", f"{region}a")], routes, sg, owner)
    role = f"arn:aws:iam::{owner}:role/orders-role"
    data["Functions"] = {"Functions": [{
        "FunctionName": "orders", "FunctionArn": f"arn:aws:lambda:{region}:{owner}:function:orders",
        "Runtime": "python3.12", "Role": role,
        "VpcConfig": {"SubnetIds": ["subnet-0fa"], "SecurityGroupIds": ["sg-0fn"], "VpcId": vpc},
        "Environment": {"Variables": {"DB_HOST": "orders.c1abcdefgh.rds.amazonaws.com", "DB_PORT": "5432"}}}]}
    data["Roles"] = {"RoleDetailList": [{
        "RoleName": "orders-role", "Arn": role, "RolePolicyList": [],
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaVPCAccessExecutionRole", "PolicyArn": VPC_ACCESS}]}],
        "Policies": []}
    return data


def _db_side(vpc: str, owner: str, region: str, routes: list[dict[str, Any]],
             ingress: dict[str, Any] | None = None, public: bool = False) -> dict[str, dict[str, Any]]:
    rule = ingress or {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": FN_CIDR}]}
    sg = {"GroupId": "sg-0db", "GroupName": "db", "VpcId": vpc, "OwnerId": owner, "IpPermissions": [rule],
          "IpPermissionsEgress": []}
    subnets = [("subnet-0da", "10.2.1.0/24", f"{region}a"), ("subnet-0db", "10.2.2.0/24", f"{region}b")]
    data = _vpc_base(vpc, DB_CIDR, subnets, routes, sg, owner)
    data["DBInstances"] = {"DBInstances": [{
        "DBInstanceIdentifier": "orders-db", "DBInstanceArn": f"arn:aws:rds:{region}:{owner}:db:orders-db",
        "Engine": "postgres", "DBInstanceStatus": "available", "PubliclyAccessible": public,
        "Endpoint": {"Address": "orders.c1abcdefgh.rds.amazonaws.com", "Port": 5432},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0db", "Status": "active"}],
        "DBSubnetGroup": {"DBSubnetGroupName": "orders-subnets", "VpcId": vpc,
                          "Subnets": [{"SubnetIdentifier": s} for s, _, _ in subnets]}}]}
    return data


def _peering(pcx: str, req: tuple[str, str, str, str], acc: tuple[str, str, str, str], status: str = "active",
             dns: tuple[bool, bool] = (False, False)) -> dict[str, Any]:
    def info(side: tuple[str, str, str, str], allow: bool) -> dict[str, Any]:
        vpc, cidr, owner, region = side
        return {"VpcId": vpc, "CidrBlock": cidr, "CidrBlockSet": [{"CidrBlock": cidr}], "OwnerId": owner,
                "Region": region, "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": allow}}

    return {"VpcPeeringConnections": [{"VpcPeeringConnectionId": pcx, "Status": {"Code": status},
                                       "RequesterVpcInfo": info(req, dns[0]), "AccepterVpcInfo": info(acc, dns[1])}]}


def vpc_peering(root: Path, *, accounts: tuple[str, str] = (ACCT_A, ACCT_B), regions: tuple[str, str] = (EAST, EAST),
                return_route: bool = True, status: str = "active", db_ingress: dict[str, Any] | None = None,
                public: bool = False, accepter_dns: bool | None = False) -> Path:
    """Function VPC ``vpc-0aaa`` (account/Region ``[0]``) peered by ``pcx-0ab`` with DB VPC ``vpc-0bbb``
    (``[1]``). Without ``return_route`` the DB side's ``rtb-0main`` lacks the route back to 10.1.0.0/16.
    ``public``: the DB is publicly accessible. ``accepter_dns``: the accepter side's
    ``AllowDnsResolutionFromRemoteVpc`` as the accepter's own account describes it; the requester's view leaves
    the accepter's options out (each owner sets, and sees, its own side)."""
    a_dir = root / "accounts" / accounts[0] / regions[0]
    b_dir = root / "accounts" / accounts[1] / regions[1]
    if a_dir == b_dir:
        raise ValueError("two different scopes expected")
    pcx = _peering("pcx-0ab", ("vpc-0aaa", FN_CIDR, accounts[0], regions[0]),
                   ("vpc-0bbb", DB_CIDR, accounts[1], regions[1]), status)
    a_view = json.loads(json.dumps(pcx))
    a_view["VpcPeeringConnections"][0]["AccepterVpcInfo"].pop("PeeringOptions")
    b_view = json.loads(json.dumps(pcx))
    if accepter_dns is None:
        b_view["VpcPeeringConnections"][0]["AccepterVpcInfo"].pop("PeeringOptions")
    else:
        b_view["VpcPeeringConnections"][0]["AccepterVpcInfo"]["PeeringOptions"][
            "AllowDnsResolutionFromRemoteVpc"] = accepter_dns
    _write(a_dir, {**_fn_side("vpc-0aaa", accounts[0], regions[0],
                              [{"DestinationCidrBlock": DB_CIDR, "VpcPeeringConnectionId": "pcx-0ab",
                                "State": "active"}]), "VpcPeeringConnections": a_view})
    back = [{"DestinationCidrBlock": FN_CIDR, "VpcPeeringConnectionId": "pcx-0ab", "State": "active"}] \
        if return_route else []
    _write(b_dir, {**_db_side("vpc-0bbb", accounts[1], regions[1], back, db_ingress, public),
                   "VpcPeeringConnections": b_view})
    return root


def _tgw_side(tgw: str, att: str, vpc: str, subnets: list[str], table: str, remote_cidr: str,
              owner: str, region: str, peer_routes: bool = True) -> dict[str, dict[str, Any]]:
    statics = [{"DestinationCidrBlock": remote_cidr, "Type": "static", "State": "active",
                "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-0peer",
                                               "ResourceType": "peering"}]}] if peer_routes else []
    return {
        "TransitGateways": {"TransitGateways": [{
            "TransitGatewayId": tgw, "State": "available", "OwnerId": owner,
            "Options": {"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                        "DnsSupport": "enable"}}]},
        "TransitGatewayVpcAttachments": {"TransitGatewayVpcAttachments": [{
            "TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "VpcId": vpc, "VpcOwnerId": owner,
            "State": "available", "SubnetIds": subnets}]},
        "TransitGatewayAttachments": {"TransitGatewayAttachments": [
            {"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "ResourceType": "vpc", "ResourceId": vpc,
             "State": "available", "Association": {"TransitGatewayRouteTableId": table, "State": "associated"}},
            {"TransitGatewayAttachmentId": "tgw-attach-0peer", "TransitGatewayId": tgw, "ResourceType": "peering",
             "State": "available", "Association": {"TransitGatewayRouteTableId": table, "State": "associated"}}]},
        "TransitGatewayRouteTables": {"TransitGatewayRouteTables": [{
            "TransitGatewayRouteTableId": table, "TransitGatewayId": tgw, "State": "available",
            "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False}]},
        "TransitGatewayPropagations": {"TransitGatewayPropagations": [{
            "TransitGatewayRouteTableId": table, "TransitGatewayRouteTablePropagations": [
                {"TransitGatewayAttachmentId": att, "ResourceType": "vpc", "State": "enabled"}]}]},
        "TransitGatewayStaticRoutes": {"TransitGatewayStaticRoutes": [{
            "TransitGatewayRouteTableId": table, "Routes": statics}]},
    }


def tgw_peering(root: Path, *, account: str = ACCT_A, with_west: bool = True, west_peer_route: bool = True,
                state: str = "available") -> Path:
    """Function VPC in us-east-1 behind ``tgw-0east``, DB VPC in us-west-2 behind ``tgw-0west``, the two TGWs
    peered by ``tgw-attach-0peer``; each TGW route table has a static route for the remote VPC to the peering
    attachment and the propagation of its own VPC attachment. ``with_west`` False leaves the us-west-2 folder
    out; ``west_peer_route`` False drops the west table's route back."""
    peer = {"TransitGatewayPeeringAttachments": [{
        "TransitGatewayAttachmentId": "tgw-attach-0peer", "State": state, "Status": {"Code": state},
        "RequesterTgwInfo": {"TransitGatewayId": "tgw-0east", "OwnerId": account, "Region": EAST},
        "AccepterTgwInfo": {"TransitGatewayId": "tgw-0west", "OwnerId": account, "Region": WEST}}]}
    east = root / "accounts" / account / EAST
    _write(east, {**_fn_side("vpc-0aaa", account, EAST, [{"DestinationCidrBlock": DB_CIDR,
                                                          "TransitGatewayId": "tgw-0east", "State": "active"}]),
                  **_tgw_side("tgw-0east", "tgw-attach-0a", "vpc-0aaa", ["subnet-0fa"], "tgw-rtb-0east", DB_CIDR,
                              account, EAST),
                  "TransitGatewayPeeringAttachments": peer})
    if with_west:
        west = root / "accounts" / account / WEST
        _write(west, {**_db_side("vpc-0bbb", account, WEST, [{"DestinationCidrBlock": FN_CIDR,
                                                              "TransitGatewayId": "tgw-0west", "State": "active"}]),
                      **_tgw_side("tgw-0west", "tgw-attach-0b", "vpc-0bbb", ["subnet-0da", "subnet-0db"],
                                  "tgw-rtb-0west", FN_CIDR, account, WEST, west_peer_route),
                      "TransitGatewayPeeringAttachments": peer})
    return root
