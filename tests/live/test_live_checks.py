"""``--live`` against moto in process: every environment of :mod:`.scenarios` is built through API calls in one
account (the ``world`` fixture of conftest.py), read once with :func:`rdslink.sources.live.load_live`, analysed,
and each pair must get its expected verdict with exactly its check id among the error findings. Denied calls (AccessDenied / UnauthorizedOperation)
must give RL002 naming the action and never a REACHABLE that depended on the missing data."""

from __future__ import annotations

from typing import Any

import pytest

from rdslink.analysis.engine import analyse
from rdslink.sources.live import load_live

from .builders import REGION
from .scenarios import BY_NAME, CASES
from .support import error_ids, pairs_by_function, patched_sessions


def _pair(world: dict[str, Any], result: Any, case: str) -> Any:
    env = world["envs"][case]
    pairs = pairs_by_function(result).get(env.function_name, [])
    assert len(pairs) == 1, f"{case}: expected one pair for {env.function_name}, got {pairs}"
    return pairs[0]


def _params() -> list[Any]:
    out = []
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=f"bug: {c.bug}")] if c.bug else []
        out.append(pytest.param(c.name, id=c.name, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_live_verdict(world: dict[str, Any], case: str) -> None:
    expected = BY_NAME[case]
    env = world["envs"][case]
    pair = _pair(world, world["result"], case)
    assert (pair.function.id, pair.target.id) == (env.function_arn, env.target_arn)  # live ids are ARNs
    assert (pair.verdict.value, error_ids(pair)) == (expected.verdict, set(expected.errors)), \
        [(f.id, f.evidence) for f in pair.findings]


def test_no_global_errors_and_call_counts(world: dict[str, Any]) -> None:
    result, inv = world["result"], world["inv"]
    assert [f for f in result.findings if f.severity.value == "error"] == []
    assert not any(f.id == "RL002" for f in result.findings)
    assert inv.inputs == [{"kind": "live", "location": REGION}]
    counts = [w for w in inv.warnings if w.startswith(f"live {REGION}: ")]
    assert len(counts) == 1 and f"{inv.api_calls} API calls" in counts[0]
    # one call per operation and page, plus per-role IAM calls, one per proxy, two per VPC (DNS attributes) and
    # one of each per transit gateway route table (propagations, static routes): never per subnet, group or function
    per_object = 2 * len(inv.vpcs) + 2 * len(inv.transit_gateway_route_tables)
    assert inv.api_calls < 80 + per_object, counts[0]
    calls = world["calls"]
    tables = len(inv.transit_gateway_route_tables)
    per_item = {"ec2:DescribeVpcAttribute": 2 * len(inv.vpcs), "rds:DescribeDBProxyTargets": len(inv.db_proxies),
                "ec2:GetTransitGatewayRouteTablePropagations": tables, "ec2:SearchTransitGatewayRoutes": tables}
    for action, n in calls.items():
        if action.startswith("iam:"):
            continue
        assert 1 <= n <= per_item.get(action, 1), f"{action} called {n} times: {counts[0]}"
    assert sum(n for a, n in calls.items() if a.startswith("iam:")) <= 5 * len(inv.roles), counts[0]
    assert inv.api_calls == sum(calls.values()), counts[0]


def test_proxy_requires_tls_is_info(world: dict[str, Any]) -> None:
    pair = _pair(world, world["result"], "correct-proxy")
    assert "RL704" in {f.id for f in pair.findings if f.severity.value == "info"}


def test_filtered_read_matches_full_read(world: dict[str, Any]) -> None:
    """``--function`` narrows the EC2 reads to the VPCs the named functions touch; verdicts must not change."""
    names = ["correct-split", "rl301", "rl503", "rl702", "intermittent-rl202"]
    fns = [world["envs"][n].function_name for n in names]
    inv = load_live(regions=[REGION], functions=fns)
    assert inv.api_calls < world["inv"].api_calls
    result = analyse(inv)
    for n in names:
        full, narrow = _pair(world, world["result"], n), _pair(world, result, n)
        assert (narrow.verdict, error_ids(narrow)) == (full.verdict, error_ids(full)), n


#: (denied action, case whose pair depends on the data, expected verdict of that pair, known bug or "").
DENIALS = [
    ("ec2:DescribeSecurityGroups", "correct", "UNKNOWN", ""),
    ("ec2:DescribeSubnets", "correct", "UNKNOWN", ""),
    ("ec2:DescribeVpcs", "correct", "UNKNOWN", ""),
    ("ec2:DescribeRouteTables", "correct", "UNKNOWN", ""),
    ("ec2:DescribeNetworkAcls", "correct-split", "UNKNOWN", ""),
    ("ec2:DescribeVpcEndpoints", "correct-secrets-endpoint", "UNKNOWN", ""),
    ("rds:DescribeDBInstances", "correct", "UNKNOWN", ""),
    ("rds:DescribeDBProxyTargets", "correct-proxy", "UNKNOWN", ""),
    ("iam:GetRole", "correct", "UNKNOWN", ""),
    ("iam:ListRolePolicies", "correct", "UNKNOWN", ""),
    ("iam:ListAttachedRolePolicies", "correct", "UNKNOWN", ""),
    ("iam:GetPolicyVersion", "correct-proxy-iam", "UNKNOWN", ""),
]


@pytest.mark.parametrize(("action", "case", "verdict"),
                         [pytest.param(a, c, v, id=a, marks=[pytest.mark.xfail(strict=True, reason=f"bug: {b}")]
                                       if b else []) for a, c, v, b in DENIALS])
def test_access_denied_is_rl002_never_reachable(world: dict[str, Any], action: str, case: str, verdict: str) -> None:
    with patched_sessions(deny={action}) as calls:
        inv = load_live(regions=[REGION])
    assert calls[action] >= 1, f"{action} was never called"
    result = analyse(inv)
    rl002 = [f for f in result.findings if f.id == "RL002"]
    # IAM action names are case-insensitive; the exact spelling is checked in test_rl002_spells_the_action
    assert any(action.lower() in {r.lower() for r in f.resources} for f in rl002), [f.resources for f in rl002]
    pairs = pairs_by_function(result).get(world["envs"][case].function_name, [])
    assert pairs, f"no pair for {case}"
    assert [p.verdict.value for p in pairs] == [verdict], [(p.target.id, p.verdict, [(f.id, f.evidence)
                                                                                    for f in p.findings]) for p in pairs]


def test_access_denied_list_functions(world: dict[str, Any]) -> None:
    with patched_sessions(deny={"lambda:ListFunctions"}):
        inv = load_live(regions=[REGION])
    result = analyse(inv)
    assert any("lambda:ListFunctions" in f.resources for f in result.findings if f.id == "RL002")
    assert not any(p.verdict.value == "REACHABLE" for p in result.pairs)


def test_rl002_spells_the_action(world: dict[str, Any]) -> None:
    with patched_sessions(deny={"rds:DescribeDBInstances"}):
        inv = load_live(regions=[REGION])
    assert any("rds:DescribeDBInstances" in f.resources for f in analyse(inv).findings if f.id == "RL002")


def test_pairing_ignores_a_longer_endpoint_name(tmp_path: Any) -> None:
    import json

    from rdslink.sources.describe_json import load_describe_dir

    def db(name: str) -> dict[str, Any]:
        return {"DBInstanceIdentifier": name, "Engine": "postgres", "DBInstanceArn": f"arn:aws:rds:us-east-1:1:db:{name}",
                "Endpoint": {"Address": f"{name}.c9akciq32.us-east-1.rds.amazonaws.com", "Port": 5432}}

    fn = {"FunctionName": "orders-api", "FunctionArn": "arn:aws:lambda:us-east-1:1:function:orders-api",
          "Role": "arn:aws:iam::1:role/r",
          "Environment": {"Variables": {"DB_HOST": "prod-orders.c9akciq32.us-east-1.rds.amazonaws.com"}}}
    (tmp_path / "lambda.json").write_text(json.dumps({"Functions": [fn]}))
    (tmp_path / "rds.json").write_text(json.dumps({"DBInstances": [db("orders"), db("prod-orders")]}))
    result = analyse(load_describe_dir(str(tmp_path)))
    assert [p.target.name for p in result.pairs] == ["prod-orders"]
