"""RL6xx, databases: status, public accessibility, connections, the Data API.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.databases`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import INFO, Check, E, W, declare

CHECKS = declare(
    "databases",
    Check("RL601", "DB instance PubliclyAccessible",
          W, summary="The DB instance is publicly accessible."),
    Check("RL602", "DB not available",
          E, summary="The database is not available (stopped, failed, ...) (live data)."),
    Check("RL603", "function concurrency can exceed the DB's max_connections with no RDS Proxy",
          W, summary="The function's concurrency can exceed the database's `max_connections` and no RDS "
                     "Proxy pools them."),
    Check("RL604", "target reached through the RDS Data API (HTTPS), not the VPC: VPC checks do not apply",
          INFO, summary="The function reaches the cluster through the RDS Data API (HTTPS), not the VPC."),
)
