"""Shared context of every check family: the inventory, targets, the path engine, id look-ups, and the
per-leg bookkeeping (:class:`_Stage`) that turns hop statuses over subnet combinations into a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ...findings import Endpoint, Finding, Hop, PairResult, Status, Verdict
from ...model import (
    DBProxy,
    DBProxyEndpoint,
    Inventory,
    LambdaFunction,
    NetworkAcl,
    PortRange,
    Provenance,
    SecurityGroup,
    Subnet,
    Unresolved,
)
from ...model.values import parse_cidr
from ..path import PathEngine
from ..path.filters import AclResult, acl_flow
from ..targets import Target, collect_targets
from .registry import make

T = TypeVar("T")

ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")
#: RDS instance/cluster/proxy statuses in which the endpoint does not accept connections (RDS User Guide,
#: "Viewing Amazon RDS DB instance status"). Others (available, backing-up, modifying, ...) accept them.
UNAVAILABLE = frozenset({
    "stopped", "stopping", "starting", "failed", "creating", "deleting", "rebooting", "storage-full",
    "inaccessible-encryption-credentials", "inaccessible-encryption-credentials-recoverable",
    "incompatible-network", "incompatible-option-group", "incompatible-parameters", "incompatible-restore",
    "insufficient-capacity", "restore-error", "incompatible-credentials",
})
#: RL106: warn when a function subnet has fewer free addresses than this (each ENI needs one; Lambda scales
#: ENIs with concurrency for Hyperplane-less paths and with each new security-group/subnet combination).
MIN_FREE_IPS = 16
WORLD = (parse_cidr("0.0.0.0/0"), parse_cidr("::/0"))
#: AWS API service prefixes whose calls from a VPC need a NAT route or an endpoint (RL506/RL507)
SERVICE_APIS = frozenset({"ssm", "kms", "s3", "dynamodb", "sts", "sqs", "sns", "secretsmanager", "rds-data",
                          "kinesis", "events", "lambda", "ssmmessages", "ecr", "states", "firehose"})


@dataclass
class _Stage:
    """Hops and findings of one network leg (function -> target, or proxy -> DB) over its combinations."""

    name: str
    combos: dict[tuple[str, str], list[Status]] = field(default_factory=dict)
    hop_status: dict[str, dict[tuple[str, str], tuple[Status, str, tuple[str, ...]]]] = field(default_factory=dict)
    #: closed statuses recorded as "partial" per combination (a NACL denying part of the return port range:
    #: the combination fails only for that share of source ports, RL306)
    partial: dict[tuple[str, str], int] = field(default_factory=dict)

    def record(self, hop: str, combo: tuple[str, str], status: Status, evidence: str, resources: tuple[str, ...],
               partial: bool = False) -> None:
        self.combos.setdefault(combo, []).append(status)
        self.hop_status.setdefault(hop, {})[combo] = (status, evidence, resources)
        if partial and status is Status.CLOSED:
            self.partial[combo] = self.partial.get(combo, 0) + 1

    def hops(self, label: dict[str, str]) -> list[Hop]:
        out = []
        for hop, per in self.hop_status.items():
            statuses = [s for s, _, _ in per.values()]
            if Status.CLOSED in statuses:
                st = Status.CLOSED
            elif Status.UNKNOWN in statuses:
                st = Status.UNKNOWN
            else:
                st = Status.OPEN
            interesting = [(c, e, r) for c, (s, e, r) in per.items() if s == st]
            resources: list[str] = []
            for _, _, r in interesting:
                resources.extend(x for x in r if x not in resources)
            by_ev: dict[str, list[tuple[str, str]]] = {}
            for c, e, _ in interesting:
                by_ev.setdefault(e, []).append(c)
            ev_parts = []
            for e, cs in list(by_ev.items())[:4]:
                if len(cs) == len(per) and len(per) > 1:
                    where = f"all {len(cs)} subnet combinations"
                else:
                    where = ", ".join(f"{label.get(a, a)} -> {label.get(b, b)}" for a, b in cs[:3])
                    if len(cs) > 3:
                        where += f" (+{len(cs) - 3} more)"
                ev_parts.append(f"{where}: {e}")
            if len(by_ev) > 4:
                ev_parts.append(f"... and {len(by_ev) - 4} more")
            name = hop if not self.name else f"{self.name}:{hop}"
            out.append(Hop(name, st, tuple(resources), "; ".join(ev_parts)))
        return out

    def verdict(self) -> Verdict:
        if not self.combos:
            return Verdict.UNKNOWN
        results = []
        partial_only = False
        for combo, statuses in self.combos.items():
            if Status.CLOSED in statuses and statuses.count(Status.CLOSED) <= self.partial.get(combo, 0):
                partial_only = True  # fails for some source ports only: works most of the time
                results.append(Status.OPEN)
            elif Status.CLOSED in statuses:
                results.append(Status.CLOSED)
            elif Status.UNKNOWN in statuses:
                results.append(Status.UNKNOWN)
            else:
                results.append(Status.OPEN)
        if Status.CLOSED in results:
            return Verdict.INTERMITTENT if Status.OPEN in results else Verdict.BLOCKED
        if partial_only:
            return Verdict.INTERMITTENT
        if Status.UNKNOWN in results:
            return Verdict.UNKNOWN
        return Verdict.REACHABLE


@dataclass
class _Side:
    """One end of a network leg: subnets, the security groups known, the ids of all its groups, and whether
    the subnets / groups are completely known."""

    subnets: list[Subnet]
    groups: list[SecurityGroup]
    group_ids: set[str]
    subnets_ok: bool
    groups_ok: bool
    group_problem: str = ""
    subnet_problem: str = ""


def _ids_of(ids: object, groups: list[SecurityGroup]) -> set[str]:
    out = {g.id for g in groups}
    if isinstance(ids, (tuple, list)):
        out.update(g for g in ids if isinstance(g, str))
    return out


def _handle(groups: list[SecurityGroup], ids: set[str]) -> tuple[str, Provenance] | None:
    if groups:
        return groups[0].id, groups[0].prov
    if ids:
        gid = sorted(ids)[0]
        return gid, Provenance(source="", logical_id=gid)
    return None


def _display(prov: Provenance) -> str:
    return prov.logical_id


def _combine(verdicts: list[Verdict]) -> Verdict:
    if Verdict.BLOCKED in verdicts:
        return Verdict.BLOCKED
    if Verdict.INTERMITTENT in verdicts:
        return Verdict.INTERMITTENT
    if Verdict.UNKNOWN in verdicts:
        return Verdict.UNKNOWN
    return Verdict.REACHABLE


def _az_key(az: object) -> str | None:
    if isinstance(az, str):
        return az
    if isinstance(az, Unresolved) and az.index is not None:
        return f"{az.name}[{az.index}]"
    return None


def _show(v: object, inv: Inventory) -> str:
    if isinstance(v, Unresolved):
        return f"?{v.name}" + (f"[{v.index}]" if v.index is not None else "")
    if isinstance(v, str) and v in inv.subnets:
        return inv.subnets[v].prov.logical_id
    return str(v)


def _rules_ev(m: object, what: str, inv: Inventory | None = None) -> str:
    from ..path.filters import RuleMatch

    assert isinstance(m, RuleMatch)
    if m.status is Status.OPEN:
        r = m.rules[0]
        if r.group_id is not None:
            sg = inv.security_groups.get(r.group_id) if inv is not None and isinstance(r.group_id, str) else None
            peer = f"group {sg.prov.logical_id if sg else r.group_id}"
        else:
            peer = str(r.cidr)
        proto = {"-1": "all", "6": "tcp", "17": "udp"}.get(str(r.protocol), str(r.protocol))
        return f"{what}: allowed by {r.prov.logical_id} rule {proto}/{r.ports} from/to {peer} ({r.prov.where()})"
    if m.status is Status.UNKNOWN:
        return f"{what}: " + "; ".join(m.unknown)
    extra = ""
    if m.partial:
        extra = f" (rule at {m.partial[0].prov.where()} covers only part of the subnet)"
    if m.other_port:
        extra += f" (rule at {m.other_port[0].prov.where()} admits ports {m.other_port[0].ports} only)"
    return f"{what}: no rule matches{extra}"


class Context:
    """State and look-ups shared by the check families (mixed into :class:`~rdslink.analysis.engine.Analyzer`)."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.targets = collect_targets(inv)
        self.target_by_key = {t.key: t for t in self.targets}
        self.region = inv.region
        self._acl_cache: dict[tuple[str, bool, str, PortRange], AclResult] = {}
        self.paths = PathEngine(inv)
        #: RL306 findings of the NACL legs evaluated for the current secrets-path subnet
        self._partials: list[Finding] = []
        #: path-engine traces of the current pair's subnet combinations (function -> target), for its JSON
        self._pair_traces: list[Any] = []

    if TYPE_CHECKING:  # implemented by one family mixin each, used by others; declared for the type checker
        def function_side(self, fn: LambdaFunction) -> _Side: ...

        def vpc_links(self, a: str, b: str) -> list[str]: ...

        def _refs_match(self, sf: Subnet, st: Subnet) -> bool: ...

        def _bad_ref_findings(self, refs: list[tuple[str, SecurityGroup, object]], src: str, dst: str,
                              findings: list[Finding]) -> None: ...

        def network_stage(self, name: str, src: str, src_side: _Side, dst: str, dst_side: _Side, port: int,
                          findings: list[Finding], ingress_id: str, egress_id: str,
                          same_vpc: bool | None = True) -> _Stage: ...

        def _publicly_accessible(self, t: Target) -> bool | None: ...

        def service_paths(self, fn: LambdaFunction, side: _Side, extra: set[str], hops: list[Hop],
                          findings: list[Finding], verdicts: list[Verdict]) -> None: ...

    def runtime_secrets(self, fn: LambdaFunction) -> list[object]:
        """Secrets the function reads at run time: those the source recorded, plus environment values naming a
        secret of the inputs by ARN or name (``{{resolve:...}}`` references are deploy-time and excluded)."""
        out: list[object] = list(fn.runtime_secrets)
        for value in fn.environment.values():
            if isinstance(value, str) and "{{resolve:" not in value and value not in out:
                if self.inv.secret_for(value) is not None:
                    out.append(value)
        return out

    def subnet_objs(self, ids: object, owner: str, findings: list[Finding]) -> tuple[list[Subnet], str | None]:
        """Subnet objects for a list of ids; returns (subnets, reason-if-undecided)."""
        objs, why = self._resolve_ids(ids, self.inv.subnets, owner, "subnet", findings)
        if why is None and not objs:
            return objs, "no subnets"
        return objs, why

    def _resolve_ids(self, ids: object, table: dict[str, T], owner: str, what: str, findings: list[Finding]
                     ) -> tuple[list[T], str | None]:
        """Look up a list of ids of ``what`` (subnet, security group) in ``table``; unresolved and external ids
        become RL002 findings and the returned reason says the list is not completely known."""
        if isinstance(ids, Unresolved):
            findings.append(make("RL002", (ids.name, owner), f"{what}s of {owner} unresolved: {ids.reason}"))
            return [], f"{what}s unresolved ({ids.name})"
        out: list[T] = []
        missing: list[str] = []
        item: object
        for item in tuple(ids or ()):  # type: ignore[arg-type]
            if isinstance(item, Unresolved):
                findings.append(make("RL002", (item.name, owner), f"a {what} of {owner} is unresolved: {item.reason}"))
                missing.append(f"?{item.name}")
            elif isinstance(item, str) and item in table:
                out.append(table[item])
            else:
                missing.append(str(item))
        if missing:
            ext = [m for m in missing if not m.startswith("?")]
            if ext:
                findings.append(make("RL002", (owner, *ext), f"{owner} uses {what}(s) {', '.join(ext)} that no input "
                                     "defines (external id): add the template or describe data that defines them, or pass "
                                     "--account DIR/--live to read them from the account"))
            return out, f"{what}s not in the inputs: {', '.join(missing)}"
        return out, None

    def group_objs(self, ids: object, owner: str, findings: list[Finding], vpc_id: object = None
                   ) -> tuple[list[SecurityGroup], str | None]:
        """Security groups for a list of ids; an empty list means the VPC's default security group."""
        if not isinstance(ids, Unresolved) and not tuple(ids or ()):  # type: ignore[arg-type]
            vpc = self.inv.vpcs.get(vpc_id) if isinstance(vpc_id, str) else None
            if vpc and vpc.default_security_group_id in self.inv.security_groups:
                return [self.inv.security_groups[vpc.default_security_group_id]], None
            return [], f"{owner} uses its VPC's default security group, which is not in the inputs"
        return self._resolve_ids(ids, self.inv.security_groups, owner, "security group", findings)

    def target_side(self, t: Target, findings: list[Finding]) -> _Side:
        """Like :meth:`target_network`, keeping what is known when security groups are missing."""
        subnets, groups, problems = self.target_network(t, findings)
        sg_ids = getattr(t.obj, "security_group_ids", ())
        ids = _ids_of(sg_ids, groups)
        subnet_problems = [p for p in problems if "security group" not in p]
        group_problems = [p for p in problems if "security group" in p]
        return _Side(subnets, groups, ids, not subnet_problems, not group_problems, "; ".join(group_problems),
                     "; ".join(subnet_problems))

    def target_network(self, t: Target, findings: list[Finding]
                       ) -> tuple[list[Subnet], list[SecurityGroup], list[str]]:
        """Subnets the target's ENIs may use (whole DB subnet group: Multi-AZ failover may move it) and groups."""
        obj = t.obj
        problems: list[str] = []
        if isinstance(obj, (DBProxy, DBProxyEndpoint)):
            subnets, why = self.subnet_objs(obj.subnet_ids, t.display, findings)
            sg_ids: object = obj.security_group_ids
        else:
            group = self.inv.subnet_group(obj.subnet_group)
            if group is None:
                if isinstance(obj.subnet_group, Unresolved):
                    findings.append(make("RL002", (obj.subnet_group.name, t.display),
                                         f"DB subnet group of {t.display} unresolved: {obj.subnet_group.reason}"))
                subnets, why = [], (f"DB subnet group {obj.subnet_group} is not in the inputs" if obj.subnet_group
                                    else "no DBSubnetGroupName: the database uses the default VPC, which is not in "
                                    "the inputs")
            else:
                subnets, why = self.subnet_objs(group.subnet_ids, t.display, findings)
            sg_ids = obj.security_group_ids
        if why:
            problems.append(why)
        vpc = subnets[0].vpc_id if subnets else None
        groups, gwhy = self.group_objs(sg_ids, t.display, findings, vpc)
        if gwhy:
            problems.append(gwhy)
        return subnets, groups, problems

    def _result(self, fn_ep: Endpoint, t_ep: Endpoint, hops: list[Hop], findings: list[Finding],
                verdicts: list[Verdict]) -> PairResult:
        verdict = _combine(verdicts) if verdicts else Verdict.UNKNOWN
        uniq: list[Finding] = []
        seen = set()
        for f in findings:
            if f.key() not in seen:
                seen.add(f.key())
                uniq.append(f)
        traces, self._pair_traces = self._pair_traces, []
        return PairResult(fn_ep, t_ep, verdict, hops, uniq, traces)

    def _acl_flow(self, acl: NetworkAcl, egress: bool, peer: object, ports: PortRange) -> AclResult:
        """:func:`acl_flow`, memoised per (NACL, direction, peer, ports): many subnet pairs share them."""
        key = (acl.id, egress, str(peer), ports)
        if key not in self._acl_cache:
            self._acl_cache[key] = acl_flow(acl, egress, peer, ports)  # type: ignore[arg-type]
        return self._acl_cache[key]

    def _rules_ev(self, m: object, what: str) -> str:
        return _rules_ev(m, what, self.inv)

    def _labels(self, subnets: list[Subnet]) -> dict[str, str]:
        return {s.id: s.prov.logical_id for s in subnets}

