"""Orchestration of ``rdslink check``: discover the function -> target pairs, run every check family on each
(:mod:`rdslink.analysis.checks`, one mixin per family, on top of the path engine :mod:`rdslink.analysis.path`),
and collect the findings not tied to a pair (ARCHITECTURE.md "Verdicts").

Soundness rule: a pair is REACHABLE only when every prerequisite is proven and every hop is proven open for
every (function subnet, target subnet) combination; anything undecided makes it UNKNOWN with a finding that
names what would decide it.
"""

from __future__ import annotations

from ..findings import CheckResult, Endpoint, Finding, Hop, PairResult, Severity, Status, Verdict
from ..model import DBCluster, DBProxy, DBProxyEndpoint, Inventory, Unresolved
from .checks.aws_api import AwsApiChecks
from .checks.base import _display
from .checks.databases import DatabaseChecks
from .checks.dns import DnsChecks
from .checks.functions import FunctionChecks
from .checks.inputs import InputChecks
from .checks.network_acls import NetworkChecks
from .checks.proxy import ProxyChecks
from .checks.registry import make
from .checks.security_groups import SecurityGroupChecks
from .pairs import (
    PairSpec,
    discover_pairs,
    explicit_pairs,
    external_target_pairs,
    function_matches,
    target_matches,
    unchecked_functions,
)


class Analyzer(InputChecks, FunctionChecks, SecurityGroupChecks, NetworkChecks, DnsChecks, AwsApiChecks,
               DatabaseChecks, ProxyChecks):
    """Runs every check family over an :class:`Inventory` (one mixin per family, :mod:`rdslink.analysis.checks`).

    Args:
        inv: the loaded inventory (indexed).
    """

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
            self.terraform_no_egress(fn, self.function_checks(fn, hops, findings, verdicts).groups, hops, findings,
                                     verdicts)  # RL207
            verdicts.append(Verdict.UNKNOWN)
            return self._result(fn_ep, Endpoint(f"?{spec.unresolved}"), hops, findings, verdicts)
        port = t.port if isinstance(t.port, int) else None
        t_ep = Endpoint(t.display, getattr(t.obj, "identifier", "") if isinstance(getattr(t.obj, "identifier", None), str)
                        else "", t.prov.source, "data-api" if spec.data_api else t.kind, t.engine, port)
        hops.append(Hop("pair", Status.OPEN, (_display(fn.prov), t.display), f"tier {spec.tier}: {spec.evidence}"))
        self.deploy_check(fn, t, hops, findings, verdicts)
        self.status_check(t, hops, findings, verdicts)
        if not spec.data_api:
            self.connection_budget(fn, t, findings)  # RL603
        if spec.data_api:
            self.data_api(fn, t, hops, findings, verdicts)
            return self._result(fn_ep, t_ep, hops, findings, verdicts)
        if fn.vpc_config is None:
            self.not_in_vpc(fn, t, hops, findings, verdicts)
            return self._result(fn_ep, t_ep, hops, findings, verdicts)
        f_side = self.function_checks(fn, hops, findings, verdicts)
        self.terraform_no_egress(fn, f_side.groups, hops, findings, verdicts)  # RL207
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
        elif same is False:
            self.cross_vpc_dns(f_subnets, t_subnets, t, hops, findings, verdicts)
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
        self.service_paths(fn, f_side, set(), hops, findings, verdicts)
        return self._result(fn_ep, t_ep, hops, findings, verdicts)


def analyse(inv: Inventory, functions: list[str] | None = None, targets: list[str] | None = None) -> CheckResult:
    """Run every check; see :class:`Analyzer`."""
    return Analyzer(inv).run(functions, targets)


__all__ = ["Analyzer", "analyse", "DBCluster"]
