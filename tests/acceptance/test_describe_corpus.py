"""The describe-JSON corpus (../shared/corpus/describe, with EXPECTED.md): every snapshot folder loads (warnings
allowed), object counts equal EXPECTED.md's table, and the CloudMapper demo gives the expected verdict."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from rdslink.analysis.engine import analyse
from rdslink.sources.describe_json import load_describe_dir

DESCRIBE = Path(os.environ.get("RDSLINK_SHARED") or Path(__file__).resolve().parents[2].parent / "shared") / "corpus" / "describe"
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


def count_table() -> dict[str, dict[str, str]]:
    """Rows of the "Counts a loader must produce" table: folder -> {column: cell}."""
    text = EXPECTED.read_text()
    section = text.split("## Counts", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("|")]
    header, body = rows[0], [r for r in rows[2:] if len(r) == len(rows[0])]
    return {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in body}


COUNTS = count_table()
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


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_loads_and_analyses(folder: str) -> None:
    inv = load_describe_dir(str(DESCRIBE / folder), display=folder)
    assert inv.vpcs and inv.subnets and inv.security_groups
    assert [i["kind"] for i in inv.inputs] == ["describe-json"]
    analyse(inv)  # never a crash; the corpus has no function -> DB pair except the demo


@pytest.mark.parametrize("folder", sorted(COUNTS))
def test_counts_match_expected(folder: str) -> None:
    inv = load_describe_dir(str(DESCRIBE / folder), display=folder)
    want = expected_counts(COUNTS[folder])
    got = {attr: len(getattr(inv, attr)) for attr in want}
    assert got == want
    if "in VPC" in COUNTS[folder].get("other", ""):
        assert all(f.vpc_config is not None for f in inv.functions.values())


def test_cloudmapper_demo_blocked_by_rl201() -> None:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        os.chdir(DESCRIBE)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "cloudmapper-demo", "--function", "invpclambda", "--target", "database",
                         "--format", "json"])
    finally:
        os.chdir(old)
    assert code == 1, err.getvalue()
    doc: dict[str, Any] = json.loads(out.getvalue())
    assert len(doc["pairs"]) == 1
    pair = doc["pairs"][0]
    assert pair["function"]["name"] == "invpclambda"
    assert (pair["target"]["kind"], pair["target"]["engine"], pair["target"]["port"]) == ("db-instance", "postgres",
                                                                                          5432)
    assert pair["verdict"] == "BLOCKED"
    rl201 = [f for f in pair["findings"] if f["id"] == "RL201"]
    assert rl201 and any("sg-00000005" in f["resources"] for f in rl201)
    warnings = " | ".join(doc["warnings"]).lower()
    assert "route tables" in warnings and ("network acls" in warnings or "nacl" in warnings), doc["warnings"]
