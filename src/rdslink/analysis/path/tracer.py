"""The path engine: where does a packet from this interface to that address go, and is it let through?

Forwarding follows the VPC User Guide and the Transit Gateway Guide:
- a subnet uses its explicitly associated route table, else the VPC's main table; the longest prefix that
  contains the destination wins; a VPC's CIDRs have an implicit ``local`` route; ``blackhole`` routes drop;
- a peering route needs the connection ``active``; the peer VPC delivers only addresses inside its own CIDRs
  (no transitive routing); the way back is a separate lookup in the peer's route table (the reverse trace);
- a transit gateway route needs a VPC attachment with a subnet in the source subnet's Availability Zone;
  the attachment's associated TGW route table (explicit, else the TGW's default association table) is looked
  up: static routes, then routes propagated by attachments (a VPC attachment propagates its VPC's CIDRs);
  blackhole routes drop;
- a NAT gateway forwards to its own subnet's route table (to an internet gateway); an internet gateway
  forwards only for interfaces with a public IP (Lambda ENIs have none);
- a route to an instance or a network interface forwards only when its SourceDestCheck is disabled (a NAT
  instance): its security groups and its subnet's NACLs filter, then its subnet's route table and its public IP
  take the traffic to the internet.

Filters: security groups at both interfaces (stateful: the return of an accepted flow passes), network ACLs
at each subnet boundary both ways (stateless: the return to the client's ephemeral ports 1024-65535 is
evaluated again, rule by rule; traffic inside one subnet crosses no NACL).

Anything the inputs do not decide is an ``unknown`` step, and the disposition is UNKNOWN unless a later step
is proven closed. No check ids here: the checks read :class:`Step` causes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ...findings import Status
from ...model import (
    EPHEMERAL_PORTS,
    Instance,
    Inventory,
    NetworkInterface,
    PortRange,
    Route,
    Subnet,
    Unresolved,
)
from ...model.values import IPNetwork
from .filters import AclResult, RuleMatch, acl_flow, sg_flow
from .model import Disposition, Location, Step, Trace, TraceHop

ANY_V4 = ipaddress.ip_network("0.0.0.0/0")
PROTO_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "all"}


@dataclass(slots=True)
class _RouteHit:
    route: Route | None
    status: Status
    detail: str
    cause: str = ""


class PathEngine:
    """Trace flows over one :class:`Inventory` (indexed).

    Args:
        inv: the inventory.
    """

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self._filters = True
        self._acl_cache: dict[tuple[str, bool, str, PortRange | None, str], AclResult] = {}
        self._sg_cache: dict[tuple[object, ...], RuleMatch] = {}
        self._route_cache: dict[tuple[str, IPNetwork], _RouteHit] = {}

    def forwarding(self, src: Location, dst: Location, protocol: str = "6", port: int | None = None) -> Trace:
        """Forwarding only (routes, peering, transit gateways; no security group or NACL): does a packet from
        ``src`` get delivered to ``dst``'s subnet and interface?"""
        self._filters = False
        try:
            return self._run(src, dst, protocol, port, EPHEMERAL_PORTS, stateful=False)
        finally:
            self._filters = True

    # ---- public --------------------------------------------------------------------------------------

    def trace(self, src: Location, dst: Location, protocol: str = "6", port: int | None = None,
              src_ports: PortRange = EPHEMERAL_PORTS, reverse: bool = True) -> Trace:
        """Trace ``protocol``/``port`` from ``src`` to ``dst``; with ``reverse``, also the return of an accepted
        flow (to ``src_ports``, the client's source ports: Lambda and Linux use 1024-65535 at most).

        ``protocol`` is the IANA number as a string (``6`` tcp, ``17`` udp, ``1`` icmp, ``-1`` any)."""
        t = self._run(src, dst, protocol, port, src_ports, stateful=False)
        if reverse and t.disposition is Disposition.ACCEPTED and src.role != "router":
            t.reverse = self._run(dst, src, protocol, port, src_ports, stateful=True)
        return t

    # ---- one direction -------------------------------------------------------------------------------

    def _run(self, src: Location, dst: Location, protocol: str, port: int | None, src_ports: PortRange,
             stateful: bool) -> Trace:
        """Forward ``src`` -> ``dst``. ``stateful``: this is the return of an accepted flow: security groups
        pass it (connection tracking), NACLs see destination ports ``src_ports``."""
        ports = src_ports if stateful else (PortRange(port, port) if port is not None else None)
        t = Trace(src.node, dst.node, str(src.net) if src.net.num_addresses > 1 else str(src.net.network_address),
                  str(dst.net) if dst.net.num_addresses > 1 else str(dst.net.network_address), protocol, port,
                  Disposition.UNKNOWN)
        first = TraceHop(src.node)
        t.hops.append(first)

        def finish(d: Disposition) -> Trace:
            if d is Disposition.ACCEPTED and any(s.status is Status.UNKNOWN for s in t.steps()):
                d = Disposition.UNKNOWN
            t.disposition = d
            return t

        if src.role == "router":
            assert src.vpc_id is not None
            return finish(self._deliver(t, src, dst, src.vpc_id, protocol, ports, stateful))
        if src.subnet is None:
            first.steps.append(Step("source", Status.UNKNOWN, f"the subnet of {src.node} is not known",
                                    src.node, "not-described"))
            return finish(Disposition.UNKNOWN)
        st = self._sg(src, dst, "egress", protocol, port, stateful)
        if st is not None:
            first.steps.append(st)
            if st.status is Status.CLOSED:
                return finish(Disposition.DENIED_OUT)
        if dst.subnet is not None and dst.subnet.id == src.subnet.id and src.role != "subnet":
            first.steps.append(Step("route", Status.OPEN, f"same subnet {src.subnet.prov.logical_id}: delivered "
                                    "directly (no route table, no network ACL)", src.subnet.prov.logical_id))
            return finish(self._arrive(t, src, dst, protocol, port, stateful))
        if src.role == "subnet":
            sub = first
        else:
            sub = TraceHop(src.subnet.id)
            t.hops.append(sub)
        acl_step = self._acl(src.subnet, True, dst.net, ports, protocol, "nacl-out")
        if acl_step is not None:
            sub.steps.append(acl_step)
            if acl_step.status is Status.CLOSED and acl_step.cause != "nacl-partial":
                return finish(Disposition.DENIED_OUT)
        hit = self.route(src.subnet, dst.net)
        res = hit.route.prov.logical_id if hit.route is not None else src.subnet.prov.logical_id
        sub.steps.append(Step("route", hit.status, hit.detail, res, hit.cause))
        if hit.status is Status.UNKNOWN:
            return finish(Disposition.UNKNOWN)
        if hit.route is None:
            return finish(Disposition.NO_ROUTE)
        if hit.route.state == "blackhole":
            return finish(Disposition.NULL_ROUTED)
        vpc_id = src.subnet.vpc_id
        if not isinstance(vpc_id, str):
            sub.steps.append(Step("vpc-router", Status.UNKNOWN, "VPC of the subnet unresolved", "", "not-described"))
            return finish(Disposition.UNKNOWN)
        kind, target = hit.route.target_type, hit.route.target_id
        if kind == "local":
            t.hops.append(TraceHop(vpc_id))
            return finish(self._deliver(t, src, dst, vpc_id, protocol, ports, stateful, skip_vpc_hop=True))
        if kind == "pcx":
            return finish(self._via_peering(t, src, dst, vpc_id, target, protocol, ports, stateful))
        if kind == "tgw":
            return finish(self._via_tgw(t, src, dst, src.subnet, vpc_id, target, protocol, ports, stateful))
        if kind == "nat":
            return finish(self._via_nat(t, src, dst, vpc_id, target, protocol, ports))
        if kind == "igw":
            t.hops.append(TraceHop(vpc_id))
            igw = TraceHop(str(target))
            t.hops.append(igw)
            if dst.vpc_id is not None:
                igw.steps.append(Step("igw", Status.UNKNOWN, "a private destination routed to an internet gateway",
                                      str(target), "not-analysed"))
                return finish(Disposition.UNKNOWN)
            if src.public_ip is True:
                igw.steps.append(Step("igw", Status.OPEN, "the interface has a public IP: translated and sent to "
                                      "the internet", str(target)))
                return finish(Disposition.EXITS_NETWORK)
            if src.public_ip is False:
                igw.steps.append(Step("igw", Status.CLOSED, f"{src.node} has no public IP: the internet gateway "
                                      "drops its traffic (Lambda ENIs never get one)", str(target), "no-public-ip"))
                return finish(Disposition.DENIED_IN)
            igw.steps.append(Step("igw", Status.UNKNOWN, "whether the interface has a public IP is not known",
                                  str(target), "not-described"))
            return finish(Disposition.UNKNOWN)
        if kind in ("instance", "eni"):
            return finish(self._via_nat_instance(t, src, dst, vpc_id, kind, target, protocol, port, ports, stateful))
        t.hops.append(TraceHop(vpc_id))
        t.hops[-1].steps.append(Step("route", Status.UNKNOWN, f"route target {kind} {target} is not analysed "
                                     "(virtual private gateway, ...)", str(target), "not-analysed"))
        return finish(Disposition.UNKNOWN)

    # ---- forwarding ----------------------------------------------------------------------------------

    def route(self, subnet: Subnet, dest: IPNetwork) -> _RouteHit:
        """Longest-prefix match for ``dest`` (every address of it) in ``subnet``'s route table (memoised: the
        inventory does not change under an engine)."""
        key = (subnet.id, dest)
        hit = self._route_cache.get(key)
        if hit is None:
            hit = self._route_cache[key] = self._route(subnet, dest)
        return hit

    def _route(self, subnet: Subnet, dest: IPNetwork) -> _RouteHit:
        rt = self.inv.route_table_for(subnet)
        vpc = self.inv.vpcs.get(subnet.vpc_id) if isinstance(subnet.vpc_id, str) else None
        if rt is None and "RouteTables" in self.inv.missing_kinds:
            return _RouteHit(None, Status.UNKNOWN, f"route table of {subnet.prov.logical_id} not in the inputs",
                             "not-described")
        routes: list[Route] = list(rt.routes) if rt is not None else []
        name = rt.prov.logical_id if rt is not None else f"main route table of {subnet.vpc_id}"
        if vpc is not None:
            have = {r.destination for r in routes if r.target_type == "local"}
            for c in vpc.cidr_blocks:
                if not isinstance(c, Unresolved) and c not in have:
                    routes.append(Route(c, "local", "local", vpc.prov))
        elif not any(r.target_type == "local" for r in routes):
            return _RouteHit(None, Status.UNKNOWN, f"VPC {subnet.vpc_id} of {subnet.prov.logical_id} is not in the "
                             "inputs: its local route is unknown", "not-described")
        best: Route | None = None
        undecided: list[str] = []
        for r in routes:
            d = r.destination
            if isinstance(d, Unresolved):
                undecided.append(f"route with unresolved destination ({r.prov.where()})")
                continue
            if isinstance(d, str):  # prefix list: AWS service ranges, never a private destination
                continue
            if d.version != dest.version or not d.overlaps(dest):  # type: ignore[arg-type]
                continue
            if dest.prefixlen == 0 and d.prefixlen > 0 and d.is_private:
                continue  # "the internet" (0.0.0.0/0 stands for public addresses): private routes do not apply
            if dest.subnet_of(d):  # type: ignore[arg-type]
                if best is None or d.prefixlen > best.destination.prefixlen or (  # type: ignore[union-attr]
                        d.prefixlen == best.destination.prefixlen and r.target_type == "local"):  # type: ignore[union-attr]
                    best = r
            else:
                undecided.append(f"{d} -> {r.target_type} {r.target_id} covers only part of {dest} "
                                 f"({r.prov.where()})")
        if undecided:
            return _RouteHit(None, Status.UNKNOWN, f"{name}: " + "; ".join(undecided), "route-undecided")
        if best is None and vpc is not None and any(isinstance(c, Unresolved) for c in vpc.cidr_blocks):
            return _RouteHit(None, Status.UNKNOWN, f"{name}: a CIDR of {vpc.prov.logical_id} is unresolved (its local "
                             "route may cover the destination)", "route-undecided")
        if best is None:
            return _RouteHit(None, Status.CLOSED, f"{name} has no route for {dest}", "no-route")
        if isinstance(best.target_id, Unresolved):
            return _RouteHit(best, Status.UNKNOWN, f"{name}: {best.destination} -> target unresolved "
                             f"({best.target_id.name})", "route-undecided")
        if best.state == "blackhole":
            return _RouteHit(best, Status.CLOSED, f"{name}: {best.destination} -> {best.target_id} is a blackhole "
                             f"route ({best.prov.where()})", "blackhole")
        where = f" ({best.prov.where()})" if best.target_type != "local" or rt is None else ""
        return _RouteHit(best, Status.OPEN, f"{name}: {best.destination} -> {best.target_id}{where}")

    def _vpc_cidrs(self, vpc_id: str) -> list[IPNetwork] | None:
        vpc = self.inv.vpcs.get(vpc_id)
        if vpc is None or any(isinstance(c, Unresolved) for c in vpc.cidr_blocks):
            return None
        return [c for c in vpc.cidr_blocks if not isinstance(c, Unresolved)]

    def _deliver(self, t: Trace, src: Location, dst: Location, vpc_id: str, protocol: str, ports: PortRange | None,
                 stateful: bool, skip_vpc_hop: bool = False) -> Disposition:
        """The VPC router of ``vpc_id`` delivers to the destination subnet (local route)."""
        if not skip_vpc_hop:
            t.hops.append(TraceHop(vpc_id))
        vhop = t.hops[-1]
        subnet = dst.subnet
        if subnet is not None and subnet.vpc_id != vpc_id:
            subnet = None
        if subnet is None:
            cands = [s for s in self.inv.subnets.values() if s.vpc_id == vpc_id and not isinstance(s.cidr, Unresolved)
                     and s.cidr.version == dst.net.version and s.cidr.overlaps(dst.net)]  # type: ignore[arg-type]
            full = [s for s in cands if dst.net.subnet_of(s.cidr)]  # type: ignore[arg-type]
            if full:
                subnet = full[0]
            elif cands:
                vhop.steps.append(Step("vpc-router", Status.UNKNOWN, f"{dst.net} spans several subnets of {vpc_id}",
                                       vpc_id, "not-described"))
                return Disposition.UNKNOWN
            else:
                unresolved = any(s.vpc_id == vpc_id and isinstance(s.cidr, Unresolved)
                                 for s in self.inv.subnets.values())
                status = Status.UNKNOWN if unresolved else Status.CLOSED
                vhop.steps.append(Step("vpc-router", status, f"no subnet of {vpc_id} contains {dst.net}", vpc_id,
                                       "not-described" if unresolved else "no-subnet"))
                return Disposition.UNKNOWN if unresolved else Disposition.NULL_ROUTED
        if isinstance(subnet.cidr, Unresolved):
            vhop.steps.append(Step("vpc-router", Status.UNKNOWN, f"CIDR of {subnet.prov.logical_id} unresolved",
                                   subnet.prov.logical_id, "not-described"))
            return Disposition.UNKNOWN
        vhop.steps.append(Step("vpc-router", Status.OPEN, f"local route to {subnet.prov.logical_id} ({subnet.cidr})",
                               vpc_id))
        shop = TraceHop(subnet.id)
        t.hops.append(shop)
        acl_step = self._acl(subnet, False, src.net, ports, protocol, "nacl-in")
        if acl_step is not None:
            shop.steps.append(acl_step)
            if acl_step.status is Status.CLOSED and acl_step.cause != "nacl-partial":
                return Disposition.DENIED_IN
        return self._arrive(t, src, dst, protocol, ports.low if ports is not None and not stateful else None,
                            stateful, subnet)

    def _arrive(self, t: Trace, src: Location, dst: Location, protocol: str, port: int | None, stateful: bool,
                subnet: Subnet | None = None) -> Disposition:
        """The packet reaches the destination subnet: find the interface and apply its security groups."""
        if dst.role == "address":
            subnet = subnet or dst.subnet
            eni = self.inv.eni_for_ip(str(dst.net.network_address), subnet.vpc_id if subnet else None) \
                if dst.net.num_addresses == 1 else None
            if eni is None:
                described = bool(self.inv.network_interfaces) and "NetworkInterfaces" not in self.inv.missing_kinds
                node = str(dst.net.network_address) if dst.net.num_addresses == 1 else str(dst.net)
                if described:
                    t.hops[-1].steps.append(Step("deliver", Status.CLOSED, f"no described interface holds {node}",
                                                 subnet.id if subnet else node, "no-interface"))
                    return Disposition.NEIGHBOR_UNREACHABLE
                t.hops.append(TraceHop(node, [Step("deliver", Status.UNKNOWN, f"no interface of the inputs holds "
                                                   f"{node} (describe the network interfaces to decide)", node,
                                                   "not-described")]))
                return Disposition.UNKNOWN
            from .locate import location_of_eni

            dst = location_of_eni(self.inv, eni, dst.net)
        hop = TraceHop(dst.node)
        t.hops.append(hop)
        if dst.role == "nat":
            hop.steps.append(Step("nat", Status.CLOSED, f"{dst.node} accepts no connection to its own address",
                                  dst.node, "nat-self"))
            return Disposition.DENIED_IN
        st = self._sg(dst, src, "ingress", protocol, port, stateful)
        if st is not None:
            hop.steps.append(st)
            if st.status is Status.CLOSED:
                return Disposition.DENIED_IN
        return Disposition.ACCEPTED

    def _via_peering(self, t: Trace, src: Location, dst: Location, vpc_id: str, pcx: object, protocol: str,
                     ports: PortRange | None, stateful: bool) -> Disposition:
        t.hops.append(TraceHop(vpc_id))
        hop = TraceHop(str(pcx))
        t.hops.append(hop)
        p = self.inv.peering_connections.get(pcx) if isinstance(pcx, str) else None
        if p is None:
            hop.steps.append(Step("peering", Status.UNKNOWN, f"peering connection {pcx} is not in the inputs",
                                  str(pcx), "not-described"))
            return Disposition.UNKNOWN
        name = p.prov.logical_id
        if p.status != "active":
            hop.steps.append(Step("peering", Status.CLOSED, f"{name} is {p.status}, not active: its routes are "
                                  f"blackholes ({p.prov.where()})", name, "peering-not-active"))
            return Disposition.NULL_ROUTED
        other = p.other_side(vpc_id)
        if not isinstance(other, str):
            hop.steps.append(Step("peering", Status.UNKNOWN if other is not None else Status.CLOSED,
                                  f"{name} does not connect {vpc_id}" if other is None else
                                  f"the other VPC of {name} is unresolved", name,
                                  "not-described" if other is not None else "no-route"))
            return Disposition.UNKNOWN if other is not None else Disposition.NULL_ROUTED
        cidrs = self._vpc_cidrs(other)
        if cidrs is None:
            hop.steps.append(Step("peering", Status.UNKNOWN, f"the peer VPC {other} of {name} is not in the inputs"
                                  + _side_hint(p, other), name, "not-described"))
            return Disposition.UNKNOWN
        hop.steps.append(Step("peering", Status.OPEN, f"{name} is active: {vpc_id} <-> {other}", name))
        if not any(dst.net.version == c.version and dst.net.subnet_of(c) for c in cidrs):  # type: ignore[arg-type]
            t.hops.append(TraceHop(other, [Step("vpc-router", Status.CLOSED, f"{dst.net} is outside {other}'s CIDRs "
                                                "(peering is not transitive)", other, "no-subnet")]))
            return Disposition.NULL_ROUTED
        return self._deliver(t, src, dst, other, protocol, ports, stateful)

    def tgw_attachment(self, vpc_id: str, tgw: object) -> list[object]:
        return [a for a in self.inv.transit_gateway_attachments.values()
                if a.vpc_id == vpc_id and a.transit_gateway_id == tgw]

    def _via_tgw(self, t: Trace, src: Location, dst: Location, subnet: Subnet, vpc_id: str, tgw_id: object,
                 protocol: str, ports: PortRange | None, stateful: bool) -> Disposition:
        from ...model import TransitGatewayVpcAttachment

        sub = t.hops[-1]
        tgw = self.inv.transit_gateways.get(tgw_id) if isinstance(tgw_id, str) else None
        atts = [a for a in self.tgw_attachment(vpc_id, tgw_id) if isinstance(a, TransitGatewayVpcAttachment)]
        if tgw is None and not atts:
            sub.steps.append(Step("tgw-attachment", Status.UNKNOWN, f"transit gateway {tgw_id} is not in the inputs",
                                  str(tgw_id), "not-described"))
            return Disposition.UNKNOWN
        live = [a for a in atts if a.state == "available"]
        if not live:
            what = f"{atts[0].prov.logical_id} is {atts[0].state}" if atts else \
                f"{vpc_id} has no attachment to {tgw_id}"
            sub.steps.append(Step("tgw-attachment", Status.CLOSED, f"{what}: the route to the transit gateway is a "
                                  "blackhole", atts[0].prov.logical_id if atts else str(tgw_id),
                                  "tgw-attachment-missing"))
            return Disposition.NULL_ROUTED
        att = live[0]
        az = subnet.availability_zone
        att_subnets = [self.inv.subnets.get(s) if isinstance(s, str) else None for s in att.subnet_ids]
        if isinstance(az, Unresolved) or any(s is None for s in att_subnets) or any(
                isinstance(s.availability_zone, Unresolved) for s in att_subnets if s is not None):
            sub.steps.append(Step("tgw-attachment", Status.UNKNOWN, f"Availability Zones of {subnet.prov.logical_id} "
                                  f"or of {att.prov.logical_id}'s subnets are not known", att.prov.logical_id,
                                  "not-described"))
            return Disposition.UNKNOWN
        azs = {s.availability_zone for s in att_subnets if s is not None}
        if az not in azs:
            sub.steps.append(Step("tgw-attachment", Status.CLOSED, f"{att.prov.logical_id} has no subnet in {az} "
                                  f"(only {', '.join(sorted(str(a) for a in azs))}): traffic from "
                                  f"{subnet.prov.logical_id} cannot reach the transit gateway",
                                  att.prov.logical_id, "tgw-az-missing"))
            return Disposition.NULL_ROUTED
        sub.steps.append(Step("tgw-attachment", Status.OPEN, f"{att.prov.logical_id} has a subnet in {az}",
                              att.prov.logical_id))
        t.hops.append(TraceHop(vpc_id))
        hop = TraceHop(str(tgw_id))
        t.hops.append(hop)
        table, routes, known, why = self.tgw_routes(att)
        if table is None:
            hop.steps.append(Step("tgw-route", Status.UNKNOWN if not known else Status.CLOSED, why, str(tgw_id),
                                  "not-described" if not known else "tgw-no-route"))
            return Disposition.UNKNOWN if not known else Disposition.NO_ROUTE
        return self._tgw_forward(t, hop, table, routes, known, tgw_id, src, dst, protocol, ports, stateful)

    def tgw_routes(self, att: object) -> tuple[str | None, list[tuple[IPNetwork, tuple[object, ...], str, str, str]],
                                                bool, str]:
        """The route table associated with VPC attachment ``att`` and its routes
        ``(destination, attachment ids, static|propagated, active|blackhole, where)``; ``known`` False when
        the table's static routes were not described. Returns (None, [], known, why) when no table applies."""
        from ...model import TransitGatewayVpcAttachment

        assert isinstance(att, TransitGatewayVpcAttachment)
        tgw = self.inv.transit_gateways.get(att.transit_gateway_id) if isinstance(att.transit_gateway_id, str) \
            else None
        tables = self.inv.transit_gateway_route_tables
        rt = tables.get(att.route_table_id) if att.route_table_id else None
        if rt is None:
            rt = next((x for x in tables.values() if att.id in x.associations), None)
        implicit = False
        if rt is None and att.association == "unknown":
            return None, [], False, (f"the route table association of {att.prov.logical_id} is not described "
                                     "(DescribeTransitGatewayAttachments)")
        if rt is None and att.association == "described":  # listed with no Association: associated with nothing
            return None, [], True, f"{att.prov.logical_id} is associated with no transit gateway route table"
        if rt is None and tgw is not None and tgw.default_association:
            rt = tables.get(tgw.association_default_route_table_id or "") or next(
                (x for x in tables.values() if x.default_association and x.transit_gateway_id == tgw.id), None)
            implicit = rt is None and tgw.association_default_route_table_id is None
        if rt is None and not implicit:
            known = tgw is not None and not tgw.default_association
            return None, [], known, f"{att.prov.logical_id} is associated with no transit gateway route table"
        return self.tgw_table_routes(rt, tgw)

    def tgw_table_routes(self, rt: object, tgw: object) -> tuple[str | None, list[tuple[IPNetwork, tuple[object, ...],
                                                                                      str, str, str]], bool, str]:
        """Routes of transit gateway route table ``rt`` of ``tgw`` (``rt`` None: the default route table EC2
        creates for a template TGW): static routes, then the CIDRs of the VPC attachments propagating to it
        (peering attachments never propagate). Same result shape as :meth:`tgw_routes`."""
        from ...model import TransitGateway, TransitGatewayRouteTable

        assert rt is None or isinstance(rt, TransitGatewayRouteTable)
        assert tgw is None or isinstance(tgw, TransitGateway)
        routes: list[tuple[IPNetwork, tuple[object, ...], str, str, str]] = []
        if rt is not None:
            name, known = rt.prov.logical_id, rt.routes_known
            for r in rt.routes:
                if isinstance(r.destination, Unresolved):
                    return None, [], False, f"{name} has a route with an unresolved destination"
                routes.append((r.destination, r.attachment_ids, r.route_type, r.state, r.prov.where()))
            props = set(rt.propagations)
            if tgw is not None and tgw.default_propagation and (
                    rt.default_propagation or rt.id == tgw.propagation_default_route_table_id) and \
                    tgw.propagation_default_route_table_id is None:
                props |= {a.id for a in self.inv.transit_gateway_attachments.values()
                          if a.transit_gateway_id == tgw.id}
        else:  # template TGW with the default route table EC2 creates: every attachment associates and propagates
            assert tgw is not None
            name, known = f"default route table of {tgw.prov.logical_id}", True
            props = {a.id for a in self.inv.transit_gateway_attachments.values()
                     if a.transit_gateway_id == tgw.id} if tgw.default_propagation else set()
        for aid in sorted(props, key=str):
            a = self.inv.transit_gateway_attachments.get(aid) if isinstance(aid, str) else None
            if a is None or not isinstance(a.vpc_id, str):
                continue
            cidrs = self._vpc_cidrs(a.vpc_id)
            if cidrs is None:
                known = False
                continue
            for c in cidrs:
                if not any(c == d for d, _, k, _, _ in routes if k == "static"):
                    routes.append((c, (a.id,), "propagated", "active", f"propagated by {a.prov.logical_id}"))
        return name, routes, known, ""

    def _tgw_forward(self, t: Trace, hop: TraceHop, table: str,
                     routes: list[tuple[IPNetwork, tuple[object, ...], str, str, str]], known: bool,
                     tgw_id: object, src: Location, dst: Location, protocol: str, ports: PortRange | None,
                     stateful: bool, far_side: bool = False) -> Disposition:
        """Forward by the best route of transit gateway route table ``table`` (``routes`` as :meth:`tgw_routes`
        returns them; ``known`` False when its static routes were not described): NO_ROUTE, a blackhole, across a
        TGW peering attachment of ``tgw_id``, or into the VPC of the VPC attachment it names. ``far_side``: the
        table is on the far side of a TGW peering, where a route to another peering attachment is not followed
        (UNKNOWN)."""
        from ...model import TransitGatewayVpcAttachment

        best = self._tgw_best(routes, dst.net)
        if best is None:
            hop.steps.append(Step("tgw-route", Status.CLOSED if known else Status.UNKNOWN,
                                  f"{table} has no route for {dst.net}" + ("" if known else
                                                                           " (static routes not described)"),
                                  table, "tgw-no-route" if known else "not-described"))
            return Disposition.NO_ROUTE if known else Disposition.UNKNOWN
        dest, atts2, rtype, state, where = best
        if not far_side and state != "blackhole" and not atts2:
            hop.steps.append(Step("tgw-route", Status.UNKNOWN, f"{table}: the attachment of route {dest} is not "
                                  f"described ({where})", table, "not-described"))
            return Disposition.UNKNOWN
        if state == "blackhole":
            hop.steps.append(Step("tgw-route", Status.CLOSED, f"{table}: {dest} is a blackhole route ({where})", table,
                                  "tgw-blackhole"))
            return Disposition.NULL_ROUTED
        tpa = self.inv.transit_gateway_peering_attachments.get(atts2[0]) if not far_side and \
            isinstance(atts2[0], str) and atts2[0] not in self.inv.transit_gateway_attachments else None
        if tpa is not None:
            hop.steps.append(Step("tgw-route", Status.OPEN, f"{table}: {dest} -> {tpa.prov.logical_id} ({rtype}, "
                                  f"{where})", table))
            return self._via_tgw_peering(t, src, dst, tgw_id, tpa, protocol, ports, stateful)
        nxt = self.inv.transit_gateway_attachments.get(atts2[0]) if atts2 and isinstance(atts2[0], str) else None
        if not isinstance(nxt, TransitGatewayVpcAttachment) or not isinstance(nxt.vpc_id, str):
            hop.steps.append(Step("tgw-route", Status.UNKNOWN, f"{table}: {dest} -> "
                                  f"{atts2[0] if atts2 else 'no attachment'}, which is not a VPC attachment of the "
                                  "inputs" + (" (a second peering hop is not analysed)" if far_side else ""),
                                  table, "not-described"))
            return Disposition.UNKNOWN
        if nxt.state != "available":
            hop.steps.append(Step("tgw-route", Status.CLOSED, f"{table}: {dest} -> {nxt.prov.logical_id}, which is "
                                  f"{nxt.state}", table, "tgw-attachment-missing"))
            return Disposition.NULL_ROUTED
        hop.steps.append(Step("tgw-route", Status.OPEN, f"{table}: {dest} -> {nxt.prov.logical_id} ({rtype}, "
                              f"{where})", table))
        return self._deliver(t, src, dst, nxt.vpc_id, protocol, ports, stateful)

    @staticmethod
    def _tgw_best(routes: list[tuple[IPNetwork, tuple[object, ...], str, str, str]], dest: IPNetwork
                  ) -> tuple[IPNetwork, tuple[object, ...], str, str, str] | None:
        """Longest-prefix match in a TGW route table; a static route wins over a propagated one of equal length."""
        best = None
        for r in routes:
            d, rtype = r[0], r[2]
            if dest.version == d.version and dest.subnet_of(d):  # type: ignore[arg-type]
                if best is None or d.prefixlen > best[0].prefixlen or (
                        d.prefixlen == best[0].prefixlen and rtype == "static"):
                    best = r
        return best

    def _via_tgw_peering(self, t: Trace, src: Location, dst: Location, tgw_id: object, tpa: object, protocol: str,
                         ports: PortRange | None, stateful: bool) -> Disposition:
        """Across a transit gateway peering attachment (Transit Gateway Guide, "Transit gateway peering
        attachments"): the attachment must be ``available``; the peer TGW looks the destination up in the route
        table the attachment is associated with on its side (static routes and VPC propagations) and delivers
        to a VPC attachment. A peer TGW, table or association the inputs do not describe is UNKNOWN naming the
        account and Region to describe."""
        from ...model import TransitGatewayPeeringAttachment

        assert isinstance(tpa, TransitGatewayPeeringAttachment)
        hop = TraceHop(tpa.id)
        t.hops.append(hop)
        name = tpa.prov.logical_id
        if tpa.state != "available":
            hop.steps.append(Step("tgw-peering", Status.CLOSED, f"{name} is {tpa.state}, not available: routes to it "
                                  f"drop traffic ({tpa.prov.where()})", name, "tgw-peering-not-available"))
            return Disposition.NULL_ROUTED
        other = tpa.other_side(tgw_id)
        if not isinstance(other, str):
            hop.steps.append(Step("tgw-peering", Status.UNKNOWN, f"{name} does not name the transit gateway at its "
                                  f"other end from {tgw_id}", name, "not-described"))
            return Disposition.UNKNOWN
        owner, region = tpa.side(other)
        where = ", ".join(x for x in (f"account {owner}" if owner else "", f"Region {region}" if region else "") if x)
        hop.steps.append(Step("tgw-peering", Status.OPEN, f"{name} is available: {tgw_id} <-> {other}"
                              + (f" ({where})" if where else ""), name))
        peer_tgw = self.inv.transit_gateways.get(other)
        tables = [x for x in self.inv.transit_gateway_route_tables.values() if x.transit_gateway_id == other]
        describe = (f"describe {where} (accounts/{owner or '<account-id>'}/{region or '<region>'}/ or "
                    f"--live-region {region or '<region>'})")
        ohop = TraceHop(other)
        t.hops.append(ohop)
        if peer_tgw is None and not tables:
            ohop.steps.append(Step("tgw-route", Status.UNKNOWN, f"the peer transit gateway {other} of {name} is not in "
                                   f"the inputs: {describe} to decide", other, "not-described"))
            return Disposition.UNKNOWN
        rt_id = tpa.route_table_on(other)
        rt = self.inv.transit_gateway_route_tables.get(rt_id) if rt_id else None
        if rt is None:
            rt = next((x for x in tables if tpa.id in x.associations), None)
        if rt is None:
            what = f"route table {rt_id} of {other} is not in the inputs" if rt_id else (
                f"the route table of {other} that {name} is associated with is not described "
                "(DescribeTransitGatewayAttachments Association on that side)")
            ohop.steps.append(Step("tgw-route", Status.UNKNOWN, f"{what}: {describe} to decide", other,
                                   "not-described"))
            return Disposition.UNKNOWN
        table, routes, known, _ = self.tgw_table_routes(rt, peer_tgw)
        table = table or rt.id
        return self._tgw_forward(t, ohop, table, routes, known, tgw_id, src, dst, protocol, ports, stateful,
                                 far_side=True)

    def _via_nat(self, t: Trace, src: Location, dst: Location, vpc_id: str, nat_id: object, protocol: str,
                 ports: PortRange | None) -> Disposition:
        t.hops.append(TraceHop(vpc_id))
        hop = TraceHop(str(nat_id))
        t.hops.append(hop)
        nat = self.inv.nat_gateways.get(nat_id) if isinstance(nat_id, str) else None
        if nat is None:
            hop.steps.append(Step("nat", Status.UNKNOWN, f"NAT gateway {nat_id} is not in the inputs", str(nat_id),
                                  "not-described"))
            return Disposition.UNKNOWN
        if dst.vpc_id is not None or nat.connectivity_type == "private":
            hop.steps.append(Step("nat", Status.UNKNOWN, "NAT to a private destination is not analysed",
                                  nat.prov.logical_id, "not-analysed"))
            return Disposition.UNKNOWN
        nsub = self.inv.subnets.get(nat.subnet_id) if isinstance(nat.subnet_id, str) else None
        if nsub is None:
            hop.steps.append(Step("nat", Status.UNKNOWN, "the NAT gateway's subnet is not in the inputs",
                                  nat.prov.logical_id, "not-described"))
            return Disposition.UNKNOWN
        if src.subnet is not None and nsub.id != src.subnet.id:
            for step in (self._acl(nsub, False, src.net, ports, protocol, "nacl-in"),
                         self._acl(nsub, True, dst.net, ports, protocol, "nacl-out")):
                if step is not None:
                    hop.steps.append(step)
                    if step.status is Status.CLOSED and step.cause != "nacl-partial":
                        return Disposition.DENIED_IN if step.kind == "nacl-in" else Disposition.DENIED_OUT
        hit = self.route(nsub, dst.net)
        hop.steps.append(Step("route", hit.status, hit.detail, nsub.prov.logical_id, hit.cause))
        if hit.route is None or hit.status is not Status.OPEN:
            return Disposition.UNKNOWN if hit.status is Status.UNKNOWN else Disposition.NO_ROUTE
        if hit.route.target_type != "igw":
            return Disposition.UNKNOWN
        t.hops.append(TraceHop(str(hit.route.target_id), [Step("igw", Status.OPEN, "NAT gateway's public IP to the "
                                                                "internet", str(hit.route.target_id))]))
        return Disposition.EXITS_NETWORK

    def forwarder(self, kind: str, target: object) -> tuple[Instance | None, NetworkInterface | None]:
        """The instance and/or network interface a route with target ``kind`` (``instance`` / ``eni``) and id
        ``target`` sends to (an instance route uses its primary interface, when described)."""
        inst: Instance | None = None
        eni: NetworkInterface | None = None
        if not isinstance(target, str):
            return None, None
        if kind == "instance":
            inst = self.inv.instances.get(target)
            if inst is not None and inst.network_interface_ids:
                eni = self.inv.network_interfaces.get(inst.network_interface_ids[0])
        else:
            eni = self.inv.network_interfaces.get(target)
            if eni is not None and eni.owner_id and eni.owner_id.startswith("i-"):
                inst = self.inv.instances.get(eni.owner_id)
        return inst, eni

    def _via_nat_instance(self, t: Trace, src: Location, dst: Location, vpc_id: str, kind: str, target: object,
                          protocol: str, port: int | None, ports: PortRange | None, stateful: bool) -> Disposition:
        """A route to an instance or a network interface: a NAT instance (VPC User Guide, "NAT instances":
        SourceDestCheck must be disabled; the instance sits in a subnet whose route table sends 0.0.0.0/0 to an
        internet gateway and has a public IP or an Elastic IP; its security group must admit the traffic from the
        private subnets and let it out). Its subnet's network ACLs apply on the way in and out. SourceDestCheck
        on (EC2's default) drops the traffic (cause ``source-dest-check``); an instance or attribute not in the
        inputs is UNKNOWN. A private destination behind it (an appliance) is not analysed."""
        from .locate import _groups

        t.hops.append(TraceHop(vpc_id))
        inst, eni = self.forwarder(kind, target)
        owner = eni.owner_id if eni is not None and eni.owner_id else None
        node = inst.id if inst is not None else owner if owner and owner.startswith("i-") else (
            eni.id if eni is not None else str(target))
        hop = TraceHop(node)
        t.hops.append(hop)
        what = "instance" if kind == "instance" else "network interface"
        if inst is None and eni is None:
            hop.steps.append(Step("nat", Status.UNKNOWN, f"the route targets {what} {target}, which is not in the "
                                  "inputs: whether it forwards (a NAT instance with SourceDestCheck disabled) is not "
                                  "known; describe it (DescribeInstances / DescribeNetworkInterfaces)", str(target),
                                  "not-described"))
            return Disposition.UNKNOWN
        obj = eni if eni is not None else inst
        assert obj is not None
        res = obj.prov.logical_id
        if inst is not None and inst.state not in ("running", "pending"):
            hop.steps.append(Step("nat", Status.CLOSED, f"{inst.prov.logical_id} is {inst.state}: the route to it is "
                                  "a blackhole", inst.prov.logical_id, "blackhole"))
            return Disposition.NULL_ROUTED
        # an instance route: the instance attribute (ModifyInstanceAttribute sets it; it is its primary interface's)
        sdc = inst.source_dest_check if inst is not None and (kind == "instance" or eni is None) and \
            inst.source_dest_check is not None else eni.source_dest_check if eni is not None else None
        if sdc is None:
            hop.steps.append(Step("nat", Status.UNKNOWN, f"SourceDestCheck of {res} is not known: it decides "
                                  "whether the instance forwards traffic not addressed to it", res, "not-described"))
            return Disposition.UNKNOWN
        if sdc:
            hop.steps.append(Step("nat", Status.CLOSED, f"{res} ({obj.prov.where()}) has SourceDestCheck enabled (EC2's "
                                  "default): it drops traffic that is not addressed to it, so it cannot forward (a NAT "
                                  "instance or an appliance needs SourceDestCheck disabled)", res, "source-dest-check"))
            return Disposition.DENIED_IN
        hop.steps.append(Step("nat", Status.OPEN, f"{res} has SourceDestCheck disabled: it forwards", res))
        if dst.vpc_id is not None:
            hop.steps.append(Step("nat", Status.UNKNOWN, f"forwarding through {res} to a private destination "
                                  "(an appliance) is not analysed", res, "not-analysed"))
            return Disposition.UNKNOWN
        sid = eni.subnet_id if eni is not None else inst.subnet_id  # type: ignore[union-attr]
        nsub = self.inv.subnets.get(sid) if isinstance(sid, str) else None
        if nsub is None or isinstance(nsub.cidr, Unresolved):
            hop.steps.append(Step("nat", Status.UNKNOWN, f"the subnet of {res} is not in the inputs", res,
                                  "not-described"))
            return Disposition.UNKNOWN
        gids: object = eni.security_group_ids if eni is not None else inst.security_group_ids  # type: ignore[union-attr]
        groups, ids, problem = _groups(self.inv, gids, vpc_id)
        ip = (eni.private_ip_addresses[0] if eni is not None and eni.private_ip_addresses else
              inst.private_ip if inst is not None else None)
        public = eni.public_ip if eni is not None and eni.public_ip is not None else (
            inst.public_ip if inst is not None else None)
        me = Location(node, vpc_id, ipaddress.ip_network(ip) if ip else nsub.cidr, nsub, groups, ids, problem, eni,
                      "interface", public)
        checks: list[tuple[Step | None, Disposition]] = [(self._sg(me, src, "ingress", protocol, port, stateful),
                                                          Disposition.DENIED_IN)]
        if src.subnet is not None and nsub.id != src.subnet.id:
            checks.append((self._acl(nsub, False, src.net, ports, protocol, "nacl-in"), Disposition.DENIED_IN))
        checks += [(self._sg(me, dst, "egress", protocol, port, stateful), Disposition.DENIED_OUT),
                   (self._acl(nsub, True, dst.net, ports, protocol, "nacl-out"), Disposition.DENIED_OUT)]
        for step, fail in checks:
            if step is not None:
                hop.steps.append(step)
                if step.status is Status.CLOSED and step.cause != "nacl-partial":
                    return fail
        hit = self.route(nsub, dst.net)
        hop.steps.append(Step("route", hit.status, hit.detail, nsub.prov.logical_id, hit.cause))
        if hit.route is None or hit.status is not Status.OPEN:
            return Disposition.UNKNOWN if hit.status is Status.UNKNOWN else Disposition.NO_ROUTE
        if hit.route.target_type != "igw":
            hop.steps.append(Step("route", Status.UNKNOWN, f"{nsub.prov.logical_id} sends {dst.net} to "
                                  f"{hit.route.target_type} {hit.route.target_id}, not to an internet gateway: not "
                                  "analysed", nsub.prov.logical_id, "not-analysed"))
            return Disposition.UNKNOWN
        igw = TraceHop(str(hit.route.target_id))
        t.hops.append(igw)
        if public is True:
            igw.steps.append(Step("igw", Status.OPEN, f"{res} has a public IP: translated and sent to the internet",
                                  str(hit.route.target_id)))
            return Disposition.EXITS_NETWORK
        if public is False:
            igw.steps.append(Step("igw", Status.CLOSED, f"{res} has no public IP or Elastic IP: the internet gateway "
                                  "drops its traffic", str(hit.route.target_id), "nat-instance-no-public-ip"))
            return Disposition.DENIED_IN
        igw.steps.append(Step("igw", Status.UNKNOWN, f"whether {res} has a public IP is not known",
                              str(hit.route.target_id), "not-described"))
        return Disposition.UNKNOWN

    # ---- filters -------------------------------------------------------------------------------------

    def _sg(self, me: Location, peer: Location, direction: str, protocol: str, port: int | None,
            stateful: bool) -> Step | None:
        kind = f"sg-{direction}"
        if me.groups is None or not self._filters:
            return None
        names = ", ".join(g.prov.logical_id for g in me.groups) or ", ".join(sorted(me.group_ids))
        if stateful:
            return Step(kind, Status.OPEN, f"return traffic of an accepted connection ({names} are stateful)",
                        names)
        refs = self.peer_groups(me, peer)
        key = (tuple(g.id for g in me.groups), direction, port, frozenset(refs), peer.net, protocol)
        m = self._sg_cache.get(key)
        if m is None:  # many flows share groups and peers (every subnet combination of a pair)
            m = self._sg_cache[key] = sg_flow(me.groups, direction, port, refs, peer.net, protocol)
        status = m.status
        proto = PROTO_NAMES.get(protocol, protocol)
        what = f"{proto}/{port}" if port is not None and protocol in ("6", "17") else proto
        if status is Status.OPEN:
            r = m.rules[0]
            peer_s = f"group {r.group_id}" if r.group_id is not None else str(r.cidr)
            return Step(kind, status, f"{what} allowed by {r.prov.logical_id} rule {PROTO_NAMES.get(str(r.protocol), r.protocol)}"
                        f"/{r.ports} {'from' if direction == 'ingress' else 'to'} {peer_s} ({r.prov.where()})",
                        r.prov.logical_id)
        if me.groups_problem:
            return Step(kind, Status.UNKNOWN, me.groups_problem, names, "not-described")
        if status is Status.UNKNOWN:
            return Step(kind, status, "; ".join(m.unknown), names, "not-described")
        return Step(kind, Status.CLOSED, f"no {direction} rule of {names} allows {what} "
                    f"{'from' if direction == 'ingress' else 'to'} {peer.node} ({peer.net})", names, "sg")

    def peer_groups(self, me: Location, peer: Location) -> set[str]:
        """Group ids of ``peer`` that a rule of ``me`` may reference: in the same VPC, or across an active
        same-Region peering (EC2: "Update your security groups to reference peer security groups")."""
        if me.vpc_id is None or peer.vpc_id == me.vpc_id:
            return set(peer.group_ids)
        for p in self.inv.peering_connections.values():
            if p.status == "active" and p.other_side(me.vpc_id) == peer.vpc_id and (
                    p.requester_region is None or p.accepter_region is None
                    or p.requester_region == p.accepter_region):
                return set(peer.group_ids)
        return set()

    def _acl(self, subnet: Subnet, egress: bool, peer: IPNetwork, ports: PortRange | None, protocol: str,
             kind: str) -> Step | None:
        if not self._filters:
            return None
        acl = self.inv.network_acl_for(subnet)
        if acl is None:
            return Step(kind, Status.UNKNOWN, f"network ACL of {subnet.prov.logical_id} not in the inputs",
                        subnet.prov.logical_id, "not-described")
        key = (acl.id, egress, str(peer), ports, protocol)
        res = self._acl_cache.get(key)
        if res is None:
            res = self._acl_cache[key] = acl_flow(acl, egress, peer, ports, protocol)
        if res.status is Status.CLOSED and res.port_share is not None:
            return Step(kind, Status.CLOSED, f"{res.entry}: {res.port_share:.2%} of ports "
                        f"{ports} denied ({', '.join(str(p) for p in res.denied_ports)})", acl.prov.logical_id,
                        "nacl-partial", res.port_share)
        return Step(kind, res.status, res.entry, acl.prov.logical_id,
                    "nacl" if res.status is Status.CLOSED else "" if res.status is Status.OPEN else "not-described")


def _side_hint(p: object, vpc_id: str) -> str:
    """``" (account X, Region Y: describe it to decide)"`` for the side of a VPC peering that holds ``vpc_id``."""
    owner = region = None
    if getattr(p, "requester_vpc_id", None) == vpc_id:
        owner, region = getattr(p, "requester_owner_id", None), getattr(p, "requester_region", None)
    elif getattr(p, "accepter_vpc_id", None) == vpc_id:
        owner, region = getattr(p, "accepter_owner_id", None), getattr(p, "accepter_region", None)
    where = ", ".join(x for x in (f"account {owner}" if owner else "", f"Region {region}" if region else "") if x)
    return f" ({where}: describe it to decide)" if where else ""
