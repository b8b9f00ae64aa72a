"""Compatibility alias of the check registry (:mod:`rdslink.analysis.checks.registry`)."""

from __future__ import annotations

from .checks.registry import CHECKS, make

__all__ = ["CHECKS", "make"]
