"""Security-group and network-ACL flow evaluation (rdslink.analysis.network) over hand-built model objects."""

from __future__ import annotations

import ipaddress

import pytest

from rdslink.analysis.network import acl_flow, sg_flow
from rdslink.findings import Status
from rdslink.model import (
    ALL_PORTS,
    EPHEMERAL_PORTS,
    NetworkAcl,
    NetworkAclEntry,
    PortRange,
    Provenance,
    SecurityGroup,
    SecurityGroupRule,
    Unresolved,
)
from rdslink.model.values import normalise_protocol, port_range

PV = Provenance("t.yaml", "DbSg", line=3)
LAMBDA_SG = "sg-lambda"
LAMBDA_SUBNET = ipaddress.ip_network("10.0.1.0/24")
DB_SUBNET = ipaddress.ip_network("10.0.8.0/24")
TCP, UDP, ALL = "6", "17", "-1"


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def rule(direction: str = "ingress", protocol: object = TCP, ports: object = PortRange(5432, 5432), *,
         cidr: object = None, group: object = None, prefix_list: object = None, name: str = "DbSg") -> SecurityGroupRule:
    return SecurityGroupRule(direction, protocol, ports, Provenance("t.yaml", name, line=9),  # type: ignore[arg-type]
                             cidr=cidr, group_id=group, prefix_list_id=prefix_list)  # type: ignore[arg-type]


def sg(*rules: SecurityGroupRule, sid: str = "sg-db") -> SecurityGroup:
    return SecurityGroup(sid, "vpc-1", sid, tuple(r for r in rules if r.direction == "ingress"),
                         tuple(r for r in rules if r.direction == "egress"), PV)


def ingress(*rules: SecurityGroupRule, port: int = 5432, peer_cidr: object = LAMBDA_SUBNET,
            peer_groups: frozenset[str] = frozenset({LAMBDA_SG})):
    return sg_flow([sg(*rules)], "ingress", port, set(peer_groups), peer_cidr)  # type: ignore[arg-type]


# ---- security groups -------------------------------------------------------------------------------------------


def test_sg_reference_admits() -> None:
    r = rule(group=LAMBDA_SG)
    res = ingress(r)
    assert res.status is Status.OPEN and res.by_reference and res.rules == [r]


def test_sg_reference_to_another_group_does_not_admit() -> None:
    res = ingress(rule(group="sg-someone-else"))
    assert res.status is Status.CLOSED and not res.rules


def test_no_rules_is_closed() -> None:
    assert ingress().status is Status.CLOSED


@pytest.mark.parametrize("cidr", ["10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0", "10.0.0.0/23"])
def test_cidr_covering_the_whole_peer_subnet_admits(cidr: str) -> None:
    res = ingress(rule(cidr=net(cidr)))
    assert res.status is Status.OPEN and not res.by_reference and not res.partial


@pytest.mark.parametrize("cidr", ["10.0.1.0/25", "10.0.1.128/25", "10.0.1.7/32"])
def test_cidr_covering_part_of_the_peer_subnet_is_partial_not_open(cidr: str) -> None:
    r = rule(cidr=net(cidr))
    res = ingress(r)
    assert res.status is Status.CLOSED
    assert res.partial == [r]


@pytest.mark.parametrize("cidr", ["10.0.2.0/24", "192.168.0.0/16", "::/0"])
def test_cidr_missing_the_peer_subnet_is_closed(cidr: str) -> None:
    res = ingress(rule(cidr=net(cidr)))
    assert res.status is Status.CLOSED and not res.partial


def test_partial_on_other_port_is_not_reported_as_partial() -> None:
    res = ingress(rule(cidr=net("10.0.1.0/25"), ports=PortRange(22, 22)))
    assert res.status is Status.CLOSED and not res.partial


