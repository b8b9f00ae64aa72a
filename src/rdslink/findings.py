"""The one contract between analysis and everything after it: Finding, Hop, Verdict, PairResult, CheckResult.

Shapes follow ``../shared/design/ARCHITECTURE.md`` (JSON schema ``rdslink/check/v1``). Everything here is
plain data; rendering and fixes live in :mod:`rdslink.render` and :mod:`rdslink.fix`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Verdict(str, Enum):
    """Verdict for one function -> target pair (see ARCHITECTURE.md "Verdicts")."""

    REACHABLE = "REACHABLE"
    BLOCKED = "BLOCKED"
    INTERMITTENT = "INTERMITTENT"
    UNKNOWN = "UNKNOWN"


class Status(str, Enum):
    """State of one hop: ``open`` (proven), ``closed`` (proven for at least one combination) or ``unknown``."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Fix:
    """A remedy as data.

    Attributes:
        cli: AWS CLI commands, each an argv list (``["aws", "ec2", ...]``); placeholders in angle brackets
            (``<dbSecurityGroup>``) stand for physical ids a template input does not know yet.
        template: a CloudFormation YAML snippet to add or change.
    """

    cli: tuple[tuple[str, ...], ...] = ()
    template: str = ""

    def to_json(self) -> dict[str, object]:
        return {"cli": [list(c) for c in self.cli], "template": self.template}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported fact, identified by a stable check id from CHECKS.md (``RL201`` ...).

    Attributes:
        id: check id.
        severity: error (blocks), warning, info.
        title: one line.
        resources: display ids (logical ids for templates, ids/ARNs for live) of the resources involved; for
            unresolved values (RL002) the parameter / import / SSM name.
        evidence: the exact rule, value and location (``file:line``) that proves it.
        fix: how to repair it, or None.
    """

    id: str
    severity: Severity
    title: str
    resources: tuple[str, ...]
    evidence: str
    fix: Fix | None = None

    def key(self) -> tuple[str, tuple[str, ...], str]:
        return (self.id, self.resources, self.evidence)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "resources": list(self.resources),
            "evidence": self.evidence,
        }
        out["fix"] = self.fix.to_json() if self.fix else None
        return out


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of the path (``vpc-attachment``, ``eni-permissions``, ``route``, ``nacl``, ``sg-egress``,
    ``sg-ingress``, ``dns``, ``secrets-path``, ``proxy-*``, ``deploy``), with the resources it was decided on."""

    name: str
    status: Status
    resources: tuple[str, ...] = ()
    evidence: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status.value,
            "resources": list(self.resources),
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Identity of one side of a pair as shown to users.

    ``kind`` for targets: ``db-instance``, ``db-cluster``, ``db-proxy``, ``data-api`` or None (unresolved).
    ``port`` in TCP port numbers, None when unknown.
    """

    id: str
    name: str = ""
    source: str = ""
    kind: str | None = None
    engine: str | None = None
    port: int | None = None


@dataclass(slots=True)
class PairResult:
    """Verdict, hops and findings for one function -> target pair."""

    function: Endpoint
    target: Endpoint
    verdict: Verdict
    hops: list[Hop] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: the path engine's traces of the function -> target subnet combinations (objects with ``to_json()`` giving
    #: the ``rdslink/trace/v1`` flow shape; converted only when JSON is rendered)
    traces: list[Any] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "function": {"id": self.function.id, "name": self.function.name, "source": self.function.source},
            "target": {
                "id": self.target.id,
                "kind": self.target.kind,
                "engine": self.target.engine,
                "port": self.target.port,
            },
            "verdict": self.verdict.value,
            "hops": [h.to_json() for h in self.hops],
            "traces": [t.to_json() for t in self.traces],
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(slots=True)
class CheckResult:
    """Everything ``rdslink check`` found: per-pair results, findings tied to no pair, warnings."""

    inputs: list[dict[str, str]] = field(default_factory=list)
    pairs: list[PairResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: True when the inputs are known to be incomplete in a way that can hide pairs (listing functions or
    #: databases was denied): an empty or all-REACHABLE result must then not exit 0.
    incomplete: bool = False
    #: True when an input will not deploy (RL004): whatever the pairs say, the run is not a success.
    deploy_blocked: bool = False

    def exit_code(self) -> int:
        """0 all REACHABLE (or no pair); 1 any BLOCKED/INTERMITTENT or an input that will not deploy; 3 otherwise
        some UNKNOWN (or incomplete inputs)."""
        verdicts = {p.verdict for p in self.pairs}
        if verdicts & {Verdict.BLOCKED, Verdict.INTERMITTENT} or self.deploy_blocked:
            return 1
        if Verdict.UNKNOWN in verdicts or self.incomplete:
            return 3
        return 0

    def to_json(self) -> dict[str, object]:
        return {
            "schema": "rdslink/check/v1",
            "inputs": list(self.inputs),
            "pairs": [p.to_json() for p in self.pairs],
            "findings": [f.to_json() for f in self.findings],
            "warnings": list(self.warnings),
        }


def combine_statuses(statuses: list[Status]) -> Status:
    """Closed if any is closed, else unknown if any is unknown, else open (empty -> open)."""
    if Status.CLOSED in statuses:
        return Status.CLOSED
    if Status.UNKNOWN in statuses:
        return Status.UNKNOWN
    return Status.OPEN
