"""RL3xx: the network leg per subnet combination: routes (forwarding both ways through the path engine, in one
VPC and across VPCs), network ACLs both ways, security groups. Each combination's full path-engine trace (the
flow and its return) is kept for the pair's ``traces``; the hops evaluate every filter (a trace stops at the
first denial) on the same filter code, and tests/unit/test_check_trace_agreement.py holds the two together.

Its ids are declared (title, severity, summary) in :mod:`.declarations.network_acls`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Severity, Status
from ...model import (
    EPHEMERAL_PORTS,
    PortRange,
    SecurityGroup,
    Subnet,
    Unresolved,
)
from ..path.filters import sg_flow
from .base import (  # noqa: F401  # noqa: F401
    ENI_ACTIONS,
    MIN_FREE_IPS,
    SERVICE_APIS,
    UNAVAILABLE,
    WORLD,
    Context,
    _az_key,
    _combine,
    _display,
    _handle,
    _ids_of,
    _rules_ev,
    _show,
    _Side,
    _Stage,
)
from .registry import make


class NetworkChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def network_stage(self, name: str, src: str, src_side: _Side, dst: str, dst_side: _Side, port: int,
                      findings: list[Finding], ingress_id: str, egress_id: str, same_vpc: bool | None = True) -> _Stage:
        """Evaluate route, NACLs (both ways) and security groups for every (src subnet, dst subnet).

        Security groups that are referenced but not in the inputs leave their direction UNKNOWN unless a known
        group already allows the flow (rules are allow-only, so more groups can only open more)."""
        stage = _Stage(name)
        src_subnets, src_groups, src_ids = src_side.subnets, src_side.groups, src_side.group_ids
        dst_subnets, dst_groups, dst_ids = dst_side.subnets, dst_side.groups, dst_side.group_ids
        ingress_closed: list[tuple[str, str]] = []
        ingress_open_cidr_only: list[tuple[str, str]] = []
        egress_closed: list[tuple[str, str]] = []
        other_port = []
        partial = []
        route_fail: dict[str, list[tuple[tuple[str, str], str, str]]] = {}
        bad_refs: list[tuple[str, SecurityGroup, object]] = []
        for sf in src_subnets:
            for st in dst_subnets:
                combo = (sf.id, st.id)
                # route: forwarding both ways through the path engine (longest prefix; local, peering, TGW)
                rt = self.inv.route_table_for(sf)
                trace = self._combo_trace(src, src_side, sf, dst, dst_side, st, port)
                if name == "":
                    self._pair_traces.append(trace)
                if same_vpc is None:
                    stage.record("route", combo, Status.UNKNOWN, "the subnets are not proven to be in one VPC",
                                 (rt.prov.logical_id,) if rt else ())
                elif same_vpc and rt is None and "RouteTables" in self.inv.missing_kinds:
                    stage.record("route", combo, Status.UNKNOWN, "route tables are not in the inputs", ())
                elif same_vpc and self._accepted_both_ways(trace):
                    # the full trace was forwarded both ways: forwarding alone is too (filters only stop flows)
                    stage.record("route", combo, Status.OPEN, "local route", (rt.prov.logical_id,) if rt else ())
                else:
                    route_status, route_ev, route_res = self._cross_route(sf, st, port, route_fail)
                    if same_vpc and route_status is Status.OPEN:
                        route_ev, route_res = "local route", (rt.prov.logical_id,) if rt else ()
                    stage.record("route", combo, route_status, route_ev, route_res)
                # NACLs (traffic inside one subnet does not cross its NACL)
                if sf.id != st.id:
                    self._acl_hops(stage, combo, sf, st, port, findings)
                # security groups
                ref_ok = same_vpc is not False or self._refs_match(sf, st)
                eg = sg_flow(src_groups, "egress", port, dst_ids if ref_ok else set(), st.cidr)
                if not ref_ok and eg.status is Status.CLOSED:
                    bad_refs.extend(("egress", g, r) for g in src_groups for r in g.egress if r.group_id in dst_ids)
                if not src_side.groups_ok and eg.status is not Status.OPEN:
                    eg.status = Status.UNKNOWN
                    eg.unknown.append(src_side.group_problem)
                known_ids = {g.id for g in src_groups}
                eg_res = tuple(dict.fromkeys([g.prov.logical_id for g in src_groups]
                                             + sorted(src_ids - known_ids)))
                stage.record("sg-egress", combo, eg.status,
                             self._rules_ev(eg, f"outbound tcp/{port} from {', '.join(eg_res)}"), eg_res)
                if eg.status is Status.CLOSED:
                    egress_closed.append(combo)
                ig = sg_flow(dst_groups, "ingress", port, src_ids if ref_ok else set(), sf.cidr)
                if not ref_ok and ig.status is Status.CLOSED:
                    bad_refs.extend(("ingress", g, r) for g in dst_groups for r in g.ingress if r.group_id in src_ids)
                if not dst_side.groups_ok and ig.status is not Status.OPEN:
                    ig.status = Status.UNKNOWN
                    ig.unknown.append(dst_side.group_problem)
                ig_res = tuple(dict.fromkeys(g.prov.logical_id for g in dst_groups))
                stage.record("sg-ingress", combo, ig.status,
                             self._rules_ev(ig, f"inbound tcp/{port} to {', '.join(ig_res)}"), ig_res)
                if ig.status is Status.CLOSED:
                    ingress_closed.append(combo)
                    other_port.extend(ig.other_port)
                    partial.extend(ig.partial)
                elif ig.status is Status.OPEN and not ig.by_reference:
                    ingress_open_cidr_only.append(combo)
        total = len(src_subnets) * len(dst_subnets)
        self._route_findings(route_fail, total, src_subnets, dst_subnets, findings, src, dst)
        if bad_refs:
            self._bad_ref_findings(bad_refs, src, dst, findings)
            if any(d == "ingress" for d, _, _ in bad_refs):
                ingress_closed = []
            if any(d == "egress" for d, _, _ in bad_refs):
                egress_closed = []
        src_sg = _handle(src_groups, src_ids)
        dst_sg = _handle(dst_groups, dst_ids)
        src_names = ", ".join(g.prov.logical_id for g in src_groups) or ", ".join(sorted(src_ids))
        if egress_closed and src_sg and dst_sg:
            findings.append(make(egress_id, (*[g.prov.logical_id for g in src_groups], dst),
                                 f"no outbound rule of {', '.join(g.prov.logical_id for g in src_groups)} allows "
                                 f"tcp/{port} to {dst} ({', '.join(g.prov.logical_id for g in dst_groups)}) "
                                 f"for {len(egress_closed)} of {total} subnet combinations",
                                 fixes.sg_egress(*src_sg, port, *dst_sg)))
        if ingress_closed and src_sg and dst_sg:
            if len(ingress_closed) < total and ingress_open_cidr_only:
                cidr_rules = sorted({r.prov.where() for r in partial}) if partial else []
                findings.append(make("RL202", (*[g.prov.logical_id for g in dst_groups], src),
                                     f"{', '.join(g.prov.logical_id for g in dst_groups)} admits {src} by CIDR, and the "
                                     f"CIDR misses {len(ingress_closed)} of {total} subnet combinations"
                                     f"{' (' + ', '.join(cidr_rules) + ')' if cidr_rules else ''}: connections from "
                                     "those subnets time out. Reference the function's security group instead.",
                                     fixes.sg_ingress(*dst_sg, port, *src_sg),
                                     severity=Severity.ERROR))
            elif other_port:
                opr = other_port[0]
                findings.append(make("RL205", (*[g.prov.logical_id for g in dst_groups], src),
                                     f"{opr.prov.logical_id} ({opr.prov.where()}) admits {src} on tcp/{opr.ports}, but "
                                     f"{dst} listens on {port}",
                                     fixes.sg_ingress(*dst_sg, port, *src_sg)))
            else:
                findings.append(make(ingress_id, (*[g.prov.logical_id for g in dst_groups], src),
                                     f"no inbound rule of {', '.join(g.prov.logical_id for g in dst_groups)} "
                                     f"({dst_sg[1].where()}) admits tcp/{port} from {src} "
                                     f"({src_names}) for "
                                     f"{len(ingress_closed)} of {total} subnet combinations",
                                     fixes.sg_ingress(*dst_sg, port, *src_sg)))
        elif ingress_open_cidr_only and src_sg and dst_sg and ingress_id in ("RL201",) and same_vpc:
            # (across VPCs a group reference needs an active peering: admitting the CIDR is the usual way)
            findings.append(make("RL202", (*[g.prov.logical_id for g in dst_groups], src),
                                 f"{', '.join(g.prov.logical_id for g in dst_groups)} admits {src} only by CIDR: it "
                                 "breaks silently when subnets change. Reference the function's security group.",
                                 fixes.sg_ingress(*dst_sg, port, *src_sg)))
        if ingress_id == "RL201" or ingress_id == "RL701":
            for g in dst_groups:
                for rule in g.ingress:
                    if isinstance(rule.cidr, Unresolved) or rule.cidr is None or rule.cidr not in WORLD:
                        continue
                    if isinstance(rule.ports, PortRange) and rule.ports.contains(PortRange(port, port)) and \
                            rule.protocol in ("-1", "6"):
                        findings.append(make("RL203", (g.prov.logical_id,),
                                             f"{g.prov.logical_id} ({rule.prov.where()}) admits {rule.cidr} on "
                                             f"tcp/{port}: the database port is open to the world wherever a route "
                                             "exists", fixes.revoke_world(g.id, g.prov, port, str(rule.cidr))))
        return stage

    def _acl_hops(self, stage: _Stage, combo: tuple[str, str], sf: Subnet, st: Subnet, port: int,
                  findings: list[Finding]) -> None:
        fwd = PortRange(port, port)
        checks = (
            ("nacl-out", sf, True, st.cidr, fwd, "RL301"),
            ("nacl-in", st, False, sf.cidr, fwd, "RL302"),
            ("nacl-return", st, True, sf.cidr, EPHEMERAL_PORTS, "RL303"),
            ("nacl-return", sf, False, st.cidr, EPHEMERAL_PORTS, "RL303"),
        )
        for hop, subnet, egress, peer, ports, check in checks:
            acl = self.inv.network_acl_for(subnet)
            if acl is None:
                stage.record(hop, combo, Status.UNKNOWN, f"network ACL of {subnet.prov.logical_id} not in the inputs", ())
                continue
            res = self._acl_flow(acl, egress, peer, ports)
            prev = stage.hop_status.get(hop, {}).get(combo)
            prev_partial = prev is not None and "of the source ports" in prev[1]
            if prev is not None and prev[0] is Status.CLOSED and (not prev_partial or res.port_share is not None
                                                                   or res.status is not Status.CLOSED):
                continue
            if prev is not None and hop == "nacl-return" and res.status is Status.OPEN:
                continue
            if res.status is Status.CLOSED and res.port_share is not None:
                stage.record(hop, combo, res.status, f"{res.entry}: {res.port_share:.3%} of the source ports "
                             f"{ports} denied", (acl.prov.logical_id,), partial=True)
                denied = ", ".join(str(p) for p in res.denied_ports)
                n = sum(p.high - p.low + 1 for p in res.denied_ports)
                findings.append(make("RL306", (acl.prov.logical_id, subnet.prov.logical_id),
                                     f"{res.entry}: {'outbound' if egress else 'inbound'} tcp {denied} "
                                     f"{'to' if egress else 'from'} {peer} is denied, inside the return port range "
                                     f"{ports}: a connection whose source port is one of those {n} of "
                                     f"{ports.high - ports.low + 1} ports ({res.port_share:.3%}) times out",
                                     fixes.nacl_entry(acl.id, acl.prov, egress, str(peer), ports.low, ports.high)))
                continue
            stage.record(hop, combo, res.status, res.entry, (acl.prov.logical_id,))
            if res.status is Status.CLOSED:
                peer_s = str(peer) if not isinstance(peer, Unresolved) else "?"
                findings.append(make(check, (acl.prov.logical_id, subnet.prov.logical_id),
                                     f"{res.entry}: {'outbound' if egress else 'inbound'} tcp/{ports} "
                                     f"{'to' if egress else 'from'} {peer_s} is denied",
                                     fixes.nacl_entry(acl.id, acl.prov, egress, peer_s, ports.low, ports.high)))

    def _combo_trace(self, src: str, src_side: _Side, sf: Subnet, dst: str, dst_side: _Side, st: Subnet,
                     port: int) -> object:
        """The path engine's trace of tcp/``port`` from ``src`` in subnet ``sf`` to ``dst`` in ``st`` (and back):
        the flow of one subnet combination, shown in the check's JSON as ``traces``."""
        from ..path import Disposition, Location, Trace

        if isinstance(sf.cidr, Unresolved) or isinstance(st.cidr, Unresolved):
            return Trace(src, dst, "?", "?", "6", port, Disposition.UNKNOWN)
        a = Location(src, sf.vpc_id if isinstance(sf.vpc_id, str) else None, sf.cidr, sf, src_side.groups,
                     src_side.group_ids, "" if src_side.groups_ok else src_side.group_problem, None, "interface",
                     False)
        b = Location(dst, st.vpc_id if isinstance(st.vpc_id, str) else None, st.cidr, st, dst_side.groups,
                     dst_side.group_ids, "" if dst_side.groups_ok else dst_side.group_problem, None, "interface",
                     None)
        return self.paths.trace(a, b, "6", port)

    @staticmethod
    def _accepted_both_ways(trace: object) -> bool:
        from ..path import Disposition, Trace

        assert isinstance(trace, Trace)
        return trace.disposition is Disposition.ACCEPTED and trace.reverse is not None and \
            trace.reverse.disposition is Disposition.ACCEPTED

    def _loc(self, subnet: Subnet, node: str) -> object:
        from ..path import Location

        assert not isinstance(subnet.cidr, Unresolved)
        return Location(node, subnet.vpc_id if isinstance(subnet.vpc_id, str) else None, subnet.cidr, subnet, None,
                        set(), "", None, "interface", False)

    def _cross_route(self, sf: Subnet, st: Subnet, port: int,
                     fails: dict[str, list[tuple[tuple[str, str], str, str]]]) -> tuple[Status, str, tuple[str, ...]]:
        """Forwarding from ``sf`` to ``st`` and back through the path engine (peering, transit gateway)."""
        from ..path import Disposition

        if isinstance(sf.cidr, Unresolved) or isinstance(st.cidr, Unresolved):
            return Status.UNKNOWN, "subnet CIDR unknown", ()
        a, b = self._loc(sf, sf.id), self._loc(st, st.id)
        legs = (("forward", self.paths.forwarding(a, b, "6", port)),  # type: ignore[arg-type]
                ("return", self.paths.forwarding(b, a, "6", port)))  # type: ignore[arg-type]
        evidence: list[str] = []
        resources: list[str] = []
        worst = Status.OPEN
        for leg, tr in legs:
            res = tuple(dict.fromkeys(s.resource for s in tr.steps() if s.resource))
            resources.extend(r for r in res if r not in resources)
            path = " -> ".join(h.node for h in tr.hops)
            if tr.disposition is Disposition.ACCEPTED:
                evidence.append(f"{leg}: {path}")
                continue
            step = tr.blocking()[-1] if tr.blocking() else None
            detail = step.detail if step else tr.disposition.value
            if tr.disposition is Disposition.UNKNOWN:
                worst = Status.CLOSED if worst is Status.CLOSED else Status.UNKNOWN
                evidence.append(f"{leg} undecided: {detail}")
                continue
            worst = Status.CLOSED
            cause = step.cause if step else "no-route"
            fails.setdefault(cause, []).append(((sf.id, st.id), leg, detail + (f" ({step.resource})" if step and
                                                                               step.resource else "")))
            evidence.append(f"{leg} {tr.disposition.value} at {tr.hops[-1].node}: {detail}")
        return worst, "; ".join(evidence), tuple(resources)

    _ROUTE_IDS = {"no-route": "RL304", "blackhole": "RL304", "no-subnet": "RL304", "peering-not-active": "RL305",
                  "tgw-attachment-missing": "RL305", "tgw-no-route": "RL305", "tgw-blackhole": "RL305",
                  "tgw-az-missing": "RL307", "source-dest-check": "RL304"}

    def _route_findings(self, fails: dict[str, list[tuple[tuple[str, str], str, str]]], total: int,
                        src_subnets: list[Subnet], dst_subnets: list[Subnet], findings: list[Finding],
                        src: str = "", dst: str = "") -> None:
        """RL105 (VPCs not linked at all), RL304 (route missing / blackhole, either way), RL305 (peering not
        active, TGW attachment or route missing), RL307 (TGW attachment without a subnet in an AZ used)."""
        labels = self._labels(src_subnets + dst_subnets)
        fv, tv = src_subnets[0].vpc_id, dst_subnets[0].vpc_id
        linked = bool(self.vpc_links(fv, tv)) if isinstance(fv, str) and isinstance(tv, str) and fv != tv else True
        for cause, items in fails.items():
            check = self._ROUTE_IDS.get(cause)
            if check is None:
                continue
            if not linked and check == "RL304":
                check = "RL105"
            combos = sorted({c for c, _, _ in items})
            where = ", ".join(f"{labels.get(x, x)} -> {labels.get(y, y)}" for x, y in combos[:3])
            resources = [labels.get(x, x) for c in combos for x in c]
            first = items[0]
            if check == "RL105":
                names = [self.inv.vpcs[v].prov.logical_id if v in self.inv.vpcs else str(v) for v in (fv, tv)]
                findings.append(make("RL105", (src, dst, *names), f"the function's VPC {names[0]} and the target's VPC "
                                     f"{names[1]} have no peering connection or transit gateway between them: "
                                     f"{first[2]}. Peer them (or attach both to a transit gateway) and route each "
                                     "VPC's CIDR to the other"))
                continue
            findings.append(make(check, tuple(dict.fromkeys(resources)),
                                 f"{len(combos)} of {total} subnet combinations ({where}): {first[1]} path: "
                                 f"{first[2]}"))

