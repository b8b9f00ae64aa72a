"""Value types shared by every model object: Provenance, Unresolved, protocol/port/CIDR normalisation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TypeVar

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a model object came from.

    Attributes:
        source: input file path, or ``live:<region>`` / describe-JSON file.
        logical_id: display id: the (qualified) CloudFormation logical id, or the AWS id / ARN.
        path: JSON path inside the source (``Resources.X.Properties.SecurityGroupIngress[0]``).
        line: 1-based line in the source file, when known.
        synthetic_id: True when the object's ``id`` was invented by the template loader (no physical id
            exists before deploy): fixes then print ``<LogicalId>`` placeholders instead.
        account: the AWS account id the object lives in (describe folder ``accounts/<id>/``, the live
            credentials' account); None when the input does not say (templates: the deploying account).
        region: the Region the object lives in (describe folder ``<region>/``, ``--live-region``); None when the
            input does not say (then the inventory's ``region``).
    """

    source: str
    logical_id: str
    path: str = ""
    line: int | None = None
    synthetic_id: bool = False
    input: str = ""
    account: str | None = None
    region: str | None = None

    def where(self) -> str:
        """``file:line`` (or just the file) for evidence strings."""
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the inputs do not determine.

    Attributes:
        name: what would decide it: the parameter name, import name, SSM parameter name, external id or
            ``Stack.Outputs.X``; used as the RL002 resource and in ``?<name>`` target ids.
        reason: human explanation ("parameter without a value", "Fn::ImportValue not supplied by any input").
        index: for an element selected from an unresolved list (``Fn::Select [1, !Ref AZs]``), its index:
            two different indices of the same list are treated as different values.
    """

    name: str
    reason: str
    index: int | None = None

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"?{self.name}" + (f"[{self.index}]" if self.index is not None else "")


def is_unresolved(value: object) -> bool:
    return isinstance(value, Unresolved)


# ---- protocols and ports -----------------------------------------------------------------------------

_PROTOCOL_NAMES = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1", "-1": "-1"}


def normalise_protocol(value: object) -> str | Unresolved:
    """Return the IANA protocol number as a string (``"6"`` for tcp) or ``"-1"`` for all protocols.

    Accepts ``tcp``/``TCP``/``6``/``-1``/``all`` (EC2 and CloudFormation spellings).
    """
    if isinstance(value, Unresolved):
        return value
    text = str(value).strip().lower()
    if text in _PROTOCOL_NAMES:
        return _PROTOCOL_NAMES[text]
    try:
        return str(int(text))
    except ValueError:
        return Unresolved(str(value), "unknown IP protocol")


@dataclass(frozen=True, slots=True)
class PortRange:
    """Inclusive TCP/UDP port range; ``PortRange(0, 65535)`` is every port."""

    low: int
    high: int

    def contains(self, other: PortRange) -> bool:
        return self.low <= other.low and other.high <= self.high

    def intersects(self, other: PortRange) -> bool:
        return self.low <= other.high and other.low <= self.high

    def __str__(self) -> str:
        if self.low == 0 and self.high == 65535:
            return "all"
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


#: The account id the template loader puts in the ARNs it makes up for a stack with no known account (AWS's
#: documentation placeholder); an ARN carrying it names "the account the stack is deployed to".
PLACEHOLDER_ACCOUNT_ID = "123456789012"


def arn_account(arn: object) -> str:
    """The account field of an ARN (``arn:partition:service:region:account:resource``), or "" when ``arn`` is not
    an ARN or has none (S3 bucket ARNs)."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""

ALL_PORTS = PortRange(0, 65535)
EPHEMERAL_PORTS = PortRange(1024, 65535)


def port_range(protocol: str | Unresolved, from_port: object, to_port: object) -> PortRange | Unresolved:
    """Port range of a rule. Protocol ``-1`` (all) means every port whatever FromPort/ToPort say; for tcp/udp
    a missing or ``-1`` port means every port (EC2's convention)."""
    if isinstance(protocol, Unresolved):
        return protocol
    if protocol == "-1":
        return ALL_PORTS
    for v in (from_port, to_port):
        if isinstance(v, Unresolved):
            return v
    if from_port is None and to_port is None:
        return ALL_PORTS
    try:
        low = int(str(from_port if from_port is not None else to_port))
        high = int(str(to_port if to_port is not None else from_port))
    except ValueError:
        return Unresolved(f"{from_port}-{to_port}", "port is not a number")
    if protocol not in ("6", "17"):
        return ALL_PORTS  # ICMP type/code: irrelevant for a TCP path, never matches tcp (protocol differs)
    if low == -1 or high == -1:
        return ALL_PORTS
    return PortRange(low, high)


def sg_rule_problem(protocol: str | Unresolved, from_port: object, to_port: object) -> str | None:
    """Why EC2 rejects a security-group rule's ports (AuthorizeSecurityGroupIngress/Egress), or None.

    For tcp (6) and udp (17) EC2 requires FromPort and ToPort, each 0-65535, with FromPort <= ToPort ("Must
    specify both from and to ports with TCP/UDP"; -1 means "all" only for protocol -1 and ICMP). Other
    protocols' ports are ignored by EC2 and not checked here. Unresolved values are not judged.

    Args:
        protocol: normalised protocol (:func:`normalise_protocol`).
        from_port, to_port: the raw values (int, digit string, None or Unresolved).
    """
    if isinstance(protocol, Unresolved) or protocol not in ("6", "17"):
        return None
    name = "tcp" if protocol == "6" else "udp"
    values = []
    for label, v in (("FromPort", from_port), ("ToPort", to_port)):
        if isinstance(v, Unresolved):
            return None
        if v is None or v == "":
            return f"{name} rule without {label}: EC2 requires both FromPort and ToPort for tcp/udp"
        try:
            n = int(str(v).strip())
        except ValueError:
            return f"{label} {v!r} is not a port number"
        if n == -1:
            return f"{name} rule with {label} -1: EC2 accepts -1 (all ports) only for protocol -1 or icmp"
        if not 0 <= n <= 65535:
            return f"{label} {n} is outside 0-65535"
        values.append(n)
    if values[0] > values[1]:
        return f"FromPort {values[0]} is greater than ToPort {values[1]}"
    return None


# ---- CIDRs -------------------------------------------------------------------------------------------


def parse_cidr(value: object) -> IPNetwork | Unresolved:
    """Parse ``10.0.0.0/16`` (host bits tolerated, as EC2 does) into an ip_network."""
    if isinstance(value, Unresolved):
        return value
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return Unresolved(str(value), "not a CIDR block")


def cidr_relation(rule: IPNetwork, subnet: IPNetwork) -> str:
    """``"all"`` when ``rule`` covers every address of ``subnet``, ``"some"`` when they overlap partly,
    ``"none"`` when disjoint (different IP versions are disjoint)."""
    if rule.version != subnet.version:
        return "none"
    if subnet.subnet_of(rule):  # type: ignore[arg-type]
        return "all"
    if rule.overlaps(subnet):  # type: ignore[arg-type]
        return "some"
    return "none"


def as_bool(value: object, default: bool | None = None) -> bool | Unresolved | None:
    """CloudFormation booleans: true/false in any case, also as strings (``"true"``)."""
    if value is None:
        return default
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    return Unresolved(str(value), "not a boolean")