@pytest.mark.parametrize(
    ("protocol", "ports", "expected"),
    [
        (ALL, ALL_PORTS, Status.OPEN),
        (TCP, PortRange(5432, 5432), Status.OPEN),
        (TCP, PortRange(5000, 6000), Status.OPEN),
        (TCP, PortRange(5432, 5433), Status.OPEN),
        (TCP, PortRange(5431, 5432), Status.OPEN),
        (TCP, ALL_PORTS, Status.OPEN),
        (TCP, PortRange(5433, 6000), Status.CLOSED),
        (TCP, PortRange(3306, 3306), Status.CLOSED),
        (UDP, PortRange(5432, 5432), Status.CLOSED),
        (UDP, ALL_PORTS, Status.CLOSED),
        ("1", ALL_PORTS, Status.CLOSED),  # icmp
    ],
)
def test_protocol_and_port_ranges(protocol: str, ports: PortRange, expected: Status) -> None:
    assert ingress(rule(protocol=protocol, ports=ports, group=LAMBDA_SG)).status is expected


def test_other_port_rule_is_rl205_evidence() -> None:
    r = rule(ports=PortRange(3306, 3306), group=LAMBDA_SG)
    res = ingress(r)
    assert res.status is Status.CLOSED and res.other_port == [r]


def test_protocol_spellings_normalise() -> None:
    assert normalise_protocol("TCP") == normalise_protocol("tcp") == normalise_protocol(6) == TCP
    assert normalise_protocol(-1) == normalise_protocol("all") == ALL
    assert port_range(ALL, 22, 22) == ALL_PORTS  # -1 means every port whatever the ports say
    assert port_range(TCP, -1, -1) == ALL_PORTS
    assert port_range(TCP, "5432", 5432) == PortRange(5432, 5432)


@pytest.mark.parametrize(
    "bad",
    [
        rule(group=Unresolved("LambdaSgParam", "no value")),
        rule(cidr=Unresolved("AllowedCidr", "no value")),
        rule(protocol=Unresolved("Proto", "no value"), group=LAMBDA_SG),
        rule(ports=Unresolved("DbPort", "no value"), group=LAMBDA_SG),
        rule(prefix_list=Unresolved("PrefixList", "no value")),
        rule(prefix_list="pl-12345678"),
    ],
)
def test_unresolved_rule_is_unknown(bad: SecurityGroupRule) -> None:
    res = ingress(bad)
    assert res.status is Status.UNKNOWN and res.unknown


def test_unknown_peer_subnet_with_cidr_rule_is_unknown() -> None:
    assert ingress(rule(cidr=net("10.0.0.0/16")), peer_cidr=Unresolved("Subnets", "no value")).status is Status.UNKNOWN
    assert ingress(rule(cidr=net("10.0.0.0/16")), peer_cidr=None).status is Status.UNKNOWN
    # a group reference does not need the peer's address
    assert ingress(rule(group=LAMBDA_SG), peer_cidr=None).status is Status.OPEN


def test_open_wins_over_unknown_and_unknown_over_closed() -> None:
    unknown = rule(group=Unresolved("P", "no value"))
    assert ingress(unknown, rule(group=LAMBDA_SG)).status is Status.OPEN
    assert ingress(rule(group=LAMBDA_SG), unknown).status is Status.OPEN
    assert ingress(rule(group="sg-x"), unknown).status is Status.UNKNOWN


def test_unresolved_rule_on_a_wrong_port_cannot_open() -> None:
    res = ingress(rule(ports=PortRange(22, 22), group=Unresolved("P", "no value")))
    assert res.status is Status.CLOSED


def test_direction_selects_the_rule_list() -> None:
    group = sg(rule("egress", ALL, ALL_PORTS, cidr=net("0.0.0.0/0")))
    assert sg_flow([group], "ingress", 5432, {LAMBDA_SG}, LAMBDA_SUBNET).status is Status.CLOSED
    assert sg_flow([group], "egress", 5432, set(), DB_SUBNET).status is Status.OPEN


def test_any_group_of_several_may_admit() -> None:
    a = sg(rule(group="sg-other"), sid="sg-a")
    b = sg(rule(cidr=net("10.0.0.0/8")), sid="sg-b")
    assert sg_flow([a, b], "ingress", 5432, {LAMBDA_SG}, LAMBDA_SUBNET).status is Status.OPEN
    assert sg_flow([a], "ingress", 5432, {LAMBDA_SG}, LAMBDA_SUBNET).status is Status.CLOSED
    assert sg_flow([], "ingress", 5432, {LAMBDA_SG}, LAMBDA_SUBNET).status is Status.CLOSED


