"""RL1xx: the function's VPC attachment, subnets, ENI permissions, VPCs of the pair.

Its ids are declared (title, severity, summary) in :mod:`.declarations.functions`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Hop, Status, Verdict
from ...model import (
    LambdaFunction,
    Subnet,
    Unresolved,
)
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


class FunctionChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def function_side(self, fn: LambdaFunction) -> _Side:
        """Subnets and groups of a VPC-attached function, without findings."""
        if fn.vpc_config is None:
            return _Side([], [], set(), False, False)
        subnets, why = self.subnet_objs(fn.vpc_config.subnet_ids, "", [])
        vpc = subnets[0].vpc_id if subnets else None
        groups, gwhy = self.group_objs(fn.vpc_config.security_group_ids, "", [], vpc)
        return _Side(subnets, groups, _ids_of(fn.vpc_config.security_group_ids, groups), why is None, gwhy is None,
                     gwhy or "", why or "")

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

    def same_vpc(self, f_subnets: list[Subnet], t_subnets: list[Subnet], fn: LambdaFunction, t: Target,
                 hops: list[Hop], findings: list[Finding], verdicts: list[Verdict]) -> bool | None:
        """True: one VPC (local route); False: two VPCs, decided by the path engine per subnet combination;
        None: undecided (unresolved VPC, several VPCs on one side)."""
        f_vpcs = {s.vpc_id for s in f_subnets}
        t_vpcs = {s.vpc_id for s in t_subnets}
        unresolved = [v for v in f_vpcs | t_vpcs if isinstance(v, Unresolved)]
        if unresolved:
            hops.append(Hop("vpc", Status.UNKNOWN, (), f"VPC of a subnet unresolved ({unresolved[0].name})"))
            verdicts.append(Verdict.UNKNOWN)
            return None  # type: ignore[return-value]
        if f_vpcs == t_vpcs and len(f_vpcs) == 1:
            vpc = self.inv.vpcs.get(next(iter(f_vpcs)))  # type: ignore[arg-type]
            hops.append(Hop("vpc", Status.OPEN, (vpc.prov.logical_id if vpc else str(next(iter(f_vpcs))),),
                            "function and target subnets are in the same VPC (local route)"))
            return True
        names = sorted(self.inv.vpcs[v].prov.logical_id if v in self.inv.vpcs else str(v) for v in f_vpcs | t_vpcs)
        if len(f_vpcs) == 1 and len(t_vpcs) == 1:
            fv, tv = next(iter(f_vpcs)), next(iter(t_vpcs))
            via = self.vpc_links(fv, tv)  # type: ignore[arg-type]
            hops.append(Hop("vpc", Status.OPEN, tuple(names), f"function and target are in different VPCs "
                            f"({', '.join(names)}), linked by {', '.join(via) if via else 'nothing'}: routes "
                            "decide (see route)"))
            return False
        findings.append(make("RL003", (_display(fn.prov), t.display, *names),
                             f"{_display(fn.prov)} or {t.display} spans several VPCs ({', '.join(names)}): "
                             "not analysed"))
        hops.append(Hop("vpc", Status.UNKNOWN, tuple(names), "function and target subnets span several VPCs"))
        verdicts.append(Verdict.UNKNOWN)
        return None  # type: ignore[return-value]

    def vpc_links(self, a: str, b: str) -> list[str]:
        """Peering connections (any state), transit gateways attached to both ``a`` and ``b``, and transit gateway
        peering attachments between a TGW of ``a`` and a TGW of ``b``."""
        out = [p.prov.logical_id for p in self.inv.peering_connections.values() if p.other_side(a) == b]
        tgws_a = {x.transit_gateway_id for x in self.inv.transit_gateway_attachments.values() if x.vpc_id == a}
        tgws_b = {x.transit_gateway_id for x in self.inv.transit_gateway_attachments.values() if x.vpc_id == b}
        for tg in sorted(str(x) for x in tgws_a & tgws_b):
            obj = self.inv.transit_gateways.get(tg)
            out.append(obj.prov.logical_id if obj else tg)
        # transit gateways peered with each other (usually across Regions)
        out += [x.prov.logical_id for x in self.inv.transit_gateway_peering_attachments.values()
                if (x.requester_tgw_id in tgws_a and x.accepter_tgw_id in tgws_b)
                or (x.accepter_tgw_id in tgws_a and x.requester_tgw_id in tgws_b)]
        return out

