"""RL5xx: paths to AWS service APIs (Secrets Manager, SSM, KMS, S3, ...): NAT, interface and gateway endpoints.

Its ids are declared (title, severity, summary) in :mod:`.declarations.aws_api`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Hop, Severity, Status, Verdict
from ...model import (
    EPHEMERAL_PORTS,
    LambdaFunction,
    PortRange,
    SecurityGroup,
    Subnet,
    Unresolved,
)
from ...model.values import parse_cidr
from ..path.filters import sg_flow
from ..path.model import Step
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


class AwsApiChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

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
            self._partials = []
            nat_status, nat_ev, nat_find = self._nat_path(s, groups)
            nat_partials, self._partials = self._partials, []
            ep_status, ep_ev, ep_find = self._endpoint_path(s, groups, group_ids, fn)
            ep_partials, self._partials = self._partials, []
            clean = (nat_status is Status.OPEN and not nat_partials) or (ep_status is Status.OPEN and not ep_partials)
            self._partials = [] if clean else (nat_partials if nat_status is Status.OPEN else ep_partials)
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
            if st is Status.OPEN and self._partials:
                findings.extend(self._partials)
                st, ev = Status.CLOSED, f"{ev}, but {self._partials[0].evidence}"
                stage.record("secrets-path", combo, st, ev, (s.prov.logical_id,), partial=True)
                self._partials = []
                continue
            self._partials = []
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
            res = self._acl_flow(acl, egress, cidr, ports)
            if res.status is Status.CLOSED and res.port_share is not None:
                # only part of the return ports: works for most connections (RL306, recorded by the caller)
                self._partials.append(make(
                    "RL306", (acl.prov.logical_id, subnet.prov.logical_id),
                    f"{res.entry}: {'outbound' if egress else 'inbound'} tcp "
                    f"{', '.join(str(p) for p in res.denied_ports)} {'to' if egress else 'from'} {cidr} is denied "
                    f"inside the return port range {ports}: calls whose source port falls there "
                    f"({res.port_share:.3%}) time out",
                    fixes.nacl_entry(acl.id, acl.prov, egress, str(cidr), ports.low, ports.high)))
                continue
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
        if r.target_type in ("instance", "eni"):
            return self._nat_instance_path(s, groups, f"{rt.prov.logical_id} 0.0.0.0/0")
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

    #: causes of a closed step at or after a NAT instance: it cannot take the traffic to the internet (RL504)
    NAT_INSTANCE_FAULTS = ("source-dest-check", "nat-instance-no-public-ip", "no-route", "blackhole", "sg", "nacl")

    def nat_instance_fault(self, tr: object) -> Step | None:
        """The closed step that stops a trace at a NAT instance (the hop after the VPC router, reached through a
        route to an instance or network interface), or None."""
        from ..path import Trace

        assert isinstance(tr, Trace)
        if len(tr.hops) < 4 or not tr.hops[1].steps:
            return None
        if not any(st.kind == "nat" and "SourceDestCheck" in st.detail for st in tr.hops[3].steps):
            return None
        for h in tr.hops[3:]:
            for st in h.steps:
                if st.status is Status.CLOSED and st.cause in self.NAT_INSTANCE_FAULTS:
                    return st
        return None

    def _nat_name(self, node: str) -> str:
        """Logical id of the NAT instance (or its interface) a trace hop names."""
        if node in self.inv.instances:
            return self.inv.instances[node].prov.logical_id
        eni = self.inv.network_interfaces.get(node) or next(
            (e for e in self.inv.network_interfaces.values() if e.owner_id == node), None)
        return eni.prov.logical_id if eni is not None else node

    def _nat_instance_path(self, s: Subnet, groups: list[SecurityGroup], route: str
                           ) -> tuple[Status, str, Finding | None]:
        """The default route goes to an instance or network interface: a NAT instance, traced by the path engine
        (SourceDestCheck, its security groups and NACLs, its subnet's route to an internet gateway, its public
        IP), then the same return-leg NACL checks as a NAT gateway. RL504 when the instance cannot forward."""
        import ipaddress

        from ..path import Disposition, Location

        if isinstance(s.cidr, Unresolved):
            return Status.UNKNOWN, "subnet CIDR unknown", None
        src = Location("function", s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s, groups,
                       {g.id for g in groups}, "", None, "interface", False)
        internet = Location("aws:secretsmanager", None, ipaddress.ip_network("0.0.0.0/0"), None, None, set(), "",
                            None, "address", None)
        tr = self.paths.trace(src, internet, "6", 443, reverse=False)  # type: ignore[attr-defined]
        path = " -> ".join(h.node for h in tr.hops)
        if tr.disposition is Disposition.EXITS_NETWORK:
            nat = tr.hops[3].node
            inst, eni = self.paths.forwarder("instance" if nat in self.inv.instances else "eni",  # type: ignore[attr-defined]
                                             nat if nat in self.inv.instances else
                                             next((e.id for e in self.inv.network_interfaces.values()
                                                   if nat in (e.id, e.owner_id)), nat))
            sid = eni.subnet_id if eni is not None else inst.subnet_id if inst is not None else None
            nat_subnet = self.inv.subnets.get(sid) if isinstance(sid, str) else None
            internet_cidr = parse_cidr("0.0.0.0/0")
            legs = [self._acl_leg(s, internet_cidr, 443)]
            if nat_subnet is not None and nat_subnet.id != s.id:
                legs += [self._acl_leg(nat_subnet, internet_cidr, 443), self._acl_leg(s, nat_subnet.cidr, 443)]
            for st, ev in legs:
                if st is not Status.OPEN:
                    return st, ev, None
            return Status.OPEN, f"{route} -> {path} (NAT instance)", None
        steps = tr.blocking()
        detail = steps[-1].detail if steps else tr.disposition.value
        if tr.disposition is Disposition.UNKNOWN:
            return Status.UNKNOWN, f"{path}: {detail}", None
        fault = self.nat_instance_fault(tr)
        if fault is not None:
            nat = self._nat_name(tr.hops[3].node)
            f = make("RL504", (nat,),
                     f"{route} goes to NAT instance {nat}, which cannot take the traffic to the internet: "
                     f"{fault.detail}")
            return Status.CLOSED, f"{path}: {fault.detail}", f
        return Status.CLOSED, f"{path}: {detail}", None

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

    def called_services(self, fn: LambdaFunction) -> tuple[dict[str, str], dict[str, str]]:
        """(services the function certainly calls, services only inferred from its role) -> evidence.

        Certain: an environment value that is a service ARN (``arn:aws:ssm:...:parameter/...``, KMS key, S3
        bucket/object, DynamoDB table, SQS queue, SNS topic), or a variable whose name says SSM parameter
        (``*SSM*``/``*PARAM*``) holding a path ``/...``. Inferred: Allow statements of the execution role on a
        service's actions (ec2, logs, xray, rds-db and ``*`` excluded: Lambda itself uses those). Secrets Manager
        is the secrets path (RL501-RL505), not repeated here."""
        certain: dict[str, str] = {}
        for name, value in sorted(fn.environment.items()):
            if not isinstance(value, str) or "{{resolve:" in value:
                continue
            if value.startswith("arn:"):
                parts = value.split(":")
                svc = parts[2] if len(parts) > 2 else ""
                if svc in SERVICE_APIS and svc != "secretsmanager":
                    certain.setdefault(svc, f"environment {name}={value}")
            elif value.startswith("/") and any(w in name.upper() for w in ("SSM", "PARAM")):
                certain.setdefault("ssm", f"environment {name}={value} names an SSM parameter")
        inferred: dict[str, str] = {}
        role = self.inv.role_for(fn.role_arn)
        if role is not None:
            docs = list(role.inline_policies) + [mp.document for mp in self.inv.policies_attached_to(role)]
            for doc in docs:
                for st in doc.statements:
                    if st.effect != "Allow":
                        continue
                    for a in st.actions:
                        if not isinstance(a, str) or ":" not in a:
                            continue
                        svc = a.split(":", 1)[0].lower()
                        if svc in SERVICE_APIS and svc not in certain and svc != "secretsmanager":
                            inferred.setdefault(svc, f"{doc.name} allows {a}")
        return certain, inferred

    def service_paths(self, fn: LambdaFunction, side: _Side, extra: set[str], hops: list[Hop],
                      findings: list[Finding], verdicts: list[Verdict]) -> None:
        """RL506/RL507: every AWS API the function calls needs, from every subnet, a NAT route, an interface
        endpoint with private DNS, or (S3, DynamoDB) a gateway endpoint routed from the subnet's table.
        A certainly called service is a hop of the pair; one inferred from the role is a warning only."""
        from ..path import SUCCESS, Disposition
        from ..path.services import trace_service

        if fn.vpc_config is None or not side.subnets_ok or not side.subnets:
            return
        certain, inferred = self.called_services(fn)
        for svc in extra:
            certain.setdefault(svc, "the pair uses it")
        name = _display(fn.prov)
        for svc, why in sorted({**inferred, **certain}.items()):
            sure = svc in certain
            stage = _Stage("")
            bad: list[tuple[Subnet, object]] = []
            for s in side.subnets:
                if isinstance(s.cidr, Unresolved):  # no address to trace from: undecided, not a crash
                    stage.record(f"service:{svc}", (s.id, svc), Status.UNKNOWN,
                                 f"{s.prov.logical_id} has no known CIDR block ({s.cidr.reason})", (s.prov.logical_id,))
                    continue
                loc = self._fn_loc(s, side, name)
                tr = trace_service(self.paths, loc, svc, self.region)  # type: ignore[arg-type]
                path = " -> ".join(h.node for h in tr.hops)
                if tr.disposition in SUCCESS:
                    stage.record(f"service:{svc}", (s.id, svc), Status.OPEN, f"{path} ({tr.disposition.value})",
                                 (s.prov.logical_id,))
                elif tr.disposition is Disposition.UNKNOWN or not side.groups_ok:
                    step = tr.blocking()[-1] if tr.blocking() else None
                    stage.record(f"service:{svc}", (s.id, svc), Status.UNKNOWN,
                                 step.detail if step else side.group_problem, (s.prov.logical_id,))
                else:
                    bad.append((s, tr))
                    step = tr.blocking()[-1] if tr.blocking() else None
                    stage.record(f"service:{svc}", (s.id, svc), Status.CLOSED,
                                 f"{path}: {step.detail if step else tr.disposition.value}", (s.prov.logical_id,))
            if bad:
                gw = [st for _, tr in bad for st in tr.steps()  # type: ignore[attr-defined]
                      if st.cause in ("gateway-endpoint-not-associated", "gateway-endpoint-policy")]
                where = ", ".join(s.prov.logical_id for s, _ in bad)
                sev = None if sure else Severity.WARNING
                nat_faults = [self.nat_instance_fault(tr) for _, tr in bad]
                if all(nat_faults) and not gw:
                    f0 = nat_faults[0]
                    assert f0 is not None
                    findings.append(make("RL504", (self._nat_name(bad[0][1].hops[3].node),  # type: ignore[attr-defined]
                                                   *[s.prov.logical_id for s, _ in bad]),
                                         f"{name} {'calls' if sure else 'may call'} {svc} ({why}) through a NAT "
                                         f"instance that cannot take the traffic to the internet, from {where}: "
                                         f"{f0.detail}", severity=sev))
                elif gw:
                    findings.append(make("RL507", (name, gw[0].resource, *[s.prov.logical_id for s, _ in bad]),
                                         f"{name} calls {svc} ({why}); from {where}: {gw[0].detail}, and no NAT "
                                         "route or interface endpoint serves it", severity=sev))
                else:
                    detail = "; ".join(dict.fromkeys(
                        (tr.blocking()[-1].detail if tr.blocking() else tr.disposition.value)  # type: ignore[attr-defined]
                        for _, tr in bad))
                    findings.append(make("RL506", (name, *[s.prov.logical_id for s, _ in bad]),
                                         f"{name} {'calls' if sure else 'may call'} {svc} ({why}) but neither a NAT "
                                         f"gateway nor a {svc} endpoint is usable from {where} ({detail}): the "
                                         "call hangs until the function times out", severity=sev))
            if sure:
                hops.extend(stage.hops(self._labels(side.subnets)))
                verdicts.append(stage.verdict())

    def _fn_loc(self, s: Subnet, side: _Side, name: str) -> object:
        from ..path import Location

        assert not isinstance(s.cidr, Unresolved)
        return Location(name, s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s, side.groups,
                        side.group_ids, side.group_problem, None, "interface", False)

