"""The describe-JSON corpus (../shared/corpus/describe, with EXPECTED.md): every snapshot folder loads (warnings
allowed), object counts equal EXPECTED.md's table, and the CloudMapper demo gives the expected verdict."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from typing import Any

import pytest

from rdslink.analysis.engine import analyse
from rdslink.sources.describe_json import load_describe_dir

from ..shared_dir import SHARED

DESCRIBE = SHARED / "corpus" / "describe"
EXPECTED = DESCRIBE / "EXPECTED.md"

if not EXPECTED.is_file():
    pytest.skip(f"describe corpus not found: {EXPECTED} is missing (expected the shared folder next to the "
                "repository)", allow_module_level=True)

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def snapshot_folders() -> list[str]:
    """Snapshot folders relative to DESCRIBE: a top folder holding ``aws_configs`` or region folders is one
    snapshot (cloudmapper-demo); otherwise each of its sub-folders is one (batfish/<case>)."""
    out = []
    for top in sorted(p for p in DESCRIBE.iterdir() if p.is_dir()):
        children = [c for c in top.iterdir() if c.is_dir()]
        if any(c.name == "aws_configs" or _REGION.match(c.name) for c in children):
            out.append(top.name)
        else:
            out.extend(f"{top.name}/{c.name}" for c in sorted(children) if any(c.rglob("*.json")))
    return out


def md_table(title: str) -> list[dict[str, str]]:
    """Rows of the EXPECTED.md table under the heading that starts with ``## <title>``, as {column: cell}."""
    text = EXPECTED.read_text()
    section = text.split("## " + title, 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("|")]
    header, body = rows[0], [r for r in rows[2:] if len(r) == len(rows[0])]
    return [dict(zip(header, r, strict=True)) for r in body]


def count_table() -> dict[str, dict[str, str]]:
    """Rows of the "Counts a loader must produce" table: folder -> {column: cell}."""
    return {r["folder"]: r for r in md_table("Counts")}


def verdict_table() -> dict[str, dict[str, object]]:
    """Rows of the "Expected verdicts" table, read: folder -> {args, function, target, engine, port, verdict,
    exit, must_find: [(id, resource)]}."""
    out: dict[str, dict[str, object]] = {}
    for r in md_table("Expected verdicts"):
        pair = re.fullmatch(r"(\S+) -> (\S+) \((\w+) (\d+)\)", r["pair"])
        verdict = re.fullmatch(r"(REACHABLE|BLOCKED|INTERMITTENT|UNKNOWN) \(exit (\d)\)", r["verdict"])
        assert pair and verdict, f"cannot read the EXPECTED.md verdict row {r}"
        must = [(m.group(1), m.group(2)) for m in re.finditer(r"(RL\d{3}) on (\S+)", r["must find"])]
        assert must, f"cannot read 'must find' of {r}"
        out[r["folder"]] = {"args": r["args"].strip("`").split(), "function": pair.group(1),
                            "target": pair.group(2), "engine": pair.group(3), "port": int(pair.group(4)),
                            "verdict": verdict.group(1), "exit": int(verdict.group(2)), "must_find": must}
    return out


COUNTS = count_table()
VERDICTS = verdict_table()
FOLDERS = snapshot_folders()

#: "other" column words -> Inventory attribute. EC2 instances and transit gateways are not modelled by rdslink.
OTHER = {"dbinstance": "db_instances", "lambda function": "functions", "igw": "internet_gateways",
         "nat": "nat_gateways", "peering": "peering_connections", "vpc endpoint": "vpc_endpoints"}
NOT_MODELLED = ("instance", "tgw")
COLUMNS = {"Vpcs": "vpcs", "Subnets": "subnets", "SecurityGroups": "security_groups",
           "NetworkAcls": "network_acls", "RouteTables": "route_tables"}


def expected_counts(row: dict[str, str]) -> dict[str, int]:
    want = {attr: int(row[col]) for col, attr in COLUMNS.items()}
    for item in filter(None, (s.strip() for s in row.get("other", "").split(","))):
        m = re.match(r"(\d+)\s+(.+?)(?:\s*\(.*\))?$", item)
        assert m, f"cannot read {item!r} in EXPECTED.md"
        n, what = int(m.group(1)), m.group(2).lower()
        key = next((k for k in OTHER if what == k or what == k + "s"), None)
        if key is None:
            assert what.rstrip("s") in NOT_MODELLED, f"EXPECTED.md lists {item!r}, which this test does not know"
            continue
        want[OTHER[key]] = n
    return want


