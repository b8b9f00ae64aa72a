"""Turn what a user names (an instance, ENI, subnet, VPC, Lambda function, DB/proxy, IP address) into the
:class:`Location` end points of flows."""

from __future__ import annotations

import ipaddress

from ...model import Inventory, NetworkInterface, SecurityGroup, Unresolved
from ...model.values import IPNetwork
from .model import Location


def _groups(inv: Inventory, ids: object, vpc_id: object) -> tuple[list[SecurityGroup], set[str], str]:
    """Known groups, all ids, and why the list is incomplete ("" when complete). An empty list means the VPC's
    default security group."""
    if isinstance(ids, Unresolved):
        return [], set(), f"security groups unresolved ({ids.name})"
    id_list: list[object] = list(ids) if isinstance(ids, (tuple, list)) else []
    if not id_list:
        vpc = inv.vpcs.get(vpc_id) if isinstance(vpc_id, str) else None
        if vpc and vpc.default_security_group_id in inv.security_groups:
            g = inv.security_groups[vpc.default_security_group_id]
            return [g], {g.id}, ""
        return [], set(), "the VPC's default security group is not in the inputs"
    known = [inv.security_groups[g] for g in id_list if isinstance(g, str) and g in inv.security_groups]
    missing = [str(g) if not isinstance(g, Unresolved) else f"?{g.name}" for g in id_list
               if not (isinstance(g, str) and g in inv.security_groups)]
    ids_s = {g for g in id_list if isinstance(g, str)}
    return known, ids_s, (f"security groups not in the inputs: {', '.join(missing)}" if missing else "")


def location_of_eni(inv: Inventory, eni: NetworkInterface, net: IPNetwork | None = None) -> Location:
    """The node an ENI stands for: its instance (``i-``), a NAT gateway, an interface endpoint in one subnet
    (``vpce-...-subnet-...``, Batfish's name), or the ENI itself."""
    subnet = inv.subnets.get(eni.subnet_id) if isinstance(eni.subnet_id, str) else None
    if net is None:
        net = ipaddress.ip_network(eni.private_ip_addresses[0]) if eni.private_ip_addresses else (
            subnet.cidr if subnet is not None and not isinstance(subnet.cidr, Unresolved) else
            ipaddress.ip_network("0.0.0.0/0"))
    vpc = eni.vpc_id if isinstance(eni.vpc_id, str) else (subnet.vpc_id if subnet and isinstance(subnet.vpc_id, str)
                                                          else None)
    owner = eni.owner_id or ""
    if eni.interface_type == "nat_gateway" or owner.startswith("nat-"):
        return Location(owner or eni.id, vpc, net, subnet, None, set(), "", eni, "nat")
    if eni.interface_type == "transit_gateway":
        return Location(eni.id, vpc, net, subnet, None, set(), "", eni, "nat")
    groups, ids, problem = _groups(inv, eni.security_group_ids, vpc)
    node = eni.id
    role = "interface"
    if owner.startswith("vpce-"):
        node, role = f"{owner}-{eni.subnet_id}", "endpoint"
    elif owner.startswith("i-"):
        node = owner
    return Location(node, vpc, net, subnet, groups, ids, problem, eni, role, None)


