"""The path engine (rdslink.analysis.path) on hand-built inventories: longest-prefix match, blackholes, peering
state and non-transitivity, transit gateway AZs and route tables, NACL partial port shares, undecided inputs."""

from __future__ import annotations

import ipaddress

from rdslink.analysis.path import Disposition, Location, PathEngine
from rdslink.analysis.path.filters import acl_flow
from rdslink.findings import Status
from rdslink.model import (
    Inventory,
    NetworkAcl,
    NetworkAclEntry,
    PortRange,
    Provenance,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    TransitGatewayVpcAttachment,
    Unresolved,
    Vpc,
    VpcPeeringConnection,
)

P = Provenance("test", "x")
N = ipaddress.ip_network


def _acl(vpc: str, subnets: tuple[str, ...], entries: list[tuple[int, bool, str, str, str, tuple[int, int]]]) -> NetworkAcl:
    es = tuple(NetworkAclEntry(n, eg, proto, act, N(c), PortRange(*ports), Provenance("test", f"e{n}"))
               for n, eg, proto, act, c, ports in entries)
    return NetworkAcl(f"acl-{vpc}", vpc, True, subnets, es, Provenance("test", f"acl-{vpc}"))


ALLOW_ALL = [(100, True, "-1", "allow", "0.0.0.0/0", (0, 65535)), (100, False, "-1", "allow", "0.0.0.0/0", (0, 65535))]


def two_vpcs(routes_a: list[Route], routes_b: list[Route], peering_status: str | None = "active",
             tgw_azs: tuple[str, ...] | None = None) -> Inventory:
    inv = Inventory()
    inv.vpcs["vpc-a"] = Vpc("vpc-a", (N("10.0.0.0/16"),), True, Provenance("test", "vpc-a"))
    inv.vpcs["vpc-b"] = Vpc("vpc-b", (N("10.1.0.0/16"),), True, Provenance("test", "vpc-b"))
    for sid, vpc, cidr, az in (("sa1", "vpc-a", "10.0.1.0/24", "a"), ("sa2", "vpc-a", "10.0.2.0/24", "b"),
                               ("sb1", "vpc-b", "10.1.1.0/24", "a")):
        inv.subnets[sid] = Subnet(sid, vpc, N(cidr), az, Provenance("test", sid))
    inv.route_tables["rt-a"] = RouteTable("rt-a", "vpc-a", tuple(routes_a), ("sa1", "sa2"), True, Provenance("t", "rt-a"))
    inv.route_tables["rt-b"] = RouteTable("rt-b", "vpc-b", tuple(routes_b), ("sb1",), True, Provenance("t", "rt-b"))
    inv.network_acls["acl-vpc-a"] = _acl("vpc-a", ("sa1", "sa2"), ALLOW_ALL)
    inv.network_acls["acl-vpc-b"] = _acl("vpc-b", ("sb1",), ALLOW_ALL)
    if peering_status:
        inv.peering_connections["pcx-1"] = VpcPeeringConnection("pcx-1", "vpc-a", "vpc-b", peering_status, P)
    if tgw_azs is not None:
        inv.transit_gateways["tgw-1"] = TransitGateway("tgw-1", "available", Provenance("t", "tgw-1"))
        subs = tuple({"a": "sa1", "b": "sa2"}[z] for z in tgw_azs)
        inv.transit_gateway_attachments["att-a"] = TransitGatewayVpcAttachment("att-a", "tgw-1", "vpc-a", subs,
                                                                               "available", Provenance("t", "att-a"))
        inv.transit_gateway_attachments["att-b"] = TransitGatewayVpcAttachment("att-b", "tgw-1", "vpc-b", ("sb1",),
                                                                               "available", Provenance("t", "att-b"))
    inv.index()
    return inv


def loc(inv: Inventory, sid: str) -> Location:
    s = inv.subnets[sid]
    return Location(sid, s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s)  # type: ignore[arg-type]


def fwd(inv: Inventory, a: str, b: str) -> Disposition:
    return PathEngine(inv).forwarding(loc(inv, a), loc(inv, b)).disposition


def r(dest: str, kind: str, target: str, state: str = "active") -> Route:
    return Route(N(dest), kind, target, P, state)


def test_peering_both_ways_and_missing_return() -> None:
    inv = two_vpcs([r("10.1.0.0/16", "pcx", "pcx-1")], [r("10.0.0.0/16", "pcx", "pcx-1")])
    assert fwd(inv, "sa1", "sb1") is Disposition.ACCEPTED and fwd(inv, "sb1", "sa1") is Disposition.ACCEPTED
    inv = two_vpcs([r("10.1.0.0/16", "pcx", "pcx-1")], [])
    assert fwd(inv, "sa1", "sb1") is Disposition.ACCEPTED
    assert fwd(inv, "sb1", "sa1") is Disposition.NO_ROUTE


