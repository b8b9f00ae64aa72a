"""Issue 11 item 1 (environments): a cloud assembly's ``environment: aws://ACCOUNT/REGION`` gives each stack its
pseudo parameters (AWS::AccountId, AWS::Region, AWS::Partition from the Region, AWS::URLSuffix, ``Fn::GetAZs ""``)
and the Region of its ``--account``/``--live`` look-ups; ``unknown-account``/``unknown-region`` placeholders are
never used as values. Hand-written assembly: tests/fixtures/cdk/env-assembly (Data + App, aws://111122223333/
eu-west-1; App's function role is ``arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orders-lambda``)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ASSEMBLY = FIXTURES / "cdk" / "env-assembly"
ROLE_ACCOUNT = FIXTURES / "cdk" / "env-account"
ORDERS = FIXTURES / "account" / "orders" / "us-east-1"


def check(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def with_environment(tmp_path: Path, environment: str) -> Path:
    """A copy of the fixture assembly with every stack's ``environment`` replaced."""
    out = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLY, out)
    manifest = json.loads((out / "manifest.json").read_text())
    for art in manifest["artifacts"].values():
        art["environment"] = environment
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def inventory(*argv: str) -> Any:
    from rdslink.cli import _parser, load_inputs

    return load_inputs(_parser().parse_args(["check", *argv, "--no-lint"]))


def eni_evidence(doc: dict[str, Any]) -> str:
    [pair] = doc["pairs"]
    return str(next(h for h in pair["hops"] if h["name"] == "eni-permissions")["evidence"])


def test_account_and_region_of_the_environment_build_the_role_arn() -> None:
    code, doc, err = check(str(ASSEMBLY))
    assert "execution role arn:aws:iam::111122223333:role/orders-lambda is not in the inputs" in eni_evidence(doc), err
    assert code == 3
    code, doc, err = check(str(ASSEMBLY), "--account", str(ROLE_ACCOUNT))
    assert doc["pairs"][0]["verdict"] == "REACHABLE" and code == 0, err
    assert eni_evidence(doc).endswith("(from the account: arn:aws:iam::111122223333:role/orders-lambda)")


def test_region_gives_get_azs_endpoints_and_url_suffix() -> None:
    inv = inventory(str(ASSEMBLY), "--region", "us-west-2")  # the environment wins over --region
    assert sorted(s.availability_zone for s in inv.subnets.values()) == ["eu-west-1a", "eu-west-1b"]
    [db] = inv.db_instances.values()
    assert db.endpoint_address.endswith(".eu-west-1.rds.amazonaws.com")
    [fn] = inv.functions.values()
    assert fn.environment["CONFIG_URL"] == "https://ssm.eu-west-1.amazonaws.com"


def test_partition_and_url_suffix_follow_the_region(tmp_path: Path) -> None:
    inv = inventory(str(with_environment(tmp_path, "aws://111122223333/cn-north-1")))
    [fn] = inv.functions.values()
    assert fn.role_arn == "arn:aws-cn:iam::111122223333:role/orders-lambda"
    assert fn.environment["CONFIG_URL"] == "https://ssm.cn-north-1.amazonaws.com.cn"
    assert sorted(s.availability_zone for s in inv.subnets.values()) == ["cn-north-1a", "cn-north-1b"]


def test_placeholders_are_never_values(tmp_path: Path) -> None:
    cdk_out = with_environment(tmp_path, "aws://unknown-account/unknown-region")
    code, doc, _ = check(str(cdk_out), "--region", "ap-southeast-2")
    assert "unknown-" not in json.dumps(doc)
    # as any template that names no environment: the --region, and the loader's placeholder account
    assert "execution role arn:aws:iam::123456789012:role/orders-lambda is not in the inputs" in eni_evidence(doc)
    inv = inventory(str(cdk_out), "--region", "ap-southeast-2")
    assert sorted(s.availability_zone for s in inv.subnets.values()) == ["ap-southeast-2a", "ap-southeast-2b"]
    assert code == 3


