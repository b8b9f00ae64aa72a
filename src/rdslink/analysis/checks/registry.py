"""The check registry: every check id of ``../shared/design/CHECKS.md``, assembled from the family modules'
declarations (:mod:`.declarations`: ``declarations/<family>.py`` declares the family's ids with title, default
severity and summary; ``checks/<family>.py`` implements them; ``docs/checks/<id>.md`` documents each, checked
against this table by ``tests/unit/test_check_registry.py``). Ids are stable and never reused.

Nothing registers itself: this module imports each family's ``CHECKS`` tuple by name, and the family modules
import :func:`make` from here (which is why the declarations sit in their own small modules: see
:mod:`.declarations`)."""

from __future__ import annotations

from ...findings import Finding, Fix, Severity
from .declarations import FAMILIES, INFO, Check, E, W
from .declarations import aws_api as _aws_api
from .declarations import databases as _databases
from .declarations import dns as _dns
from .declarations import functions as _functions
from .declarations import inputs as _inputs
from .declarations import network_acls as _network_acls
from .declarations import proxy as _proxy
from .declarations import security_groups as _security_groups

__all__ = ["CHECKS", "FAMILIES", "Check", "E", "INFO", "W", "assemble", "make"]

#: each family's declarations, in :data:`FAMILIES` order
DECLARED: tuple[tuple[Check, ...], ...] = (
    _inputs.CHECKS, _functions.CHECKS, _security_groups.CHECKS, _network_acls.CHECKS, _dns.CHECKS,
    _aws_api.CHECKS, _databases.CHECKS, _proxy.CHECKS,
)


def assemble(*families: tuple[Check, ...]) -> dict[str, Check]:
    """id -> Check over the families' declarations, in declaration order.

    Raises:
        ValueError: an id declared twice.
    """
    out: dict[str, Check] = {}
    for declared in families:
        for c in declared:
            if c.id in out:
                raise ValueError(f"check {c.id} declared twice ({out[c.id].family}, {c.family})")
            out[c.id] = c
    return out


#: id -> Check, the registry
CHECKS: dict[str, Check] = assemble(*DECLARED)


def make(check: str, resources: tuple[str, ...] | list[str], evidence: str, fix: Fix | None = None,
         severity: Severity | None = None) -> Finding:
    """Build a Finding with the registry's title and (unless overridden) severity; ``resources`` keep their
    order, duplicates dropped.

    Raises:
        KeyError: ``check`` is not a registered id.
    """
    c = CHECKS[check]
    seen: list[str] = []
    for r in resources:
        if r not in seen:
            seen.append(r)
    return Finding(check, severity or c.severity, c.title, tuple(seen), evidence, fix)