def test_table_covers_every_folder() -> None:
    covered = {f.split("/")[0] if f.startswith("cloudmapper-demo") else f for f in COUNTS}
    assert covered == set(FOLDERS)


def count_row(folder: str) -> dict[str, str]:
    """The counts row of a snapshot folder (cloudmapper-demo is counted by its one region folder)."""
    rows = [r for f, r in COUNTS.items() if f == folder or f.startswith(folder + "/")]
    assert len(rows) == 1, f"EXPECTED.md has {len(rows)} count rows for {folder}"
    return rows[0]


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_loads_and_analyses(folder: str) -> None:
    """Every snapshot loads and analyses; the pairs are exactly EXPECTED.md's (only the demo holds a function and
    a DB: the fallback pairs them, with the verdict its table gives), and the missing object kinds are named."""
    inv = load_describe_dir(str(DESCRIBE / folder), display=folder)
    assert inv.vpcs and inv.subnets and inv.security_groups
    assert [i["kind"] for i in inv.inputs] == ["describe-json"]
    result = analyse(inv)
    row = count_row(folder)
    want = VERDICTS.get(folder)
    if want is None:
        assert "lambda function" not in row["other"].lower(), f"{folder}: a function but no expected verdict"
        assert result.pairs == [] and result.findings == []
        assert result.exit_code() == 0
    else:
        got = [(p.function.name, p.target.name, p.target.engine, p.target.port, p.verdict.value)
               for p in result.pairs]
        assert got == [(want["function"], want["target"], want["engine"], want["port"], want["verdict"])]
        assert result.exit_code() == want["exit"]
        found = {(f.id, r) for f in result.pairs[0].findings for r in f.resources}
        assert set(want["must_find"]) <= found, sorted(found)  # type: ignore[arg-type]
    no_kind = {"RouteTables": "no route tables", "NetworkAcls": "no network acls"}
    for column, words in no_kind.items():
        named = any(words in w.lower() for w in result.warnings)
        assert named == (row[column] == "0"), f"{column}: {row[column]} in EXPECTED.md, warnings {result.warnings}"


@pytest.mark.parametrize("folder", sorted(COUNTS))
def test_counts_match_expected(folder: str) -> None:
    inv = load_describe_dir(str(DESCRIBE / folder), display=folder)
    want = expected_counts(COUNTS[folder])
    got = {attr: len(getattr(inv, attr)) for attr in want}
    assert got == want
    if "in VPC" in COUNTS[folder].get("other", ""):
        assert all(f.vpc_config is not None for f in inv.functions.values())


def result_target_id(folder: str, name: str) -> str:
    """The id (ARN) of the target named ``name`` in ``folder`` (JSON targets carry no name)."""
    result = analyse(load_describe_dir(str(DESCRIBE / folder), display=folder))
    ids = [p.target.id for p in result.pairs if p.target.name == name]
    assert len(ids) == 1, ids
    return ids[0]


@pytest.mark.parametrize("folder", sorted(VERDICTS))
def test_expected_verdict_through_the_cli(folder: str) -> None:
    """EXPECTED.md's "Expected verdicts" rows, run as written (args included) through ``rdslink check``."""
    from rdslink.cli import main

    want = VERDICTS[folder]
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        os.chdir(DESCRIBE)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", folder, *want["args"], "--format", "json"])  # type: ignore[misc]
    finally:
        os.chdir(old)
    assert code == want["exit"], err.getvalue()
    doc: dict[str, Any] = json.loads(out.getvalue())
    assert len(doc["pairs"]) == 1
    pair = doc["pairs"][0]
    assert pair["function"]["name"] == want["function"]
    assert pair["target"]["id"] == result_target_id(folder, str(want["target"]))
    assert (pair["target"]["kind"], pair["target"]["engine"], pair["target"]["port"]) == ("db-instance",
                                                                                          want["engine"], want["port"])
    assert pair["verdict"] == want["verdict"]
    for check, resource in want["must_find"]:  # type: ignore[attr-defined]
        assert any(f["id"] == check and resource in f["resources"] for f in pair["findings"]), pair["findings"]
    if folder == "cloudmapper-demo":
        # "Route tables and NACLs are absent from the snapshot: say so as warnings."
        warnings = " | ".join(doc["warnings"]).lower()
        assert "no route tables" in warnings and "no network acls" in warnings, doc["warnings"]
