"""Deliberately broken variants of the reference system (construct option ``faults``, for tests only):
``rdslink check`` must report exactly the expected finding ids and verdict for the function's pair."""

from __future__ import annotations

import pytest

from rdslink.stack.options import FAULTS as FAULT_NAMES

from .test_reference_matrix import function_pair, gap_findings
from .variants import FAULTS

#: stack name -> (verdict, finding ids of the function's pair plus global findings, known rdslink bug or None)
EXPECTED: dict[str, tuple[str, set[str], str | None]] = {
    "fault-db-admits-cidr": ("INTERMITTENT", {"RL202"}, None),
    "fault-db-no-ingress": ("BLOCKED", {"RL201"}, None),
    "fault-db-wrong-port": ("BLOCKED", {"RL205"}, None),
    "fault-lambda-no-egress": ("BLOCKED", {"RL204"}, None),
    "fault-single-az": ("REACHABLE", {"RL102"}, None),
    "fault-no-vpc": ("BLOCKED", {"RL101"}, None),
    "fault-no-vpc-policy": ("BLOCKED", {"RL104"}, None),
    "fault-no-egress": ("BLOCKED", {"RL501"}, None),
    "fault-endpoint-no-private-dns": ("BLOCKED", {"RL502"}, None),
    "fault-endpoint-no-ingress": ("BLOCKED", {"RL503"}, None),
    # and RL004: an interface endpoint with private DNS cannot be created in a VPC without DNS support
    "fault-dns-support-off": ("BLOCKED", {"RL401", "RL004"}, None),
    # through the proxy: RL704 (info) is always there, the proxy requires TLS
    "fault-proxy-admits-cidr": ("INTERMITTENT", {"RL202", "RL704"}, None),
    "fault-proxy-db-no-ingress": ("BLOCKED", {"RL702", "RL704"}, None),
    "fault-proxy-no-connect": ("BLOCKED", {"RL703", "RL704"}, None),
}


def test_every_fault_has_a_variant_and_an_expectation() -> None:
    assert set(EXPECTED) == set(FAULTS)
    assert {f for opts in FAULTS.values() for f in opts.faults} == set(FAULT_NAMES)


def _params() -> list:
    out = []
    for name, (verdict, ids, bug) in sorted(EXPECTED.items()):
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        out.append(pytest.param(name, verdict, ids, marks=marks, id=name))
    return out


@pytest.mark.parametrize(("name", "verdict", "ids"), _params())
def test_rdslink_reports_exactly_the_fault(check, name: str, verdict: str, ids: set[str]) -> None:
    result = check(name)
    pair = function_pair(result)
    found = {f["id"] for f in pair["findings"]}
    found |= {f["id"] for f in result["findings"] if f not in gap_findings(result)}
    assert (pair["verdict"], found) == (verdict, ids), [(f["id"], f["evidence"]) for f in pair["findings"]]
