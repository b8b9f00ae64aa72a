"""Filters of the path engine: security-group and network-ACL evaluation for one flow between two address
blocks (a subnet's CIDR, or one address as a /32).

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

from ...findings import Status
from ...model import NetworkAcl, PortRange, SecurityGroup, SecurityGroupRule, Unresolved
from ...model.values import IPNetwork, cidr_relation

TCP = "6"
#: protocols whose rules carry ports (tcp, udp); for others a rule's port range is ICMP type/code or ignored
PORTED = ("6", "17")
#: RL306 vs RL303: when less than this share of the ports gets through (a return rule that mirrors the DB port,
#: say), practically every connection times out: closed, not partial.
MIN_RETURN_SHARE = 0.01


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


def _proto_matches(proto: str | Unresolved, flow: str = TCP) -> bool | None:
    """Does a rule for IP protocol ``proto`` match a flow of protocol ``flow``? ``-1`` rules match every
    protocol; a flow of protocol ``-1`` (IP protocol "any", Batfish's protocol 0) only matches ``-1`` rules."""
    if isinstance(proto, Unresolved):
        return None
    return proto == "-1" or proto == flow


def sg_flow(groups: list[SecurityGroup], direction: str, port: int | None, peer_groups: set[str],
            peer_cidr: IPNetwork | Unresolved | None, protocol: str = TCP) -> RuleMatch:
    """Does any ``direction`` rule of ``groups`` admit ``protocol`` (IANA number as a string, ``-1`` any)
    on ``port`` to/from a peer that is a member of ``peer_groups`` with an address anywhere in ``peer_cidr``?

    ``port`` None (or a protocol without ports) matches any port range of a rule of that protocol."""
    want = PortRange(port, port) if port is not None and protocol in PORTED else PortRange(0, 65535)
    if protocol not in PORTED:
        port = None
    result = RuleMatch(Status.CLOSED)
    for sg in groups:
        for rule in sg.ingress if direction == "ingress" else sg.egress:
            pm = _proto_matches(rule.protocol, protocol)
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
                        if isinstance(rule.ports, PortRange) and (port is None or rule.ports.contains(want)) and pm:
                            result.partial.append(rule)
            elif rule.prefix_list_id is not None:
                peer = None
            if peer is False:
                continue
            if isinstance(rule.ports, Unresolved):
                port_ok: bool | None = None
            elif port is None:
                port_ok = True
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
    """Outcome of :func:`acl_flow`.

    Attributes:
        status: open when every (address, port) of the flow is allowed, else closed (or unknown).
        entry: the deciding entry (the allow that completed it, or the first deny that matched).
        partial: the first deny matched only part of the peer's addresses.
        port_share: for a closed result where every address is denied only some ports of a multi-port range
            (e.g. part of the ephemeral range 1024-65535), at least :data:`MIN_RETURN_SHARE` of them getting through:
            the fraction denied. None when some address has the whole range denied, or when less than 1% of the
            ports get through (the flow then fails for practically every connection: blocked, not intermittent).
    """

    status: Status
    entry: str = ""
    partial: bool = False
    port_share: float | None = None
    denied_ports: list[PortRange] = field(default_factory=list)


def acl_flow(acl: NetworkAcl, egress: bool, peer: IPNetwork | Unresolved, ports: PortRange | None,
             protocol: str = TCP) -> AclResult:
    """Evaluate ``acl`` for ``protocol`` traffic on ``ports`` to (egress) or from (ingress) every address of
    ``peer`` (``ports`` None: a protocol without ports, or any port).

    Entries are applied in rule-number order to the set of (address block, port range) cells not decided yet,
    exactly as the NACL does per packet: an allow removes what it matches, a deny removes what it matches as
    denied, and whatever is left at the end meets the ``*`` deny. The result is CLOSED when any cell is denied,
    naming the first deny; when every denied cell is a strict part of a multi-port range, ``port_share`` says
    which fraction of the ports fails (RL306: connections whose source port falls there time out).
    """
    if isinstance(peer, Unresolved):
        return AclResult(Status.UNKNOWN, f"peer CIDR unknown ({peer.name})")
    want = ports if ports is not None and protocol in PORTED else PortRange(0, 65535)
    cells: list[tuple[IPNetwork, PortRange]] = [(peer, want)]
    denied: list[tuple[IPNetwork, PortRange]] = []
    first_deny: AclResult | None = None
    last_label = ""
    for e in sorted(acl.entries, key=lambda x: x.rule_number):
        if e.egress != egress:
            continue
        pm = _proto_matches(e.protocol, protocol)
        if pm is False:
            continue
        if isinstance(e.cidr, Unresolved) or isinstance(e.ports, Unresolved) or pm is None:
            if first_deny is not None:
                return first_deny
            return AclResult(Status.UNKNOWN, f"entry {e.rule_number} of {acl.prov.logical_id} has an unresolved value")
        e_ports = e.ports if protocol in PORTED else PortRange(0, 65535)
        label = f"{acl.prov.logical_id} {'egress' if egress else 'ingress'} rule {e.rule_number} " \
                f"{e.rule_action} {e.cidr} ports {e.ports} ({e.prov.where()})"
        nxt: list[tuple[IPNetwork, PortRange]] = []
        hit = False
        for net, pr in cells:
            if e.cidr.version != net.version or not e.cidr.overlaps(net) or not pr.intersects(e_ports):  # type: ignore[arg-type]
                nxt.append((net, pr))
                continue
            hit = True
            inside = net if net.subnet_of(e.cidr) else e.cidr  # type: ignore[arg-type]
            for rest in _uncovered([net], [inside]):
                nxt.append((rest, pr))
            for rest_ports in _subtract([pr], e_ports):
                nxt.append((inside, rest_ports))
            if e.rule_action == "deny":
                cut = PortRange(max(pr.low, e_ports.low), min(pr.high, e_ports.high))
                denied.append((inside, cut))
                if first_deny is None:
                    first_deny = AclResult(Status.CLOSED, label, partial=not net.subnet_of(e.cidr))  # type: ignore[arg-type]
                if cut.high - cut.low + 1 == want.high - want.low + 1:
                    return first_deny  # some address has every port denied: closed, no share to compute
        cells = nxt
        if hit:
            last_label = label
        if hit and not cells:
            break
    if cells:
        left = ", ".join(sorted({f"{n} ports {p}" for n, p in cells}))
        denied.extend(cells)
        if first_deny is None:
            first_deny = AclResult(Status.CLOSED, f"{acl.prov.logical_id} {'egress' if egress else 'ingress'} rule * "
                                   f"(default deny) for {left} ({acl.prov.where()})")
    if first_deny is None:
        return AclResult(Status.OPEN, last_label)
    size = want.high - want.low + 1
    if size > 1 and all((p.high - p.low + 1) < size for _, p in denied):
        merged = _merge([p for _, p in denied])
        share = sum(p.high - p.low + 1 for p in merged) / size
        if 1 - share >= MIN_RETURN_SHARE:  # some source ports work: intermittent; below that, practically none
            first_deny.port_share = share
            first_deny.denied_ports = merged
    return first_deny


def _merge(ranges: list[PortRange]) -> list[PortRange]:
    out: list[PortRange] = []
    for r in sorted(ranges, key=lambda x: x.low):
        if out and r.low <= out[-1].high + 1:
            out[-1] = PortRange(out[-1].low, max(out[-1].high, r.high))
        else:
            out.append(r)
    return out


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
