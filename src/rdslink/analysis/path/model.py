"""Data of the path engine: a flow's end points (:class:`Location`), and its outcome (:class:`Trace` of
:class:`TraceHop` with :class:`Step`), Batfish-style. No check ids here: a step carries a ``cause`` word
(``no-route``, ``peering-not-active``, ``tgw-az-missing``, ...) that the checks map to finding ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ...findings import Status
from ...model import NetworkInterface, SecurityGroup, Subnet
from ...model.values import IPNetwork


class Disposition(str, Enum):
    """Batfish's flow dispositions (``expected-flows.tsv``); ``UNKNOWN`` when the inputs do not decide."""

    ACCEPTED = "ACCEPTED"
    DENIED_OUT = "DENIED_OUT"
    DENIED_IN = "DENIED_IN"
    NO_ROUTE = "NO_ROUTE"
    NULL_ROUTED = "NULL_ROUTED"
    NEIGHBOR_UNREACHABLE = "NEIGHBOR_UNREACHABLE"
    EXITS_NETWORK = "EXITS_NETWORK"
    UNKNOWN = "UNKNOWN"


#: dispositions that are a success for ``rdslink trace``'s exit code
SUCCESS = (Disposition.ACCEPTED, Disposition.EXITS_NETWORK)


@dataclass(frozen=True, slots=True)
class Step:
    """One decision at a hop.

    Attributes:
        kind: ``sg-egress``, ``sg-ingress``, ``nacl-out``, ``nacl-in``, ``route``, ``peering``, ``tgw-attachment``,
            ``tgw-route``, ``vpc-router``, ``deliver``, ``nat``, ``igw``, ``endpoint``, ``session``.
        status: open / closed / unknown.
        detail: the rule, entry or route with its provenance (``file:line`` or the API response and path).
        resource: the id (or logical id) of the resource that decided it.
        cause: for a closed/unknown step, a stable word naming why (``no-route``, ``blackhole``,
            ``peering-not-active``, ``no-peering-route-back``, ``tgw-az-missing``, ``tgw-attachment-missing``,
            ``tgw-no-route``, ``tgw-blackhole``, ``no-subnet``, ``no-interface``, ``sg``, ``nacl``,
            ``nacl-partial``, ``not-described``).
        share: for ``nacl-partial``: the fraction of source ports denied.
    """

    kind: str
    status: Status
    detail: str
    resource: str = ""
    cause: str = ""
    share: float | None = None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "status": self.status.value, "detail": self.detail, "resource": self.resource}


@dataclass(slots=True)
class TraceHop:
    """A node the flow visits (``i-``/``eni-``/function id, ``subnet-``, ``vpc-``, ``pcx-``, ``tgw-``, ``nat-``,
    ``igw-``, ``vpce-...``, the DB id) and the steps decided there."""

    node: str
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"node": self.node, "steps": [s.to_json() for s in self.steps]}


@dataclass(slots=True)
class Location:
    """One end of a flow.

    Attributes:
        node: the node id shown in hops.
        vpc_id: its VPC (None for a destination outside any VPC).
        net: its address(es): a /32 for one interface, the subnet's CIDR when the interface may take any address
            of the subnet (a Lambda ENI, a DB after failover).
        subnet: the subnet (None when the flow starts at a VPC router or ends outside the VPCs).
        groups: security groups of the interface (None: no security group applies, e.g. a NAT gateway).
        group_ids: ids of all its groups, known or not.
        groups_problem: why the groups are not completely known ("" when they are).
        eni: the described interface, when known.
        role: ``interface`` (an ENI that accepts traffic), ``nat`` (a NAT gateway: accepts nothing addressed to
            itself), ``router`` (a VPC router: the flow starts there), ``address`` (an IP with no known
            interface yet), ``endpoint`` (an interface VPC endpoint).
        public_ip: whether the interface has a public IP (None unknown); Lambda ENIs never have one.
    """

    node: str
    vpc_id: str | None
    net: IPNetwork
    subnet: Subnet | None = None
    groups: list[SecurityGroup] | None = None
    group_ids: set[str] = field(default_factory=set)
    groups_problem: str = ""
    eni: NetworkInterface | None = None
    role: str = "interface"
    public_ip: bool | None = False


@dataclass(slots=True)
class Trace:
    """Outcome of one flow: disposition and ordered hops; ``reverse`` is the return flow of an accepted
    connection (stateful security groups let it through; NACLs and routes are evaluated again)."""

    src: str
    dst: str
    src_ip: str
    dst_ip: str
    protocol: str
    port: int | None
    disposition: Disposition
    hops: list[TraceHop] = field(default_factory=list)
    reverse: Trace | None = None

    def steps(self) -> list[Step]:
        return [s for h in self.hops for s in h.steps]

    def last_step(self) -> Step | None:
        for h in reversed(self.hops):
            if h.steps:
                return h.steps[-1]
        return None

    def blocking(self) -> list[Step]:
        """The closed (else unknown) steps that decided a non-accepted disposition."""
        closed = [s for s in self.steps() if s.status is Status.CLOSED]
        return closed or [s for s in self.steps() if s.status is Status.UNKNOWN]

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "from": self.src, "to": self.dst, "src_ip": self.src_ip, "dst_ip": self.dst_ip,
            "protocol": {"6": "tcp", "17": "udp", "1": "icmp", "-1": "all"}.get(self.protocol, self.protocol),
            "port": self.port, "disposition": self.disposition.value, "hops": [h.to_json() for h in self.hops],
        }
        if self.reverse is not None:
            out["return"] = {"disposition": self.reverse.disposition.value,
                             "hops": [h.to_json() for h in self.reverse.hops]}
        return out
