"""RL5xx, AWS service APIs: NAT gateways, interface and gateway endpoints on the way to Secrets Manager, SSM,
KMS, S3, ...

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.aws_api`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, W, declare

CHECKS = declare(
    "aws_api",
    Check("RL501", "function reads Secrets Manager but has neither a NAT route nor a secretsmanager "
                   "interface endpoint",
          E, summary="The function reads Secrets Manager at run time but its subnets have neither a NAT "
                     "route nor a secretsmanager interface endpoint."),
    Check("RL502", "interface endpoint without private DNS, so the public name is still used",
          E, summary="The interface endpoint has private DNS disabled."),
    Check("RL503", "interface endpoint security group does not admit 443 from the function",
          E, summary="The interface endpoint's security group does not admit tcp/443 from the function."),
    Check("RL504", "NAT gateway sits in a subnet with no route to an internet gateway",
          E, summary="The NAT gateway sits in a subnet whose route table has no route to an internet "
                     "gateway."),
    Check("RL505", "a single NAT gateway serves subnets in several AZs",
          W, summary="One NAT gateway is the default route of subnets in several AZs."),
    Check("RL506", "function calls an AWS service API with neither a NAT route nor an endpoint for that "
                   "service",
          E, summary="The function calls an AWS service API (SSM Parameter Store, KMS, S3, DynamoDB, STS, "
                     "the RDS Data API, ...) from subnets with neither a NAT route nor an endpoint for "
                     "that service."),
    Check("RL507", "gateway endpoint exists but the function subnet's route table has no route to it, or "
                   "its policy denies",
          E, summary="A gateway endpoint (S3, DynamoDB) exists but the function subnet's route table has "
                     "no route to its prefix list (not associated), or its policy denies the function."),
)
