"""What ``rdslink trace --from/--to`` names turns into (rdslink.analysis.path.locate): the node shown in the hops,
its VPC, its addresses, its role in the flow and its security groups, for every kind of name (instance, ENI,
interface endpoint, subnet, VPC, Lambda function, database, proxy, IP address), and the one-line error for a
name the inputs cannot place. Hand-built inventories; the expectations follow the EC2/RDS/Lambda semantics the
locations stand for (an instance is its primary ENI, a function may use any address of each of its subnets, a
database any subnet of its DB subnet group after a failover)."""

from __future__ import annotations

import ipaddress

import pytest

from rdslink.analysis.path import locate, location_of_eni, target_locations
from rdslink.analysis.targets import collect_targets
from rdslink.model import (
    DBInstance,
    DBProxy,
    DBSubnetGroup,
    Instance,
    Inventory,
    LambdaFunction,
    NetworkInterface,
    Provenance,
    SecurityGroup,
    Subnet,
    Unresolved,
    Vpc,
    VpcConfig,
)

N = ipaddress.ip_network


def P(x: str) -> Provenance:
    return Provenance("test.json", x)


def _sg(gid: str, vpc: str = "vpc-a") -> SecurityGroup:
    return SecurityGroup(gid, vpc, gid, (), (), P(gid))


def inventory() -> Inventory:
    """vpc-a (10.0.0.0/16, default group sg-default) with subnets sa1 10.0.1.0/24 and sa2 10.0.2.0/24."""
    inv = Inventory()
    inv.vpcs["vpc-a"] = Vpc("vpc-a", (N("10.0.0.0/16"),), True, P("vpc-a"), default_security_group_id="sg-default")
    inv.subnets["sa1"] = Subnet("sa1", "vpc-a", N("10.0.1.0/24"), "us-east-1a", P("sa1"))
    inv.subnets["sa2"] = Subnet("sa2", "vpc-a", N("10.0.2.0/24"), "us-east-1b", P("sa2"))
    for g in ("sg-default", "sg-app", "sg-db"):
        inv.security_groups[g] = _sg(g)
    return inv


def eni(eid: str, subnet: str | None = "sa1", ips: tuple[str, ...] = ("10.0.1.10",), groups: object = ("sg-app",),
        kind: str = "interface", owner: str | None = None, vpc: object = "vpc-a") -> NetworkInterface:
    return NetworkInterface(eid, subnet, vpc, ips, groups, kind, P(eid), owner_id=owner)  # type: ignore[arg-type]


def _add(inv: Inventory, *enis: NetworkInterface) -> Inventory:
    for e in enis:
        inv.network_interfaces[e.id] = e
    inv.index()
    return inv


def function(inv: Inventory, subnets: object = ("sa1", "sa2"), groups: object = ("sg-app",),
             vpc: bool = True) -> LambdaFunction:
    fn = LambdaFunction("arn:aws:lambda:us-east-1:123456789012:function:orders", "orders", "arn:role",
                        VpcConfig(subnets, groups) if vpc else None, {},  # type: ignore[arg-type]
                        Provenance("t.yaml", "Stack/Orders"))
    inv.functions[fn.id] = fn
    inv.index()
    return fn


def database(inv: Inventory, group: object = "dbs", subnets: object = ("sa1", "sa2")) -> DBInstance:
    inv.db_subnet_groups["dbs"] = DBSubnetGroup("dbs", "dbs", subnets, P("dbs"))  # type: ignore[arg-type]
    db = DBInstance("db-1", "orders-db", "postgres", 5432, "orders-db.x.us-east-1.rds.amazonaws.com", group,
                    ("sg-db",), False, P("OrdersDb"))  # type: ignore[arg-type]
    inv.db_instances[db.id] = db
    inv.index()
    return db


# ---- security groups of a location -------------------------------------------------------------------------

def test_an_interface_without_groups_uses_its_vpcs_default_group() -> None:
    inv = _add(inventory(), eni("eni-1", groups=()))
    [loc] = locate(inv, "eni-1", True)
    assert [g.id for g in loc.groups or []] == ["sg-default"] and loc.group_ids == {"sg-default"}
    assert loc.groups_problem == ""


