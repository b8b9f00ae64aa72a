"""Run the real-world corpus (../shared/corpus/templates/EXPECTED.yaml) and compare with its expectations,
following the conventions in the file's header (C1 id matching, C2 unresolved targets, C3 optional /
must-not pairs, C7 exit codes, C11 must/must-not findings)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from typing import Any

import yaml

from ..shared_dir import SHARED

#: ../shared next to the repository; RDSLINK_SHARED overrides it (a git worktree lives elsewhere)
TEMPLATES = SHARED / "corpus" / "templates"


def load_runs() -> list[tuple[str, dict[str, Any]]]:
    data = yaml.safe_load((TEMPLATES / "EXPECTED.yaml").read_text())
    out = []
    for case in data:
        for run in case["runs"]:
            out.append((case["case"], run))
    return out


def run_check(case: str, run: dict[str, Any]) -> tuple[int, dict[str, Any] | None, str]:
    from rdslink.cli import main

    argv = ["check", *run["inputs"], *[str(a) for a in run.get("args", [])], "--format", "json"]
    old = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.chdir(TEMPLATES / case)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = None
    return code, doc, err.getvalue()


def id_matches(reported: str | None, expected: str) -> bool:
    """C1: equal, or ending in "/<expected>"; generated ids may start with the expected id."""
    if reported is None:
        return False
    return reported == expected or reported.endswith("/" + expected) or reported.startswith(expected)


def compare(run: dict[str, Any], code: int, doc: dict[str, Any] | None) -> list[str]:
    """Return a list of human-readable mismatches (empty = pass)."""
    problems: list[str] = []
    if doc is None:
        return [f"no JSON output (exit {code})"]
    if code != run["exit"]:
        problems.append(f"exit {code}, expected {run['exit']}")
    pairs = doc["pairs"]
    matched: set[int] = set()

    def find(fn: str, target: str) -> int | None:
        for i, p in enumerate(pairs):
            if not id_matches(p["function"]["id"], fn):
                continue
            if target.startswith("?"):
                if p["target"]["id"].startswith("?"):
                    return i
            elif id_matches(p["target"]["id"], target):
                return i
        return None

    for exp in run.get("pairs", []):
        i = find(exp["function"], exp["target"])
        if i is None:
            problems.append(f"missing pair {exp['function']} -> {exp['target']}")
            continue
        matched.add(i)
        p = pairs[i]
        if p["verdict"] != exp["verdict"]:
            problems.append(f"{exp['function']} -> {exp['target']}: {p['verdict']}, expected {exp['verdict']}")
        if exp.get("kind") and p["target"]["kind"] != exp["kind"]:
            problems.append(f"{exp['function']} -> {exp['target']}: kind {p['target']['kind']}, expected {exp['kind']}")
    for opt in run.get("optional_pairs", []) or []:
        for i, p in enumerate(pairs):
            if i in matched:
                continue
            fn_ok = opt["function"] == "*" or id_matches(p["function"]["id"], opt["function"])
            if fn_ok and id_matches(p["target"]["id"], opt["target"]):
                matched.add(i)
                if p["verdict"] != opt["verdict"]:
                    problems.append(f"optional pair {p['function']['id']} -> {p['target']['id']}: {p['verdict']}, "
                                    f"expected {opt['verdict']}")
    for i, p in enumerate(pairs):
        if i not in matched:
            problems.append(f"unexpected pair {p['function']['id']} -> {p['target']['id']} ({p['verdict']})")
    for mn in run.get("must_not_pair", []) or []:
        if find(mn["function"], mn["target"]) is not None:
            problems.append(f"must-not pair reported: {mn['function']} -> {mn['target']}")
    for fn in run.get("no_pair_functions", []) or []:
        if any(id_matches(p["function"]["id"], fn) for p in pairs):
            problems.append(f"function {fn} must be in no pair")
    all_findings = list(doc["findings"])
    for p in pairs:
        all_findings.extend(p["findings"])
    for mf in run.get("must_find", []) or []:
        if not any(f["id"] == mf["id"] and any(id_matches(r, mf["resource"]) or r == mf["resource"]
                                                for r in f["resources"]) for f in all_findings):
            problems.append(f"missing finding {mf['id']} on {mf['resource']}")
    ids = {f["id"] for f in all_findings}
    for bad in run.get("must_not_find", []) or []:
        if bad in ids:
            res = [f["resources"] for f in all_findings if f["id"] == bad]
            problems.append(f"forbidden finding {bad} reported on {res}")
    return problems


if __name__ == "__main__":  # a quick report: python -m tests.acceptance.corpus
    total = bad = 0
    for case, run in load_runs():
        total += 1
        code, doc, err = run_check(case, run)
        problems = compare(run, code, doc)
        status = "ok  " if not problems else "FAIL"
        bad += bool(problems)
        print(f"{status} {case}/{run['name']}" + (f"  stderr: {err.strip()}" if err.strip() else ""))
        for pr in problems:
            print("      -", pr)
    print(f"{total - bad}/{total} runs pass")
