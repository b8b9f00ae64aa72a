"""Issue 11 item 3 (roles): a function whose ``Role`` is the literal ARN of a role no input defines has its ENI
permissions (RL104) decided from ``--account DIR``: the folder's ``get-account-authorization-details`` output or
the per-call IAM responses (GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy, GetPolicy,
GetPolicyVersion). What the folder does not say stays UNKNOWN, never BLOCKED."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "account"
HERE = FIXTURES / "external-role"
APP = HERE / "app.yaml"
ROLE = "arn:aws:iam::123456789012:role/orders-lambda"


def check(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def eni_hop(doc: dict[str, Any]) -> dict[str, Any]:
    [pair] = doc["pairs"]
    return next(h for h in pair["hops"] if h["name"] == "eni-permissions")


def test_without_account_the_external_role_is_unknown() -> None:
    code, doc, _ = check(str(APP))
    hop = eni_hop(doc)
    assert hop["status"] == "unknown" and f"execution role {ROLE} is not in the inputs" in hop["evidence"]
    assert doc["pairs"][0]["verdict"] == "UNKNOWN" and code == 3


@pytest.mark.parametrize(("folder", "status", "verdict", "code"), [
    ("vpc-access", "open", "REACHABLE", 0),        # roles/NAME/ folder; AWS managed AWSLambdaVPCAccessExecutionRole
    ("customer-policy", "open", "REACHABLE", 0),   # GetPolicy + GetPolicyVersion of a customer managed policy
    ("no-eni", "closed", "BLOCKED", 1),            # inline logs-only policy, nothing attached: RL104
    ("missing-attached", "unknown", "UNKNOWN", 3),  # ListAttachedRolePolicies not saved: never assumed empty
])
def test_eni_permissions_decided_from_per_call_iam_responses(folder: str, status: str, verdict: str,
                                                             code: int) -> None:
    got, doc, err = check(str(APP), "--account", str(HERE / folder))
    hop = eni_hop(doc)
    assert (hop["status"], doc["pairs"][0]["verdict"], got) == (status, verdict, code), (err, hop)
    assert hop["evidence"].endswith(f"(from the account: {ROLE})")
    rl104 = [f for f in doc["pairs"][0]["findings"] + doc["findings"] if f["id"] == "RL104"]
    assert bool(rl104) == (verdict == "BLOCKED")
    if rl104:
        assert rl104[0]["resources"] == ["Fn", ROLE]
        assert "ec2:CreateNetworkInterface" in rl104[0]["evidence"]
    # an IAM-only folder: the describe loader's "no IAM roles" note must not survive
    assert not [w for w in doc["warnings"] if "has no IAM roles" in w]


def test_customer_policy_is_the_deciding_document() -> None:
    _, doc, _ = check(str(APP), "--account", str(HERE / "customer-policy"))
    assert "allowed by arn:aws:iam::123456789012:policy/orders-eni" in eni_hop(doc)["evidence"]


def test_authorization_details_form_marks_the_role_from_the_account() -> None:
    code, doc, _ = check(str(APP), "--account", str(FIXTURES / "orders"))
    hop = eni_hop(doc)
    assert hop["status"] == "open" and hop["evidence"].endswith(f"(from the account: {ROLE})")
    assert code == 0


def test_list_roles_output_without_policies_is_unknown_not_blocked(tmp_path: Path) -> None:
    """``aws iam list-roles`` items carry no policy lists: a role read from them is not a role without policies."""
    role = json.loads((HERE / "no-eni" / "iam-get-role-orders-lambda.json").read_text())["Role"]
    (tmp_path / "iam-list-roles.json").write_text(json.dumps({"Roles": [role]}))
    code, doc, _ = check(str(APP), "--account", str(tmp_path))
    assert eni_hop(doc)["status"] == "unknown" and doc["pairs"][0]["verdict"] == "UNKNOWN" and code == 3


def test_inline_policy_listed_without_its_document_is_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "acct"
    shutil.copytree(HERE / "vpc-access", folder)
    (folder / "roles" / "orders-lambda" / "list-role-policies.json").write_text(
        json.dumps({"PolicyNames": ["maybe-deny"]}))
    code, doc, _ = check(str(APP), "--account", str(folder))
    hop = eni_hop(doc)
    assert hop["status"] == "unknown" and "could not be read" in hop["evidence"], hop
    assert code == 3


def test_a_list_response_that_names_no_role_is_ignored_with_a_warning(tmp_path: Path) -> None:
    from rdslink.sources.account import iam_from_dir

    shutil.copy(HERE / "no-eni" / "iam-get-role-orders-lambda.json", tmp_path / "role.json")
    (tmp_path / "attached.json").write_text(json.dumps({"AttachedPolicies": [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}))
    iam = iam_from_dir(str(tmp_path))
    [(detail, _)] = iam.roles
    assert detail["AttachedManagedPolicies"] == [] and detail["RdslinkUnknownAttachedPolicies"] is True
    assert any("attached.json: AttachedPolicies of which role?" in w for w in iam.warnings)
    # a RoleName field added by hand ties it to its role
    (tmp_path / "attached.json").write_text(json.dumps({"RoleName": "orders-lambda", "AttachedPolicies": [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}))
    [(detail, _)] = iam_from_dir(str(tmp_path)).roles
    assert [p["PolicyName"] for p in detail["AttachedManagedPolicies"]] == ["AdministratorAccess"]
    assert "RdslinkUnknownAttachedPolicies" not in detail


def test_policy_version_that_is_not_the_default_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "acct"
    shutil.copytree(HERE / "customer-policy", folder)
    version = folder / "iam-get-policy-version-orders-eni.json"
    data = json.loads(version.read_text())
    data["PolicyVersion"].update(VersionId="v1", IsDefaultVersion=False)
    version.write_text(json.dumps(data))
    code, doc, _ = check(str(APP), "--account", str(folder))
    hop = eni_hop(doc)
    assert hop["status"] == "unknown" and "policies not known: arn:aws:iam::123456789012:policy/orders-eni" in \
        hop["evidence"]
    assert code == 3


def test_external_role_arns() -> None:
    from rdslink.sources.account import external_role_arns
    from rdslink.sources.cloudformation.loader import load_templates

    inv = load_templates([str(APP)])
    assert external_role_arns(inv) == [ROLE]
    good = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "good" / "RL201-db-sg-admits-lambda-sg.yaml"
    assert external_role_arns(load_templates([str(good)])) == []
