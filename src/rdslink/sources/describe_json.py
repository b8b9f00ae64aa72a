"""Load a folder of saved describe-* / list-* JSON responses (``rdslink snapshot`` output, Batfish-style
``aws_configs/[accounts/<id>/]<region>/*.json``, CloudMapper-style ``account-data/<name>/<region>/
<service>-<operation>.json``) into an Inventory.

Every object carries the account (a 12-digit folder: ``accounts/<account-id>/``) and the Region (a Region-named
folder) of the file it came from; files with neither belong to the folder's Region (the most common one, else
us-west-2 as Batfish assumes). Several accounts/Regions are loaded one by one and merged by
:func:`.scopes.merge_scopes`: an id met in two of them with different content is kept apart, never merged.

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
from .files import read_capped
from .scopes import Scope, merge_scopes, stamp

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


_ACCOUNT = re.compile(r"^\d{12}$")


def _region_of(path: str, root: str) -> str | None:
    rel = os.path.relpath(os.path.dirname(path), root)
    for part in reversed(rel.split(os.sep)):
        if _REGION.match(part):
            return part
    return None


def _account_of(path: str, root: str) -> str | None:
    """The account folder above a file: the one after ``accounts/`` (Batfish's layout ``accounts/<id>/<region>/``;
    ``rdslink snapshot`` names it after the profile when the account id could not be read), else a 12-digit
    folder."""
    parts = os.path.relpath(os.path.dirname(path), root).split(os.sep)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "accounts" and not _REGION.match(parts[i + 1]):
            return parts[i + 1]
    for part in reversed(parts):
        if _ACCOUNT.match(part):
            return part
    return None


def _pairs_hook(duplicates: list[str]) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                duplicates.append(k)
            out[k] = v
        return out

    return hook


def load_describe_dir(path: str, display: str | None = None) -> Inventory:
    """Load every ``*.json`` below ``path``.

    Files are read with :func:`.files.read_capped` (a FIFO or device is skipped with a warning; a symbolic
    link loop or an unreadable file or sub-folder is an error naming it); symbolic links to folders are not
    followed (a warning names them); a key repeated in one JSON object gives a warning naming it.

    Raises:
        InputError: the folder does not exist, a file or sub-folder cannot be read, a file is not valid JSON
            (file and line), a response object has the wrong shape (file, JSON path and field), or no file holds
            any object rdslink uses.
    """
    shown = display or path
    if not os.path.isdir(path):
        raise InputError(shown, "not a folder")
    by_key: dict[str, list[tuple[list[Any], str, Scope]]] = {}
    inv = Inventory()
    regions: Counter[str] = Counter()

    def unreadable(exc: OSError) -> None:
        where = os.path.join(shown, os.path.relpath(exc.filename, path)) if exc.filename else shown
        raise InputError(where, f"cannot read folder: {exc.strerror or exc} (fix its permissions or remove it)")

    for dirpath, dirs, files in sorted(os.walk(path, onerror=unreadable)):
        dirs.sort()
        for d in dirs:
            if os.path.islink(os.path.join(dirpath, d)):
                inv.warnings.append(f"{os.path.join(shown, os.path.relpath(os.path.join(dirpath, d), path))}: "
                                    "symbolic link to a folder (not followed)")
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            file = os.path.join(dirpath, name)
            rel = os.path.join(shown, os.path.relpath(file, path))
            try:
                raw = read_capped(file, rel, MAX_FILE_BYTES, "file")
            except InputError as exc:
                if "not a regular file" in exc.reason:
                    inv.warnings.append(f"{exc.message()} (skipped)")
                    continue
                raise
            duplicates: list[str] = []
            try:
                data = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_pairs_hook(duplicates))
            except json.JSONDecodeError as exc:
                raise InputError(rel, f"invalid JSON: {exc.msg}", exc.lineno) from None
            except UnicodeDecodeError:
                raise InputError(rel, "not UTF-8 text") from None
            except RecursionError:
                raise InputError(rel, "JSON nested too deeply") from None
            for key in dict.fromkeys(duplicates):
                inv.warnings.append(f"{rel}: duplicate key {key!r} (the last value is used)")
            if not isinstance(data, dict):
                inv.warnings.append(f"{rel}: top level is not an object (ignored)")
                continue
            region = _region_of(file, path)
            scope = (_account_of(file, path), region)
            used = False
            for key, value in data.items():
                if key == "RdslinkNotes" and isinstance(value, list):
                    inv.warnings.extend(f"{rel}: {v}" for v in value)
                elif key in DISPATCH:
                    if not isinstance(value, list):
                        raise InputError(rel, f"{key}: expected a list of objects, got "
                                         f"{type(value).__name__ if value is not None else 'null'}")
                    by_key.setdefault(key, []).append((value, rel, scope))
                    used = True
                elif key not in IGNORED:
                    inv.warnings.append(f"{rel}: top-level key {key} is not used by rdslink (ignored)")
            if used and region:
                regions[region] += 1
    if not by_key:
        raise InputError(shown, "no describe-* JSON with objects rdslink uses (Vpcs, Subnets, SecurityGroups, "
                         "DBInstances, Functions, ...)")
    scopes = sorted({sc for entries in by_key.values() for _, _, sc in entries}, key=lambda x: (x[0] or "", x[1] or ""))
    parts: list[tuple[Scope, Inventory]] = []
    for sc in scopes:
        part = inv if len(scopes) == 1 else Inventory()
        for key in ORDER:
            for items, rel, item_scope in by_key.get(key, []):
                if item_scope == sc:
                    DISPATCH[key](part, items, rel, shown)
        stamp(part, *sc)
        parts.append((sc, part))
    if len(parts) > 1:
        merged = merge_scopes(parts)
        merged.warnings[:0] = inv.warnings
        inv = merged
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
