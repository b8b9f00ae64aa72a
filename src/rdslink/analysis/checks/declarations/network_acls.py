"""RL3xx, the network leg: routes (across VPCs), network ACLs both ways, peering, transit gateways.

Declared here (id, title, default severity, summary); implemented in
:mod:`rdslink.analysis.checks.network_acls`; documented in ``docs/checks/<id>.md``."""

from __future__ import annotations

from . import Check, E, declare

CHECKS = declare(
    "network_acls",
    Check("RL301", "network ACL of a function subnet denies outbound to the target subnet",
          E, summary="The network ACL of a function subnet denies outbound traffic to the database subnet."),
    Check("RL302", "network ACL of a target subnet denies inbound from the function subnet",
          E, summary="The network ACL of a database subnet denies inbound traffic from the function subnet."),
    Check("RL303", "network ACL denies the return traffic (ephemeral ports 1024-65535)",
          E, summary="A network ACL denies the return traffic: the replies go to the client's ephemeral "
                     "ports 1024-65535, and NACLs are stateless."),
    Check("RL304", "no route between the function subnet and the target subnet",
          E, summary="No route between the function subnet and the database subnet in one of the two "
                     "directions: a peering or transit gateway route missing, a blackhole route, or a "
                     "destination outside the peer VPC's CIDRs."),
    Check("RL305", "peering connection not active / transit gateway attachment or route missing",
          E, summary="The peering connection is not `active` (pending acceptance, rejected, deleted), or "
                     "the transit gateway attachment is missing / not available, or the transit gateway "
                     "route table has no route (or a blackhole) for the destination."),
    Check("RL306", "network ACL denies only part of the return port range 1024-65535",
          E, summary="A network ACL denies only part of the return port range 1024-65535 (for example a "
                     "deny of tcp/3306 placed before the ephemeral allow)."),
    Check("RL307", "transit gateway VPC attachment has no subnet in an Availability Zone the function or "
                   "the DB uses",
          E, summary="The transit gateway VPC attachment has no subnet in an Availability Zone that the "
                     "function or the database uses."),
)
