"""Terraform-specific checks (CHECKS.md): RL207, the function's ``aws_security_group`` with no egress at all.

Terraform removes the allow-all egress rule AWS puts on a new security group (AWS provider documentation,
``aws_security_group``: "By default, AWS creates an ALLOW ALL egress rule when creating a new Security Group
inside of a VPC. When creating a new Security Group inside a VPC, Terraform will remove this default rule, and
require you specifically re-create it if you desire that rule."). A group with no inline ``egress`` block and
no standalone egress rule therefore allows no outbound traffic: every hop from the function (database,
Secrets Manager, any AWS API) times out. RL204 reports the closed hop; RL207 names the cause and the fix.
"""

from __future__ import annotations

from .. import fix as fixes
from ..findings import Finding, Fix, Hop, Status, Verdict
from ..fix import terraform as tf
from ..model import LambdaFunction, SecurityGroup
from .catalogue import make


def no_egress(fn: LambdaFunction, groups: list[SecurityGroup], hops: list[Hop], findings: list[Finding],
              verdicts: list[Verdict]) -> None:
    """RL207 when the function's groups together have no outbound rule and one of them is a Terraform
    ``aws_security_group`` that declares none (another group's egress would let traffic out: rules are a union).
    Appends the finding, a closed ``sg-egress`` hop and a BLOCKED verdict."""
    culprits = [g for g in groups if g.terraform_no_egress]
    if not culprits or any(g.egress for g in groups):
        return
    name = fn.prov.logical_id
    for g in culprits:
        findings.append(make(
            "RL207", (g.prov.logical_id, name),
            f"{g.prov.logical_id} ({g.prov.where()}) is a Terraform aws_security_group with no egress block and no "
            f"standalone egress rule: Terraform removes the allow-all egress rule AWS creates, so {name} can send "
            "nothing (database, Secrets Manager, any AWS API): every connection times out. Add an egress block.",
            Fix(cli=(("aws", "ec2", "authorize-security-group-egress", "--group-id", fixes.ref(g.id, g.prov),
                      "--ip-permissions", "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"),),
                template=tf.egress_block(g.prov))))
    hops.append(Hop("no-egress", Status.CLOSED, tuple(g.prov.logical_id for g in culprits),
                    "the function's security groups have no outbound rule at all (Terraform removed the default)"))
    verdicts.append(Verdict.BLOCKED)
