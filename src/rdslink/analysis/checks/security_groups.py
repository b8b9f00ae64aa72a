"""RL2xx: security groups (evaluated in the network leg; group references across VPCs here).

Its ids are declared (title, severity, summary) in :mod:`.declarations.security_groups`; implemented here.
"""

from __future__ import annotations

from ... import fix as fixes
from ...findings import Finding, Fix, Hop, Status, Verdict
from ...fix import terraform as tf
from ...model import (
    LambdaFunction,
    SecurityGroup,
    Subnet,
)
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


class SecurityGroupChecks(Context):
    """Checks of this family, mixed into the Analyzer."""

    def _refs_match(self, sf: Subnet, st: Subnet) -> bool:
        """A security-group reference matches across VPCs only over an active same-Region peering."""
        from ..path import Location
        from ..path.tracer import PathEngine

        assert isinstance(self.paths, PathEngine)
        a = Location("a", sf.vpc_id if isinstance(sf.vpc_id, str) else None, sf.cidr, sf,  # type: ignore[arg-type]
                     group_ids={"x"})
        b = Location("b", st.vpc_id if isinstance(st.vpc_id, str) else None, st.cidr, st,  # type: ignore[arg-type]
                     group_ids={"x"})
        return bool(self.paths.peer_groups(b, a))

    def _bad_ref_findings(self, refs: list[tuple[str, SecurityGroup, object]], src: str, dst: str,
                          findings: list[Finding]) -> None:
        """RL206: a rule references a group of another VPC that no active same-Region peering links."""
        seen = set()
        for direction, g, rule in refs:
            key = (g.id, direction)
            if key in seen:
                continue
            seen.add(key)
            where = rule.prov.where()  # type: ignore[attr-defined]
            other = rule.group_id  # type: ignore[attr-defined]
            og = self.inv.security_groups.get(other) if isinstance(other, str) else None
            findings.append(make("RL206", (g.prov.logical_id, og.prov.logical_id if og else str(other)),
                                 f"{g.prov.logical_id} ({where}) {'admits' if direction == 'ingress' else 'allows to'} "
                                 f"group {og.prov.logical_id if og else other} of another VPC, but no active "
                                 f"same-Region peering links the VPCs: the reference matches nothing, so "
                                 f"{'inbound from ' + src if direction == 'ingress' else 'outbound to ' + dst} is "
                                 "denied. Reference the peer group over an active peering, or admit the peer "
                                 "subnets' CIDRs"))


    def terraform_no_egress(self, fn: LambdaFunction, groups: list[SecurityGroup], hops: list[Hop],
                            findings: list[Finding], verdicts: list[Verdict]) -> None:
        """RL207: the function's groups together have no outbound rule and one of them is a Terraform
        ``aws_security_group`` that declares none. Terraform removes the allow-all egress rule AWS creates (AWS
        provider documentation, ``aws_security_group``, "NOTE on Egress rules"), so every hop from the function
        (database, Secrets Manager, any AWS API) times out; RL204 reports the closed DB hop, RL207 the cause.
        Another group's egress would let traffic out (rules are a union): then nothing is reported. Appends the
        finding, a closed ``no-egress`` hop and a BLOCKED verdict."""
        culprits = [g for g in groups if g.terraform_no_egress]
        if not culprits or any(g.egress for g in groups):
            return
        name = fn.prov.logical_id
        for g in culprits:
            findings.append(make(
                "RL207", (g.prov.logical_id, name),
                f"{g.prov.logical_id} ({g.prov.where()}) is a Terraform aws_security_group with no egress block and "
                f"no standalone egress rule: Terraform removes the allow-all egress rule AWS creates, so {name} can "
                "send nothing (database, Secrets Manager, any AWS API): every connection times out. Add an egress "
                "block.",
                Fix(cli=(("aws", "ec2", "authorize-security-group-egress", "--group-id", fixes.ref(g.id, g.prov),
                          "--ip-permissions", "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"),),
                    template=tf.egress_block(g.prov))))
        hops.append(Hop("no-egress", Status.CLOSED, tuple(g.prov.logical_id for g in culprits),
                        "the function's security groups have no outbound rule at all (Terraform removed the default)"))
        verdicts.append(Verdict.BLOCKED)
