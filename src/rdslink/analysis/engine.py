"""Per-pair analysis: hops from the Lambda ENI subnets to the target subnets (and back), prerequisites, and the
verdict (ARCHITECTURE.md "Verdicts").

Soundness rule: a pair is REACHABLE only when every prerequisite is proven and every hop is proven open for
every (function subnet, target subnet) combination; anything undecided makes it UNKNOWN with a finding that
names what would decide it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from .. import fix as fixes
from ..findings import CheckResult, Endpoint, Finding, Hop, PairResult, Severity, Status, Verdict
from ..model import (
    EPHEMERAL_PORTS,
    DBCluster,
    DBInstance,
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
from ..model.values import cidr_relation, parse_cidr
from .catalogue import make
from .iam import Decision, evaluate
from .network import AclResult, acl_flow, sg_flow
from .pairs import (
    PairSpec,
    discover_pairs,
    explicit_pairs,
    external_target_pairs,
    function_matches,
    target_matches,
    unchecked_functions,
)
from .targets import Target, collect_targets

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


@dataclass
class _Stage:
    """Hops and findings of one network leg (function -> target, or proxy -> DB) over its combinations."""

    name: str
    combos: dict[tuple[str, str], list[Status]] = field(default_factory=dict)
    hop_status: dict[str, dict[tuple[str, str], tuple[Status, str, tuple[str, ...]]]] = field(default_factory=dict)

    def record(self, hop: str, combo: tuple[str, str], status: Status, evidence: str, resources: tuple[str, ...]) -> None:
        self.combos.setdefault(combo, []).append(status)
        self.hop_status.setdefault(hop, {})[combo] = (status, evidence, resources)

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
        for statuses in self.combos.values():
            if Status.CLOSED in statuses:
                results.append(Status.CLOSED)
            elif Status.UNKNOWN in statuses:
                results.append(Status.UNKNOWN)
            else:
                results.append(Status.OPEN)
        if Status.CLOSED in results:
            return Verdict.INTERMITTENT if Status.OPEN in results else Verdict.BLOCKED
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


class Analyzer:
    """Runs every check over an :class:`Inventory`.

    Args:
        inv: the loaded inventory (indexed).
    """

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.targets = collect_targets(inv)
        self.target_by_key = {t.key: t for t in self.targets}
        self.region = inv.region
        self._acl_cache: dict[tuple[str, bool, str, PortRange], AclResult] = {}

    def runtime_secrets(self, fn: LambdaFunction) -> list[object]:
        """Secrets the function reads at run time: those the source recorded, plus environment values naming a
        secret of the inputs by ARN or name (``{{resolve:...}}`` references are deploy-time and excluded)."""
        out: list[object] = list(fn.runtime_secrets)
        for value in fn.environment.values():
            if isinstance(value, str) and "{{resolve:" not in value and value not in out:
                if self.inv.secret_for(value) is not None:
                    out.append(value)
        return out

    # ---- lookups -------------------------------------------------------------------------------------

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

    # ---- run -----------------------------------------------------------------------------------------

    def run(self, functions: list[str] | None = None, targets: list[str] | None = None) -> CheckResult:
        """Discover pairs (or take the explicit ones) and analyse each.

        Raises:
            ValueError: ``--function``/``--target`` naming nothing in the inputs (message lists them).
        """
        functions = functions or []
        targets = targets or []
        target_groups = {}
        for t in self.targets:
            sg = getattr(t.obj, "security_group_ids", ())
            target_groups[t.key] = {g for g in (sg if not isinstance(sg, Unresolved) else ()) if isinstance(g, str)}
        specs, errors = explicit_pairs(self.inv, self.targets, functions, targets)
        if errors:
            raise ValueError("; ".join(errors))
        if not (functions and targets):
            specs = discover_pairs(self.inv, self.targets, target_groups)
            if functions:
                specs = [s for s in specs if any(function_matches(s.function, f) for f in functions)]
            if targets:
                specs = [s for s in specs if s.target is not None and any(target_matches(s.target, w)
                                                                          for w in targets)]
                specs += external_target_pairs(self.inv, self.targets, functions, targets)
        result = CheckResult(inputs=list(self.inv.inputs), warnings=list(self.inv.warnings))
        result.deploy_blocked = any(i.id == "RL004" for i in self.inv.issues)
        hidden = self.inv.missing_kinds & {"Functions", "DBInstances", "DBClusters", "DBProxies"}
        if hidden:
            result.incomplete = True
            result.warnings.append(f"{', '.join(sorted(hidden))} could not be read: pairs may be missing")
        for spec in specs:
            result.pairs.append(self.analyse(spec))
        result.findings.extend(self.global_findings())
        if not targets:  # issue 11 item 4: a VPC-attached function nothing was checked for is not a success
            paired = {p.function.id for p in specs}
            for fn, external, evidence in unchecked_functions(self.inv, paired, functions):
                result.findings.append(make("RL002", (_display(fn.prov), *external), evidence))
                result.incomplete = True
        return result

    def global_findings(self) -> list[Finding]:
        out = []
        for issue in self.inv.issues:
            sev = Severity(issue.severity) if issue.severity in ("error", "warning", "info") else None
            out.append(make(issue.id, issue.resources, issue.evidence, severity=sev))
        out.extend(self.nat_findings())
        return out

    def nat_findings(self) -> list[Finding]:
        """RL505: one NAT gateway is the default route of subnets in several AZs."""
        out = []
        for nat in self.inv.nat_gateways.values():
            azs: dict[str, str] = {}
            for rt in self.inv.route_tables.values():
                if not any(r.target_id == nat.id for r in rt.routes):
                    continue
                subnet_ids = list(rt.subnet_ids)
                if rt.is_main:
                    subnet_ids += [s.id for s in self.inv.subnets.values()
                                   if s.vpc_id == rt.vpc_id and self.inv.route_table_for(s) is rt]
                for sid in subnet_ids:
                    s = self.inv.subnets.get(sid) if isinstance(sid, str) else None
                    if s is not None:
                        key = _az_key(s.availability_zone)
                        if key is not None:
                            azs[key] = s.prov.logical_id
            if len(azs) > 1:
                out.append(make("RL505", (nat.prov.logical_id, *sorted(azs.values())),
                                f"{nat.prov.logical_id} ({nat.prov.where()}) is the default route of subnets in "
                                f"{len(azs)} AZs ({', '.join(sorted(azs.values()))}): if its AZ fails, every "
                                "function loses its way out. Create one NAT gateway per AZ."))
        return out

    # ---- one pair ------------------------------------------------------------------------------------

    def analyse(self, spec: PairSpec) -> PairResult:
        fn = spec.function
        fn_ep = Endpoint(_display(fn.prov), fn.name if isinstance(fn.name, str) else "", fn.prov.source)
        hops: list[Hop] = []
        findings: list[Finding] = []
        verdicts: list[Verdict] = []
        t = spec.target
        if t is None:
            hops.append(Hop("endpoint", Status.UNKNOWN, (spec.unresolved,), spec.evidence))
            findings.append(make("RL002", (spec.unresolved, _display(fn.prov)),
                                 f"{_display(fn.prov)} connects to an endpoint no input defines: {spec.evidence}; "
                                 "pass the value (--parameter/--bindings) and the template that defines the database"))
            self.function_checks(fn, hops, findings, verdicts)
            verdicts.append(Verdict.UNKNOWN)
            return self._result(fn_ep, Endpoint(f"?{spec.unresolved}"), hops, findings, verdicts)
        port = t.port if isinstance(t.port, int) else None
        t_ep = Endpoint(t.display, getattr(t.obj, "identifier", "") if isinstance(getattr(t.obj, "identifier", None), str)
                        else "", t.prov.source, "data-api" if spec.data_api else t.kind, t.engine, port)
        hops.append(Hop("pair", Status.OPEN, (_display(fn.prov), t.display), f"tier {spec.tier}: {spec.evidence}"))
        self.deploy_check(fn, t, hops, findings, verdicts)
        self.status_check(t, hops, findings, verdicts)
        if spec.data_api:
            self.data_api(fn, t, hops, findings, verdicts)
            return self._result(fn_ep, t_ep, hops, findings, verdicts)
        if fn.vpc_config is None:
            self.not_in_vpc(fn, t, hops, findings, verdicts)
            return self._result(fn_ep, t_ep, hops, findings, verdicts)
        f_side = self.function_checks(fn, hops, findings, verdicts)
        t_side = self.target_side(t, findings)
        problems = [t_side.subnet_problem] if t_side.subnet_problem else []
        if port is None:
            problems.append(f"port of {t.display} unknown")
            if isinstance(t.port, Unresolved):
                findings.append(make("RL002", (t.port.name, t.display), f"port unresolved: {t.port.reason}"))
        if problems or not f_side.subnets_ok:
            if problems:
                hops.append(Hop("target-network", Status.UNKNOWN, (t.display,), "; ".join(problems)))
            verdicts.append(Verdict.UNKNOWN)
            return self._result(fn_ep, t_ep, hops, findings, verdicts)
        assert port is not None
        f_subnets, t_subnets = f_side.subnets, t_side.subnets
        # An undecided VPC relation (unresolved, or cross-VPC, not analysed yet) makes the pair UNKNOWN at best,
        # but the legs are still evaluated: a proven closed hop decides (BLOCKED dominates UNKNOWN).
        same = self.same_vpc(f_subnets, t_subnets, fn, t, hops, findings, verdicts)
        if same:
            self.dns_check(t_subnets, t, hops, findings, verdicts)
        is_proxy = isinstance(t.obj, (DBProxy, DBProxyEndpoint))
        stage = self.network_stage("", _display(fn.prov), f_side, t.display, t_side, port,
                                   findings, ingress_id="RL701" if is_proxy else "RL201", egress_id="RL204",
                                   same_vpc=same)
        hops.extend(stage.hops(self._labels(f_subnets + t_subnets)))
        verdicts.append(stage.verdict())
        if t.kind != "db-proxy":
            self.public_db(t, findings)
        if is_proxy:
            self.proxy_checks(fn, t, t_side, hops, findings, verdicts)
        if f_side.groups_ok:
            self.secrets_path(fn, f_subnets, f_side.groups, hops, findings, verdicts)
        elif self.runtime_secrets(fn):
            hops.append(Hop("secrets-path", Status.UNKNOWN, (_display(fn.prov),), f_side.group_problem))
            verdicts.append(Verdict.UNKNOWN)
        return self._result(fn_ep, t_ep, hops, findings, verdicts)

    def _result(self, fn_ep: Endpoint, t_ep: Endpoint, hops: list[Hop], findings: list[Finding],
                verdicts: list[Verdict]) -> PairResult:
        verdict = _combine(verdicts) if verdicts else Verdict.UNKNOWN
        uniq: list[Finding] = []
        seen = set()
        for f in findings:
            if f.key() not in seen:
                seen.add(f.key())
                uniq.append(f)
        return PairResult(fn_ep, t_ep, verdict, hops, uniq)

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

    # ---- prerequisite checks -------------------------------------------------------------------------

    def deploy_check(self, fn: LambdaFunction, t: Target, hops: list[Hop], findings: list[Finding],
                     verdicts: list[Verdict]) -> None:
        inputs = {fn.prov.input, t.prov.input}
        bad = [i for i in self.inv.issues if i.id == "RL004" and i.input in inputs]
        if bad:
            for i in bad:
                findings.append(make("RL004", i.resources, i.evidence))
            hops.append(Hop("deploy", Status.CLOSED, tuple(r for i in bad for r in i.resources),
                            "the stack holding this pair cannot deploy: " + bad[0].evidence))
            verdicts.append(Verdict.BLOCKED)

    def status_check(self, t: Target, hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> None:
        """RL602: the target (or, for a proxy, any database behind it) is not available (live data)."""
        objs: list[object] = [t.obj]
        if isinstance(t.obj, (DBProxy, DBProxyEndpoint)):
            proxy = t.obj if isinstance(t.obj, DBProxy) else t.proxy
            if proxy is not None:
                objs = [proxy] + [self.target_by_key[x].obj for x in proxy.targets
                                  if isinstance(x, str) and x in self.target_by_key]
        for obj in objs:
            status = str(getattr(obj, "status", "available")).lower()
            if status in UNAVAILABLE:
                prov = obj.prov  # type: ignore[attr-defined]
                findings.append(make("RL602", (prov.logical_id,), f"{prov.logical_id} is {status} "
                                     f"({prov.where()}): its endpoint does not accept connections"))
                hops.append(Hop("target-status", Status.CLOSED, (prov.logical_id,), f"status {status}"))
                verdicts.append(Verdict.BLOCKED)

    def function_checks(self, fn: LambdaFunction, hops: list[Hop], findings: list[Finding],
                        verdicts: list[Verdict]) -> _Side:
        """VPC attachment data, RL102/RL103/RL104 and RL002 for the function side."""
        name = _display(fn.prov)
        if fn.vpc_config is None:
            return _Side([], [], set(), False, False)
        subnets, why = self.subnet_objs(fn.vpc_config.subnet_ids, name, findings)
        vpc = subnets[0].vpc_id if subnets else None
        groups, gwhy = self.group_objs(fn.vpc_config.security_group_ids, name, findings, vpc)
        ids = _ids_of(fn.vpc_config.security_group_ids, groups)
        ok = why is None and gwhy is None
        side = _Side(subnets, groups, ids, why is None, gwhy is None, gwhy or "")
        if not ok:
            hops.append(Hop("vpc-attachment", Status.UNKNOWN, (name,), "; ".join(x for x in (why, gwhy) if x)))
            verdicts.append(Verdict.UNKNOWN)
        else:
            hops.append(Hop("vpc-attachment", Status.OPEN, (name, *[s.prov.logical_id for s in subnets]),
                            f"ENIs in {', '.join(s.prov.logical_id for s in subnets)} with "
                            f"{', '.join(g.prov.logical_id for g in groups)}"))
        # RL102: single AZ
        subnet_ids = fn.vpc_config.subnet_ids
        if not isinstance(subnet_ids, Unresolved):
            if len(subnet_ids) == 1:
                findings.append(make("RL102", (name,), f"{name} has a single subnet ({_show(subnet_ids[0], self.inv)}): "
                                     "one AZ outage stops the function. Use private subnets in at least two AZs."))
            elif subnets and len(subnets) == len(subnet_ids):
                keys = {_az_key(s.availability_zone) for s in subnets}
                if None not in keys and len(keys) == 1:
                    findings.append(make("RL102", (name, *[s.prov.logical_id for s in subnets]),
                                         f"all subnets of {name} are in {_show(subnets[0].availability_zone, self.inv)}"))
        # RL106: free addresses (live data only)
        for s in subnets:
            if s.available_ips is not None and s.available_ips < MIN_FREE_IPS:
                findings.append(make("RL106", (name, s.prov.logical_id),
                                     f"{s.prov.logical_id} has {s.available_ips} free IP addresses: Lambda cannot "
                                     "create new ENIs there when it scales (EC2ThrottledException / "
                                     "ENILimitReachedException); add subnets or use larger ones"))
        # RL103: public subnet
        for s in subnets:
            rt = self.inv.route_table_for(s)
            if rt is None:
                continue
            for r in rt.routes:
                if r.target_type == "igw" and not isinstance(r.destination, (str, Unresolved)) and \
                        r.destination.prefixlen == 0:
                    findings.append(make("RL103", (name, s.prov.logical_id),
                                         f"{s.prov.logical_id} routes 0.0.0.0/0 to an internet gateway "
                                         f"({r.prov.where()}); Lambda ENIs get no public IP, so internet-bound "
                                         "traffic from it is dropped"))
        self.eni_permissions(fn, hops, findings, verdicts)
        return side

    def eni_permissions(self, fn: LambdaFunction, hops: list[Hop], findings: list[Finding],
                        verdicts: list[Verdict]) -> None:
        name = _display(fn.prov)
        role = self.inv.role_for(fn.role_arn)
        if role is None:
            what = fn.role_arn.name if isinstance(fn.role_arn, Unresolved) else fn.role_arn
            hops.append(Hop("eni-permissions", Status.UNKNOWN, (name,), f"execution role {what} is not in the inputs"))
            if isinstance(fn.role_arn, Unresolved):
                findings.append(make("RL002", (fn.role_arn.name, name), f"execution role unresolved: {fn.role_arn.reason}"))
            verdicts.append(Verdict.UNKNOWN)
            return
        statuses = []
        missing = []
        evidence = []
        for action in ENI_ACTIONS:
            d = evaluate(self.inv, role, action, "*")
            statuses.append(d.status)
            if d.status is not Status.OPEN:
                missing.append(action)
                evidence.append(d.evidence)
            else:
                evidence.append(d.evidence)
        if Status.CLOSED in statuses:
            role_name = role.name if isinstance(role.name, str) else role.prov.logical_id
            findings.append(make("RL104", (name, role.prov.logical_id),
                                 f"role {role.prov.logical_id} ({role.prov.where()}) lacks {', '.join(missing)}: "
                                 "Lambda cannot create the ENI and the deployment fails",
                                 fixes.attach_vpc_policy(role_name if not role.prov.synthetic_id else
                                                         f"<{role.prov.logical_id}>", role.prov)))
            hops.append(Hop("eni-permissions", Status.CLOSED, (role.prov.logical_id,), "; ".join(evidence)))
            verdicts.append(Verdict.BLOCKED)
        elif Status.UNKNOWN in statuses:
            hops.append(Hop("eni-permissions", Status.UNKNOWN, (role.prov.logical_id,), "; ".join(evidence)))
            verdicts.append(Verdict.UNKNOWN)
        else:
            hops.append(Hop("eni-permissions", Status.OPEN, (role.prov.logical_id,), evidence[0]))

    def not_in_vpc(self, fn: LambdaFunction, t: Target, hops: list[Hop], findings: list[Finding],
                   verdicts: list[Verdict]) -> None:
        name = _display(fn.prov)
        public = self._publicly_accessible(t)
        if public is True:
            hops.append(Hop("vpc-attachment", Status.UNKNOWN, (name,),
                            f"{name} is not in a VPC and {t.display} is publicly accessible: the path depends on its "
                            "security group admitting Lambda's public addresses, which no input states"))
            verdicts.append(Verdict.UNKNOWN)
            return
        subnets, _, _ = self.target_network(t, [])  # only to name the subnets in the fix
        refs = [f"!Ref {s.prov.logical_id.rsplit('/', 1)[-1]}" if s.prov.synthetic_id else s.id for s in subnets]
        fix = fixes.vpc_config(fn.name if isinstance(fn.name, str) and not fn.prov.synthetic_id else f"<{name}>",
                               fn.prov, refs, "<lambda-security-group>")
        findings.append(make("RL101", (name, t.display),
                             f"{name} ({fn.prov.where()}) has no VpcConfig, so it runs outside your VPC; "
                             f"{t.display} ({t.prov.where()}) is {'not publicly accessible' if public is False else 'private'}"
                             " and reachable only from inside its VPC: connections time out", fix))
        hops.append(Hop("vpc-attachment", Status.CLOSED, (name,), f"{name} has no VpcConfig"))
        verdicts.append(Verdict.BLOCKED)

    def _publicly_accessible(self, t: Target) -> bool | None:
        obj = t.obj
        if isinstance(obj, (DBProxy, DBProxyEndpoint)):
            return False
        if isinstance(obj, DBInstance):
            v = obj.publicly_accessible
            return v if isinstance(v, bool) else self._default_public(obj.subnet_group)
        values = [d.publicly_accessible for d in self.inv.db_instances.values()
                  if d.cluster_id is not None and d.cluster_id == obj.identifier]
        if any(v is True for v in values):
            return True
        if values and all(v is False for v in values):
            return False
        return self._default_public(obj.subnet_group)

    def _default_public(self, subnet_group: object) -> bool | None:
        """RDS default when PubliclyAccessible is not given (CreateDBInstance): with a DB subnet group, public
        exactly when its VPC has an internet gateway attached; without one (default VPC), public."""
        group = self.inv.subnet_group(subnet_group)  # type: ignore[arg-type]
        if group is None or isinstance(group.subnet_ids, Unresolved):
            return None
        vpcs = {self.inv.subnets[s].vpc_id for s in group.subnet_ids if isinstance(s, str) and s in self.inv.subnets}
        if len(vpcs) != 1:
            return None
        vpc = next(iter(vpcs))
        if any(vpc in g.vpc_ids for g in self.inv.internet_gateways.values()):
            return True
        return False if "InternetGateways" not in self.inv.missing_kinds else None

    def public_db(self, t: Target, findings: list[Finding]) -> None:
        if self._publicly_accessible(t) is True:
            ident = getattr(t.obj, "identifier", t.display)
            findings.append(make("RL601", (t.display,), f"{t.display} is PubliclyAccessible ({t.prov.where()}): its "
                                 "endpoint resolves to a public IP outside the VPC",
                                 fixes.not_public(ident if isinstance(ident, str) and not t.prov.synthetic_id
                                                  else f"<{t.display}>", t.prov)))

    def same_vpc(self, f_subnets: list[Subnet], t_subnets: list[Subnet], fn: LambdaFunction, t: Target,
                 hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> bool:
        f_vpcs = {s.vpc_id for s in f_subnets}
        t_vpcs = {s.vpc_id for s in t_subnets}
        unresolved = [v for v in f_vpcs | t_vpcs if isinstance(v, Unresolved)]
        if unresolved:
            hops.append(Hop("vpc", Status.UNKNOWN, (), f"VPC of a subnet unresolved ({unresolved[0].name})"))
            verdicts.append(Verdict.UNKNOWN)
            return False
        if f_vpcs == t_vpcs and len(f_vpcs) == 1:
            vpc = self.inv.vpcs.get(next(iter(f_vpcs)))  # type: ignore[arg-type]
            hops.append(Hop("vpc", Status.OPEN, (vpc.prov.logical_id if vpc else str(next(iter(f_vpcs))),),
                            "function and target subnets are in the same VPC (local route)"))
            return True
        names = sorted(self.inv.vpcs[v].prov.logical_id if v in self.inv.vpcs else str(v) for v in f_vpcs | t_vpcs)
        findings.append(make("RL003", (_display(fn.prov), t.display, *names),
                             f"{_display(fn.prov)} and {t.display} are in different VPCs ({', '.join(names)}): "
                             "cross-VPC paths (peering, transit gateway) are not analysed yet"))
        hops.append(Hop("vpc", Status.UNKNOWN, tuple(names), "function and target are in different VPCs"))
        verdicts.append(Verdict.UNKNOWN)
        return False

    def dns_check(self, t_subnets: list[Subnet], t: Target, hops: list[Hop], findings: list[Finding],
                  verdicts: list[Verdict]) -> None:
        vpc = self.inv.vpcs.get(t_subnets[0].vpc_id) if isinstance(t_subnets[0].vpc_id, str) else None
        if vpc is None:
            hops.append(Hop("dns", Status.UNKNOWN, (), "VPC not in the inputs"))
            verdicts.append(Verdict.UNKNOWN)
            return
        if vpc.enable_dns_support is False:
            findings.append(make("RL401", (vpc.prov.logical_id, t.display),
                                 f"{vpc.prov.logical_id} ({vpc.prov.where()}) has EnableDnsSupport false: the Amazon "
                                 f"DNS server does not answer, so {t.display}'s endpoint name cannot be resolved",
                                 fixes.dns_support(vpc.id, vpc.prov)))
            hops.append(Hop("dns", Status.CLOSED, (vpc.prov.logical_id,), "enableDnsSupport is off"))
            verdicts.append(Verdict.BLOCKED)
        elif isinstance(vpc.enable_dns_support, Unresolved):
            hops.append(Hop("dns", Status.UNKNOWN, (vpc.prov.logical_id,), vpc.enable_dns_support.reason))
            verdicts.append(Verdict.UNKNOWN)
        else:
            hops.append(Hop("dns", Status.OPEN, (vpc.prov.logical_id,), "enableDnsSupport is on"))

    # ---- the network leg -----------------------------------------------------------------------------

    def network_stage(self, name: str, src: str, src_side: _Side, dst: str, dst_side: _Side, port: int,
                      findings: list[Finding], ingress_id: str, egress_id: str, same_vpc: bool = True) -> _Stage:
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
        for sf in src_subnets:
            for st in dst_subnets:
                combo = (sf.id, st.id)
                # route: same VPC -> local route (checked by same_vpc); look for more specific routes
                rt = self.inv.route_table_for(sf)
                route_status, route_ev = Status.OPEN, "local route"
                if not same_vpc:
                    route_status, route_ev = Status.UNKNOWN, "the subnets are not proven to be in one VPC"
                elif rt is None and "RouteTables" in self.inv.missing_kinds:
                    route_status, route_ev = Status.UNKNOWN, "route tables are not in the inputs"
                if rt is not None and not isinstance(st.cidr, Unresolved):
                    for r in rt.routes:
                        if isinstance(r.destination, (str, Unresolved)) or r.target_type == "local":
                            continue
                        if r.destination.prefixlen > 0 and cidr_relation(r.destination, st.cidr) != "none":
                            route_status = Status.UNKNOWN
                            route_ev = f"{rt.prov.logical_id} has a more specific route {r.destination} -> " \
                                       f"{r.target_type} ({r.prov.where()}) overlapping {st.prov.logical_id}"
                stage.record("route", combo, route_status, route_ev, (rt.prov.logical_id,) if rt else ())
                # NACLs (traffic inside one subnet does not cross its NACL)
                if sf.id != st.id:
                    self._acl_hops(stage, combo, sf, st, port, findings)
                # security groups
                eg = sg_flow(src_groups, "egress", port, dst_ids, st.cidr)
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
                ig = sg_flow(dst_groups, "ingress", port, src_ids, sf.cidr)
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
        elif ingress_open_cidr_only and src_sg and dst_sg and ingress_id in ("RL201",):
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
            if prev is not None and prev[0] is Status.CLOSED:
                continue
            if prev is not None and hop == "nacl-return" and res.status is Status.OPEN:
                continue
            stage.record(hop, combo, res.status, res.entry, (acl.prov.logical_id,))
            if res.status is Status.CLOSED:
                peer_s = str(peer) if not isinstance(peer, Unresolved) else "?"
                findings.append(make(check, (acl.prov.logical_id, subnet.prov.logical_id),
                                     f"{res.entry}: {'outbound' if egress else 'inbound'} tcp/{ports} "
                                     f"{'to' if egress else 'from'} {peer_s} is denied",
                                     fixes.nacl_entry(acl.id, acl.prov, egress, peer_s, ports.low, ports.high)))

    # ---- proxy ---------------------------------------------------------------------------------------

    def proxy_checks(self, fn: LambdaFunction, t: Target, p_side: _Side,
                     hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> None:
        proxy = t.obj if isinstance(t.obj, DBProxy) else t.proxy
        if proxy is None:
            hops.append(Hop("proxy", Status.UNKNOWN, (t.display,), "the proxy of this endpoint is not in the inputs"))
            verdicts.append(Verdict.UNKNOWN)
            return
        pname = proxy.prov.logical_id
        if proxy.require_tls is True:
            findings.append(make("RL704", (pname,), f"{pname} has RequireTLS true ({proxy.prov.where()}): connect "
                                 "with TLS (sslmode=verify-full / ssl={'ca': ...}), or the proxy refuses the session"))
        # IAM auth
        if any(a.iam_auth == "REQUIRED" for a in proxy.auth):
            self.proxy_iam(fn, proxy, hops, findings, verdicts)
        # proxy role reads its secrets
        self.proxy_secret(proxy, hops, findings, verdicts)
        # proxy -> DB leg
        if not proxy.targets:
            hops.append(Hop("proxy-target", Status.UNKNOWN, (pname,), "no DBProxyTargetGroup registers a database"))
            verdicts.append(Verdict.UNKNOWN)
            return
        proxy_side = p_side
        if isinstance(t.obj, DBProxyEndpoint):
            proxy_side = self.target_side(Target(proxy.id, pname, "db-proxy", proxy, proxy.prov, None, None),
                                          findings)
        for tid in proxy.targets:
            db = self.target_by_key.get(tid) if isinstance(tid, str) else None
            if db is None:
                hops.append(Hop("proxy-target", Status.UNKNOWN, (pname,), f"proxy target {tid} is not in the inputs"))
                verdicts.append(Verdict.UNKNOWN)
                continue
            db_side = self.target_side(db, findings)
            port = db.port if isinstance(db.port, int) else None
            if db_side.subnet_problem or port is None or not proxy_side.subnets_ok:
                hops.append(Hop("proxy-target", Status.UNKNOWN, (db.display,),
                                db_side.subnet_problem or proxy_side.subnet_problem or "port unknown"))
                verdicts.append(Verdict.UNKNOWN)
                continue
            stage = self.network_stage("proxy->db", pname, proxy_side, db.display, db_side, port, findings,
                                       ingress_id="RL702", egress_id="RL702")
            hops.extend(stage.hops(self._labels(proxy_side.subnets + db_side.subnets)))
            verdicts.append(stage.verdict())

    def proxy_iam(self, fn: LambdaFunction, proxy: DBProxy, hops: list[Hop], findings: list[Finding],
                  verdicts: list[Verdict]) -> None:
        arn = proxy.arn if isinstance(proxy.arn, str) else ""
        parts = arn.split(":")
        region, account = (parts[3], parts[4]) if len(parts) > 5 else (self.region, "*")
        base = f"arn:aws:rds-db:{region}:{account}:dbuser:{proxy.resource_id}/"
        roles = []
        role = self.inv.role_for(fn.role_arn)
        if role is not None:
            roles.append(role)
            # role chaining: an env var names a role whose trust policy admits this function's role
            for value in fn.environment.values():
                other = self.inv.role_for(value) if isinstance(value, str) and ":role/" in value else None
                if other is not None and other is not role and _trusts(other, role):
                    roles.append(other)
        if not roles:
            hops.append(Hop("proxy-iam-auth", Status.UNKNOWN, (proxy.prov.logical_id,),
                            "execution role not in the inputs"))
            verdicts.append(Verdict.UNKNOWN)
            return
        decisions = [(r, evaluate(self.inv, r, "rds-db:connect", base + "rdslinkuser", resource_prefix=base))
                     for r in roles]
        if any(d.status is Status.OPEN for _, d in decisions):
            r, d = next((r, d) for r, d in decisions if d.status is Status.OPEN)
            hops.append(Hop("proxy-iam-auth", Status.OPEN, (r.prov.logical_id,), d.evidence))
            return
        if any(d.status is Status.UNKNOWN for _, d in decisions):
            hops.append(Hop("proxy-iam-auth", Status.UNKNOWN, tuple(r.prov.logical_id for r, _ in decisions),
                            "; ".join(d.evidence for _, d in decisions)))
            verdicts.append(Verdict.UNKNOWN)
            return
        r0 = roles[0]
        findings.append(make("RL703", (_display(fn.prov), proxy.prov.logical_id, r0.prov.logical_id),
                             f"{proxy.prov.logical_id} requires IAM authentication ({proxy.prov.where()}) but "
                             f"{r0.prov.logical_id} has no rds-db:connect on {base}*: "
                             + "; ".join(d.evidence for _, d in decisions),
                             fixes.rds_db_connect(r0.name if isinstance(r0.name, str) and not r0.prov.synthetic_id
                                                  else f"<{r0.prov.logical_id}>", r0.prov, base + "*")))
        hops.append(Hop("proxy-iam-auth", Status.CLOSED, (r0.prov.logical_id,), "rds-db:connect not allowed"))
        verdicts.append(Verdict.BLOCKED)

    def proxy_secret(self, proxy: DBProxy, hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> None:
        role = self.inv.role_for(proxy.role_arn)
        pname = proxy.prov.logical_id
        if role is None:
            hops.append(Hop("proxy-secret", Status.UNKNOWN, (pname,), "the proxy's role is not in the inputs"))
            verdicts.append(Verdict.UNKNOWN)
            return
        for auth in proxy.auth:
            if not isinstance(auth.secret_arn, str):
                hops.append(Hop("proxy-secret", Status.UNKNOWN, (pname,), "auth secret unresolved"))
                verdicts.append(Verdict.UNKNOWN)
                continue
            d = evaluate(self.inv, role, "secretsmanager:GetSecretValue", auth.secret_arn)
            if d.status is Status.CLOSED:
                secret = self.inv.secret_for(auth.secret_arn)
                sname = secret.prov.logical_id if secret else auth.secret_arn
                findings.append(make("RL705", (pname, role.prov.logical_id, sname),
                                     f"{role.prov.logical_id} cannot read {sname}: {d.evidence}",
                                     fixes.secret_policy(f"<{role.prov.logical_id}>" if role.prov.synthetic_id
                                                         else str(role.name), role.prov, auth.secret_arn)))
                hops.append(Hop("proxy-secret", Status.CLOSED, (role.prov.logical_id,), d.evidence))
                verdicts.append(Verdict.BLOCKED)
            elif d.status is Status.UNKNOWN:
                hops.append(Hop("proxy-secret", Status.UNKNOWN, (role.prov.logical_id,), d.evidence))
                verdicts.append(Verdict.UNKNOWN)
            else:
                kd = self._kms_decrypt(role, auth.secret_arn)
                if kd is None:
                    hops.append(Hop("proxy-secret", Status.OPEN, (role.prov.logical_id,), d.evidence))
                elif kd.status is Status.OPEN:
                    hops.append(Hop("proxy-secret", Status.OPEN, (role.prov.logical_id,), f"{d.evidence}; {kd.evidence}"))
                elif kd.status is Status.CLOSED:
                    secret = self.inv.secret_for(auth.secret_arn)
                    sname = secret.prov.logical_id if secret else auth.secret_arn
                    findings.append(make("RL705", (pname, role.prov.logical_id, sname),
                                         f"{role.prov.logical_id} may read {sname} but cannot decrypt it: {kd.evidence}"))
                    hops.append(Hop("proxy-secret", Status.CLOSED, (role.prov.logical_id,), kd.evidence))
                    verdicts.append(Verdict.BLOCKED)
                else:
                    hops.append(Hop("proxy-secret", Status.UNKNOWN, (role.prov.logical_id,), kd.evidence))
                    verdicts.append(Verdict.UNKNOWN)

    def _kms_decrypt(self, role: object, secret_ref: str) -> Decision | None:
        """None when the secret uses the AWS managed key (aws/secretsmanager); else the Decision on kms:Decrypt
        for its customer managed key (CLOSED only when the key policy delegates to IAM and IAM denies)."""
        from ..model import Role

        assert isinstance(role, Role)
        secret = self.inv.secret_for(secret_ref)
        if secret is None or secret.kms_key_id is None:
            return None
        key_ref = secret.kms_key_id
        if isinstance(key_ref, str) and key_ref.endswith("alias/aws/secretsmanager"):
            return None
        key = self.inv.kms_key(key_ref)
        if key is None:
            what = key_ref.name if isinstance(key_ref, Unresolved) else key_ref
            return Decision(Status.UNKNOWN, f"the secret is encrypted with KMS key {what}, which is not in the inputs")
        d = evaluate(self.inv, role, "kms:Decrypt", key.arn)
        if d.status is Status.CLOSED and not key.iam_delegated_only:
            return Decision(Status.UNKNOWN, f"{d.evidence}; the key policy of {key.prov.logical_id} may grant it")
        if d.status is Status.CLOSED:
            return Decision(Status.CLOSED, f"kms:Decrypt on {key.prov.logical_id} ({key.prov.where()}), whose key "
                            f"policy delegates to IAM, is not allowed: {d.evidence}")
        return d

    # ---- Secrets Manager path ------------------------------------------------------------------------

    def secrets_path(self, fn: LambdaFunction, subnets: list[Subnet], groups: list[SecurityGroup],
                     hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> None:
        """RL501-RL504: a function that calls Secrets Manager at run time needs a way to its API."""
        secrets = self.runtime_secrets(fn)
        if not secrets:
            return
        name = _display(fn.prov)
        stage = _Stage("")
        group_ids = {g.id for g in groups}
        closed: list[Subnet] = []
        reasons: list[str] = []
        specific: dict[str, Finding] = {}
        for s in subnets:
            combo = (s.id, "secretsmanager")
            nat_status, nat_ev, nat_find = self._nat_path(s, groups)
            ep_status, ep_ev, ep_find = self._endpoint_path(s, groups, group_ids, fn)
            if Status.OPEN in (nat_status, ep_status):
                st = Status.OPEN
                ev = nat_ev if nat_status is Status.OPEN else ep_ev
            elif Status.UNKNOWN in (nat_status, ep_status):
                st, ev = Status.UNKNOWN, f"{nat_ev}; {ep_ev}"
            else:
                st, ev = Status.CLOSED, f"{nat_ev}; {ep_ev}"
                found = ep_find or nat_find
                if found:
                    specific.setdefault(found.id, found)
                else:
                    closed.append(s)
                    reasons.append(f"{s.prov.logical_id}: {ev}")
            stage.record("secrets-path", combo, st, ev, (s.prov.logical_id,))
        findings.extend(specific.values())
        if closed:
            vpc = self.inv.vpcs.get(closed[0].vpc_id) if isinstance(closed[0].vpc_id, str) else None
            cli_refs = [fixes.ref(x.id, x.prov) for x in subnets]
            tpl_refs = [f"!Ref {x.prov.logical_id.rsplit('/', 1)[-1]}" if x.prov.synthetic_id else x.id
                        for x in subnets]
            where = ", ".join(x.prov.logical_id for x in closed)
            findings.append(make(
                "RL501", (name, *[x.prov.logical_id for x in closed]),
                f"{name} reads a secret at run time ({', '.join(self._secret_name(x) for x in secrets)}) "
                f"but neither a NAT gateway nor a secretsmanager interface endpoint is usable from {where}, so the "
                f"GetSecretValue call hangs until the function times out ({'; '.join(reasons)})",
                fixes.secrets_endpoint(vpc.id, vpc.prov, cli_refs, tpl_refs, "<endpoint-security-group>", self.region)
                if vpc else None))
        hops.extend(stage.hops(self._labels(subnets)))
        verdicts.append(stage.verdict())

    def _acl_leg(self, src: Subnet, dst_cidr: object, port: int, peer: Subnet | None = None) -> tuple[Status, str]:
        """NACLs for a TCP flow from ``src`` to ``dst_cidr`` on ``port`` and its return traffic: the source
        subnet's egress and ephemeral ingress, and (when ``peer`` is a known subnet) the peer's ingress and
        ephemeral egress."""
        if isinstance(dst_cidr, Unresolved) or isinstance(src.cidr, Unresolved):
            return Status.UNKNOWN, "subnet CIDR unknown"
        legs = [(src, True, dst_cidr, PortRange(port, port)), (src, False, dst_cidr, EPHEMERAL_PORTS)]
        if peer is not None:
            legs += [(peer, False, src.cidr, PortRange(port, port)), (peer, True, src.cidr, EPHEMERAL_PORTS)]
        for subnet, egress, cidr, ports in legs:
            acl = self.inv.network_acl_for(subnet)
            if acl is None:
                return Status.UNKNOWN, f"network ACL of {subnet.prov.logical_id} not in the inputs"
            res = acl_flow(acl, egress, cidr, ports)  # type: ignore[arg-type]
            if res.status is not Status.OPEN:
                return res.status, res.entry
        return Status.OPEN, "network ACLs allow it"

    def _secret_name(self, ref: object) -> str:
        secret = self.inv.secret_for(ref) if isinstance(ref, str) else None
        return secret.prov.logical_id if secret else str(ref)

    def _nat_path(self, s: Subnet, groups: list[SecurityGroup]) -> tuple[Status, str, Finding | None]:
        rt = self.inv.route_table_for(s)
        if rt is None:
            return Status.UNKNOWN, f"route table of {s.prov.logical_id} not in the inputs", None
        default = [r for r in rt.routes if not isinstance(r.destination, (str, Unresolved))
                   and r.destination.prefixlen == 0 and r.destination.version == 4]
        if not default:
            return Status.CLOSED, f"{rt.prov.logical_id} has no default route", None
        r = default[0]
        if r.target_type == "igw":
            return Status.CLOSED, f"{rt.prov.logical_id} sends 0.0.0.0/0 to an internet gateway, but Lambda ENIs " \
                                  "have no public IP", None
        if r.target_type != "nat":
            return Status.UNKNOWN, f"default route goes to {r.target_type} {r.target_id}", None
        nat = self.inv.nat_gateways.get(r.target_id) if isinstance(r.target_id, str) else None
        if nat is None:
            return Status.UNKNOWN, f"NAT gateway {r.target_id} not in the inputs", None
        if nat.connectivity_type == "private":
            return Status.UNKNOWN, f"{nat.prov.logical_id} is a private NAT gateway", None
        nat_subnet = self.inv.subnets.get(nat.subnet_id) if isinstance(nat.subnet_id, str) else None
        if nat_subnet is None:
            return Status.UNKNOWN, "subnet of the NAT gateway not in the inputs", None
        nrt = self.inv.route_table_for(nat_subnet)
        igw_ok = nrt is not None and any(
            x.target_type == "igw" and not isinstance(x.destination, (str, Unresolved)) and x.destination.prefixlen == 0
            and isinstance(x.target_id, str) and x.target_id in self.inv.internet_gateways
            and s.vpc_id in self.inv.internet_gateways[x.target_id].vpc_ids
            for x in nrt.routes)
        if not igw_ok and ("InternetGateways" in self.inv.missing_kinds or nrt is None):
            return Status.UNKNOWN, f"internet gateway of {nat.prov.logical_id}'s subnet not described", None
        if not igw_ok:
            f = make("RL504", (nat.prov.logical_id, nat_subnet.prov.logical_id),
                     f"{nat.prov.logical_id} is in {nat_subnet.prov.logical_id}, whose route table has no default "
                     "route to an internet gateway attached to the VPC")
            return Status.CLOSED, f"{nat.prov.logical_id} has no way to the internet", f
        eg = sg_flow(groups, "egress", 443, set(), parse_cidr("0.0.0.0/0"))
        if eg.status is not Status.OPEN:
            return eg.status, "function security groups do not allow outbound tcp/443 to 0.0.0.0/0", None
        internet = parse_cidr("0.0.0.0/0")
        for st, ev in (self._acl_leg(s, internet, 443), self._acl_leg(nat_subnet, internet, 443)):
            if st is not Status.OPEN:
                return st, ev, None
        if not isinstance(s.cidr, Unresolved):
            st, ev = self._acl_leg(s, nat_subnet.cidr, 443)
            if st is not Status.OPEN:
                return st, ev, None
        return Status.OPEN, f"{rt.prov.logical_id} 0.0.0.0/0 -> {nat.prov.logical_id} -> internet gateway", None

    def _endpoint_path(self, s: Subnet, groups: list[SecurityGroup], group_ids: set[str], fn: LambdaFunction
                       ) -> tuple[Status, str, Finding | None]:
        eps = [e for e in self.inv.vpc_endpoints.values()
               if e.vpc_id == s.vpc_id and isinstance(e.service_name, str)
               and e.service_name.endswith(".secretsmanager") and e.endpoint_type.lower() == "interface"]
        if not eps:
            if "VpcEndpoints" in self.inv.missing_kinds:
                return Status.UNKNOWN, "VPC endpoints were not described", None
            return Status.CLOSED, "no secretsmanager interface endpoint in the VPC", None
        name = _display(fn.prov)
        results: list[tuple[Status, str, Finding | None]] = []
        for e in eps:
            if e.private_dns_enabled is False:
                f = make("RL502", (e.prov.logical_id, name),
                         f"{e.prov.logical_id} ({e.prov.where()}) has PrivateDnsEnabled false: the SDK still resolves "
                         "secretsmanager.<region>.amazonaws.com to public IPs, which the function cannot reach",
                         fixes.private_dns(e.id, e.prov))
                results.append((Status.CLOSED, "endpoint without private DNS", f))
                continue
            if isinstance(e.private_dns_enabled, Unresolved):
                results.append((Status.UNKNOWN, "endpoint private DNS unresolved", None))
                continue
            sub_f: list[Finding] = []
            ep_groups, why = self.group_objs(e.security_group_ids, e.prov.logical_id, sub_f, e.vpc_id)
            if why:
                results.append((Status.UNKNOWN, why, None))
                continue
            ing = sg_flow(ep_groups, "ingress", 443, group_ids, s.cidr)
            if ing.status is Status.CLOSED:
                g0 = ep_groups[0]
                f = make("RL503", (e.prov.logical_id, *[g.prov.logical_id for g in ep_groups], name),
                         f"{', '.join(g.prov.logical_id for g in ep_groups)} of {e.prov.logical_id} "
                         f"({e.prov.where()}) admits no tcp/443 from {name} "
                         f"({', '.join(g.prov.logical_id for g in groups)})",
                         fixes.sg_ingress(g0.id, g0.prov, 443, groups[0].id, groups[0].prov) if groups else None)
                results.append((Status.CLOSED, "endpoint security group does not admit 443", f))
                continue
            ep_cidrs = [self.inv.subnets[x].cidr for x in e.subnet_ids if isinstance(x, str) and x in self.inv.subnets]
            ep_ids = {g.id for g in ep_groups}
            egress_ok = [sg_flow(groups, "egress", 443, ep_ids, c).status for c in ep_cidrs] or [Status.UNKNOWN]
            if Status.CLOSED in egress_ok:
                results.append((Status.CLOSED, "function security groups do not allow outbound 443 to the endpoint",
                                None))
                continue
            acl_states = []
            for x in e.subnet_ids:
                es = self.inv.subnets.get(x) if isinstance(x, str) else None
                if es is None:
                    acl_states.append((Status.UNKNOWN, f"endpoint subnet {x} not in the inputs"))
                elif es.id != s.id:
                    acl_states.append(self._acl_leg(s, es.cidr, 443, peer=es))
            closed_acl = [ev for st_, ev in acl_states if st_ is Status.CLOSED]
            if closed_acl:
                results.append((Status.CLOSED, f"network ACL blocks tcp/443 to {e.prov.logical_id}: {closed_acl[0]}",
                                None))
                continue
            st = Status.UNKNOWN if Status.UNKNOWN in egress_ok or ing.status is Status.UNKNOWN or any(
                st_ is Status.UNKNOWN for st_, _ in acl_states) else Status.OPEN
            results.append((st, f"{e.prov.logical_id} (private DNS, admits 443)", None))
        for st, ev, _ in results:
            if st is Status.OPEN:
                return st, ev, None
        for st, ev, _ in results:
            if st is Status.UNKNOWN:
                return st, ev, None
        return Status.CLOSED, results[0][1], results[0][2]

    # ---- Data API ------------------------------------------------------------------------------------

    def data_api(self, fn: LambdaFunction, t: Target, hops: list[Hop], findings: list[Finding],
                 verdicts: list[Verdict]) -> None:
        findings.append(make("RL604", (t.display, _display(fn.prov)),
                             f"{_display(fn.prov)} uses the RDS Data API (rds-data:*) on {t.display}, an HTTPS call to "
                             "the regional service: security groups, NACLs and subnets of the cluster do not apply"))
        if not t.http_endpoint:
            findings.append(make("RL604", (t.display, _display(fn.prov)),
                                 f"{t.display} ({t.prov.where()}) does not set EnableHttpEndpoint: every Data API call "
                                 f"of {_display(fn.prov)} fails", severity=Severity.ERROR))
            hops.append(Hop("data-api", Status.CLOSED, (t.display,), f"{t.display} does not enable the HTTP endpoint "
                            "(EnableHttpEndpoint)"))
            verdicts.append(Verdict.BLOCKED)
            return
        role = self.inv.role_for(fn.role_arn)
        arn = next(iter(sorted(t.arns)), "*")
        if role is None:
            hops.append(Hop("data-api-iam", Status.UNKNOWN, (_display(fn.prov),), "execution role not in the inputs"))
            verdicts.append(Verdict.UNKNOWN)
            return
        d = evaluate(self.inv, role, "rds-data:ExecuteStatement", arn)
        secrets = sorted(t.master_secrets)
        sd = [evaluate(self.inv, role, "secretsmanager:GetSecretValue", s) for s in secrets]
        secret_ok = any(x.status is Status.OPEN for x in sd)
        if d.status is Status.CLOSED:
            hops.append(Hop("data-api-iam", Status.CLOSED, (role.prov.logical_id,), d.evidence))
            verdicts.append(Verdict.BLOCKED)
            return
        if d.status is Status.UNKNOWN or not secret_ok:
            why = d.evidence if d.status is Status.UNKNOWN else (
                "; ".join(x.evidence for x in sd) or "no master secret of the cluster is known")
            hops.append(Hop("data-api-iam", Status.UNKNOWN, (role.prov.logical_id,),
                            f"the Data API needs rds-data:ExecuteStatement and GetSecretValue on the secret: {why}"))
            verdicts.append(Verdict.UNKNOWN)
            return
        hops.append(Hop("data-api", Status.OPEN, (t.display, role.prov.logical_id),
                        f"EnableHttpEndpoint true; {d.evidence}; "
                        f"{next(x.evidence for x in sd if x.status is Status.OPEN)}"))
        verdicts.append(Verdict.REACHABLE)
        if fn.vpc_config is not None:
            hops.append(Hop("data-api-egress", Status.UNKNOWN, (_display(fn.prov),),
                            "a VPC-attached function needs a NAT route or an rds-data interface endpoint; not analysed"))
            verdicts.append(Verdict.UNKNOWN)


def _trusts(role: object, principal_role: object) -> bool:
    from ..model import Role

    assert isinstance(role, Role) and isinstance(principal_role, Role)
    name = principal_role.name if isinstance(principal_role.name, str) else None
    for p in role.trusted_principals:
        if not isinstance(p, str):
            continue
        if p == principal_role.arn or (name and f":assumed-role/{name}/" in p) or (name and p.endswith(f":role/{name}")):
            return True
    return False


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
    from .network import RuleMatch

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


def analyse(inv: Inventory, functions: list[str] | None = None, targets: list[str] | None = None) -> CheckResult:
    """Run every check; see :class:`Analyzer`."""
    return Analyzer(inv).run(functions, targets)


__all__ = ["Analyzer", "analyse", "DBCluster"]
