"""RL2xx, security groups of the function and of the target.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.security_groups`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, W, declare

CHECKS = declare(
    "security_groups",
    Check("RL201", "target security group has no inbound rule for the DB port from the function",
          E, summary="No inbound rule of the database's security groups admits the DB port from the "
                     "function."),
    Check("RL202", "target admits the function by CIDR instead of security-group reference",
          W, summary="The database admits the function by CIDR instead of by security-group reference."),
    Check("RL203", "target security group open to 0.0.0.0/0 or ::/0 on the DB port",
          W, summary="The database security group is open to 0.0.0.0/0 or ::/0 on the DB port."),
    Check("RL204", "function security groups have no outbound rule to the target on the DB port",
          E, summary="No outbound rule of the function's security groups allows the DB port to the "
                     "database."),
    Check("RL205", "rule admits a port other than the target's port",
          E, summary="A rule admits the function on a port other than the one the database listens on."),
    Check("RL206", "rule references a security group that cannot match this traffic (another VPC without "
                   "an active same-Region peering)",
          E, summary="A rule references a security group that cannot match this traffic: a group of "
                     "another VPC with no active same-Region peering between them (references never work "
                     "across a transit gateway), or a deleted group."),
    Check("RL207", "Terraform aws_security_group of the function has no egress: the function can send "
                   "nothing",
          E, summary="A Terraform `aws_security_group` of the function has no egress: Terraform removes "
                     "the allow-all egress rule AWS creates."),
)
