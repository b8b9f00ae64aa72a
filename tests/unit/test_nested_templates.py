"""Issue 11 item 5: StackSet inline TemplateBody in every accepted form, and ``--templates-dir`` for S3/HTTPS
TemplateURLs of nested stacks and StackSets (matched by file name)."""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
RL003_PARENT = FIXTURES / "bad" / "RL003-nested-template-not-local.yaml"

DATABASE_CHILD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  VpcId: {Type: "AWS::EC2::VPC::Id"}
  SubnetIds: {Type: "List<AWS::EC2::Subnet::Id>"}
  ClientSecurityGroupId: {Type: "AWS::EC2::SecurityGroup::Id"}
Resources:
  DbSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: database
      VpcId: !Ref VpcId
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref ClientSecurityGroupId}
  DbSubnetGroup:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: db
      SubnetIds: !Ref SubnetIds
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: "20"
      MasterUsername: app
      ManageMasterUserPassword: true
      DBSubnetGroupName: !Ref DbSubnetGroup
      VPCSecurityGroups: [!GetAtt DbSecurityGroup.GroupId]
Outputs:
  DbEndpointAddress:
    Value: !GetAtt Db.Endpoint.Address
"""


def check(*argv: str) -> tuple[int, dict[str, Any]]:
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue())


def test_s3_template_url_without_templates_dir_is_rl003() -> None:
    code, doc = check(str(RL003_PARENT))
    assert code == 3
    assert any(f["id"] == "RL003" and "--templates-dir" in f["evidence"] for f in doc["findings"])


def test_templates_dir_resolves_s3_template_url_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "database.yaml").write_text(DATABASE_CHILD)
    code, doc = check(str(RL003_PARENT), "--templates-dir", str(tmp_path))
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("Fn", "DatabaseStack/Db", "REACHABLE")]
    assert code == 0
    assert not [f for f in doc["findings"] if f["id"] == "RL003"]


def test_templates_dir_without_the_file_stays_rl003(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(DATABASE_CHILD)
    code, doc = check(str(RL003_PARENT), "--templates-dir", str(tmp_path))
    assert code == 3 and any(f["id"] == "RL003" for f in doc["findings"])


def test_templates_dir_matches_a_sub_built_url_with_a_literal_file_name(tmp_path: Path) -> None:
    parent = RL003_PARENT.read_text().replace(
        "TemplateURL: https://my-artifacts.s3.amazonaws.com/templates/database.yaml",
        "TemplateURL: !Sub https://${ArtifactBucket}.s3.amazonaws.com/templates/database.yaml")
    parent = parent.replace("Resources:\n", "Parameters:\n  ArtifactBucket: {Type: String}\nResources:\n", 1)
    (tmp_path / "parent.yaml").write_text(parent)
    (tmp_path / "children").mkdir()
    (tmp_path / "children" / "database.yaml").write_text(DATABASE_CHILD)
    code, doc = check(str(tmp_path / "parent.yaml"), "--templates-dir", str(tmp_path / "children"))
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("DatabaseStack/Db", "REACHABLE")]


def test_templates_dir_must_be_a_folder(tmp_path: Path) -> None:
    from rdslink.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["check", str(RL003_PARENT), "--templates-dir", str(tmp_path / "missing"), "--no-lint"])
    assert code == 2 and "--templates-dir" in err.getvalue()


def _stackset(body: str) -> str:
    return textwrap.dedent("""\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Set:
            Type: AWS::CloudFormation::StackSet
            Properties:
              StackSetName: s
              PermissionModel: SELF_MANAGED
        """) + textwrap.indent(body, " " * 6)


@pytest.mark.parametrize("body", [
    'TemplateBody: "{\\"Resources\\": {\\"Q\\": {\\"Type\\": \\"AWS::SQS::Queue\\", '
    '\\"Properties\\": {\\"QueueName\\": \\"q\\"}}}}"\n',
    "TemplateBody: |\n  Resources:\n    Q:\n      Type: AWS::SQS::Queue\n      Properties: {QueueName: q}\n",
    "TemplateBody:\n  Resources:\n    Q:\n      Type: AWS::SQS::Queue\n      Properties: {QueueName: !Ref AWS::NoValue}\n",
    "TemplateBody: !Sub |\n  Resources:\n    Q:\n      Type: AWS::SQS::Queue\n      Properties: {QueueName: q-${AWS::Region}}\n",
    'TemplateBody: !Join ["\\n", ["Resources:", "  Q:", "    Type: AWS::SQS::Queue"]]\n',
], ids=["json-string", "yaml-string", "mapping", "sub", "join"])
def test_stackset_inline_body_forms_load_the_child(tmp_path: Path, body: str) -> None:
    from rdslink.sources.cloudformation.loader import TemplateLoader

    path = tmp_path / "parent.yaml"
    path.write_text(_stackset(body))
    loader = TemplateLoader()
    loader.add_input(str(path), str(path), {})
    inv = loader.load()
    children = [s for s in loader.all_stacks if s.prefix == "Set/"]
    assert len(children) == 1 and list(children[0].resources) == ["Q"]
    assert not [i for i in inv.issues if i.id in ("RL003", "RL004")], inv.issues


def test_stackset_body_from_an_unknown_value_is_rl003(tmp_path: Path) -> None:
    from rdslink.sources.cloudformation.loader import TemplateLoader

    path = tmp_path / "parent.yaml"
    path.write_text("Parameters:\n  Body: {Type: String}\n" + _stackset("TemplateBody: !Ref Body\n"))
    loader = TemplateLoader()
    loader.add_input(str(path), str(path), {})
    inv = loader.load()
    assert any(i.id == "RL003" and i.resources == ("Set",) for i in inv.issues)


def test_stackset_template_url_through_templates_dir(tmp_path: Path) -> None:
    from rdslink.sources.cloudformation.loader import TemplateLoader

    (tmp_path / "child.json").write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    path = tmp_path / "parent.yaml"
    path.write_text(_stackset("TemplateURL: https://b.s3.us-east-1.amazonaws.com/x/child.json?versionId=3\n"))
    loader = TemplateLoader()
    loader.templates_dir = str(tmp_path)
    loader.add_input(str(path), str(path), {})
    loader.load()
    assert [list(s.resources) for s in loader.all_stacks if s.prefix == "Set/"] == [["Q"]]


def test_stackset_body_text_that_is_not_a_template_is_an_input_error(tmp_path: Path) -> None:
    from rdslink.sources.cloudformation.loader import TemplateLoader
    from rdslink.sources.errors import InputError

    path = tmp_path / "parent.yaml"
    path.write_text(_stackset("TemplateBody: 'just: [text'\n"))
    loader = TemplateLoader()
    loader.add_input(str(path), str(path), {})
    with pytest.raises(InputError) as info:
        loader.load()
    assert "Set.TemplateBody" in info.value.message()
