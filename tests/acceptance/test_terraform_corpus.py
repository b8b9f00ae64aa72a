"""Every run of the real-world Terraform corpus (../shared/corpus/terraform/EXPECTED.yaml) must match its
expectations (conventions C*/T1-T9 in the file's header; comparison shared with the template corpus in
tests/acceptance/corpus.py)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from typing import Any

import pytest
import yaml

from ..shared_dir import SHARED
from .corpus import compare

TERRAFORM = SHARED / "corpus" / "terraform"

if not (TERRAFORM / "EXPECTED.yaml").is_file():
    pytest.skip(f"Terraform corpus not found: {TERRAFORM}/EXPECTED.yaml is missing (expected the shared folder "
                "next to the repository)", allow_module_level=True)


def load_runs() -> list[tuple[str, dict[str, Any]]]:
    data = yaml.safe_load((TERRAFORM / "EXPECTED.yaml").read_text())
    return [(case["case"], run) for case in data for run in case["runs"]]


def run_check(case: str, run: dict[str, Any]) -> tuple[int, dict[str, Any] | None, str]:
    from rdslink.cli import main

    argv = ["check", *run["inputs"], *[str(a) for a in run.get("args", [])], "--format", "json"]
    old = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.chdir(TERRAFORM / case)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = None
    return code, doc, err.getvalue()


RUNS = load_runs()


def test_terraform_corpus_is_not_empty() -> None:
    assert RUNS, "EXPECTED.yaml lists no runs"


@pytest.mark.parametrize(("case", "run"), RUNS, ids=[f"{case}/{run['name']}" for case, run in RUNS])
def test_terraform_corpus_run(case: str, run: dict) -> None:
    code, doc, err = run_check(case, run)
    problems = compare(run, code, doc)
    assert problems == [], f"{case}/{run['name']} (stderr: {err.strip()!r}):\n  - " + "\n  - ".join(problems)
    assert doc is not None and all(i["kind"].startswith("terraform") for i in doc["inputs"])
