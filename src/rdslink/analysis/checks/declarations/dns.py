"""RL4xx, DNS: name resolution of the endpoint.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.dns`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, declare

CHECKS = declare(
    "dns",
    Check("RL401", "VPC enableDnsSupport is off: the endpoint name cannot be resolved",
          E, summary="The VPC's `enableDnsSupport` is off."),
    Check("RL402", "DB endpoint resolves to a public IP from the peer VPC",
          E, summary="The database is publicly accessible and the function reaches it from a peered VPC "
                     "without DNS resolution across the peering (or across a transit gateway without DNS "
                     "support)."),
)