def test_peer_in_several_groups() -> None:
    assert ingress(rule(group="sg-second"), peer_groups=frozenset({LAMBDA_SG, "sg-second"})).status is Status.OPEN


def test_ipv6() -> None:
    v6_subnet = net("2600:1f18:abcd:1::/64")
    assert ingress(rule(cidr=net("::/0")), peer_cidr=v6_subnet).status is Status.OPEN
    assert ingress(rule(cidr=net("2600:1f18:abcd::/56")), peer_cidr=v6_subnet).status is Status.OPEN
    assert ingress(rule(cidr=net("2600:1f18:abcd:1::/80")), peer_cidr=v6_subnet).status is Status.CLOSED
    assert ingress(rule(cidr=net("0.0.0.0/0")), peer_cidr=v6_subnet).status is Status.CLOSED


# ---- network ACLs --------------------------------------------------------------------------------------------------


def entry(number: int, action: str = "allow", cidr: object = "0.0.0.0/0", ports: object = ALL_PORTS, *,
          egress: bool = False, protocol: object = ALL) -> NetworkAclEntry:
    c = net(cidr) if isinstance(cidr, str) else cidr
    return NetworkAclEntry(number, egress, protocol, action, c, ports, Provenance("t.yaml", f"E{number}"))  # type: ignore[arg-type]


def acl(*entries: NetworkAclEntry) -> NetworkAcl:
    return NetworkAcl("acl-1", "vpc-1", False, ("subnet-1",), tuple(entries), Provenance("t.yaml", "Acl", line=4))


DB_PORT = PortRange(5432, 5432)


