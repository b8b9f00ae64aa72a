"""Issue 11 item 3 (describe folder): ``--account DIR`` resolves what templates leave open (external subnet,
security-group, VPC, role ids, database endpoints, SSM parameter values by name, never SecureString), adds no
pairs of its own, and marks the evidence "from the account: ..."."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACCOUNT = FIXTURES / "account" / "orders"
EXTERNAL = FIXTURES / "templates" / "bad" / "RL002-external-ids-no-target.yaml"

SSM_APP = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Subnets:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /orders/db-host
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): return None"
      Role: arn:aws:iam::123456789012:role/orders-lambda
      VpcConfig:
        SubnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]
        SecurityGroupIds: [sg-0a1b2c3d4e5f60003]
      Environment:
        Variables:
          DB_HOST: "{{resolve:ssm:/orders/db-host}}"
          DB_PASSWORD: "{{resolve:ssm-secure:/orders/db-password}}"
          FROM_PARAMETER: !Ref Subnets
"""


def check(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def test_external_ids_resolved_from_the_account() -> None:
    code, doc, _ = check(str(EXTERNAL), "--account", str(ACCOUNT))
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("OrdersFunction", "arn:aws:rds:us-east-1:123456789012:db:orders", "REACHABLE")]
    assert code == 0
    hops = {h["name"]: h["evidence"] for h in doc["pairs"][0]["hops"]}
    assert "from the account: subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002" in hops["vpc-attachment"]
    assert "from the account: sg-0a1b2c3d4e5f60004" in hops["sg-ingress"]
    assert {"kind": "account", "location": str(ACCOUNT)} in doc["inputs"]
    assert not [f for f in doc["findings"] if f["id"] == "RL002"]


def test_without_account_the_same_template_exits_3() -> None:
    code, doc, _ = check(str(EXTERNAL))
    assert code == 3 and doc["pairs"] == []


def test_target_by_identifier_found_in_the_account() -> None:
    code, doc, _ = check(str(EXTERNAL), "--account", str(ACCOUNT), "--target", "orders")
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("arn:aws:rds:us-east-1:123456789012:db:orders", "REACHABLE")]
    assert code == 0


def test_account_functions_are_not_paired(tmp_path: Path) -> None:
    """The account's own functions never become pairs: only the templates' functions are checked."""
    acct = tmp_path / "acct"
    acct.mkdir()
    for f in (ACCOUNT / "us-east-1").iterdir():
        (acct / f.name).write_text(f.read_text())
    (acct / "lambda-list-functions.json").write_text(json.dumps({"Functions": [{
        "FunctionName": "other", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:other",
        "Role": "arn:aws:iam::123456789012:role/orders-lambda", "Runtime": "python3.12",
        "VpcConfig": {"SubnetIds": ["subnet-0a1b2c3d4e5f60001"], "SecurityGroupIds": ["sg-0a1b2c3d4e5f60003"]},
        "Environment": {"Variables": {"DB_HOST": "orders.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com"}}}]}))
    code, doc, _ = check(str(EXTERNAL), "--account", str(acct))
    assert [p["function"]["id"] for p in doc["pairs"]] == ["OrdersFunction"] and code == 0


def test_ssm_values_by_name_never_secure_string(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(SSM_APP)
    code, doc, _ = check(str(app), "--account", str(ACCOUNT))
    [pair] = doc["pairs"]
    assert pair["target"]["id"] == "arn:aws:rds:us-east-1:123456789012:db:orders"
    assert pair["hops"][0]["evidence"].startswith("tier 1: environment variable DB_HOST")
    assert pair["verdict"] == "REACHABLE" and code == 0
    text = json.dumps(doc)
    assert "ciphertext" not in text
    assert any(w.startswith("from the account: SSM /orders/db-host") for w in doc["warnings"])


def test_ssm_reader_without_account_is_unknown(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(SSM_APP)
    code, doc, _ = check(str(app))
    assert code == 3 and doc["pairs"][0]["target"]["id"] == "?/orders/db-host"


def test_account_must_be_a_folder_and_needs_templates(tmp_path: Path) -> None:
    code, _, err = check(str(EXTERNAL), "--account", str(tmp_path / "nope"))
    assert code == 2 and "--account" in err
    code, _, err = check(str(ACCOUNT), "--account", str(ACCOUNT))
    assert code == 2 and "--account" in err


def test_live_ssm_never_decrypts_and_drops_secure_strings() -> None:
    from rdslink.sources.account import LiveSsm

    calls: list[dict[str, Any]] = []

    class Fake:
        def get_parameters(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            name = kwargs["Names"][0]
            kind = "SecureString" if "secret" in name else "String"
            return {"Parameters": [{"Name": name, "Type": kind, "Value": "AQICAH-ciphertext" if kind != "String"
                                    else "plain"}]}

    lookup = LiveSsm(Fake())
    assert lookup("/a/plain") == "plain" and lookup("/a/secret") is None
    assert lookup("/a/plain") == "plain" and len(calls) == 2  # cached
    assert all(c["WithDecryption"] is False for c in calls)


@pytest.mark.parametrize(("reference", "target"), [('"{{resolve:ssm:/orders/db-password}}"', "?/orders/db-password"),
                                                   ("!Ref Secure", "?Secure")])
def test_secure_string_named_by_a_plain_ssm_reference_is_never_used(tmp_path: Path, reference: str,
                                                                    target: str) -> None:
    """A ``{{resolve:ssm:NAME}}`` or ``AWS::SSM::Parameter::Value<String>`` naming a SecureString parameter:
    the folder's (cipher)text is neither used as the endpoint nor printed; the target stays unresolved."""
    app = tmp_path / "app.yaml"
    app.write_text(SSM_APP.replace("Parameters:\n", "Parameters:\n  Secure:\n    Type: "
                                   "AWS::SSM::Parameter::Value<String>\n    Default: /orders/db-password\n", 1)
                   .replace('DB_HOST: "{{resolve:ssm:/orders/db-host}}"', f"DB_HOST: {reference}")
                   .replace("          FROM_PARAMETER: !Ref Subnets\n", ""))
    code, doc, err = check(str(app), "--account", str(ACCOUNT))
    assert [p["target"]["id"] for p in doc["pairs"]] == [target], err
    assert code == 3
    assert "ciphertext" not in json.dumps(doc) + err
    assert not any("/orders/db-password" in w and "from the account" in w for w in doc["warnings"])
