"""``--format json``: the ``rdslink/check/v1`` document of ARCHITECTURE.md."""

from __future__ import annotations

import json

from ..findings import CheckResult


def render_json(result: CheckResult) -> str:
    """Serialise ``result`` as indented JSON (stable key order as in the schema)."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False)
