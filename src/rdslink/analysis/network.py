"""Compatibility module: security-group and network-ACL evaluation now lives in the path engine
(:mod:`rdslink.analysis.path.filters`)."""

from __future__ import annotations

from .path.filters import TCP, AclResult, RuleMatch, acl_flow, sg_flow

__all__ = ["TCP", "AclResult", "RuleMatch", "acl_flow", "sg_flow"]
