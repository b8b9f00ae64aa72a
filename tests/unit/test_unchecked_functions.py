"""Issue 11 item 4: a VPC-attached function with nothing to check against is reported (RL002, exit 3, never 0),
and ``--target`` can name a database no input defines (by endpoint address or identifier)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
EXTERNAL = FIXTURES / "bad" / "RL002-external-ids-no-target.yaml"
REACHABLE = FIXTURES / "good" / "RL201-db-sg-admits-lambda-sg.yaml"


def check(*argv: str) -> tuple[int, dict[str, Any]]:
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue())


def test_external_ids_without_target_exit_3_with_hint() -> None:
    code, doc = check(str(EXTERNAL))
    assert code == 3
    assert doc["pairs"] == []
    [f] = [f for f in doc["findings"] if f["id"] == "RL002"]
    assert "--account" in f["evidence"] and "--live" in f["evidence"] and "--target" in f["evidence"]
    assert "subnet-0a1b2c3d4e5f60001" in f["evidence"] and "sg-0a1b2c3d4e5f60003" in f["evidence"]


def test_text_output_does_not_look_like_success() -> None:
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", str(EXTERNAL), "--no-lint", "--no-color"])
    assert code == 3
    assert "nothing was checked for it" in out.getvalue()


def test_function_filter_keeps_the_report_for_that_function() -> None:
    code, doc = check(str(EXTERNAL), "--function", "OrdersFunction")
    assert code == 3 and any(f["id"] == "RL002" for f in doc["findings"])


def test_target_by_identifier_not_in_inputs_pairs_unknown() -> None:
    code, doc = check(str(EXTERNAL), "--function", "OrdersFunction", "--target", "orders-db")
    assert code == 3
    [pair] = doc["pairs"]
    assert pair["target"]["id"] == "?orders-db" and pair["verdict"] == "UNKNOWN"


def test_target_by_endpoint_address_of_an_input_database() -> None:
    """An address that an input's database has matches that database (not an external one)."""
    from rdslink.analysis.targets import collect_targets
    from rdslink.cli import _parser, load_inputs

    args = _parser().parse_args(["check", str(REACHABLE), "--no-lint"])
    inv = load_inputs(args)
    [target] = [t for t in collect_targets(inv) if t.display == "Db"]
    address = sorted(target.addresses)[0]
    code, doc = check(str(REACHABLE), "--target", address)
    assert code == 0
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("Db", "REACHABLE")]


def test_paired_function_is_not_reported_unchecked() -> None:
    code, doc = check(str(REACHABLE))
    assert code == 0
    assert not [f for f in doc["findings"] if f["id"] == "RL002"]