def test_allow_all_is_open() -> None:
    res = acl_flow(acl(entry(100)), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.OPEN and "100" in res.entry


def test_no_entry_is_the_default_deny() -> None:
    res = acl_flow(acl(), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.CLOSED and "*" in res.entry


def test_lower_numbered_deny_before_allow_closes() -> None:
    res = acl_flow(acl(entry(90, "deny", "10.0.1.0/24", DB_PORT), entry(100)), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.CLOSED and "90" in res.entry


def test_allow_before_higher_numbered_deny_opens() -> None:
    res = acl_flow(acl(entry(100), entry(200, "deny")), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.OPEN


def test_rule_number_order_not_list_order() -> None:
    res = acl_flow(acl(entry(200), entry(100, "deny")), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.CLOSED and "100" in res.entry


def test_deny_for_other_ports_or_cidrs_does_not_apply() -> None:
    entries = (entry(50, "deny", "10.0.1.0/24", PortRange(22, 22)), entry(60, "deny", "192.168.0.0/16"),
               entry(100))
    assert acl_flow(acl(*entries), False, LAMBDA_SUBNET, DB_PORT).status is Status.OPEN


def test_partial_deny_closes_and_says_partial() -> None:
    res = acl_flow(acl(entry(50, "deny", "10.0.1.0/25"), entry(100)), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.CLOSED and res.partial


def test_partial_allow_does_not_open() -> None:
    res = acl_flow(acl(entry(100, "allow", "10.0.1.0/25")), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.CLOSED and "*" in res.entry


def test_direction_is_respected() -> None:
    only_egress = acl(entry(100, egress=True))
    assert acl_flow(only_egress, True, DB_SUBNET, DB_PORT).status is Status.OPEN
    assert acl_flow(only_egress, False, LAMBDA_SUBNET, DB_PORT).status is Status.CLOSED


@pytest.mark.parametrize(
    ("protocol", "expected"), [(ALL, Status.OPEN), (TCP, Status.OPEN), (UDP, Status.CLOSED), ("1", Status.CLOSED)]
)
def test_entry_protocol(protocol: str, expected: Status) -> None:
    assert acl_flow(acl(entry(100, protocol=protocol)), False, LAMBDA_SUBNET, DB_PORT).status is expected


def test_udp_deny_does_not_block_tcp() -> None:
    res = acl_flow(acl(entry(10, "deny", protocol=UDP), entry(100)), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.OPEN


def test_ephemeral_return_range_fully_allowed() -> None:
    res = acl_flow(acl(entry(100, "allow", "10.0.1.0/24", PortRange(1024, 65535), egress=True, protocol=TCP)),
                   True, LAMBDA_SUBNET, EPHEMERAL_PORTS)
    assert res.status is Status.OPEN


def test_ephemeral_return_range_allowed_in_pieces() -> None:
    entries = (entry(100, ports=PortRange(1024, 30000), egress=True), entry(110, ports=PortRange(30001, 65535),
                                                                             egress=True))
    assert acl_flow(acl(*entries), True, LAMBDA_SUBNET, EPHEMERAL_PORTS).status is Status.OPEN


def test_ephemeral_return_range_partly_allowed_is_closed() -> None:
    # the classic mistake: only the Linux ephemeral range 32768-61000 allowed back
    res = acl_flow(acl(entry(100, ports=PortRange(32768, 61000), egress=True)), True, LAMBDA_SUBNET,
                   EPHEMERAL_PORTS)
    assert res.status is Status.CLOSED
    assert "*" in res.entry and "1024-32767" in res.entry


def test_ephemeral_return_range_partly_denied_is_closed() -> None:
    entries = (entry(90, "deny", ports=PortRange(1024, 2047), egress=True), entry(100, egress=True))
    res = acl_flow(acl(*entries), True, LAMBDA_SUBNET, EPHEMERAL_PORTS)
    assert res.status is Status.CLOSED and "90" in res.entry


def test_deny_after_everything_was_allowed_is_irrelevant() -> None:
    entries = (entry(100, ports=EPHEMERAL_PORTS, egress=True), entry(110, "deny", ports=PortRange(2000, 3000),
                                                                     egress=True))
    assert acl_flow(acl(*entries), True, LAMBDA_SUBNET, EPHEMERAL_PORTS).status is Status.OPEN


def test_unresolved_peer_or_entry_is_unknown() -> None:
    assert acl_flow(acl(entry(100)), False, Unresolved("Subnets", "no value"), DB_PORT).status is Status.UNKNOWN
    bad_cidr = entry(100, cidr=Unresolved("AclCidr", "no value"))
    assert acl_flow(acl(bad_cidr), False, LAMBDA_SUBNET, DB_PORT).status is Status.UNKNOWN
    bad_ports = entry(100, ports=Unresolved("AclPorts", "no value"))
    assert acl_flow(acl(bad_ports), False, LAMBDA_SUBNET, DB_PORT).status is Status.UNKNOWN
    bad_proto = entry(100, protocol=Unresolved("AclProto", "no value"))
    assert acl_flow(acl(bad_proto), False, LAMBDA_SUBNET, DB_PORT).status is Status.UNKNOWN


def test_ipv6_acl() -> None:
    v6 = net("2600:1f18:abcd:1::/64")
    assert acl_flow(acl(entry(100)), False, v6, DB_PORT).status is Status.CLOSED  # 0.0.0.0/0 is IPv4 only
    assert acl_flow(acl(entry(100), entry(101, cidr="::/0")), False, v6, DB_PORT).status is Status.OPEN
    res = acl_flow(acl(entry(90, "deny", "::/0"), entry(100)), False, LAMBDA_SUBNET, DB_PORT)
    assert res.status is Status.OPEN  # an IPv6 deny does not touch IPv4 traffic
    res6 = acl_flow(acl(entry(90, "deny", "::/0"), entry(101, cidr="::/0")), False, v6, DB_PORT)
    assert res6.status is Status.CLOSED and "90" in res6.entry


# ---- coverage by several rules together ----------------------------------------------------------------------------


def test_sg_two_half_rules_cover_the_subnet() -> None:
    res = ingress(rule(cidr=net("10.0.1.0/25")), rule(cidr=net("10.0.1.128/25")))
    assert res.status is Status.OPEN


def test_acl_two_half_entries_cover_the_subnet() -> None:
    res = acl_flow(acl(entry(100, cidr="10.0.1.0/25"), entry(110, cidr="10.0.1.128/25")), False, LAMBDA_SUBNET,
                   DB_PORT)
    assert res.status is Status.OPEN
