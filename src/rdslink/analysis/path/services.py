"""Paths to AWS service APIs (Secrets Manager, SSM, KMS, STS, S3, DynamoDB, RDS Data API, ...) from a
VPC interface: a gateway endpoint whose prefix-list route is in the subnet's route table (S3, DynamoDB), an
interface endpoint with private DNS (its ENIs in the endpoint subnets, its security groups, NACLs), else the
public regional endpoint through a NAT gateway and an internet gateway (VPC User Guide, "AWS PrivateLink" and
"Gateway endpoints")."""

from __future__ import annotations

import ipaddress

from ...findings import Status
from ...model import Unresolved, VpcEndpoint
from .model import Disposition, Location, Step, Trace, TraceHop
from .tracer import PathEngine

GATEWAY_SERVICES = ("s3", "dynamodb")
_ORDER = [Disposition.ACCEPTED, Disposition.UNKNOWN, Disposition.DENIED_IN, Disposition.DENIED_OUT,
          Disposition.NULL_ROUTED, Disposition.NO_ROUTE]


def endpoints_for(engine: PathEngine, vpc_id: str | None, service: str) -> list[VpcEndpoint]:
    """Endpoints of ``vpc_id`` for ``service`` (``com.amazonaws.<region>.<service>``)."""
    return [e for e in engine.inv.vpc_endpoints.values() if e.vpc_id == vpc_id and isinstance(e.service_name, str)
            and e.service_name.split(".")[-1] == service and e.state in ("available", "pendingacceptance", "pending")]


def _policy_allows(e: VpcEndpoint, service: str) -> bool | None:
    """Whether the endpoint policy allows some ``service`` action (None: conditions/unresolved)."""
    if e.policy is None:
        return True
    allow = False
    for st in e.policy:
        acts = [a for a in st.actions if isinstance(a, str)]
        if any(isinstance(a, Unresolved) for a in st.actions) or st.has_condition:
            return None
        hits = any(a == "*" or a.split(":")[0].lower() == service and (a.endswith("*") or ":" in a) for a in acts)
        if st.effect == "Deny" and any(a in ("*", f"{service}:*") for a in acts):
            return False
        if st.effect == "Allow" and hits:
            allow = True
    return allow


def trace_service(engine: PathEngine, src: Location, service: str, region: str, port: int = 443) -> Trace:
    """Trace HTTPS from ``src`` to ``service``'s regional API. The disposition is ACCEPTED through an endpoint
    and EXITS_NETWORK through a NAT gateway; steps with cause ``gateway-endpoint-not-associated``,
    ``gateway-endpoint-policy``, ``endpoint-no-private-dns`` say why an endpoint present is not used."""
    inv = engine.inv
    node = f"aws:{service}"
    host = f"{service}.{region}.amazonaws.com"
    notes: list[Step] = []
    eps = endpoints_for(engine, src.vpc_id, service)
    rt = inv.route_table_for(src.subnet) if src.subnet is not None else None
    for e in [x for x in eps if x.endpoint_type.lower() == "gateway"]:
        associated = rt is not None and (rt.id in e.route_table_ids or any(r.target_id == e.id for r in rt.routes))
        if not associated:
            notes.append(Step("endpoint", Status.CLOSED, f"gateway endpoint {e.prov.logical_id} ({e.prov.where()}) "
                              f"is not associated with {rt.prov.logical_id if rt else 'the subnet route table'}: no "
                              "prefix-list route", e.prov.logical_id, "gateway-endpoint-not-associated"))
            continue
        allowed = _policy_allows(e, service)
        if allowed is False:
            notes.append(Step("endpoint", Status.CLOSED, f"the policy of {e.prov.logical_id} allows no {service} "
                              "action", e.prov.logical_id, "gateway-endpoint-policy"))
            continue
        t = Trace(src.node, node, str(src.net), host, "6", port, Disposition.ACCEPTED)
        first = TraceHop(src.node)
        status = Status.OPEN if allowed else Status.UNKNOWN
        t.hops = [first, TraceHop(src.subnet.id if src.subnet else "?", [Step(
            "route", Status.OPEN, f"{rt.prov.logical_id if rt else '?'}: prefix list of {service} -> {e.id}",
            e.prov.logical_id)]), TraceHop(e.id, [Step("endpoint", status, f"gateway endpoint {e.prov.logical_id}"
                                                      + ("" if allowed else ": its policy has conditions"),
                                                      e.prov.logical_id, "" if allowed else "not-described")])]
        if status is Status.UNKNOWN:
            t.disposition = Disposition.UNKNOWN
        return t
    results: list[Trace] = []
    vpc = inv.vpcs.get(src.vpc_id) if src.vpc_id else None
    dns_ok = vpc is not None and vpc.enable_dns_support is True and vpc.enable_dns_hostnames is True
    for e in [x for x in eps if x.endpoint_type.lower() == "interface"]:
        if e.private_dns_enabled is True and not dns_ok:
            # private DNS needs enableDnsSupport and enableDnsHostnames on the VPC (PrivateLink guide)
            notes.append(Step("endpoint", Status.UNKNOWN if vpc is None or not isinstance(
                vpc.enable_dns_support, bool) or not isinstance(vpc.enable_dns_hostnames, bool) else Status.CLOSED,
                f"interface endpoint {e.prov.logical_id} has private DNS, but {src.vpc_id} does not have both DNS "
                "support and DNS hostnames enabled: the private zone does not answer", e.prov.logical_id,
                "endpoint-no-private-dns"))
            continue
        if e.private_dns_enabled is not True:
            notes.append(Step("endpoint", Status.CLOSED if e.private_dns_enabled is False else Status.UNKNOWN,
                              f"interface endpoint {e.prov.logical_id} has no private DNS: {host} still resolves to "
                              "public addresses", e.prov.logical_id, "endpoint-no-private-dns"))
            continue
        groups = [inv.security_groups[g] for g in e.security_group_ids if isinstance(g, str)
                  and g in inv.security_groups]
        missing = [g for g in e.security_group_ids if not (isinstance(g, str) and g in inv.security_groups)]
        for sid in e.subnet_ids:
            s = inv.subnets.get(sid) if isinstance(sid, str) else None
            if s is None or isinstance(s.cidr, Unresolved):
                t = Trace(src.node, node, str(src.net), host, "6", port, Disposition.UNKNOWN,
                          [TraceHop(src.node, [Step("endpoint", Status.UNKNOWN, f"subnet {sid} of "
                                                    f"{e.prov.logical_id} is not in the inputs", e.prov.logical_id,
                                                    "not-described")])])
                results.append(t)
                continue
            dst = Location(f"{e.id}-{s.id}", s.vpc_id if isinstance(s.vpc_id, str) else None, s.cidr, s, groups,
                           {g.id for g in groups}, f"security groups not in the inputs: {missing}" if missing else "",
                           None, "endpoint", None)
            results.append(engine.trace(src, dst, "6", port))
    if results:
        worst = max(results, key=lambda t: _ORDER.index(t.disposition) if t.disposition in _ORDER else 1)
        worst.dst = node
        worst.dst_ip = host
        return worst
    internet = Location(node, None, ipaddress.ip_network("0.0.0.0/0"), None, None, set(), "", None, "address", None)
    t = engine.trace(src, internet, "6", port, reverse=False)
    t.dst_ip = host
    if notes:
        t.hops[0].steps[:0] = notes
        if t.disposition not in (Disposition.ACCEPTED, Disposition.EXITS_NETWORK) and any(
                n.status is Status.UNKNOWN for n in notes):
            t.disposition = Disposition.UNKNOWN  # an endpoint that may work was not decided
    return t
