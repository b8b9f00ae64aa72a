"""RL1xx, functions: the function's VPC attachment, subnets, ENI permissions, the VPCs of the pair.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.functions`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, W, declare

CHECKS = declare(
    "functions",
    Check("RL101", "function has no VpcConfig but the target is only reachable inside a VPC",
          E, summary="The function has no `VpcConfig`, so it runs in a Lambda-owned network outside your "
                     "VPC, and the database is reachable only from inside its VPC."),
    Check("RL102", "function subnets all in one Availability Zone",
          W, summary="All subnets of the function are in one Availability Zone."),
    Check("RL103", "function ENI in a public subnet (Lambda ENIs get no public IP)",
          W, summary="A subnet of the function routes 0.0.0.0/0 to an internet gateway (a public subnet)."),
    Check("RL104", "execution role lacks the ENI permissions of AWSLambdaVPCAccessExecutionRole",
          E, summary="The execution role lacks `ec2:CreateNetworkInterface`, "
                     "`ec2:DescribeNetworkInterfaces` or `ec2:DeleteNetworkInterface` (the "
                     "AWSLambdaVPCAccessExecutionRole managed policy)."),
    Check("RL105", "function and target in different VPCs with no peering or transit gateway path",
          E, summary="The function and the database are in different VPCs and no VPC peering connection "
                     "or transit gateway links the two VPCs (the article's fifth pitfall)."),
    Check("RL106", "function subnets nearly out of free IP addresses",
          W, summary="A function subnet has few free IP addresses left (live data)."),
)
