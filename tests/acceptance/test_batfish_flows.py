"""Every intra-AWS row (tags ``intra-aws``, ``aws-internal``) of ../shared/corpus/describe/batfish/expected-flows.tsv
through ``rdslink trace``: the disposition matches Batfish's, and the hops contain Batfish's hop nodes in order.

Rows whose protocol is "tcp (reverse of forward)" are the return half of Batfish's bidirectional trace: they are
checked against the ``return`` leg of the forward flow (the row before them)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from typing import Any

import pytest

from ..shared_dir import SHARED

BATFISH = SHARED / "corpus" / "describe" / "batfish"
TSV = BATFISH / "expected-flows.tsv"

if not TSV.is_file():
    pytest.skip(f"Batfish flows not found: {TSV} is missing (expected the shared folder next to the repository, "
                "or RDSLINK_SHARED)", allow_module_level=True)


def rows() -> list[dict[str, str]]:
    with TSV.open() as fh:
        out = [r for r in csv.DictReader(fh, delimiter="\t")]
    return [r for r in out if r["notes"].split(";")[0].strip() in ("intra-aws", "aws-internal")]


def _argv(row: dict[str, str]) -> list[str]:
    proto = row["protocol_port"]
    argv = ["trace", str(BATFISH / row["scenario"]), "--from", row["source"], "--to", row["destination_ip"],
            "--format", "json"]
    if proto == "any":
        argv += ["--protocol", "all"]
    else:
        p, port = proto.split("/")
        argv += ["--protocol", p, "--port", port]
    if row["source_ip_if_given"]:
        argv += ["--source-ip", row["source_ip_if_given"]]
    return argv


def run_trace(argv: list[str]) -> tuple[int, dict[str, Any] | None, str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    try:
        return code, json.loads(out.getvalue()), err.getvalue()
    except ValueError:
        return code, None, err.getvalue()


def in_order(want: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(w == g for g in it) for w in want)


ROWS = rows()
CASES = []
for i, r in enumerate(ROWS):
    if r["protocol_port"].startswith("tcp (reverse"):
        CASES.append(pytest.param(ROWS[i - 1], r, id=f"{r['scenario']}-{r['test_method'].split('#')[1]}-return"))
    else:
        CASES.append(pytest.param(r, None, id=f"{r['scenario']}-{r['test_method'].split('#')[1]}-{r['destination_ip']}"))


def test_rows_present() -> None:
    assert len(ROWS) >= 19


@pytest.mark.parametrize(("row", "reverse"), CASES)
def test_flow(row: dict[str, str], reverse: dict[str, str] | None) -> None:
    code, doc, err = run_trace(_argv(row))
    assert doc is not None, f"exit {code}: {err}"
    assert len(doc["flows"]) == 1
    flow = doc["flows"][0]
    exp = reverse or row
    if reverse is not None:
        assert "return" in flow, flow
        flow = flow["return"]
    wanted = exp["expected_disposition"].split("|")
    hops = [h["node"] for h in flow["hops"]]
    detail = json.dumps(flow, indent=1)
    assert flow["disposition"] in wanted, detail
    assert in_order(exp["expected_hops"].split(","), hops), f"{hops} vs {exp['expected_hops']}\n{detail}"
    if reverse is None:
        assert code == (0 if flow["disposition"] in ("ACCEPTED", "EXITS_NETWORK") else 1)
