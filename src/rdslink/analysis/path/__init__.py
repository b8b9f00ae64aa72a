"""The path engine (ARCHITECTURE.md, ``analysis/path``): forwarding through route tables, VPC peering and
transit gateways, NAT and internet gateways, and the filters (security groups, network ACLs both ways), as
Batfish-style :class:`Trace` objects. No check ids here: :mod:`rdslink.analysis.checks` reads the traces."""

from .locate import locate, location_of_eni, target_locations
from .model import SUCCESS, Disposition, Location, Step, Trace, TraceHop
from .tracer import PathEngine

__all__ = ["SUCCESS", "Disposition", "Location", "PathEngine", "Step", "Trace", "TraceHop", "locate",
           "location_of_eni", "target_locations"]
