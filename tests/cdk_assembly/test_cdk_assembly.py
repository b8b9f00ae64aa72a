"""Issue 11 item 1: ``rdslink check cdk.out`` reads a cloud assembly (manifest.json, every stack, nested stack
templates published as assets, cross-stack references through exports) and names pairs by construct path.

A small two-stack CDK app (tests/cdk_assembly/app.py) is synthesized once per session, twice: as written
(the database security group admits the functions' group) and without that rule."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
NO_CDK = None if importlib.util.find_spec("aws_cdk") and shutil.which("node") else "needs aws-cdk-lib and node"


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if NO_CDK:
        pytest.skip(NO_CDK)
    from .app import build

    base = tmp_path_factory.mktemp("cdk-assembly")
    out = {}
    for name, admit in (("good", True), ("blocked", False)):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            build(str(base / name / "cdk.out"), admit_function=admit)
        out[name] = base / name / "cdk.out"
    return out


def check(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def _pairs(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"])


def test_assembly_is_checked_with_cross_stack_and_nested_stack(assemblies: dict[str, Path]) -> None:
    code, doc, err = check(str(assemblies["good"]), "--no-lint")
    pairs = _pairs(doc)
    assert len(pairs) == 2, (pairs, err)
    api, worker = pairs
    assert api[0].startswith("Api") and api[1].startswith("Database") and api[2] == "REACHABLE"
    # the nested stack's template is found through the assembly's asset manifest / aws:asset:path metadata
    assert worker[0].startswith("WorkersNestedStack") and "/Worker" in worker[0] and worker[2] == "REACHABLE"
    assert code == 0
    locations = {i["location"] for i in doc["inputs"]}
    assert any(loc.endswith("App.template.json") for loc in locations)
    assert any(loc.endswith("Data.template.json") for loc in locations)
    assert not [f for f in doc["findings"] if f["id"] in ("RL002", "RL003")], doc["findings"]


def test_pairs_are_named_by_construct_path(assemblies: dict[str, Path]) -> None:
    _, doc, _ = check(str(assemblies["good"]), "--no-lint")
    evidence = {p["function"]["id"]: p["hops"][0]["evidence"] for p in doc["pairs"]}
    assert any(e.startswith("construct paths: App/Api -> Data/Database") for e in evidence.values()), evidence
    assert any(e.startswith("construct paths: App/Workers/Worker -> Data/Database") for e in evidence.values())


def test_function_and_target_by_construct_path(assemblies: dict[str, Path]) -> None:
    code, doc, err = check(str(assemblies["good"]), "--no-lint", "--function", "App/Api", "--target",
                           "Data/Database/Resource")
    assert [p[0][:3] for p in _pairs(doc)] == ["Api"], err
    assert code == 0


def test_missing_ingress_rule_is_blocked(assemblies: dict[str, Path]) -> None:
    code, doc, _ = check(str(assemblies["blocked"]), "--no-lint")
    assert {p[2] for p in _pairs(doc)} == {"BLOCKED"} and len(doc["pairs"]) == 2
    assert code == 1
    ids = {f["id"] for p in doc["pairs"] for f in p["findings"]}
    assert "RL201" in ids


def test_app_stack_alone_leaves_imports_unresolved(assemblies: dict[str, Path]) -> None:
    """Without the assembly (the exporting stack), the imports stay open: the pairs are not REACHABLE."""
    code, doc, _ = check(str(assemblies["good"] / "App.template.json"), "--no-lint")
    assert code == 3
    assert {p["verdict"] for p in doc["pairs"]} <= {"UNKNOWN"}


def test_assembly_with_lint_still_reachable(assemblies: dict[str, Path]) -> None:
    code, doc, _ = check(str(assemblies["good"]))
    assert code == 0, doc["findings"]


def test_broken_manifest_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"artifacts": {"S": {"type": "aws:cloudformation:stack", '
                                            '"properties": {"templateFile": "S.template.json"}}}}')
    code, _, err = check(str(tmp_path))
    assert code == 2
    assert "manifest.json" in err and "artifacts.S.properties.templateFile" in err
    (tmp_path / "manifest.json").write_text("{not json")
    code, _, err = check(str(tmp_path))
    assert code == 2 and "invalid JSON" in err
