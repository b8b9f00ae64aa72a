"""Issue 11 item 2: stacks wired through SSM Parameter Store. An ``AWS::SSM::Parameter`` of any input whose
Name equals a ``{{resolve:ssm:NAME[:VERSION]}}`` reference or the Default of an
``AWS::SSM::Parameter::Value<...>`` parameter supplies the value; ``ssm-secure`` stays unresolved."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "good"
DATABASE = GOOD / "RL002-ssm-wired-stacks" / "database.yaml"
APP = GOOD / "RL002-ssm-wired-stacks.yaml"

WRITER = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Name: {name}
      Type: {type}
      Value: {value}
"""

READER = """\
Parameters:
  Listed:
    Type: AWS::SSM::Parameter::Value<CommaDelimitedList>
    Default: /w/list
  Plain:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /w/plain
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: "{ref}"
"""


def check(*argv: str) -> tuple[int, dict[str, Any]]:
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", *argv, "--no-lint", "--format", "json"])
    return code, json.loads(out.getvalue())


def _load(tmp_path: Path, writers: list[str], reader: str) -> tuple[Any, Any]:
    from rdslink.sources.cloudformation.loader import TemplateLoader

    loader = TemplateLoader()
    for i, w in enumerate(writers):
        p = tmp_path / f"w{i}.yaml"
        p.write_text(w)
        loader.add_input(str(p), str(p), {})
    r = tmp_path / "reader.yaml"
    r.write_text(reader)
    stack = loader.add_input(str(r), str(r), {})
    return loader, stack


def test_two_stack_ssm_wired_pair_is_decided() -> None:
    code, doc = check(str(DATABASE), str(APP))
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("Fn", "Db", "REACHABLE")]
    assert code == 0


def test_reader_alone_stays_unknown_naming_the_ssm_names() -> None:
    code, doc = check(str(APP))
    assert code == 3
    [pair] = doc["pairs"]
    assert pair["target"]["id"] == "?/app/DbEndpoint" and pair["verdict"] == "UNKNOWN"
    evidence = " ".join(f["evidence"] for f in doc["findings"])
    assert "/app/PrivateSubnetIds" in evidence and "/app/AppSecurityGroupId" in evidence


@pytest.mark.parametrize("ref", ["{{resolve:ssm:/w/plain}}", "{{resolve:ssm:/w/plain:12}}",
                                 "pre-{{resolve:ssm:/w/plain}}-post"])
def test_dynamic_reference_with_and_without_version(tmp_path: Path, ref: str) -> None:
    _, stack = _load(tmp_path, [WRITER.format(name="/w/plain", type="String", value="hello")],
                     READER.format(ref=ref))
    want = ref.replace("{{resolve:ssm:/w/plain:12}}", "hello").replace("{{resolve:ssm:/w/plain}}", "hello")
    assert stack.props("Q")["QueueName"] == want


def test_dynamic_reference_built_with_sub(tmp_path: Path) -> None:
    reader = READER.format(ref="x").replace('QueueName: "x"', 'QueueName: !Sub "{{resolve:ssm:/w/${AWS::Region}}}"')
    _, stack = _load(tmp_path, [WRITER.format(name="/w/us-east-1", type="String", value="east")], reader)
    assert stack.props("Q")["QueueName"] == "east"


def test_ssm_typed_parameters_take_the_written_value(tmp_path: Path) -> None:
    writers = [WRITER.format(name="/w/list", type="StringList", value='"a,b"'),
               WRITER.format(name="/w/plain", type="String", value="!Ref Topic")]
    _, stack = _load(tmp_path, writers, READER.format(ref="x"))
    assert stack.parameter("Listed") == ["a", "b"]
    assert isinstance(stack.parameter("Plain"), str) and stack.parameter("Plain").startswith("topic-")


def test_ssm_secure_is_never_resolved(tmp_path: Path) -> None:
    from rdslink.model import Unresolved

    ref = "{{resolve:ssm-secure:/w/plain:1}}"
    _, stack = _load(tmp_path, [WRITER.format(name="/w/plain", type="String", value="s3cr3t")],
                     READER.format(ref=ref))
    value = stack.props("Q")["QueueName"]
    assert value == ref and "s3cr3t" not in str(value)
    assert not isinstance(value, Unresolved)


def test_name_nobody_writes_stays_unresolved(tmp_path: Path) -> None:
    from rdslink.model import Unresolved

    _, stack = _load(tmp_path, [WRITER.format(name="/other", type="String", value="v")], READER.format(ref="x"))
    assert isinstance(stack.parameter("Plain"), Unresolved)
    assert "no input writes it" in stack.parameter("Plain").reason


def test_a_stack_does_not_read_its_own_parameter(tmp_path: Path) -> None:
    """CloudFormation resolves the reference before the stack creates the parameter."""
    from rdslink.model import Unresolved

    own = WRITER.format(name="/w/plain", type="String", value="v") + READER.format(ref="x").split("Resources:\n")[1]
    own = "Parameters:\n  Plain:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /w/plain\n" + own
    _, stack = _load(tmp_path, [], own)
    assert isinstance(stack.parameter("Plain"), Unresolved)
