"""``check`` and the path engine agree on every fixture.

Per pair, ``rdslink check --format json`` carries ``traces``: the path engine's flow (``rdslink/trace/v1`` flow
shape) for every function subnet x target subnet combination on the DB port, with its return leg. The pair's
network hops (``route``, ``nacl-*``, ``sg-*``) are evaluated per combination on the same filter code, but for
every filter (a trace stops at the first denial). Both must tell the same story:

- a REACHABLE pair has every flow ACCEPTED, both ways;
- a flow DENIED_IN/DENIED_OUT/NO_ROUTE/NULL_ROUTED (either way) never leaves the pair REACHABLE, and one of its
  network hops is closed;
- a closed network hop (other than a NACL that denies only part of the return ports, RL306, which the engine
  records as a partial step of an accepted flow) has a failing flow;
- all flows ACCEPTED both ways => no network hop is closed or unknown, apart from RL306's partial denial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_check_fixtures import CASES, FIXTURES, load_expected, run_check

NET = ("route", "sg-egress", "sg-ingress", "nacl-out", "nacl-in", "nacl-return")
FAILED = {"DENIED_IN", "DENIED_OUT", "NO_ROUTE", "NULL_ROUTED", "NEIGHBOR_UNREACHABLE"}
FLOW_KEYS = {"from", "to", "src_ip", "dst_ip", "protocol", "port", "disposition", "hops"}
DESCRIBE = Path(__file__).resolve().parents[1] / "fixtures" / "describe"


def _agree(pair: dict[str, Any], where: str) -> None:
    traces = pair["traces"]
    net = {h["name"]: h for h in pair["hops"] if h["name"] in NET}
    if "route" not in net:  # no network stage (not in a VPC, Data API, undecided subnets): no flows either
        assert traces == [], where
        return
    assert traces, f"{where}: network hops without traces"
    port = pair["target"]["port"]
    for t in traces:
        assert FLOW_KEYS <= set(t) and t["protocol"] == "tcp" and t["port"] == port, where
        assert all(set(h) == {"node", "steps"} for h in t["hops"]), where
    assert len({(t["src_ip"], t["dst_ip"]) for t in traces}) == len(traces), f"{where}: duplicate combinations"
    legs = [t["disposition"] for t in traces] + [t["return"]["disposition"] for t in traces if "return" in t]
    all_accepted = all(t["disposition"] == "ACCEPTED" and t.get("return", {}).get("disposition") == "ACCEPTED"
                       for t in traces)
    failed = [d for d in legs if d in FAILED]
    closed = [n for n, h in net.items() if h["status"] == "closed"]
    partial = any(h["status"] == "closed" and "of the source ports" in h["evidence"] for h in net.values())
    if pair["verdict"] == "REACHABLE":
        assert all_accepted, f"{where}: REACHABLE but flows {legs}"
    if failed:
        assert pair["verdict"] != "REACHABLE", f"{where}: a flow is {failed} but the pair is REACHABLE"
        assert closed, f"{where}: flows {failed} but no network hop is closed ({net})"
    if closed and not partial:
        assert failed, f"{where}: hops {closed} closed but every flow is {legs}"
    if all_accepted and not partial:
        assert all(h["status"] == "open" for h in net.values()), f"{where}: flows accepted, hops {net}"


@pytest.mark.parametrize("rel", [c.values[0] for c in CASES])
def test_check_hops_agree_with_engine_traces(rel: str) -> None:
    exp = load_expected(rel)
    folder = (FIXTURES / rel).parent
    inputs = [str(folder / i) for i in exp.get("inputs") or [Path(rel).name]]
    args = [str(a) for a in exp.get("args") or []] + ([] if exp.get("lint") else ["--no-lint"])
    _, doc, err = run_check(inputs, args)
    assert doc is not None, err
    for pair in doc["pairs"]:
        _agree(pair, f"{rel}: {pair['function']['id']} -> {pair['target']['id']}")


@pytest.mark.parametrize("folder", sorted(p.name for p in DESCRIBE.iterdir() if p.is_dir()))
def test_describe_fixtures_agree(folder: str) -> None:
    _, doc, err = run_check([str(DESCRIBE / folder)], [])
    assert doc is not None, err
    assert any(p["traces"] for p in doc["pairs"]), f"{folder}: no pair was traced"
    for pair in doc["pairs"]:
        _agree(pair, f"{folder}: {pair['function']['id']} -> {pair['target']['id']}")


def test_agreement_catches_a_disagreement() -> None:
    """The comparison itself fails on a REACHABLE pair with a denied flow, and on a closed hop with every flow
    accepted (so the tests above cannot pass vacuously)."""
    flow = {"from": "Fn", "to": "Db", "src_ip": "10.0.1.0/24", "dst_ip": "10.0.2.0/24", "protocol": "tcp",
            "port": 5432, "disposition": "ACCEPTED", "hops": [], "return": {"disposition": "ACCEPTED", "hops": []}}
    hop = {"name": "route", "status": "open", "resources": [], "evidence": "local route"}
    pair = {"verdict": "REACHABLE", "target": {"port": 5432}, "hops": [hop], "traces": [flow]}
    _agree(pair, "consistent")
    with pytest.raises(AssertionError):
        _agree({**pair, "traces": [{**flow, "disposition": "DENIED_IN"}]}, "denied flow")
    with pytest.raises(AssertionError):
        _agree({**pair, "verdict": "BLOCKED", "hops": [{**hop, "status": "closed"}]}, "closed hop")
