"""Property tests for Terraform inputs: mutate the golden Terraform fixtures at random (drop lines, swap
values, truncate files) and run ``rdslink check`` in process.

Properties:
  * robustness: never a crash; exit code in {0, 1, 2, 3}; exit 2 only with one clean stderr line naming a file;
    otherwise a ``rdslink/check/v1`` JSON document;
  * soundness: in bad/RL207-no-egress the function's group has no egress. Deleting lines (which can only remove
    rules or make values unresolved) never makes the pair REACHABLE unless an ``egress`` rule appears, which
    deleting lines cannot create.

Each example copies the fixture into a temporary directory and mutates it there.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
CASES = sorted(p.parent for p in FIXTURES.rglob("expected.yaml") if ".terraform" not in p.parts
               and any(p.parent.glob("*.tf")))


def _run(folder: Path) -> tuple[int, dict | None, str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(folder), "--format", "json"])
    try:
        doc = json.loads(out.getvalue())
    except ValueError:
        doc = None
    return code, doc, err.getvalue()


def _mutate(text: str, kind: int, a: int, b: int) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i, j = a % len(lines), b % len(lines)
    if kind == 0:  # drop one line
        del lines[i]
    elif kind == 1:  # drop a range
        lo, hi = sorted((i, j))
        del lines[lo:hi + 1]
    elif kind == 2:  # swap two lines
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 3:  # truncate
        return text[: (a * 7919) % max(len(text), 1)]
    else:  # duplicate a line
        lines.insert(j, lines[i])
    return "".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), kind=st.integers(0, 4), a=st.integers(0, 10_000), b=st.integers(0, 10_000))
def test_mutated_configurations_end_in_a_verdict_or_one_error_line(case: Path, kind: int, a: int, b: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / case.name
        shutil.copytree(case, folder)
        tf = sorted(folder.glob("*.tf"))[0]
        tf.write_text(_mutate(tf.read_text(), kind, a, b))
        code, doc, err = _run(folder)
        note(f"{case.name} kind={kind} a={a} b={b} exit={code} err={err!r}")
        assert code in (0, 1, 2, 3), err
        if code == 2:
            assert doc is None and err.count("\n") == 1 and err.startswith("rdslink: error: "), err
        else:
            assert doc is not None and doc["schema"] == "rdslink/check/v1"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(0, 10_000), b=st.integers(0, 10_000), kind=st.sampled_from([0, 1]))
def test_deleting_lines_never_opens_a_group_without_egress(a: int, b: int, kind: int) -> None:
    case = FIXTURES / "bad" / "RL207-no-egress"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / case.name
        shutil.copytree(case, folder)
        tf = folder / "main.tf"
        tf.write_text(_mutate(tf.read_text(), kind, a, b))
        code, doc, err = _run(folder)
        note(f"kind={kind} a={a} b={b} exit={code}")
        if doc is None:
            return
        for p in doc["pairs"]:
            assert p["verdict"] != "REACHABLE", p