def test_default_group_unknown_when_the_vpc_or_its_default_group_is_not_in_the_inputs() -> None:
    inv = inventory()
    inv.security_groups.pop("sg-default")
    _add(inv, eni("eni-1", groups=()), eni("eni-2", ips=("10.9.0.5",), groups=(), vpc="vpc-elsewhere", subnet=None))
    for name in ("eni-1", "eni-2"):
        [loc] = locate(inv, name, True)
        assert loc.groups == [] and loc.group_ids == set()
        assert loc.groups_problem == "the VPC's default security group is not in the inputs"


def test_groups_partly_outside_the_inputs_or_unresolved_are_named() -> None:
    inv = _add(inventory(), eni("eni-1", groups=("sg-app", "sg-gone", Unresolved("AppSg", "parameter"))),
               eni("eni-2", ips=("10.0.1.11",), groups=Unresolved("Groups", "parameter")))
    [loc] = locate(inv, "eni-1", True)
    assert [g.id for g in loc.groups or []] == ["sg-app"] and loc.group_ids == {"sg-app", "sg-gone"}
    assert loc.groups_problem == "security groups not in the inputs: sg-gone, ?AppSg"
    [loc2] = locate(inv, "eni-2", True)
    assert loc2.groups == [] and loc2.groups_problem == "security groups unresolved (Groups)"


# ---- interfaces ---------------------------------------------------------------------------------------------

def test_an_interface_is_its_primary_address_in_its_subnet_and_vpc() -> None:
    inv = _add(inventory(), eni("eni-1", ips=("10.0.1.10", "10.0.1.11")))
    [loc] = locate(inv, "eni-1", True)
    assert (loc.node, loc.vpc_id, loc.net, loc.role) == ("eni-1", "vpc-a", N("10.0.1.10/32"), "interface")
    assert loc.subnet is inv.subnets["sa1"] and loc.eni is inv.network_interfaces["eni-1"]


def test_an_interface_without_addresses_may_use_any_address_of_its_subnet() -> None:
    inv = _add(inventory(), eni("eni-1", ips=()), eni("eni-2", ips=(), subnet="subnet-gone", vpc=None))
    [loc] = locate(inv, "eni-1", True)
    assert loc.net == N("10.0.1.0/24")
    [loc2] = locate(inv, "eni-2", True)  # neither addresses nor subnet: any address, no VPC known
    assert loc2.net == N("0.0.0.0/0") and loc2.vpc_id is None and loc2.subnet is None


def test_an_interface_without_a_vpc_id_is_in_its_subnets_vpc() -> None:
    inv = _add(inventory(), eni("eni-1", vpc=Unresolved("Vpc", "parameter")))
    [loc] = locate(inv, "eni-1", True)
    assert loc.vpc_id == "vpc-a"


def test_interfaces_of_nat_gateways_transit_gateways_endpoints_and_instances() -> None:
    inv = _add(inventory(),
               eni("eni-nat", ips=("10.0.1.5",), kind="nat_gateway", owner="nat-1"),
               eni("eni-nat2", ips=("10.0.1.6",), kind="interface", owner="nat-2"),
               eni("eni-tgw", ips=("10.0.1.7",), kind="transit_gateway", owner="tgw-1"),
               eni("eni-vpce", ips=("10.0.2.8",), subnet="sa2", kind="vpc_endpoint", owner="vpce-1"),
               eni("eni-i", ips=("10.0.1.9",), owner="i-1"))
    nat = locate(inv, "eni-nat", False)[0]
    assert (nat.node, nat.role, nat.groups) == ("nat-1", "nat", None)
    assert locate(inv, "eni-nat2", False)[0].node == "nat-2"  # an interface owned by a NAT gateway is the NAT
    tgw = locate(inv, "eni-tgw", False)[0]
    assert (tgw.node, tgw.role, tgw.groups) == ("eni-tgw", "nat", None)
    vpce = locate(inv, "eni-vpce", False)[0]
    assert (vpce.node, vpce.role) == ("vpce-1-sa2", "endpoint") and [g.id for g in vpce.groups or []] == ["sg-app"]
    inst = locate(inv, "eni-i", False)[0]
    assert (inst.node, inst.role) == ("i-1", "interface")


def test_an_interface_endpoint_is_named_per_subnet_as_batfish_does() -> None:
    inv = _add(inventory(),
               eni("eni-v1", ips=("10.0.1.8",), subnet="sa1", kind="vpc_endpoint", owner="vpce-1"),
               eni("eni-v2", ips=("10.0.2.8",), subnet="sa2", kind="vpc_endpoint", owner="vpce-1"))
    [loc] = locate(inv, "vpce-1-sa2", False)
    assert (loc.node, loc.net, loc.eni and loc.eni.id) == ("vpce-1-sa2", N("10.0.2.8/32"), "eni-v2")
    # other names are not taken for an endpoint's
    [sub] = locate(inv, "sa1", True)
    assert (sub.node, sub.role) == ("sa1", "subnet")


