"""Will-not-deploy findings (RL004) from cfn-lint.

Only deterministic failures count (ARCHITECTURE.md "Will-not-deploy"): schema and type errors, unknown resource
types or properties, references to things that do not exist, dependency cycles. Lifecycle data that depends
on today's date or the region (deprecated runtimes E2531/E2533, engine version lists E3690/E3691/W3690) never
does; neither does any rule not listed in :data:`DETERMINISTIC`. A stack that cannot be created rolls back as
a whole, so an RL004 blocks every pair of that input.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..model import Inventory, SourceIssue

#: cfn-lint rule ids whose errors mean CloudFormation rejects the template whatever the date or region.
DETERMINISTIC = frozenset({
    "E0000",  # parse error
    "E0001",  # transform error
    "E1001",  # basic template structure
    "E1010",  # GetAtt to a resource/attribute that does not exist
    "E1012",  # Ref to a parameter/resource that does not exist
    "E1019",  # Sub with a variable that does not exist
    "E1020",  # Ref structure
    "E3001",  # resource configuration (Type/Properties)
    "E3002",  # property not allowed for the resource type (misspelled property)
    "E3003",  # required property missing
    "E3004",  # circular dependency
    "E3005",  # DependsOn a resource that does not exist
    "E3006",  # resource type does not exist
    "E3012",  # property value of the wrong type
})


@lru_cache(maxsize=256)
def _lint(path: str, mtime: float, region: str) -> tuple[tuple[str, int, str, tuple[str, ...]], ...]:
    import logging

    from cfnlint import api
    from cfnlint.config import ManualArgs

    logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
    matches = api.lint_file(Path(path), config=ManualArgs(regions=[region]))
    out = []
    for m in matches:
        rid = m.rule.id
        if rid not in DETERMINISTIC:
            continue
        out.append((rid, int(m.linenumber or 0), str(m.message), tuple(str(p) for p in (getattr(m, "path", None) or ()))))
    return tuple(out)


def lint_inventory(inv: Inventory, files: list[tuple[str, str, str]], region: str) -> None:
    """Add RL004 issues to ``inv`` for deterministic cfn-lint errors.

    Args:
        files: (file path, top-level input, qualified-id prefix) for every template read, nested ones included.
    """
    seen = set()
    for path, input_name, prefix in files:
        if (path, input_name, prefix) in seen or not os.path.isfile(path):
            continue
        seen.add((path, input_name, prefix))
        try:
            results = _lint(path, os.path.getmtime(path), region)
        except Exception as exc:  # cfn-lint crashed: say so, never block on it
            inv.warnings.append(f"{path}: cfn-lint could not lint this file ({exc}); RL004 not checked")
            continue
        for rid, line, message, mpath in results:
            resource = prefix + mpath[1] if len(mpath) > 1 and mpath[0] == "Resources" else prefix + (
                mpath[0] if mpath else os.path.basename(path))
            inv.issues.append(SourceIssue(
                "RL004", (resource,),
                f"{path}:{line}: cfn-lint {rid}: {message} - CloudFormation rejects the template, so the stack "
                "cannot be created",
                input_name, "error"))
