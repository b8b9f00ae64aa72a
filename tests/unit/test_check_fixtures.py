"""Golden fixtures for every check: ``tests/fixtures/templates/{good,bad}/**/<name>.yaml`` with the exact expected
outcome of ``rdslink check --format json`` next to each in ``<name>.expected.yaml``::

    inputs: [a.yaml, sub/b.yaml]   # optional; paths relative to the fixture's folder (default: the fixture)
    args: ["--parameter", "X=y"]   # optional extra CLI arguments
    lint: true                     # optional; see below
    exit: 1
    pairs:                         # exact multiset of (function, target, verdict)
      - {function: Fn, target: Db, verdict: BLOCKED}
    findings:                      # exact set of (id, resources) of severity error/warning, pairs + top level
      - {id: RL201, resources: [DbSecurityGroup, Fn]}
    info:                          # the exact set of info findings; absent means none
      - {id: RL704, resources: [Proxy]}

Resources compare as a set (order-insensitive). The expectations were derived from AWS semantics, not copied
from rdslink's output: a fixture where rdslink is wrong stays correct and is listed in :data:`KNOWN_BUGS`
(strict xfail, so a fix turns it into a failure that asks for the entry to be removed).

cfn-lint (RL004 will-not-deploy) costs ~0.5 s per template, so fixtures run with ``--no-lint`` unless their
expectation says ``lint: true`` (the will-not-deploy ones). Every fixture was written lint-clean; set
``RDSLINK_FIXTURES_LINT=1`` to lint them all (same expectations, ~1 min).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
SUFFIX = ".expected.yaml"
EXPECTED_KEYS = {"inputs", "args", "lint", "exit", "pairs", "findings", "info"}
VERDICTS = {"REACHABLE", "BLOCKED", "INTERMITTENT", "UNKNOWN"}

#: Check ids the engine implements (src/rdslink/analysis/engine.py and the template loader); each must have
#: at least one good and one bad fixture named ``<id>-<slug>.yaml``.
IMPLEMENTED = (
    "RL002 RL003 RL004 RL101 RL102 RL103 RL104 RL105 RL201 RL202 RL203 RL204 RL205 RL206 RL301 RL302 RL303 "
    "RL304 RL305 RL306 RL307 RL401 RL402 RL501 RL502 RL503 RL504 RL505 RL506 RL507 RL601 RL603 RL604 RL701 RL702 RL703 RL704 RL705"
).split()

#: Fixtures whose (correct) expectation rdslink does not meet yet: relative path -> reason.
KNOWN_BUGS: dict[str, str] = {}


def _cases() -> list[Any]:
    out = []
    for exp in sorted(FIXTURES.rglob("*" + SUFFIX)):
        rel = exp.relative_to(FIXTURES).as_posix()[: -len(SUFFIX)] + ".yaml"
        marks = []
        if rel in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[rel]))
        out.append(pytest.param(rel, id=rel[: -len(".yaml")], marks=marks))
    return out


CASES = _cases()


@functools.cache
def _supports_no_lint() -> bool:
    from rdslink.cli import _parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return bool(_parser().parse_args(["check", "t.yaml", "--no-lint"]).no_lint)
    except (SystemExit, AttributeError):
        return False


def run_check(inputs: list[str], args: list[str]) -> tuple[int, dict[str, Any] | None, str]:
    """Run ``rdslink check`` in-process; returns (exit code, parsed JSON or None, stderr)."""
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["check", *inputs, *args, "--format", "json"])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = None
    return code, doc, err.getvalue()


def _finding_key(f: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return str(f["id"]), tuple(sorted(str(r) for r in f["resources"]))


def _all_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(doc.get("findings", []))
    for p in doc.get("pairs", []):
        found.extend(p.get("findings", []))
    return found


def load_expected(rel: str) -> dict[str, Any]:
    path = FIXTURES / (rel[: -len(".yaml")] + SUFFIX)
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path}: not a mapping"
    unknown = set(data) - EXPECTED_KEYS
    assert not unknown, f"{path}: unknown keys {sorted(unknown)}"
    assert isinstance(data.get("exit"), int), f"{path}: exit missing"
    for p in data.get("pairs") or []:
        assert set(p) == {"function", "target", "verdict"} and p["verdict"] in VERDICTS, f"{path}: bad pair {p}"
    for f in (data.get("findings") or []) + (data.get("info") or []):
        assert set(f) == {"id", "resources"} and isinstance(f["resources"], list), f"{path}: bad finding {f}"
    return data


@pytest.mark.parametrize("rel", CASES)
def test_fixture(rel: str) -> None:
    exp = load_expected(rel)
    folder = (FIXTURES / rel).parent
    inputs = [str(folder / i) for i in exp.get("inputs") or [Path(rel).name]]
    args = [str(a) for a in exp.get("args") or []]
    if not exp.get("lint") and not os.environ.get("RDSLINK_FIXTURES_LINT") and _supports_no_lint():
        args.append("--no-lint")

    code, doc, err = run_check(inputs, args)
    assert doc is not None, f"no JSON output (exit {code}): {err}"
    pairs = sorted((p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"])
    findings = _all_findings(doc)
    got = {_finding_key(f) for f in findings if f["severity"] in ("error", "warning")}
    got_info = {_finding_key(f) for f in findings if f["severity"] == "info"}
    report = (f"\nexit {code}\npairs {pairs}\nfindings "
              + "\n  ".join(f"{f['id']} {f['severity']} {f['resources']}: {f['evidence']}" for f in findings))

    want_pairs = sorted((p["function"], p["target"], p["verdict"]) for p in exp.get("pairs") or [])
    assert pairs == want_pairs, report
    want = {_finding_key(f) for f in exp.get("findings") or []}
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}" + report
    want_info = {_finding_key(f) for f in exp.get("info") or []}
    assert got_info == want_info, f"info: missing {sorted(want_info - got_info)}, unexpected " \
                                  f"{sorted(got_info - want_info)}" + report
    assert code == exp["exit"], report


def test_every_implemented_check_has_a_good_and_a_bad_fixture() -> None:
    names = {p[0] for p in (c.values for c in CASES)}
    for check in IMPLEMENTED:
        for kind in ("good", "bad"):
            assert any(n.startswith(f"{kind}/{check}-") for n in names), f"no {kind} fixture for {check}"


def test_known_bugs_name_existing_fixtures() -> None:
    names = {p[0] for p in (c.values for c in CASES)}
    assert set(KNOWN_BUGS) <= names, sorted(set(KNOWN_BUGS) - names)
