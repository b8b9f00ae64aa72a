"""RL4xx: name resolution of the endpoint.

Its ids are declared (title, severity, summary) in :mod:`.declarations.dns`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Hop, Status, Verdict
from ...model import (
    Subnet,
    Unresolved,
)
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


class DnsChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def dns_check(self, t_subnets: list[Subnet], t: Target, hops: list[Hop], findings: list[Finding],
                  verdicts: list[Verdict]) -> None:
        """RL401 on the VPC of ``t_subnets`` (the resolver the function asks)."""
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

    def cross_vpc_dns(self, f_subnets: list[Subnet], t_subnets: list[Subnet], t: Target, hops: list[Hop],
                      findings: list[Finding], verdicts: list[Verdict]) -> None:
        """DNS across VPCs: the function asks its own VPC's resolver (RL401); a publicly accessible DB's name
        resolves to its public IP from the peer VPC unless the DB side of the peering allows DNS resolution from
        the remote VPC (RL402; VPC Peering Guide, "Enable DNS resolution for a VPC peering connection"); over a
        transit gateway, the TGW's DnsSupport option does the same."""
        self.dns_check(f_subnets, t, hops, findings, verdicts)
        fv, tv = f_subnets[0].vpc_id, t_subnets[0].vpc_id
        if self._publicly_accessible(t) is not True:
            return
        peer = [p for p in self.inv.peering_connections.values() if p.status == "active" and p.other_side(fv) == tv]
        tgws = [self.inv.transit_gateways.get(x.transit_gateway_id) for x in self.inv.transit_gateway_attachments.values()
                if x.vpc_id == tv and isinstance(x.transit_gateway_id, str)]
        allowed: bool | None
        if peer:
            allowed = peer[0].dns_from_remote(tv)
            via = peer[0].prov
            how = (f"{via.logical_id} does not allow DNS resolution from the remote VPC on {t.display}'s side "
                   f"(AllowDnsResolutionFromRemoteVpc; {via.where()})")
            fix = fixes.Fix(cli=(("aws", "ec2", "modify-vpc-peering-connection-options", "--vpc-peering-connection-id",
                                  peer[0].id if not via.synthetic_id else f"<{via.logical_id}>",
                                  "--accepter-peering-connection-options" if peer[0].accepter_vpc_id == tv else
                                  "--requester-peering-connection-options", "AllowDnsResolutionFromRemoteVpc=true"),))
        elif any(g is not None for g in tgws):
            g = next(g for g in tgws if g is not None)
            allowed, how, fix = g.dns_support, f"{g.prov.logical_id} has DnsSupport disabled", None
        else:
            return
        if allowed is True:
            hops.append(Hop("dns-remote", Status.OPEN, (t.display,), "the peer VPC resolves the DB's name to its "
                            "private IP"))
            return
        if allowed is None:
            hops.append(Hop("dns-remote", Status.UNKNOWN, (t.display,), "DNS resolution options of the peering are "
                            "not described"))
            verdicts.append(Verdict.UNKNOWN)
            return
        findings.append(make("RL402", (t.display,), f"{t.display} is publicly accessible and {how}: from the "
                             "function's VPC its endpoint resolves to the public IP, so traffic leaves through the "
                             "internet path instead of the peering and times out", fix))
        hops.append(Hop("dns-remote", Status.CLOSED, (t.display,), f"endpoint resolves to a public IP: {how}"))
        verdicts.append(Verdict.BLOCKED)

