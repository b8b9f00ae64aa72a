"""Issue 11 item 3 against moto: templates + ``--live`` (the account fills in external ids and SSM values by
name, never SecureString) and ``--stack NAME`` (DescribeStacks parameters, ListExports)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from .builders import REGION

APP = """\
Parameters:
  SubnetIds: {{Type: "List<AWS::EC2::Subnet::Id>"}}
  SecurityGroupId: {{Type: "AWS::EC2::SecurityGroup::Id"}}
  DbPassword: {{Type: String, NoEcho: true}}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: h.h
      Role: {role}
      Code: {{ZipFile: "def h(e, c): return None"}}
      VpcConfig:
        SubnetIds: !Ref SubnetIds
        SecurityGroupIds: [!Ref SecurityGroupId]
      Environment:
        Variables:
          DB_HOST: {db_host}
"""

DEPLOYED = {  # what moto deploys as the stacks (moto cannot create the function: Parameters and Outputs matter)
    "Parameters": {"SubnetIds": {"Type": "String"}, "SecurityGroupId": {"Type": "String"},
                   "DbPassword": {"Type": "String", "NoEcho": True}},
    "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                             "Properties": {"Type": "String", "Value": "x", "Name": {"Fn::Sub": "/${AWS::StackName}"}}}},
}


@pytest.fixture(scope="module")
def deployed(world: dict[str, Any]) -> dict[str, Any]:
    acct, env = world["acct"], world["envs"]["correct"]
    ssm, cfn = acct.c("ssm"), acct.c("cloudformation")
    ssm.put_parameter(Name="/rdslink-acct/db-host", Value=env.endpoint, Type="String")
    ssm.put_parameter(Name="/rdslink-acct/db-password", Value="s3cr3t-never-shown", Type="SecureString")
    net = {"Resources": DEPLOYED["Resources"], "Outputs": {
        "DbHost": {"Value": env.endpoint, "Export": {"Name": "rdslink-net-DbHost"}}}}
    cfn.create_stack(StackName="rdslink-net", TemplateBody=json.dumps(net))
    # moto stores a List<> parameter value as a Python list repr, so the deployed copy declares String
    cfn.create_stack(StackName="rdslink-app", TemplateBody=json.dumps(DEPLOYED), Parameters=[
        {"ParameterKey": "SubnetIds", "ParameterValue": ",".join(env.fn_subnets)},
        {"ParameterKey": "SecurityGroupId", "ParameterValue": env.fn_sg},
        {"ParameterKey": "DbPassword", "ParameterValue": "s3cr3t-never-shown"}])
    return {"env": env}


def check(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--no-lint", "--live-region", REGION, "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def _write(tmp_path: Path, env: Any, db_host: str, literal_ids: bool = False) -> str:
    text = APP.format(role=env.role_arn, db_host=db_host)
    if literal_ids:
        text = text.replace("!Ref SubnetIds", json.dumps(env.fn_subnets)).replace(
            "[!Ref SecurityGroupId]", json.dumps([env.fn_sg]))
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return str(path)


def test_stack_parameters_and_exports_make_the_template_decidable(deployed: dict[str, Any], tmp_path: Path
                                                                  ) -> None:
    env = deployed["env"]
    app = _write(tmp_path, env, "!ImportValue rdslink-net-DbHost")
    code, doc, err = check(app)
    assert code == 3, err
    code, doc, err = check(app, "--live", "--stack", "rdslink-app")
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("Fn", env.db_arn, "REACHABLE")], (err, doc.get("findings"))
    assert code == 0
    note = next(w for w in doc["warnings"] if "checked as deployed in stack rdslink-app" in w)
    assert "SecurityGroupId" in note and "SubnetIds" in note and "NoEcho parameters DbPassword not used" in note
    assert "s3cr3t-never-shown" not in json.dumps(doc)
    hops = {h["name"]: h["evidence"] for h in doc["pairs"][0]["hops"]}
    assert "from the account:" in hops["vpc-attachment"] and env.fn_subnets[0] in hops["vpc-attachment"]


def test_live_fills_external_ids_and_ssm_values_never_secure_string(deployed: dict[str, Any], tmp_path: Path
                                                                     ) -> None:
    env = deployed["env"]
    app = _write(tmp_path, env, '"{{resolve:ssm:/rdslink-acct/db-host}}"', literal_ids=True)
    app_text = Path(app).read_text().replace(
        "          DB_HOST:", "          DB_PASSWORD: \"{{resolve:ssm-secure:/rdslink-acct/db-password}}\"\n"
        "          DB_HOST:")
    Path(app).write_text(app_text)
    code, doc, _ = check(app)
    assert code == 3 and doc["pairs"][0]["target"]["id"] == "?/rdslink-acct/db-host"
    code, doc, err = check(app, "--live")
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [(env.db_arn, "REACHABLE")], err
    assert code == 0
    assert "s3cr3t-never-shown" not in json.dumps(doc)
    assert any("SSM /rdslink-acct/db-host" in w for w in doc["warnings"])
    # the account's own functions are not checked: only the template's
    assert {p["function"]["id"] for p in doc["pairs"]} == {"Fn"}


def test_unknown_stack_is_an_input_error(deployed: dict[str, Any], tmp_path: Path) -> None:
    app = _write(tmp_path, deployed["env"], "x")
    code, _, err = check(app, "--live", "--stack", "no-such-stack")
    assert code == 2 and "--stack" in err and "no-such-stack" in err


# ---- external execution roles (a literal role ARN no input defines and no deployed function uses) --------

ENI_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"], "Resource": "*"}]}


@pytest.fixture(scope="module")
def external_roles(world: dict[str, Any]) -> dict[str, str]:
    from .builders import LOGS_ONLY, VPC_ACCESS

    acct = world["acct"]
    return {
        "vpc": acct.role("rdslink-ext-vpc", managed=(VPC_ACCESS,)),
        "logs": acct.role("rdslink-ext-logs", managed=(), inline={"logs": LOGS_ONLY}),
        "customer": acct.role("rdslink-ext-cust", managed=(acct.customer_policy("rdslink-ext-eni", ENI_ONLY),)),
    }


def _eni(doc: dict[str, Any]) -> dict[str, Any]:
    [pair] = doc["pairs"]
    return next(h for h in pair["hops"] if h["name"] == "eni-permissions")


@pytest.mark.parametrize(("role", "status", "verdict", "code"), [
    ("vpc", "open", "REACHABLE", 0), ("customer", "open", "REACHABLE", 0), ("logs", "closed", "BLOCKED", 1)])
def test_live_reads_external_roles_no_function_uses(deployed: dict[str, Any], external_roles: dict[str, str],
                                                    tmp_path: Path, role: str, status: str, verdict: str,
                                                    code: int) -> None:
    env = deployed["env"]
    arn = external_roles[role]
    assert arn not in _deployed_roles()  # no deployed function uses it
    app = tmp_path / "app.yaml"
    app.write_text(Path(_write(tmp_path, env, env.endpoint, literal_ids=True)).read_text().replace(env.role_arn, arn))
    got, doc, err = check(str(app))
    assert _eni(doc)["status"] == "unknown" and got == 3, err
    got, doc, err = check(str(app), "--live")
    hop = _eni(doc)
    assert (hop["status"], doc["pairs"][0]["verdict"], got) == (status, verdict, code), (err, hop)
    assert hop["evidence"].endswith(f"(from the account: {arn})")
    assert any(f["id"] == "RL104" for f in doc["pairs"][0]["findings"]) == (verdict == "BLOCKED")


def test_live_external_role_of_another_account_is_not_confused_with_a_namesake(
        deployed: dict[str, Any], external_roles: dict[str, str], tmp_path: Path) -> None:
    env = deployed["env"]
    other = external_roles["logs"].replace(":123456789012:", ":999999999999:")
    app = tmp_path / "app.yaml"
    app.write_text(Path(_write(tmp_path, env, env.endpoint, literal_ids=True)).read_text().replace(env.role_arn, other))
    code, doc, err = check(str(app), "--live")
    assert _eni(doc)["status"] == "unknown" and code == 3, err  # not BLOCKED by the namesake's logs-only policy
    assert any("in another account" in w and other in w for w in doc["warnings"])


def test_live_external_roles_reader_denied_is_unknown(deployed: dict[str, Any], external_roles: dict[str, str]
                                                      ) -> None:
    from rdslink.sources.account import live_roles

    from .support import patched_sessions

    with patched_sessions(deny={"iam:GetRole"}):
        inv = live_roles([external_roles["vpc"]], None, REGION, None)
    assert inv.roles == {} and [i.resources for i in inv.issues] == [("iam:GetRole",)]


def _deployed_roles() -> set[str]:
    import boto3

    client = boto3.session.Session().client("lambda", region_name=REGION)
    return {f["Role"] for p in client.get_paginator("list_functions").paginate() for f in p["Functions"]}


# ---- --account DIR written by `rdslink snapshot` of the (moto) account --------------------------------------

def test_account_folder_from_a_snapshot(deployed: dict[str, Any], tmp_path: Path) -> None:
    from rdslink.sources.live import write_snapshot

    env = deployed["env"]
    snap = tmp_path / "snap"
    write_snapshot(str(snap), regions=[REGION])
    app = _write(tmp_path, env, env.endpoint, literal_ids=True)
    code, doc, err = check(app)
    assert code == 3 and [p["verdict"] for p in doc["pairs"]] == ["UNKNOWN"], err
    code, doc, err = check(app, "--account", str(snap))
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("Fn", env.db_arn, "REACHABLE")], (err, doc.get("findings"))
    assert code == 0
    hops = {h["name"]: h["evidence"] for h in doc["pairs"][0]["hops"]}
    assert f"from the account: {env.role_arn}" in hops["eni-permissions"]
    assert "from the account:" in hops["vpc-attachment"] and env.fn_subnets[0] in hops["vpc-attachment"]
    assert {p["function"]["id"] for p in doc["pairs"]} == {"Fn"}  # the snapshot's own functions are not pairs


# ---- a cloud assembly's environment decides the Region (and account) of the live look-ups -----------------

def _assembly(tmp_path: Path, env: Any, environment: str) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir(parents=True)
    (out / "Fn.template.json").write_text(json.dumps({"Resources": {"Fn": {
        "Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "h.h", "Code": {"ZipFile": "x"},
            "Role": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/rdslink-ext-vpc"},
            "VpcConfig": {"SubnetIds": env.fn_subnets, "SecurityGroupIds": [env.fn_sg]},
            "Environment": {"Variables": {"DB_HOST": "{{resolve:ssm:/rdslink-acct/db-host}}"}}}}}}))
    (out / "manifest.json").write_text(json.dumps({"artifacts": {"Fn": {
        "type": "aws:cloudformation:stack", "environment": environment,
        "properties": {"templateFile": "Fn.template.json"}}}}))
    return out


def _check_any_region(*argv: str) -> tuple[int, dict[str, Any], str]:
    from rdslink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def test_assembly_environment_region_is_where_live_looks(deployed: dict[str, Any], external_roles: dict[str, str],
                                                         tmp_path: Path) -> None:
    env = deployed["env"]
    cdk_out = _assembly(tmp_path, env, f"aws://123456789012/{REGION}")
    # --region names another Region: the stack's environment wins for SSM, network and role look-ups
    code, doc, err = _check_any_region(str(cdk_out), "--live", "--region", "eu-west-1")
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [(env.db_arn, "REACHABLE")], err
    assert _eni(doc)["evidence"].endswith(f"(from the account: {external_roles['vpc']})")
    assert code == 0
    assert {i["location"] for i in doc["inputs"] if i["kind"] == "account"} == {REGION}
    # --stack reads DescribeStacks/ListExports in the stack's Region too (the stack exists only in REGION)
    code, doc, err = _check_any_region(str(cdk_out), "--live", "--region", "eu-west-1", "--stack", "rdslink-net")
    assert code == 0 and any("checked as deployed in stack rdslink-net" in w for w in doc["warnings"]), err


def test_assembly_environment_in_another_region_or_account_is_not_read_here(
        deployed: dict[str, Any], external_roles: dict[str, str], tmp_path: Path) -> None:
    env = deployed["env"]
    code, doc, _ = _check_any_region(str(_assembly(tmp_path / "a", env, "aws://123456789012/eu-west-1")), "--live")
    assert [p["target"]["id"] for p in doc["pairs"]] == ["?/rdslink-acct/db-host"] and code == 3  # nothing there
    code, doc, _ = _check_any_region(str(_assembly(tmp_path / "b", env, f"aws://111122223333/{REGION}")), "--live")
    [pair] = doc["pairs"]
    assert pair["target"]["id"] == env.db_arn and _eni(doc)["status"] == "unknown" and code == 3
    assert any("arn:aws:iam::111122223333:role/rdslink-ext-vpc" in w and "another account" in w
               for w in doc["warnings"])


def test_live_secure_string_named_by_a_plain_ssm_reference_is_never_used(deployed: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    env = deployed["env"]
    app = _write(tmp_path, env, '"{{resolve:ssm:/rdslink-acct/db-password}}"', literal_ids=True)
    code, doc, err = check(app, "--live")
    assert [p["target"]["id"] for p in doc["pairs"]] == ["?/rdslink-acct/db-password"], err
    assert code == 3
    assert "s3cr3t-never-shown" not in json.dumps(doc) + err
