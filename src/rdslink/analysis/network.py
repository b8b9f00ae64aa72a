"""Security-group and network-ACL evaluation for one TCP flow between two subnets.

Security groups are stateful and allow-only: a flow passes egress when some rule of the source ENI's groups
matches it, and ingress when some rule of the destination's groups does (EC2 User Guide, "Security group
rules"). Network ACLs are stateless and ordered: the lowest-numbered matching entry decides, the ``*`` entry
denies, and the return traffic to the client's ephemeral ports (1024-65535 for Lambda) must be allowed too
(VPC User Guide, "Control subnet traffic with network access control lists").

A rule "covers" a subnet only when its CIDR contains every address of the subnet (the ENI may get any of
them); a rule that contains only part of it is reported as partial and does not prove the flow open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..findings import Status
from ..model import NetworkAcl, PortRange, SecurityGroup, SecurityGroupRule, Unresolved
from ..model.values import IPNetwork, cidr_relation

TCP = "6"


@dataclass(slots=True)
class RuleMatch:
    """Outcome of :func:`sg_flow`.

    Attributes:
        status: open when some rule fully admits the flow.
        rules: the rules that admit it (open) or could (unknown).
        by_reference: True when a security-group reference admits it (not only a CIDR).
        partial: rules whose CIDR covers only part of the peer subnet.
        other_port: rules that admit the peer but on other ports (RL205 evidence).
        unknown: why undecided.
    """

    status: Status
    rules: list[SecurityGroupRule] = field(default_factory=list)
    by_reference: bool = False
    partial: list[SecurityGroupRule] = field(default_factory=list)
    other_port: list[SecurityGroupRule] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _proto_matches(proto: str | Unresolved) -> bool | None:
    if isinstance(proto, Unresolved):
        return None
    return proto in ("-1", TCP)


def sg_flow(groups: list[SecurityGroup], direction: str, port: int, peer_groups: set[str],
            peer_cidr: IPNetwork | Unresolved | None) -> RuleMatch:
    """Does any ``direction`` rule of ``groups`` admit TCP ``port`` to/from a peer that is a member of
    ``peer_groups`` with an address anywhere in ``peer_cidr``?"""
    want = PortRange(port, port)
    result = RuleMatch(Status.CLOSED)
    for sg in groups:
        for rule in sg.ingress if direction == "ingress" else sg.egress:
            pm = _proto_matches(rule.protocol)
            if pm is False:
                continue
            peer: bool | None = False
            ref = False
            if rule.group_id is not None:
                if isinstance(rule.group_id, Unresolved):
                    peer = None
                elif rule.group_id in peer_groups:
                    peer, ref = True, True
            elif rule.cidr is not None:
                if isinstance(rule.cidr, Unresolved) or isinstance(peer_cidr, Unresolved) or peer_cidr is None:
                    peer = None
                else:
                    rel = cidr_relation(rule.cidr, peer_cidr)
                    if rel == "all":
                        peer = True
                    elif rel == "some":
                        peer = False
                        if isinstance(rule.ports, PortRange) and rule.ports.contains(want) and pm:
                            result.partial.append(rule)
            elif rule.prefix_list_id is not None:
                peer = None
            if peer is False:
                continue
            if isinstance(rule.ports, Unresolved):
                port_ok: bool | None = None
            else:
                port_ok = rule.ports.contains(want)
            if peer is True and port_ok is False and pm:
                result.other_port.append(rule)
                continue
            if peer is True and port_ok is True and pm is True:
                result.status = Status.OPEN
                result.rules.append(rule)
                result.by_reference = result.by_reference or ref
            elif port_ok is not False:
                result.unknown.append(f"{rule.prov.logical_id} rule at {rule.prov.where()} has an unresolved value")
                if result.status is not Status.OPEN:
                    result.rules.append(rule)
    if result.status is not Status.OPEN and len(result.partial) > 1 and not isinstance(peer_cidr, Unresolved) \
            and peer_cidr is not None:
        # several CIDR rules, none covering the subnet alone, may cover it together (allow rules add up)
        nets = [r.cidr for r in result.partial if r.cidr is not None and not isinstance(r.cidr, Unresolved)]
        if not _uncovered([peer_cidr], nets):
            result.status = Status.OPEN
            result.rules.extend(result.partial)
            result.partial = []
    if result.status is not Status.OPEN and result.unknown:
        result.status = Status.UNKNOWN
    return result


def _uncovered(targets: list[IPNetwork], nets: list[IPNetwork]) -> list[IPNetwork]:
    """Parts of ``targets`` not covered by the union of ``nets``."""
    remaining = list(targets)
    for n in nets:
        nxt: list[IPNetwork] = []
        for r in remaining:
            if r.version != n.version or not r.overlaps(n):  # type: ignore[arg-type]
                nxt.append(r)
            elif r.subnet_of(n):  # type: ignore[arg-type]
                continue
            else:  # n is inside r
                nxt.extend(r.address_exclude(n))  # type: ignore[arg-type]
        remaining = nxt
    return remaining


@dataclass(slots=True)
class AclResult:
    status: Status
    entry: str = ""
    partial: bool = False


def acl_flow(acl: NetworkAcl, egress: bool, peer: IPNetwork | Unresolved, ports: PortRange) -> AclResult:
    """Evaluate ``acl`` for TCP traffic on ``ports`` to (egress) or from (ingress) every address of ``peer``.

    Entries are applied in rule-number order to the set of (address block, port range) cells not decided yet,
    exactly as the NACL does per packet: an allow removes what it matches, a deny that matches any remaining
    cell makes the flow CLOSED (naming the entry), and whatever is left at the end meets the ``*`` deny.
    """
    if isinstance(peer, Unresolved):
        return AclResult(Status.UNKNOWN, f"peer CIDR unknown ({peer.name})")
    cells: list[tuple[IPNetwork, PortRange]] = [(peer, ports)]
    for e in sorted(acl.entries, key=lambda x: x.rule_number):
        if e.egress != egress:
            continue
        pm = _proto_matches(e.protocol)
        if pm is False:
            continue
        if isinstance(e.cidr, Unresolved) or isinstance(e.ports, Unresolved) or pm is None:
            return AclResult(Status.UNKNOWN, f"entry {e.rule_number} of {acl.prov.logical_id} has an unresolved value")
        label = f"{acl.prov.logical_id} {'egress' if egress else 'ingress'} rule {e.rule_number} " \
                f"{e.rule_action} {e.cidr} ports {e.ports} ({e.prov.where()})"
        nxt: list[tuple[IPNetwork, PortRange]] = []
        hit = False
        for net, pr in cells:
            if e.cidr.version != net.version or not e.cidr.overlaps(net) or not pr.intersects(e.ports):  # type: ignore[arg-type]
                nxt.append((net, pr))
                continue
            hit = True
            if e.rule_action == "deny":
                return AclResult(Status.CLOSED, label, partial=not net.subnet_of(e.cidr))  # type: ignore[arg-type]
            inside = net if net.subnet_of(e.cidr) else e.cidr  # type: ignore[arg-type]
            for rest in _uncovered([net], [inside]):
                nxt.append((rest, pr))
            for rest_ports in _subtract([pr], e.ports):
                nxt.append((inside, rest_ports))
        cells = nxt
        if hit and not cells:
            return AclResult(Status.OPEN, label)
    left = ", ".join(sorted({f"{n} ports {p}" for n, p in cells}))
    return AclResult(Status.CLOSED, f"{acl.prov.logical_id} {'egress' if egress else 'ingress'} rule * "
                     f"(default deny) for {left} ({acl.prov.where()})")


def _subtract(ranges: list[PortRange], cut: PortRange) -> list[PortRange]:
    out: list[PortRange] = []
    for r in ranges:
        if not r.intersects(cut):
            out.append(r)
            continue
        if r.low < cut.low:
            out.append(PortRange(r.low, cut.low - 1))
        if r.high > cut.high:
            out.append(PortRange(cut.high + 1, r.high))
    return out


def acl_open_ports(acl: NetworkAcl, egress: bool, peer: IPNetwork | Unresolved, ports: PortRange
                   ) -> list[PortRange] | None:
    """The parts of ``ports`` that ``acl`` lets through for every address of ``peer`` (ascending, merged), or
    None when an entry or the peer is unresolved.

    Used for the stateless return leg (RL303/RL306): a NACL that admits only part of the client's ephemeral
    range (1024-65535 for Lambda's Hyperplane ENIs, VPC User Guide "Ephemeral ports") drops the replies of the
    connections whose source port falls outside it. The range is cut at every entry's port bounds; within one
    piece every entry matches all ports or none, so :func:`acl_flow` decides the piece as a whole.
    """
    if isinstance(peer, Unresolved):
        return None
    cuts = {ports.low, ports.high + 1}
    for e in acl.entries:
        if e.egress != egress:
            continue
        if isinstance(e.ports, Unresolved):
            return None
        for b in (e.ports.low, e.ports.high + 1):
            if ports.low < b <= ports.high:
                cuts.add(b)
    bounds = sorted(cuts)
    out: list[PortRange] = []
    for low, nxt in zip(bounds, bounds[1:]):
        res = acl_flow(acl, egress, peer, PortRange(low, nxt - 1))
        if res.status is Status.UNKNOWN:
            return None
        if res.status is Status.OPEN:
            if out and out[-1].high == low - 1:
                out[-1] = PortRange(out[-1].low, nxt - 1)
            else:
                out.append(PortRange(low, nxt - 1))
    return out


def intersect_ports(a: list[PortRange], b: list[PortRange]) -> list[PortRange]:
    """Ports in both ascending lists of disjoint ranges."""
    out = []
    for x in a:
        for y in b:
            if x.intersects(y):
                out.append(PortRange(max(x.low, y.low), min(x.high, y.high)))
    return sorted(out, key=lambda r: r.low)