def test_location_of_eni_keeps_a_given_address() -> None:
    inv = _add(inventory(), eni("eni-1", ips=("10.0.1.10", "10.0.1.11")))
    loc = location_of_eni(inv, inv.network_interfaces["eni-1"], N("10.0.1.11/32"))
    assert loc.net == N("10.0.1.11/32")


# ---- instances, subnets, VPCs ------------------------------------------------------------------------------

def test_an_instance_is_its_first_described_interface() -> None:
    inv = _add(inventory(), eni("eni-1", ips=("10.0.1.20",), owner="i-1"))
    inv.instances["i-1"] = Instance("i-1", "sa1", "vpc-a", "10.0.1.20", ("eni-missing", "eni-1"), ("sg-app",), P("i-1"))
    [loc] = locate(inv, "i-1", True)
    assert (loc.node, loc.net, loc.eni and loc.eni.id) == ("i-1", N("10.0.1.20/32"), "eni-1")


def test_an_instance_without_described_interfaces_uses_its_own_fields() -> None:
    inv = inventory()
    inv.instances["i-1"] = Instance("i-1", "sa2", "vpc-a", "10.0.2.20", (), ("sg-app",), P("i-1"))
    inv.instances["i-2"] = Instance("i-2", "sa2", "vpc-a", None, (), ("sg-app",), P("i-2"))
    inv.index()
    [loc] = locate(inv, "i-1", True)
    assert (loc.node, loc.vpc_id, loc.net, loc.subnet) == ("i-1", "vpc-a", N("10.0.2.20/32"), inv.subnets["sa2"])
    assert [g.id for g in loc.groups or []] == ["sg-app"] and loc.role == "interface"
    with pytest.raises(ValueError, match="i-2: the instance has no private IP in the inputs"):
        locate(inv, "i-2", True)


def test_a_subnet_is_a_source_subnet_or_a_destination_address_range() -> None:
    inv = inventory()
    inv.subnets["sx"] = Subnet("sx", "vpc-a", Unresolved("Cidr", "parameter"), "us-east-1a", P("sx"))  # type: ignore[arg-type]
    inv.index()
    [src] = locate(inv, "sa2", True)
    [dst] = locate(inv, "sa2", False)
    assert (src.node, src.vpc_id, src.net, src.role) == ("sa2", "vpc-a", N("10.0.2.0/24"), "subnet")
    assert dst.role == "address" and dst.groups is None
    with pytest.raises(ValueError, match="sx: the subnet's CIDR is unresolved"):
        locate(inv, "sx", True)


def test_a_vpc_is_its_router_on_its_first_known_cidr() -> None:
    inv = inventory()
    inv.vpcs["vpc-b"] = Vpc("vpc-b", (Unresolved("Cidr", "p"), N("10.1.0.0/16")), True, P("vpc-b"))  # type: ignore[arg-type]
    inv.vpcs["vpc-c"] = Vpc("vpc-c", (Unresolved("Cidr", "p"),), True, P("vpc-c"))  # type: ignore[arg-type]
    inv.index()
    [loc] = locate(inv, "vpc-b", True)
    assert (loc.node, loc.vpc_id, loc.net, loc.role, loc.subnet) == ("vpc-b", "vpc-b", N("10.1.0.0/16"), "router", None)
    with pytest.raises(ValueError, match="vpc-c: the VPC's CIDR is unresolved"):
        locate(inv, "vpc-c", True)


# ---- functions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["arn:aws:lambda:us-east-1:123456789012:function:orders", "Stack/Orders",
                                  "orders", "Orders"])
def test_a_function_is_one_location_per_subnet(name: str) -> None:
    inv = inventory()
    function(inv)
    locs = locate(inv, name, True)
    assert [(x.node, x.vpc_id, x.net, x.role, x.public_ip) for x in locs] == [
        ("Stack/Orders", "vpc-a", N("10.0.1.0/24"), "interface", False),
        ("Stack/Orders", "vpc-a", N("10.0.2.0/24"), "interface", False)]
    assert all([g.id for g in x.groups or []] == ["sg-app"] for x in locs)


