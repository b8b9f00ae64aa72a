"""RL6xx: the database itself: status, public accessibility, Data API.

Its ids are declared (title, severity, summary) in :mod:`.declarations.databases`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Hop, Severity, Status, Verdict
from ...model import (
    DBCluster,
    DBInstance,
    DBProxy,
    DBProxyEndpoint,
    LambdaFunction,
    Unresolved,
    parameter_group_max_connections,
)
from ...runtime.budget import assess_concurrency, max_connections_for
from ..iam import evaluate
from ..targets import Target
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

#: Lambda's default quota of concurrent executions per account and Region (what an unreserved function reaches)
#: (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
ACCOUNT_CONCURRENCY = 1000


class DatabaseChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def connection_budget(self, fn: LambdaFunction, t: Target, findings: list[Finding]) -> None:
        """RL603: one connection per execution environment (the article's cached connection) times the function's
        concurrency can exceed what the database accepts, with no RDS Proxy between them.

        Concurrency: ReservedConcurrentExecutions, else the account's default quota (1,000). max_connections: the
        parameter group's number, else the engine default for the instance class
        (:func:`rdslink.runtime.budget.max_connections_for`); for a cluster, the largest of its members. Nothing is
        said when either is not known (describe/live functions without ReservedConcurrentExecutions, a custom
        parameter group not in the inputs, db.serverless, an unknown class): a warning, never a guess.
        """
        if not isinstance(t.obj, (DBInstance, DBCluster)) or not fn.concurrency_known:
            return
        if fn.reserved_concurrency == 0:
            return
        limit = self._max_connections(t.obj)
        if limit is None:
            return
        max_conn, how = limit
        if fn.reserved_concurrency is not None:
            concurrency, why = fn.reserved_concurrency, "its ReservedConcurrentExecutions"
        else:
            concurrency, why = ACCOUNT_CONCURRENCY, "no ReservedConcurrentExecutions: the account's default quota"
        budget = assess_concurrency(max_conn, concurrency)
        if not budget.needs_proxy:
            return
        name = fn.name if isinstance(fn.name, str) and not fn.prov.synthetic_id else f"<{_display(fn.prov)}>"
        findings.append(make(
            "RL603", (t.display, _display(fn.prov)),
            f"{_display(fn.prov)} may run {concurrency:,} environments at once ({why}), one connection each; "
            f"{t.display} accepts max_connections {max_conn} ({how}), {budget.usable} usable after {budget.reserved} "
            f"reserved and 20% headroom: put RDS Proxy in front, or cap ReservedConcurrentExecutions at "
            f"{budget.usable}",
            fixes.reserved_concurrency(name, fn.prov, max(1, budget.usable))))

    def _max_connections(self, obj: DBInstance | DBCluster) -> tuple[int, str] | None:
        """(max_connections, how it was found) of an instance, or the largest of a cluster's members; None when
        any member's value is not determined by the inputs."""
        if isinstance(obj, DBInstance):
            members, cluster = [obj], None
        else:
            members = self.inv.cluster_members(obj)
            cluster = obj
        best: tuple[int, str] | None = None
        for d in members:
            one = self._member_max_connections(d, cluster)
            if one is None:
                return None
            if best is None or one[0] > best[0]:
                best = one
        return best

    def _member_max_connections(self, d: DBInstance, cluster: DBCluster | None) -> tuple[int, str] | None:
        for group in (d.parameter_group, cluster.parameter_group if cluster else None):
            value = parameter_group_max_connections(self.inv, group)
            if isinstance(value, Unresolved):
                return None
            if value is not None:
                return value, f"set by parameter group {group}"
        engine = d.engine if isinstance(d.engine, str) and d.engine else (
            cluster.engine if cluster is not None and isinstance(cluster.engine, str) else None)
        if not engine or not isinstance(d.instance_class, str):
            return None
        value = max_connections_for(engine, d.instance_class)
        if value is None:
            return None
        return value, f"the {engine} default for {d.instance_class}"

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

    def _publicly_accessible(self, t: Target) -> bool | None:
        obj = t.obj
        if isinstance(obj, (DBProxy, DBProxyEndpoint)):
            return False
        if isinstance(obj, DBInstance):
            v = obj.publicly_accessible
            return v if isinstance(v, bool) else self._default_public(obj.subnet_group)
        values = [d.publicly_accessible for d in self.inv.cluster_members(obj)]
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
            side = self.function_side(fn)
            if not side.subnets_ok or not side.subnets:
                hops.append(Hop("data-api-egress", Status.UNKNOWN, (_display(fn.prov),), side.subnet_problem or
                                "the function's subnets are not in the inputs"))
                verdicts.append(Verdict.UNKNOWN)
                return
            self.service_paths(fn, side, {"rds-data"}, hops, findings, verdicts)