def test_pending_peering_is_a_blackhole_and_longest_prefix_wins() -> None:
    inv = two_vpcs([r("10.1.0.0/16", "pcx", "pcx-1")], [r("10.0.0.0/16", "pcx", "pcx-1")], "pending-acceptance")
    t = PathEngine(inv).forwarding(loc(inv, "sa1"), loc(inv, "sb1"))
    assert t.disposition is Disposition.NULL_ROUTED and t.blocking()[-1].cause == "peering-not-active"
    inv = two_vpcs([r("10.1.0.0/16", "pcx", "pcx-1"), r("10.1.1.0/24", "pcx", "pcx-1", "blackhole")], [])
    assert fwd(inv, "sa1", "sb1") is Disposition.NULL_ROUTED


def test_route_covering_part_of_the_destination_is_undecided() -> None:
    inv = two_vpcs([r("10.1.1.0/25", "pcx", "pcx-1")], [])
    assert fwd(inv, "sa1", "sb1") is Disposition.UNKNOWN


def test_transit_gateway_az_and_default_table() -> None:
    routes_a, routes_b = [r("10.1.0.0/16", "tgw", "tgw-1")], [r("10.0.0.0/16", "tgw", "tgw-1")]
    inv = two_vpcs(routes_a, routes_b, None, ("a", "b"))
    assert fwd(inv, "sa1", "sb1") is Disposition.ACCEPTED and fwd(inv, "sa2", "sb1") is Disposition.ACCEPTED
    assert fwd(inv, "sb1", "sa2") is Disposition.ACCEPTED
    inv = two_vpcs(routes_a, routes_b, None, ("a",))
    t = PathEngine(inv).forwarding(loc(inv, "sa2"), loc(inv, "sb1"))
    assert t.disposition is Disposition.NULL_ROUTED and t.blocking()[-1].cause == "tgw-az-missing"
    assert fwd(inv, "sa1", "sb1") is Disposition.ACCEPTED


def test_unresolved_vpc_cidr_never_gives_no_route() -> None:
    inv = two_vpcs([], [])
    inv.vpcs["vpc-a"] = Vpc("vpc-a", (Unresolved("VpcCidr", "parameter"),), True, P)
    inv.index()
    assert fwd(inv, "sa1", "sb1") is Disposition.UNKNOWN


def test_security_group_reference_only_over_active_peering() -> None:
    inv = two_vpcs([r("10.1.0.0/16", "pcx", "pcx-1")], [r("10.0.0.0/16", "pcx", "pcx-1")])
    db = SecurityGroup("sg-db", "vpc-b", "db", (SecurityGroupRule("ingress", "6", PortRange(5432, 5432), P,
                                                                  group_id="sg-fn"),), (), P)
    fn = SecurityGroup("sg-fn", "vpc-a", "fn", (), (SecurityGroupRule("egress", "-1", PortRange(0, 65535), P,
                                                                      cidr=N("0.0.0.0/0")),), P)
    src = Location("fn", "vpc-a", N("10.0.1.0/24"), inv.subnets["sa1"], [fn], {"sg-fn"})
    dst = Location("db", "vpc-b", N("10.1.1.0/24"), inv.subnets["sb1"], [db], {"sg-db"})
    assert PathEngine(inv).trace(src, dst, "6", 5432).disposition is Disposition.ACCEPTED
    inv.peering_connections["pcx-1"] = VpcPeeringConnection("pcx-1", "vpc-a", "vpc-b", "active", P,
                                                            requester_region="us-east-1", accepter_region="eu-west-1")
    assert PathEngine(inv).trace(src, dst, "6", 5432).disposition is Disposition.DENIED_IN


def test_nacl_partial_return_share() -> None:
    acl = _acl("v", (), [(90, False, "6", "deny", "0.0.0.0/0", (3306, 3306)),
                         (100, False, "-1", "allow", "0.0.0.0/0", (0, 65535))])
    res = acl_flow(acl, False, N("10.1.0.0/16"), PortRange(1024, 65535))
    assert res.status is Status.CLOSED and res.port_share is not None and abs(res.port_share - 1 / 64512) < 1e-9
    mirror = _acl("v", (), [(100, False, "6", "allow", "0.0.0.0/0", (5432, 5432))])
    res = acl_flow(mirror, False, N("10.1.0.0/16"), PortRange(1024, 65535))
    assert res.status is Status.CLOSED and res.port_share is None  # under 1% gets through: blocked, not partial
    single = acl_flow(acl, False, N("10.1.0.0/16"), PortRange(3306, 3306))
    assert single.status is Status.CLOSED and single.port_share is None


def test_protocol_any_only_matches_all_protocol_rules() -> None:
    acl = _acl("v", (), [(100, False, "6", "allow", "0.0.0.0/0", (0, 65535))])
    assert acl_flow(acl, False, N("10.0.0.0/24"), None, "-1").status is Status.CLOSED
    assert acl_flow(_acl("v", (), ALLOW_ALL), False, N("10.0.0.0/24"), None, "-1").status is Status.OPEN