def test_a_function_that_cannot_be_placed_is_an_error_naming_why() -> None:
    for kwargs, why in (({"vpc": False}, "the function has no VpcConfig"),
                        ({"subnets": Unresolved("Subnets", "p")}, "its subnets are unresolved \\(Subnets\\)"),
                        ({"subnets": ("sa1", "subnet-gone")}, "subnet subnet-gone is not in the inputs")):
        inv = inventory()
        function(inv, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=f"orders: {why}"):
            locate(inv, "orders", True)


def test_a_name_that_only_ends_like_a_function_is_not_that_function() -> None:
    inv = inventory()
    function(inv)
    with pytest.raises(ValueError, match="no instance, network interface, subnet, VPC, function"):
        locate(inv, "ders", True)


# ---- databases and proxies ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["db-1", "OrdersDb", "orders-db"])
def test_a_database_is_every_subnet_of_its_subnet_group(name: str) -> None:
    inv = inventory()
    database(inv)
    locs = locate(inv, name, False)
    assert [(x.node, x.net, x.role) for x in locs] == [("OrdersDb", N("10.0.1.0/24"), "interface"),
                                                       ("OrdersDb", N("10.0.2.0/24"), "interface")]
    assert all([g.id for g in x.groups or []] == ["sg-db"] for x in locs)


def test_a_database_that_cannot_be_placed_is_an_error_naming_why() -> None:
    for kwargs, why in (({"group": "no-such-group"}, "its DB subnet group is not in the inputs"),
                        ({"subnets": Unresolved("Subnets", "p")}, "its subnets are unresolved \\(Subnets\\)"),
                        ({"subnets": ("sa1", "subnet-gone")}, "subnet subnet-gone is not in the inputs")):
        inv = inventory()
        database(inv, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=f"OrdersDb: {why}"):
            locate(inv, "OrdersDb", False)


def test_a_proxy_is_every_subnet_it_is_configured_with() -> None:
    inv = inventory()
    inv.db_proxies["prx-1"] = DBProxy("prx-1", "orders-proxy", "arn:proxy", "prx-1", "POSTGRESQL",
                                      "orders-proxy.proxy-x.us-east-1.rds.amazonaws.com", ("sa2",), ("sg-db",),
                                      False, (), "arn:role", P("Proxy"))
    inv.index()
    [t] = [t for t in collect_targets(inv) if t.key == "prx-1"]
    [loc] = target_locations(inv, t)
    assert (loc.node, loc.net, loc.vpc_id) == ("Proxy", N("10.0.2.0/24"), "vpc-a")
    assert [x.net for x in locate(inv, "orders-proxy", False)] == [N("10.0.2.0/24")]


# ---- IP addresses -------------------------------------------------------------------------------------------

def test_an_address_held_by_an_interface_is_that_interface() -> None:
    inv = _add(inventory(), eni("eni-1", ips=("10.0.1.10", "10.0.1.11")))
    [loc] = locate(inv, "10.0.1.11", False)
    assert (loc.node, loc.net, loc.role) == ("eni-1", N("10.0.1.11/32"), "interface")


def test_an_address_in_a_subnet_without_an_interface() -> None:
    inv = inventory()
    [src] = locate(inv, "10.0.2.99", True)
    assert (src.node, src.vpc_id, src.net, src.subnet, src.role) == (
        "10.0.2.99", "vpc-a", N("10.0.2.99/32"), inv.subnets["sa2"], "interface")
    assert src.groups == [] and "no interface of the inputs holds 10.0.2.99" in src.groups_problem
    [dst] = locate(inv, "10.0.2.99", False)
    assert (dst.role, dst.groups, dst.subnet, dst.vpc_id) == ("address", None, inv.subnets["sa2"], "vpc-a")


def test_an_address_outside_every_subnet() -> None:
    inv = inventory()
    [dst] = locate(inv, "192.0.2.1", False)
    assert (dst.node, dst.vpc_id, dst.subnet, dst.role, dst.net) == ("192.0.2.1", None, None, "address",
                                                                     N("192.0.2.1/32"))
    with pytest.raises(ValueError, match="192.0.2.1: no subnet of the inputs contains this address"):
        locate(inv, "192.0.2.1", True)
    with pytest.raises(ValueError, match="nothing-here: no instance"):
        locate(inv, "nothing-here", False)
