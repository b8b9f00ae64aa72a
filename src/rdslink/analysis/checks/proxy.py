"""RL7xx: RDS Proxy: its security group, IAM auth, TLS, its role and secret, the proxy -> DB leg.

Its ids are declared (title, severity, summary) in :mod:`.declarations.proxy`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Hop, Status, Verdict
from ...model import (
    DBProxy,
    DBProxyEndpoint,
    LambdaFunction,
    Unresolved,
)
from ..iam import Decision, evaluate
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


class ProxyChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

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
        from ...model import Role

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


def _trusts(role: object, principal_role: object) -> bool:
    from ...model import Role

    assert isinstance(role, Role) and isinstance(principal_role, Role)
    name = principal_role.name if isinstance(principal_role.name, str) else None
    for p in role.trusted_principals:
        if not isinstance(p, str):
            continue
        if p == principal_role.arn or (name and f":assumed-role/{name}/" in p) or (name and p.endswith(f":role/{name}")):
            return True
    return False

