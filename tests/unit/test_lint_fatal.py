"""Issue 11 item 6: RL004 from cfn-lint only when certain; the table of fatal rules and E3012 cases names a
source for each."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from rdslink.sources.lint import FATAL_RULES, SHAPE_CASES, classify


def test_every_fatal_rule_and_case_has_a_source() -> None:
    assert all(source.strip() for _, source in FATAL_RULES.values())
    assert all(source.strip() for _, _, source in SHAPE_CASES)


@pytest.mark.parametrize("rule,message,fatal", [
    ("E3002", "Additional properties are not allowed ('Engin' was unexpected)", True),
    ("E3012", "{'IpProtocol': 'tcp', 'FromPort': 1} is not of type 'array'", True),
    ("E3012", "'sg-1' is not of type 'array'", True),
    ("E3012", "{'Resources': {'Q': {'Type': 'AWS::SQS::Queue'}}} is not of type 'string'", True),
    ("E3012", "'5432' is not of type 'integer'", False),
    ("E3012", "'true' is not of type 'boolean'", False),
    ("E3012", "['ls'] is not of type 'object'", False),
    ("E3012", "'x' is not of type 'object'", False),
    ("E3012", "something cfn-lint may say in a later version", False),
    ("E2533", "Runtime 'nodejs12.x' was deprecated", False),
    ("E3691", "'5.7.26' is not one of [...]", False),
])
def test_classify(rule: str, message: str, fatal: bool) -> None:
    got, source = classify(rule, message)
    assert got is fatal
    if fatal:
        assert source


def _check(path: Path) -> tuple[int, dict]:
    from rdslink.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", str(path), "--format", "json"])
    return code, json.loads(out.getvalue())


GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "good" / "RL201-db-sg-admits-lambda-sg.yaml"


def test_uncertain_type_mismatch_is_a_warning_not_rl004(tmp_path: Path) -> None:
    """An E3012 no source shows failing leaves the verdicts alone and is reported as a warning."""
    p = tmp_path / "t.yaml"
    p.write_text(GOOD.read_text() + """  Association:
    Type: AWS::SSM::Association
    Properties:
      Name: AWS-RunShellScript
      Parameters: "x"
""")
    code, doc = _check(p)
    assert not [f for f in doc["findings"] if f["id"] == "RL004"]
    assert any("cfn-lint E3012 on Association" in w and "not counted as will-not-deploy" in w
               for w in doc["warnings"])
    assert code == 0


def test_single_mapping_for_a_list_is_rl004(tmp_path: Path) -> None:
    text = GOOD.read_text().replace(
        "      VPCSecurityGroups:\n        - !GetAtt DbSecurityGroup.GroupId\n",
        "      VPCSecurityGroups: {Ref: DbSecurityGroup}\n")
    assert text != GOOD.read_text()
    p = tmp_path / "t.yaml"
    p.write_text(text)
    code, doc = _check(p)
    assert code == 1
    assert [f for f in doc["findings"] if f["id"] == "RL004"]
