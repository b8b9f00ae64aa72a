"""Every API operation the live source calls (``check --live``, with and without ``--function``, and ``snapshot``)
against a rich moto account must be read-only and allowed by docs/iam-policy.json, and the policy must grant
nothing the scanner does not use."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rdslink.sources.account import deployed_stack, live_roles, live_ssm
from rdslink.sources.live import load_live, write_snapshot

from .builders import REGION
from .support import patched_sessions

POLICY = Path(__file__).resolve().parents[2] / "docs" / "iam-policy.json"
READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|List|Get|Search)[A-Za-z0-9]*$")  # Search: ec2:SearchTransitGatewayRoutes (IAM access level List)


def _as_list(v: Any) -> list[str]:
    return v if isinstance(v, list) else [v] if isinstance(v, str) else []


def _wild(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE) is not None


def policy_allows(doc: dict[str, Any], action: str, resource: str = "*") -> bool:
    """Identity-policy evaluation for one action: an explicit Deny wins, then an Allow (statements with a
    Condition never count as an Allow: the scanner cannot rely on them)."""
    allowed = False
    for st in _as_list(doc.get("Statement")) if isinstance(doc.get("Statement"), list) else [doc.get("Statement")]:
        if not isinstance(st, dict):
            continue
        if "Action" in st:
            hit = any(_wild(p, action) for p in _as_list(st["Action"]))
        else:
            hit = not any(_wild(p, action) for p in _as_list(st.get("NotAction")))
        if "Resource" in st:
            hit = hit and any(_wild(p, resource) for p in _as_list(st["Resource"]))
        else:
            hit = hit and not any(_wild(p, resource) for p in _as_list(st.get("NotResource")))
        if not hit:
            continue
        if st.get("Effect") == "Deny":
            return False
        if st.get("Effect") == "Allow" and "Condition" not in st:
            allowed = True
    return allowed


def test_policy_evaluator() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "iam:GetRole"], "Resource": "*"},
                         {"Effect": "Deny", "Action": "ec2:DescribeVpcs", "Resource": "*"},
                         {"Effect": "Allow", "Action": "rds:*", "Resource": "*", "Condition": {"Bool": {}}}]}
    assert policy_allows(doc, "ec2:DescribeSubnets") and policy_allows(doc, "EC2:describesubnets")
    assert policy_allows(doc, "iam:GetRole") and not policy_allows(doc, "iam:GetRolePolicy")
    assert not policy_allows(doc, "ec2:DescribeVpcs") and not policy_allows(doc, "rds:DescribeDBInstances")


@pytest.fixture(scope="module")
def recorded(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Calls of the full read (recorded by the world fixture), of a ``--function`` read and of ``snapshot``."""
    envs = world["envs"]
    with patched_sessions() as narrow:
        load_live(regions=[REGION], functions=[envs["correct-proxy-iam"].function_name, "rich-0"])
    with patched_sessions() as snap:
        counts = write_snapshot(str(tmp_path_factory.mktemp("iam") / "snap"), regions=[REGION])
    # --stack / templates + --live (issue 11): DescribeStacks, ListExports, GetParameters (never decrypting)
    world["acct"].c("cloudformation").create_stack(StackName="rdslink-iam-probe", TemplateBody=json.dumps({
        "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "v",
                                                                         "Name": "/rdslink-iam-probe"}}}}))
    with patched_sessions() as account:
        deployed_stack("rdslink-iam-probe", None, REGION, None)
        assert live_ssm(None, REGION, None)("/rdslink-iam-probe") == "v"
        # an external role of a template (no deployed function uses it): GetRole .. GetPolicyVersion
        probe = world["acct"].role("rdslink-iam-probe-role", managed=(world["acct"].customer_policy(
            "rdslink-iam-probe-policy", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ec2:CreateNetworkInterface", "Resource": "*"}]}),),
            inline={"logs": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}})
        assert probe in live_roles([probe], None, REGION, None).roles
    return {"full": world["calls"], "narrow": narrow, "snapshot": snap, "inv": world["inv"],
            "snapshot_counts": counts, "account": account}


def test_external_role_reader_uses_only_the_policy_s_iam_reads(recorded: dict[str, Any]) -> None:
    """``live_roles`` (templates + ``--live``: a role no deployed function uses) makes every IAM read of the
    documented policy and nothing else."""
    iam = {a for a in recorded["account"] if a.startswith("iam:")}
    assert iam == {"iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
                   "iam:GetPolicy", "iam:GetPolicyVersion"}


def _all_calls(recorded: dict[str, Any]) -> Counter[str]:
    return recorded["full"] + recorded["narrow"] + recorded["snapshot"] + recorded["account"]


def test_every_call_is_read_only_and_allowed(recorded: dict[str, Any]) -> None:
    policy = json.loads(POLICY.read_text())
    calls = _all_calls(recorded)
    assert calls, "nothing recorded"
    not_read_only = sorted(a for a in calls if not READ_ONLY.match(a) or a.lower() == "secretsmanager:getsecretvalue")
    assert not_read_only == []
    not_allowed = sorted(a for a in calls if not policy_allows(policy, a))
    assert not_allowed == [], f"docs/iam-policy.json does not allow {not_allowed}"


def test_policy_grants_only_what_is_used(recorded: dict[str, Any]) -> None:
    policy = json.loads(POLICY.read_text())
    granted = {a for st in policy["Statement"] if st["Effect"] == "Allow" for a in _as_list(st["Action"])}
    used = set(_all_calls(recorded))
    assert {a for a in granted if not any(_wild(a, u) for u in used)} == set()
    assert all(st["Effect"] == "Allow" and st.get("Resource") == "*" for st in policy["Statement"])


def test_recorder_agrees_with_the_readers_own_count(recorded: dict[str, Any]) -> None:
    """The ``--verbose`` count (``Inventory.api_calls`` and per-operation detail) is what was really sent."""
    inv, full = recorded["inv"], recorded["full"]
    assert inv.api_calls == sum(full.values())
    line = next(w for w in inv.warnings if w.startswith(f"live {REGION}: "))
    detail = dict(kv.split("=") for kv in line.split("(", 1)[1].rstrip(")").split(", "))
    assert {k: int(v) for k, v in detail.items()} == dict(full)
    assert recorded["snapshot_counts"]["calls"] == sum(recorded["snapshot"].values())


def test_iam_calls_follow_distinct_roles(recorded: dict[str, Any]) -> None:
    """GetRole once per distinct role (functions sharing a role cost nothing extra); GetPolicy once per customer
    managed policy; AWS managed policies come from the bundled copies."""
    inv, full = recorded["inv"], recorded["full"]
    assert full["iam:GetRole"] == len(inv.roles)
    fn_roles = {f.role_arn for f in inv.functions.values()}
    assert len(inv.functions) > len(fn_roles)
    assert full["iam:GetPolicy"] == full["iam:GetPolicyVersion"] == 2  # rdslink-extra, correct-proxy-iam-connect
    assert "iam:GetPolicyVersion" in recorded["narrow"]
