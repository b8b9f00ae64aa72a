"""RL002 for a function whose database endpoint no input defines tells the user what to pass, in the terms of
the input the function came from: ``--var``/``--var-file`` for Terraform, ``--parameter``/``--bindings`` for a
CloudFormation template (issue 9: the Terraform case used to be told to pass ``--parameter/--bindings``, options
that a Terraform-only run refuses with exit 2)."""

from __future__ import annotations

from pathlib import Path

from .test_check_fixtures import run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

TEMPLATE = """\
Parameters:
  DbHost:
    Type: String
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "x"}
      Handler: index.h
      Runtime: python3.12
      Environment:
        Variables:
          DB_HOST: !Ref DbHost
"""


def _endpoint_rl002(doc: dict) -> str:
    [pair] = doc["pairs"]
    assert pair["verdict"] == "UNKNOWN" and pair["target"]["id"].startswith("?")
    [finding] = [f for f in pair["findings"] if f["id"] == "RL002" and "no input defines" in f["evidence"]]
    return str(finding["evidence"])


def test_terraform_endpoint_variable_is_told_to_use_var_options() -> None:
    code, doc, err = run_check([str(FIXTURES / "terraform" / "bad" / "RL002-variable-without-default")], [])
    assert code == 3 and doc is not None, err
    evidence = _endpoint_rl002(doc)
    assert "--var" in evidence
    assert "--parameter" not in evidence and "--bindings" not in evidence, evidence


def test_template_endpoint_parameter_is_told_to_use_parameter_options(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    code, doc, err = run_check([str(tmp_path / "t.yaml")], ["--no-lint"])
    assert code == 3 and doc is not None, err
    evidence = _endpoint_rl002(doc)
    assert "--parameter" in evidence and "--var" not in evidence, evidence


def test_an_empty_transform_name_is_reported_on_the_transform_section(tmp_path: Path) -> None:
    """``Transform: ""`` names no macro: RL003 names the template's Transform section (not a resource ``''``),
    and the pair stays UNKNOWN, since whatever CloudFormation does with it is not modelled."""
    good = FIXTURES / "templates" / "good" / "RL201-db-sg-admits-lambda-sg.yaml"
    (tmp_path / "t.yaml").write_text('Transform: ""\n' + good.read_text())
    code, doc, err = run_check([str(tmp_path / "t.yaml")], ["--no-lint"])
    assert doc is not None, err
    rl003 = [f for f in doc["findings"] if f["id"] == "RL003"]
    assert [f["resources"] for f in rl003] == [["Transform"]], rl003
    assert "Transform" in rl003[0]["evidence"] and "t.yaml" in rl003[0]["evidence"]
    assert [p["verdict"] for p in doc["pairs"]] == ["UNKNOWN"] and code == 3


def test_described_account_endpoint_is_told_to_add_an_input(tmp_path: Path) -> None:
    """A described function (describe-* JSON) has literal values: there is no parameter or variable to pass,
    only the input that describes the database."""
    import json
    import shutil

    folder = tmp_path / "acct"
    shutil.copytree(FIXTURES / "describe" / "app-db", folder)
    fns = folder / "us-east-1" / "lambda-list-functions.json"
    doc = json.loads(fns.read_text())
    doc["Functions"][0]["Environment"]["Variables"]["DB_HOST"] = "billing.c1abcdefgh.us-east-1.rds.amazonaws.com"
    fns.write_text(json.dumps(doc))
    code, out, err = run_check([str(folder)], [])
    assert out is not None, err
    evidence = _endpoint_rl002(out)
    assert "--parameter" not in evidence and "--var" not in evidence, evidence
    assert "--account" in evidence and "--live" in evidence
