"""Bad input through the CLI: every case must exit 2 with exactly one stderr line naming the file (and the line
when there is one) and the reason, print no JSON, and never show a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import re
import textwrap
from pathlib import Path

import pytest

from rdslink.cli import main

from ..shared_dir import SHARED

CORPUS = SHARED / "corpus" / "templates"
INVALID_JSON_CASE = CORPUS / "secretsmanager-hosted-rotation-transform-cfn"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> str:
    Path(name).write_text(textwrap.dedent(text).lstrip("\n"))
    return name


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["check", *argv, "--format", "json"])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def assert_input_error(result: tuple[int, str, str], file: str, reason: str, line: int | str | None = None) -> str:
    code, out, err = result
    assert "Traceback" not in out + err, err
    assert code == 2, f"exit {code}, stderr: {err!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    msg = lines[0]
    assert file in msg, msg
    if line is not None:
        assert re.search(rf"{re.escape(file)}:{line}\b", msg), f"line {line} not named: {msg}"
    assert re.search(reason, msg.replace(file, ""), re.IGNORECASE), f"reason /{reason}/ not in: {msg}"
    assert out.strip() == "", "no JSON document on an input error"
    return msg


GOOD = """
    Resources:
      Q: {Type: AWS::SQS::Queue}
    """


# ---- unreadable / undecodable files -------------------------------------------------------------------------------


def test_missing_file() -> None:
    assert_input_error(run("does-not-exist.yaml"), "does-not-exist.yaml", r"cannot read|no such|not found|missing")


def test_missing_file_among_good_ones() -> None:
    write("good.yaml", GOOD)
    assert_input_error(run("good.yaml", "gone.yaml"), "gone.yaml", r"cannot read|no such|not found|missing")


def test_folder_that_holds_no_input() -> None:
    Path("adir.yaml").mkdir()
    Path("adir.yaml/notes.txt").write_text("nothing to see\n")
    assert_input_error(run("adir.yaml"), "adir.yaml", r"folder|director|describe|json|no .*input")


def test_invalid_yaml_names_the_line() -> None:
    write("bad.yaml", """
        Resources:
          A:
            Type: AWS::SNS::Topic
            Properties: {TopicName: [x}
          B:
            Type: AWS::SQS::Queue
        """)
    assert_input_error(run("bad.yaml"), "bad.yaml", r"yaml|parse|invalid", line=4)


def test_invalid_yaml_duplicate_key() -> None:
    write("dup.yaml", """
        Resources:
          A: {Type: AWS::SNS::Topic}
          A: {Type: AWS::SQS::Queue}
        """)
    assert_input_error(run("dup.yaml"), "dup.yaml", r"duplicate")


def test_invalid_json_names_the_line() -> None:
    Path("bad.json").write_text(
        '{\n  "Resources": {\n    "A": {\n      "Type": "AWS::SNS::Topic"\n      "Properties": {}\n    }\n  }\n}\n'
    )
    assert_input_error(run("bad.json"), "bad.json", r"json|yaml|parse|invalid", line="[45]")


def test_invalid_json_from_the_corpus() -> None:
    path = INVALID_JSON_CASE / "template.extracted.json"
    if not path.is_file():
        pytest.skip(f"corpus not present at {CORPUS}")
    assert_input_error(run(str(path)), "template.extracted.json", r"json|parse|invalid", line=181)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("plain.yaml", "foo: bar\nlist: [1, 2]\n"),
        ("plain.json", '{"foo": "bar"}\n'),
        ("empty-resources.yaml", "Resources: {}\n"),
        ("null-doc.yaml", "---\n...\n"),
        ("top-list.yaml", "- a\n- b\n"),
        ("outputs-only.yaml", "Outputs:\n  X: {Value: 1}\n"),
    ],
)
def test_not_cloudformation(name: str, text: str) -> None:
    Path(name).write_text(text)
    assert_input_error(run(name), name, r"not a cloudformation|resources")


def test_resource_without_type() -> None:
    write("notype.yaml", """
        Resources:
          Q: {Type: AWS::SQS::Queue}
          A: {Properties: {}}
        """)
    assert_input_error(run("notype.yaml"), "notype.yaml", r"type", line=3)


@pytest.mark.parametrize(("name", "content"), [("empty.yaml", b""), ("blank.json", b"  \n\n\t\n"),
                                               ("bom.yaml", b"\xef\xbb\xbf")])
def test_empty_file(name: str, content: bytes) -> None:
    Path(name).write_bytes(content)
    assert_input_error(run(name), name, r"empty")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,  # not UTF-8
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,  # UTF-8 decodable but control characters
        bytes(range(128)) * 4,
    ],
    ids=["png", "elf", "ascii-controls"],
)
def test_binary_file(content: bytes) -> None:
    Path("blob.yaml").write_bytes(content)
    assert_input_error(run("blob.yaml"), "blob.yaml", r"binary|utf-?8|not text|control|character|parse|invalid")


def test_fifty_megabyte_file() -> None:
    with open("huge.yaml", "w") as fh:
        fh.write("Resources:\n")
        chunk = "".join(f"  T{i}:\n    Type: AWS::SNS::Topic\n" for i in range(2000))
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    assert Path("huge.yaml").stat().st_size >= 50 * 1024 * 1024
    assert_input_error(run("huge.yaml"), "huge.yaml", r"MB|too large|size|big")


def test_large_file_as_nested_template() -> None:
    write("parent.yaml", """
        Resources:
          Child:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: child.yaml}
        """)
    with open("child.yaml", "w") as fh:
        fh.write("Resources:\n" + "#" * 100 + "\n")
        fh.write(("# padding\n" * 1024) * 700)
        fh.write("  Q: {Type: AWS::SQS::Queue}\n")
    assert_input_error(run("parent.yaml"), "child.yaml", r"MB|too large|size|big")


# ---- dependency cycles ----------------------------------------------------------------------------------------------


def test_getatt_cycle_between_two_resources() -> None:
    write("getatt.yaml", """
        Resources:
          A:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, Port: !GetAtt B.Endpoint.Port}
          B:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, Port: !GetAtt A.Endpoint.Port}
        """)
    msg = assert_input_error(run("getatt.yaml"), "getatt.yaml", r"cycle|circular")
    assert re.search(r"\bA\b", msg) and re.search(r"\bB\b", msg), msg


def test_outputs_import_value_cycle_between_two_inputs() -> None:
    write("one.yaml", """
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          X:
            Value: !ImportValue y-export
            Export: {Name: x-export}
        """)
    write("two.yaml", """
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          Y:
            Value: !ImportValue x-export
            Export: {Name: y-export}
        """)
    assert_input_error(run("one.yaml", "two.yaml"), "one.yaml", r"cycle|circular")


SUB_CYCLE = """
    Resources:
      A:
        Type: AWS::RDS::DBInstance
        Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, DBInstanceIdentifier: !Sub "${B}-a"}
      B:
        Type: AWS::RDS::DBInstance
        Properties: {Engine: mysql, DBInstanceClass: db.t3.micro, DBInstanceIdentifier: !Sub "${A}-b"}
    """


def test_ref_cycle_through_resource_names_is_a_clean_error() -> None:
    write("names.yaml", SUB_CYCLE)
    # the one line gives the cycle itself, resource by resource, ending where it started
    assert_input_error(run("names.yaml"), "names.yaml", r"\bcycle: (A -> B -> A|B -> A -> B)$")


def test_ref_cycle_through_resource_names_is_named_a_cycle() -> None:
    write("names.yaml", SUB_CYCLE)
    msg = assert_input_error(run("names.yaml"), "names.yaml", r"cycle|circular")
    assert re.search(r"\bA\b", msg) and re.search(r"\bB\b", msg), msg


# ---- bindings and --parameter -------------------------------------------------------------------------------------

APP = """
    Parameters:
      SgId: {Type: String}
    Resources:
      Q: {Type: AWS::SQS::Queue}
    """
NET = """
    Resources:
      Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x}}
    Outputs:
      SgOut: {Value: !Ref Sg}
    """


@pytest.mark.parametrize(
    ("binding", "missing"),
    [
        ('{Ref: "net.yaml#NoSuchSg"}', "NoSuchSg"),
        ('{"Fn::GetAtt": ["net.yaml#NoSuchSg", GroupId]}', "NoSuchSg"),
        ('{"Fn::GetAtt": ["net.yaml#Outputs", NoSuchOutput]}', "NoSuchOutput"),
    ],
)
def test_binding_to_a_missing_resource(binding: str, missing: str) -> None:
    write("app.yaml", APP)
    write("net.yaml", NET)
    Path("bindings.yaml").write_text(f"# wiring\napp.yaml:\n  SgId: {binding}\n")
    msg = assert_input_error(run("app.yaml", "net.yaml", "--bindings", "bindings.yaml"), "bindings.yaml",
                             r"no resource|does not|not exist|not found|missing|has no", line=3)
    assert missing in msg


def test_binding_for_a_file_that_is_not_an_input() -> None:
    write("app.yaml", APP)
    write("net.yaml", NET)
    Path("bindings.yaml").write_text('other.yaml:\n  SgId: {Ref: "net.yaml#Sg"}\n')
    msg = assert_input_error(run("app.yaml", "net.yaml", "--bindings", "bindings.yaml"), "bindings.yaml",
                             r"not one of the inputs|not an input")
    assert "other.yaml" in msg


def test_missing_bindings_file() -> None:
    write("app.yaml", APP)
    assert_input_error(run("app.yaml", "--bindings", "nowhere.yaml"), "nowhere.yaml", r"cannot read|no such|not found")


def test_parameter_naming_a_file_that_is_not_an_input() -> None:
    write("app.yaml", APP)
    msg = assert_input_error(run("app.yaml", "--parameter", "other.yaml:SgId=sg-123"), "other.yaml",
                             r"not one of the inputs|not an input")
    assert "parameter" in msg.lower()


def test_malformed_parameter() -> None:
    write("app.yaml", APP)
    assert_input_error(run("app.yaml", "--parameter", "SgId"), "SgId", r"NAME=VALUE|malformed|invalid")


def test_no_input_at_all() -> None:
    code, out, err = run()
    assert code == 2 and "Traceback" not in out + err and len(err.strip().splitlines()) == 1


def test_good_input_still_works_here() -> None:
    """Guards the harness: the same helper on a valid template gives a JSON document and exit 0."""
    write("good.yaml", GOOD)
    code, out, err = run("good.yaml")
    assert code == 0 and '"schema": "rdslink/check/v1"' in out and "Traceback" not in err


# ---- template mistakes found by the mutation tests -----------------------------------------------------------------


def test_list_parameter_nested_in_a_list_is_not_a_crash() -> None:
    write("nested.yaml", """
        Parameters:
          Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "subnet-0aaa,subnet-0bbb"}
          Sgs: {Type: "List<AWS::EC2::SecurityGroup::Id>", Default: sg-0aaa}
        Resources:
          Db:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: postgres, DBInstanceClass: db.t3.micro, VPCSecurityGroups: [sg-0bbb]}
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::123456789012:role/r
              Runtime: python3.12
              Handler: index.h
              Code: {ZipFile: x}
              VpcConfig:
                SubnetIds: [!Ref Subnets]
                SecurityGroupIds: [!Ref Sgs]
              Environment:
                Variables: {DB_HOST: !GetAtt Db.Endpoint.Address}
        """)
    code, out, err = run("nested.yaml", "--no-lint")
    assert "Traceback" not in out + err
    # CloudFormation rejects a list inside SubnetIds: the stack will not deploy (RL004 on Fn), so BLOCKED, exit 1
    assert code == 1, f"exit {code}: {err}"
    doc = json.loads(out)
    assert [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("Fn", "Db", "BLOCKED")]
    rl004 = [f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL004"]
    assert [f["resources"] for f in rl004] == [["Fn"]], rl004
    assert "SubnetIds" in rl004[0]["evidence"], rl004[0]["evidence"]
