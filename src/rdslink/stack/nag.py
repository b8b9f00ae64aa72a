"""cdk-nag AwsSolutions acknowledgements of the reference system, each with its reason.

Every AwsSolutions rule the system does not satisfy is acknowledged here, on the narrowest construct, with the
reason it is right for this system (cdk-nag 3: ``Validations.of(construct).acknowledge``; rules at
https://github.com/cdklabs/cdk-nag/blob/main/RULES.md). The tests fail on any unacknowledged violation.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

VPC_POLICY_FINDING = ("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                      "AWSLambdaVPCAccessExecutionRole]")


def acknowledge(system: Any) -> list[tuple[str, str, str]]:
    """Acknowledge, with reasons, the AwsSolutions rules ``system`` (a :class:`~rdslink.stack.construct.ReferenceSystem`,
    not imported: construct.py imports this module) deliberately does not follow.

    Returns:
        ``(construct path, rule id, reason)`` for each acknowledgement.
    """
    out: list[tuple[str, str, str]] = []

    def ack(scope: IConstruct, rule: str, reason: str) -> None:
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
        out.append((scope.node.path, rule, reason))

    opts = system.options
    ack(system.role, VPC_POLICY_FINDING,
        "The article's required policy: AWSLambdaVPCAccessExecutionRole is the AWS-maintained least-privilege set "
        "for Lambda ENIs (ec2:CreateNetworkInterface/DescribeNetworkInterfaces/DeleteNetworkInterface, "
        "Assign/UnassignPrivateIpAddresses) plus its CloudWatch Logs writes; ENI actions do not support "
        "resource-level scoping, so a customer policy would be the same '*' statement without AWS's upkeep.")
    ack(system.function, "AwsSolutions-L1",
        "Python 3.12 is pinned on purpose: it is the runtime the handler and rdslink.runtime are tested on "
        "(supported by AWS Lambda until 2028); moving to a newer runtime is a deliberate, tested change.")
    ack(system.database, "AwsSolutions-RDS11",
        f"The engine's default port ({opts.port}) is kept: it is the article's port; the database is reachable "
        "only from the lambda/proxy/rotation security groups, in isolated subnets, with TLS required by the "
        "server, so port obfuscation adds no protection against a peer that is already admitted.")
    if not opts.multi_az:
        ack(system.database, "AwsSolutions-RDS3",
            "Multi-AZ turned off by the user's option (--no-multi-az) for a cheaper non-production database.")
    if not opts.deletion_protection:
        ack(system.database, "AwsSolutions-RDS10",
            "Deletion protection turned off by the user's option (--no-deletion-protection) so the stack can "
            "be deleted in one step; a final snapshot is still taken (RemovalPolicy.SNAPSHOT).")
    return out