def locate(inv: Inventory, spec: str, as_source: bool) -> list[Location]:
    """Locations named by ``spec``: an instance, ENI, subnet, VPC, Lambda function (one per subnet), DB/proxy
    (one per subnet of its subnet group), or an IP address.

    Raises:
        ValueError: nothing in the inputs has that name (the message says what can be named).
    """
    from ..targets import collect_targets

    if spec in inv.ambiguous_ids:
        raise ValueError(f"{spec} names different objects in several accounts/Regions: name one of "
                         f"{', '.join(inv.ambiguous_ids[spec])}")
    if spec in inv.instances:
        inst = inv.instances[spec]
        enis = [inv.network_interfaces[e] for e in inst.network_interface_ids if e in inv.network_interfaces]
        if enis:
            return [location_of_eni(inv, enis[0])]
        subnet = inv.subnets.get(inst.subnet_id) if isinstance(inst.subnet_id, str) else None
        groups, ids, problem = _groups(inv, inst.security_group_ids, inst.vpc_id)
        if inst.private_ip is None:
            raise ValueError(f"{spec}: the instance has no private IP in the inputs")
        return [Location(spec, inst.vpc_id if isinstance(inst.vpc_id, str) else None,
                         ipaddress.ip_network(inst.private_ip), subnet, groups, ids, problem, None, "interface", None)]
    if spec in inv.network_interfaces:
        return [location_of_eni(inv, inv.network_interfaces[spec])]
    for eni in inv.network_interfaces.values():
        if eni.owner_id and eni.owner_id.startswith("vpce-") and spec == f"{eni.owner_id}-{eni.subnet_id}":
            return [location_of_eni(inv, eni)]
    if spec in inv.subnets:
        s = inv.subnets[spec]
        if isinstance(s.cidr, Unresolved):
            raise ValueError(f"{spec}: the subnet's CIDR is unresolved")
        return [Location(s.id, s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s, None, set(), "", None,
                         "subnet" if as_source else "address", None)]
    if spec in inv.vpcs:
        v = inv.vpcs[spec]
        cidr = next((c for c in v.cidr_blocks if not isinstance(c, Unresolved)), None)
        if cidr is None:
            raise ValueError(f"{spec}: the VPC's CIDR is unresolved")
        return [Location(v.id, v.id, cidr, None, None, set(), "", None, "router", None)]
    for fn in inv.functions.values():
        if spec in (fn.id, fn.prov.logical_id, fn.name) or fn.prov.logical_id.endswith("/" + spec):
            if fn.vpc_config is None:
                raise ValueError(f"{spec}: the function has no VpcConfig (it runs outside your VPCs)")
            subnet_ids = fn.vpc_config.subnet_ids
            if isinstance(subnet_ids, Unresolved):
                raise ValueError(f"{spec}: its subnets are unresolved ({subnet_ids.name})")
            out = []
            for sid in subnet_ids:
                fs = inv.subnets.get(sid) if isinstance(sid, str) else None
                if fs is None or isinstance(fs.cidr, Unresolved):
                    raise ValueError(f"{spec}: subnet {sid} is not in the inputs")
                groups, ids, problem = _groups(inv, fn.vpc_config.security_group_ids, fs.vpc_id)
                out.append(Location(fn.prov.logical_id, fs.vpc_id if isinstance(fs.vpc_id, str) else None, fs.cidr,
                                    fs, groups, ids, problem, None, "interface", False))
            return out
    for t in collect_targets(inv):
        ident = getattr(t.obj, "identifier", None) or getattr(t.obj, "name", None)  # DB identifier / proxy name
        if spec in (t.key, t.display) or t.display.endswith("/" + spec) or spec == ident:
            return target_locations(inv, t)
    try:
        ip = ipaddress.ip_address(spec)
    except ValueError:
        raise ValueError(f"{spec}: no instance, network interface, subnet, VPC, function, database or proxy of "
                         "the inputs has this id, and it is not an IP address") from None
    net = ipaddress.ip_network(spec)
    _unique_scope(inv, spec, ip)
    holder = inv.eni_for_ip(spec)
    if holder is not None:
        return [location_of_eni(inv, holder, net)]
    for s in inv.subnets.values():
        if not isinstance(s.cidr, Unresolved) and s.cidr.version == ip.version and ip in s.cidr:
            if as_source:
                return [Location(spec, s.vpc_id if isinstance(s.vpc_id, str) else None, net, s, [], set(),
                                 f"no interface of the inputs holds {spec}: its security groups are unknown", None,
                                 "interface", None)]
            return [Location(spec, s.vpc_id if isinstance(s.vpc_id, str) else None, net, s, None, set(), "", None,
                             "address", None)]
    if as_source:
        raise ValueError(f"{spec}: no subnet of the inputs contains this address")
    return [Location(spec, None, net, None, None, set(), "", None, "address", None)]


def target_locations(inv: Inventory, t: object) -> list[Location]:
    """One Location per subnet a DB / proxy may use (its whole DB subnet group: Multi-AZ failover)."""
    from ...model import DBProxy, DBProxyEndpoint
    from ..targets import Target

    assert isinstance(t, Target)
    obj = t.obj
    if isinstance(obj, (DBProxy, DBProxyEndpoint)):
        ids: object = obj.subnet_ids
    else:
        g = inv.subnet_group(obj.subnet_group)
        if g is None:
            raise ValueError(f"{t.display}: its DB subnet group is not in the inputs")
        ids = g.subnet_ids
    if isinstance(ids, Unresolved):
        raise ValueError(f"{t.display}: its subnets are unresolved ({ids.name})")
    out = []
    for sid in ids if isinstance(ids, (tuple, list)) else ():
        s = inv.subnets.get(sid) if isinstance(sid, str) else None
        if s is None or isinstance(s.cidr, Unresolved):
            raise ValueError(f"{t.display}: subnet {sid} is not in the inputs")
        groups, gids, problem = _groups(inv, obj.security_group_ids, s.vpc_id)
        out.append(Location(t.display, s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s, groups, gids,
                            problem, None, "interface", None))
    return out


def _unique_scope(inv: Inventory, spec: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    """Raise when the address lies in described subnets of several accounts/Regions (their VPCs may reuse the
    same CIDRs): the user must name the instance, ENI or subnet instead."""
    holders = [s for s in inv.subnets.values()
               if not isinstance(s.cidr, Unresolved) and s.cidr.version == ip.version and ip in s.cidr]
    scopes = {inv.scope_of(s) for s in holders}
    if len(scopes) > 1:
        raise ValueError(f"{spec} lies in subnets of several accounts/Regions "
                         f"({', '.join(sorted(s.id for s in holders))}): name the instance, network interface or "
                         "subnet instead")
