"""Load a folder of saved describe-* / list-* JSON responses (``rdslink snapshot`` output, Batfish-style
``aws_configs/[accounts/<id>/]<region>/*.json``, CloudMapper-style ``account-data/<name>/<region>/
<service>-<operation>.json``) into an Inventory.

Files are recognised by their top-level keys (``Vpcs``, ``SecurityGroups``, ``DBInstances``, ``Functions``,
...), never by their names, so folders written by other tools load too. Unknown keys give a warning; object
kinds that are absent (no route tables, say) are recorded so the analysis reports those hops UNKNOWN.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Any

from ..model import Inventory
from .aws_api import DISPATCH, IGNORED, ORDER
from .errors import InputError

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")

#: Object kinds whose absence makes hops undecidable, with what is lost.
ESSENTIAL = {
    "Subnets": "subnets",
    "SecurityGroups": "security groups",
    "RouteTables": "route tables (routes are not checked)",
    "NetworkAcls": "network ACLs (NACL hops are UNKNOWN)",
    "RoleDetailList": "IAM roles (ENI and rds-db:connect permissions are UNKNOWN)",
}

MAX_FILE_BYTES = 200 * 1024 * 1024


def _region_of(path: str, root: str) -> str | None:
    rel = os.path.relpath(os.path.dirname(path), root)
    for part in reversed(rel.split(os.sep)):
        if _REGION.match(part):
            return part
    return None


def load_describe_dir(path: str, display: str | None = None) -> Inventory:
    """Load every ``*.json`` below ``path``.

    Raises:
        InputError: the folder does not exist, a file is not valid JSON (file and line), or no file holds any
            object rdslink uses.
    """
    shown = display or path
    if not os.path.isdir(path):
        raise InputError(shown, "not a folder")
    by_key: dict[str, list[tuple[list[Any], str]]] = {}
    inv = Inventory()
    regions: Counter[str] = Counter()
    for dirpath, _dirs, files in sorted(os.walk(path)):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            file = os.path.join(dirpath, name)
            rel = os.path.relpath(file, os.path.dirname(os.path.abspath(path)) if display is None else path)
            rel = os.path.join(shown, os.path.relpath(file, path))
            if os.path.getsize(file) > MAX_FILE_BYTES:
                raise InputError(rel, "file larger than 200 MB")
            try:
                with open(file, encoding="utf-8") as fh:
                    data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise InputError(rel, f"invalid JSON: {exc.msg}", exc.lineno) from None
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(rel, f"cannot read: {exc}") from None
            if not isinstance(data, dict):
                inv.warnings.append(f"{rel}: top level is not an object (ignored)")
                continue
            region = _region_of(file, path)
            used = False
            for key, value in data.items():
                if key == "RdslinkNotes" and isinstance(value, list):
                    inv.warnings.extend(f"{rel}: {v}" for v in value)
                elif key in DISPATCH and isinstance(value, list):
                    by_key.setdefault(key, []).append((value, rel))
                    used = True
                elif key not in IGNORED:
                    inv.warnings.append(f"{rel}: top-level key {key} is not used by rdslink (ignored)")
            if used and region:
                regions[region] += 1
    if not by_key:
        raise InputError(shown, "no describe-* JSON with objects rdslink uses (Vpcs, Subnets, SecurityGroups, "
                         "DBInstances, Functions, ...)")
    for key in ORDER:
        for items, rel in by_key.get(key, []):
            DISPATCH[key](inv, items, rel, shown)
    inv.region = regions.most_common(1)[0][0] if regions else "us-west-2"
    present = set(by_key)
    if "Roles" in present:
        present.add("RoleDetailList")
    for key, what in ESSENTIAL.items():
        if key not in present:
            inv.missing_kinds.add(key)
            inv.warnings.append(f"{shown}: the snapshot has no {what}")
    inv.inputs.append({"kind": "describe-json", "location": shown})
    inv.index()
    return inv