@pytest.mark.parametrize(("region", "target"), [
    ("us-east-1", "arn:aws:rds:us-east-1:123456789012:db:orders"),
    ("eu-west-1", "?elsewhere.c9z8y7x6w5v4.eu-west-1.rds.amazonaws.com"),  # eu-west-1 value: no such DB
])
def test_account_ssm_look_ups_use_the_stack_region(tmp_path: Path, region: str, target: str) -> None:
    """The same SSM name holds different values in two Regions of the --account folder: the stack's
    environment picks one; a stack that states no Region gets neither (the Regions disagree)."""
    acct = tmp_path / "acct"
    shutil.copytree(ORDERS, acct / "us-east-1")
    (acct / "eu-west-1").mkdir()
    (acct / "eu-west-1" / "ssm-get-parameters.json").write_text(json.dumps({"Parameters": [
        {"Name": "/orders/db-host", "Type": "String", "Value": "elsewhere.c9z8y7x6w5v4.eu-west-1.rds.amazonaws.com"}]}))
    (acct / "us-east-1" / "ssm-get-parameters.json").write_text(json.dumps({"Parameters": [
        {"Name": "/orders/db-host", "Type": "String", "Value": "orders.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com"}]}))
    cdk_out = tmp_path / "cdk.out"
    cdk_out.mkdir()
    (cdk_out / "Fn.template.json").write_text(json.dumps({"Resources": {"OrdersFunction": {
        "Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.h", "Code": {"ZipFile": "x"},
            "Role": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orders-lambda"},
            "VpcConfig": {"SubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                          "SecurityGroupIds": ["sg-0a1b2c3d4e5f60003"]},
            "Environment": {"Variables": {"DB_HOST": "{{resolve:ssm:/orders/db-host}}"}}}}}}))
    (cdk_out / "manifest.json").write_text(json.dumps({"artifacts": {"Fn": {
        "type": "aws:cloudformation:stack", "environment": f"aws://123456789012/{region}",
        "properties": {"templateFile": "Fn.template.json"}}}}))
    code, doc, err = check(str(cdk_out), "--account", str(acct))
    assert [p["target"]["id"] for p in doc["pairs"]] == [target], err
    if region == "us-east-1":
        assert doc["pairs"][0]["verdict"] == "REACHABLE" and code == 0
    # the same template outside an assembly (no stated Region): the two Regions disagree, so no value is used
    code, doc, _ = check(str(cdk_out / "Fn.template.json"), "--account", str(acct))
    assert [p["target"]["id"] for p in doc["pairs"]] == ["?/orders/db-host"] and code == 3


def test_account_ssm_unit() -> None:
    from rdslink.sources.account import AccountSsm

    ssm = AccountSsm(str(FIXTURES / "account" / "orders"), None, "us-east-1")
    assert ssm("/orders/db-host", "us-east-1") == "orders.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com"
    assert ssm("/orders/db-host", None) == "orders.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com"  # one Region has it
    assert ssm("/orders/db-host", "eu-west-1") is None
    assert ssm("/orders/db-password", "us-east-1") is None  # SecureString: never used
    asked: list[str] = []

    class Live:
        def __init__(self, region: str) -> None:
            self.region = region

        def __call__(self, name: str) -> str | None:
            asked.append(f"{self.region}:{name}")
            return None

    ssm = AccountSsm(None, Live, "us-east-1")  # type: ignore[arg-type]
    ssm("/a", "eu-west-1")
    ssm("/b", None)
    assert asked == ["eu-west-1:/a", "us-east-1:/b"]


def test_partition_of() -> None:
    from rdslink.sources.cloudformation.stack import partition_of, url_suffix

    assert [partition_of(r) for r in ("eu-west-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1",
                                      "us-isob-east-1")] == ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]
    assert url_suffix("aws-cn") == "amazonaws.com.cn" and url_suffix("aws") == "amazonaws.com"


def test_nested_stack_inherits_the_environment_a_stackset_child_does_not(tmp_path: Path) -> None:
    child = {"Resources": {"Sub": {"Type": "AWS::EC2::Subnet", "Properties": {
        "VpcId": "vpc-0a1b2c3d4e5f60009", "CidrBlock": "10.0.1.0/24",
        "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}}}}
    cdk_out = tmp_path / "cdk.out"
    cdk_out.mkdir()
    (cdk_out / "child.json").write_text(json.dumps(child))
    (cdk_out / "Parent.template.json").write_text(json.dumps({"Resources": {
        "Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "child.json"}},
        "Set": {"Type": "AWS::CloudFormation::StackSet", "Properties": {
            "StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateBody": json.dumps(child)}}}}))
    (cdk_out / "Other.template.json").write_text(json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}))
    (cdk_out / "manifest.json").write_text(json.dumps({"artifacts": {  # two Regions: the loader keeps --region
        "Parent": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-central-1",
                   "properties": {"templateFile": "Parent.template.json"}},
        "Other": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/ap-south-1",
                  "properties": {"templateFile": "Other.template.json"}}}}))
    inv = inventory(str(cdk_out), "--region", "us-west-2")
    azs = {s.prov.logical_id: s.availability_zone for s in inv.subnets.values()}
    # StackSet instances deploy wherever the StackSet says (not modelled): the loader's Region, as before
    assert azs == {"Nested/Sub": "eu-central-1a", "Set/Sub": "us-west-2a"}
