"""Inputs of the wrong shape, hostile files and secrets (issue 8, section 2): every input ends in a verdict or one
clear error line naming the file, the resource or JSON path and the field; EC2-invalid rules are RL004, never
REACHABLE; nothing secret is ever printed."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from rdslink.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "templates" / "good" / "RL201-db-sg-admits-lambda-sg.yaml"
SNAPSHOT = FIXTURES / "describe" / "app-db"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(*argv: str, fmt: str = "json", timeout: int = 60) -> tuple[int, str, str]:
    """Run the CLI in-process; an input that runs longer than ``timeout`` fails the test (no hang)."""
    out, err = io.StringIO(), io.StringIO()

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError("rdslink did not finish: hang")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["check", *argv, "--format", fmt, "--no-lint"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


def input_error(result: tuple[int, str, str], *needles: str) -> str:
    """Assert exit 2 with exactly one ``rdslink: error:`` line containing every needle (regexes); return it."""
    code, out, err = result
    assert "Traceback" not in out + err, err
    assert code == 2, f"exit {code}; stderr {err!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rdslink: error: "), lines
    for n in needles:
        assert re.search(n, lines[0]), f"/{n}/ not in {lines[0]!r}"
    assert out == ""
    return lines[0]


def good_template() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    data, matches = decode_str(GOOD.read_text())
    assert not matches
    return json.loads(json.dumps(data))


def write_json(name: str, doc: Any) -> str:
    Path(name).write_text(json.dumps(doc, indent=1))
    return name


# ---- intrinsic functions and sections of the wrong shape -------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "needles"),
    [
        (("Fn", "Environment", "DB_HOST"), {"Fn::GetAtt": True}, [r"Fn::GetAtt", r"Resources\.Fn\.Properties"
                                                                  r"\.Environment\.Variables\.DB_HOST", r"boolean"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::Join": []}, [r"Fn::Join", r"DB_HOST", r"list"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::Sub": ["${x}", "str"]}, [r"Fn::Sub", r"DB_HOST", r"string"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::Select": "0"}, [r"Fn::Select", r"DB_HOST"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::If": "Cond"}, [r"Fn::If", r"DB_HOST"]),
        (("Fn", "Environment", "DB_HOST"), {"Ref": ["Db"]}, [r"Ref", r"DB_HOST", r"list"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::FindInMap": ["M", "a"]}, [r"Fn::FindInMap", r"DB_HOST"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::Split": [",", ["a"]]}, [r"Fn::Split", r"DB_HOST"]),
        (("Fn", "Environment", "DB_HOST"), {"Fn::Cidr": "10.0.0.0/16"}, [r"Fn::Cidr", r"DB_HOST"]),
    ],
    ids=["getatt-bool", "join-empty", "sub-str-vars", "select-str", "if-str", "ref-list", "findinmap-short",
         "split-list-source", "cidr-str"],
)
def test_intrinsic_with_wrong_argument_shape(where: tuple[str, ...], value: Any, needles: list[str]) -> None:
    doc = good_template()
    doc["Resources"][where[0]]["Properties"][where[1]]["Variables"][where[2]] = value
    msg = input_error(run(write_json("t.json", doc)), *needles)
    assert msg.startswith("rdslink: error: t.json")


@pytest.mark.parametrize(
    ("condition", "fn"),
    [({"Fn::Equals": "x"}, "Fn::Equals"), ({"Fn::Equals": ["a"]}, "Fn::Equals"), ({"Fn::And": "x"}, "Fn::And"),
     ({"Fn::Or": [{"Condition": "Other"}]}, "Fn::Or"), ({"Fn::Not": {"Condition": "Other"}}, "Fn::Not"),
     ({"Fn::Not": [{"Condition": ["Other"]}]}, "Condition")],
)
def test_condition_that_is_not_a_list(condition: Any, fn: str) -> None:
    doc = good_template()
    doc["Conditions"] = {"Other": {"Fn::Equals": ["a", "a"]}, "Cond": condition}
    doc["Resources"]["Db"]["Condition"] = "Cond"
    input_error(run(write_json("t.json", doc)), r"t\.json", re.escape(fn), r"Conditions\.Cond")


@pytest.mark.parametrize(
    ("section", "value", "needle"),
    [("Outputs", "a string", r"Outputs: expected a mapping, got a string"),
     ("Parameters", ["P"], r"Parameters: expected a mapping, got a list"),
     ("Conditions", 5, r"Conditions: expected a mapping"),
     ("Mappings", {"M": "x"}, r"Mappings\.M: expected a mapping"),
     ("Outputs", {"O": {"Value": "x", "Export": "name"}}, r"Outputs\.O\.Export: expected a mapping")],
)
def test_section_of_the_wrong_shape(section: str, value: Any, needle: str) -> None:
    doc = good_template()
    doc[section] = value
    input_error(run(write_json("t.json", doc)), r"t\.json", needle)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [("Properties", ["x"], r"Resources\.Fn\.Properties: expected a mapping, got a list"),
     ("Condition", ["C"], r"Resources\.Fn\.Condition: expected a condition name"),
     ("DependsOn", {"a": 1}, r"Resources\.Fn\.DependsOn")],
)
def test_resource_field_of_the_wrong_shape(field: str, value: Any, needle: str) -> None:
    doc = good_template()
    doc["Resources"]["Fn"][field] = value
    input_error(run(write_json("t.json", doc)), r"t\.json", needle)


def test_non_mapping_resource() -> None:
    doc = good_template()
    doc["Resources"]["Fn"] = "AWS::Lambda::Function"
    input_error(run(write_json("t.json", doc)), r"t\.json", r"Fn", r"Type")


def test_yaml_error_names_the_line() -> None:
    text = GOOD.read_text().replace("DB_HOST: !GetAtt Db.Endpoint.Address", "DB_HOST: !Join []")
    Path("t.yaml").write_text(text)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "DB_HOST: !Join" in x)
    input_error(run("t.yaml"), rf"t\.yaml:{line}:", r"Fn::Join")


@pytest.mark.parametrize("value", ["sg-123", ["a", "b"], 5])
def test_property_of_the_wrong_type_is_rl004_not_a_crash(value: Any) -> None:
    doc = good_template()
    doc["Resources"]["Fn"]["Properties"]["Environment"] = value
    code, out, err = run(write_json("t.json", doc))
    assert code == 1, err
    found = json.loads(out)
    rl004 = [f for f in found["findings"] if f["id"] == "RL004"]
    assert rl004 and "Environment must be a mapping" in rl004[0]["evidence"], found["findings"]
    assert all(p["verdict"] != "REACHABLE" for p in found["pairs"])


# ---- security-group rules EC2 rejects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "why"),
    [({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 70000}, r"ToPort 70000 is outside 0-65535"),
     ({"IpProtocol": "tcp", "FromPort": -1, "ToPort": -1}, r"FromPort -1"),
     ({"IpProtocol": "udp", "FromPort": 0, "ToPort": -1}, r"ToPort -1"),
     ({"IpProtocol": "tcp", "FromPort": 6000, "ToPort": 5000}, r"FromPort 6000 is greater than ToPort 5000"),
     ({"IpProtocol": "tcp", "FromPort": None, "ToPort": 5432}, r"without FromPort"),
     ({"IpProtocol": "tcp"}, r"without FromPort")],
    ids=["toport-over-65535", "tcp-minus-one", "udp-minus-one", "from-above-to", "null-fromport", "no-ports"],
)
def test_security_group_rule_ec2_rejects_is_rl004_never_reachable(rule: dict[str, Any], why: str) -> None:
    doc = good_template()
    ingress = doc["Resources"]["DbSecurityGroup"]["Properties"]["SecurityGroupIngress"][0]
    for k in ("FromPort", "ToPort"):
        ingress.pop(k)
    ingress.update({k: v for k, v in rule.items() if v is not None or k == "FromPort"})
    code, out, err = run(write_json("t.json", doc))
    found = json.loads(out)
    assert [p["verdict"] for p in found["pairs"]] == ["BLOCKED"], found["pairs"]
    assert code == 1
    rl004 = [f for f in found["findings"] if f["id"] == "RL004"]
    assert rl004, found["findings"]
    assert re.search(why, rl004[0]["evidence"]) and "SecurityGroupIngress[0]" in rl004[0]["evidence"]


def test_valid_rule_still_reachable() -> None:
    code, out, err = run(write_json("t.json", good_template()))
    assert code == 0 and [p["verdict"] for p in json.loads(out)["pairs"]] == ["REACHABLE"], err


# ---- describe-JSON of the wrong shape ------------------------------------------------------------------------------


def snapshot_copy() -> Path:
    dest = Path("snap")
    shutil.copytree(SNAPSHOT, dest)
    return dest


def edit(folder: Path, name: str, change: Any) -> Path:
    path = folder / "us-east-1" / name
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return path


def test_snapshot_fixture_is_reachable() -> None:
    snap = snapshot_copy()
    code, out, err = run(str(snap))
    assert code == 0, err
    assert [p["verdict"] for p in json.loads(out)["pairs"]] == ["REACHABLE"]


@pytest.mark.parametrize(
    ("file", "change", "needles"),
    [
        ("ec2-describe-vpcs.json", lambda d: d.update(Vpcs=["vpc-1"]), [r"Vpcs\[0\]: expected an object, got a string"]),
        ("ec2-describe-vpcs.json", lambda d: d.update(Vpcs="vpc-1"), [r"Vpcs: expected a list"]),
        ("ec2-describe-security-groups.json",
         lambda d: d["SecurityGroups"][1]["IpPermissions"][0].update(IpRanges=["10.0.0.0/8"]),
         [r"SecurityGroups\[1\]\.IpPermissions\[0\]\.IpRanges\[0\]: expected an object, got a string"]),
        ("ec2-describe-subnets.json", lambda d: d["Subnets"][0].update(Tags="Name=private-a"),
         [r"Subnets\[0\]\.Tags: expected a list of objects, got a string"]),
        ("ec2-describe-subnets.json", lambda d: d["Subnets"][0].update(Tags=["Name"]),
         [r"Subnets\[0\]\.Tags\[0\]: expected an object"]),
        ("lambda-list-functions.json", lambda d: d["Functions"][0].update(VpcConfig=["subnet-0a"]),
         [r"Functions\[0\]\.VpcConfig: expected an object, got a list"]),
        ("lambda-list-functions.json", lambda d: d["Functions"][0]["VpcConfig"].update(SubnetIds=[1, 2]),
         [r"Functions\[0\]\.VpcConfig\.SubnetIds\[0\]: expected a string, got a number"]),
        ("rds-describe-db-instances.json", lambda d: d["DBInstances"][0].update(Endpoint="host"),
         [r"DBInstances\[0\]\.Endpoint: expected an object"]),
        ("rds-describe-db-instances.json", lambda d: d["DBInstances"][0]["Endpoint"].update(Port="five"),
         [r"DBInstances\[0\]\.Endpoint\.Port: expected an integer"]),
        ("ec2-describe-network-acls.json", lambda d: d["NetworkAcls"][0]["Entries"][0].update(Egress="sometimes"),
         [r"NetworkAcls\[0\]\.Entries\[0\]\.Egress: expected true or false"]),
        ("iam-get-account-authorization-details.json",
         lambda d: d["RoleDetailList"][0].update(RolePolicyList={"PolicyName": "x"}),
         [r"RoleDetailList\[0\]\.RolePolicyList: expected a list of objects"]),
    ],
    ids=["vpcs-of-strings", "vpcs-string", "ipranges-of-strings", "tags-string", "tags-of-strings",
         "vpcconfig-list", "subnetids-numbers", "endpoint-string", "port-word", "egress-word", "policies-object"],
)
def test_describe_json_of_the_wrong_shape(file: str, change: Any, needles: list[str]) -> None:
    snap = snapshot_copy()
    edit(snap, file, change)
    input_error(run(str(snap)), re.escape(f"snap/us-east-1/{file}"), *needles)


@pytest.mark.parametrize(
    "perm",
    [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 70000}, {"IpProtocol": "tcp", "FromPort": -1, "ToPort": -1},
     {"IpProtocol": "tcp", "FromPort": 5433, "ToPort": 5432}, {"IpProtocol": "tcp", "FromPort": None, "ToPort": 5432}],
)
def test_describe_rule_ec2_would_reject_is_an_input_error(perm: dict[str, Any]) -> None:
    snap = snapshot_copy()
    edit(snap, "ec2-describe-security-groups.json",
         lambda d: d["SecurityGroups"][1]["IpPermissions"][0].update(perm))
    input_error(run(str(snap)), r"SecurityGroups\[1\]\.IpPermissions\[0\]", r"EC2")


def test_duplicate_key_in_describe_json_is_a_warning_naming_it() -> None:
    snap = snapshot_copy()
    path = snap / "us-east-1" / "ec2-describe-subnets.json"
    text = path.read_text()
    path.write_text(text.replace('"SubnetId": "subnet-0a",', '"SubnetId": "subnet-0x", "SubnetId": "subnet-0a",', 1))
    code, out, err = run(str(snap))
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert any("ec2-describe-subnets.json" in w and "duplicate key 'SubnetId'" in w for w in warnings), warnings


# ---- resource bounds -------------------------------------------------------------------------------------------------


BILLION_LAUGHS = textwrap.dedent("""
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    Resources:
      Q:
        Type: AWS::SQS::Queue
        Properties:
          Tags: *i
    """)


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    Path("laughs.yaml").write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 1200
    start = time.monotonic()
    input_error(run("laughs.yaml", timeout=30), r"laughs\.yaml", r"alias")
    assert time.monotonic() - start < 30


def test_small_alias_use_is_fine() -> None:
    text = GOOD.read_text().replace("Runtime: python3.12", "Runtime: &rt python3.12")
    text = text.replace("Timeout: 15", "Timeout: 15\n      Description: *rt")
    Path("t.yaml").write_text(text)
    code, out, err = run("t.yaml")
    assert code == 0, err


def test_fifo_as_template_does_not_hang() -> None:
    os.mkfifo("pipe.yaml")
    input_error(run("pipe.yaml", timeout=20), r"pipe\.yaml", r"FIFO|not a regular file")


def test_dev_zero_as_template() -> None:
    os.symlink("/dev/zero", "zero.yaml")
    input_error(run("zero.yaml", timeout=20), r"zero\.yaml", r"device|not a regular file")


def test_symlink_loop_as_template() -> None:
    os.symlink("loop-b.yaml", "loop-a.yaml")
    os.symlink("loop-a.yaml", "loop-b.yaml")
    input_error(run("loop-a.yaml"), r"loop-a\.yaml", r"symbolic link loop")


def test_dev_zero_fifo_and_folder_links_inside_a_snapshot_are_skipped_with_warnings() -> None:
    snap = snapshot_copy()
    os.symlink("/dev/zero", snap / "us-east-1" / "zero.json")
    os.mkfifo(snap / "us-east-1" / "pipe.json")
    os.symlink(os.path.abspath(snap), snap / "us-east-1" / "again")
    code, out, err = run(str(snap), timeout=30)
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert any("zero.json" in w and "not a regular file" in w for w in warnings), warnings
    assert any("pipe.json" in w and "FIFO" in w for w in warnings), warnings
    assert any("again" in w and "not followed" in w for w in warnings), warnings


def test_symlink_loop_inside_a_snapshot_is_an_error_naming_it() -> None:
    snap = snapshot_copy()
    os.symlink("b.json", snap / "us-east-1" / "a.json")
    os.symlink("a.json", snap / "us-east-1" / "b.json")
    input_error(run(str(snap)), r"snap/us-east-1/a\.json", r"symbolic link loop")


def test_unreadable_sub_folder_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = snapshot_copy()
    hidden = snap / "eu-west-1"
    hidden.mkdir()
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(os.fspath(path)) == os.path.abspath(hidden):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    input_error(run(str(snap)), r"snap/eu-west-1", r"cannot read folder", r"[Pp]ermission denied")


def test_unreadable_file_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = snapshot_copy()
    target = os.path.abspath(snap / "us-east-1" / "ec2-describe-subnets.json")
    real = os.open

    def fake_open(path: Any, flags: int, *a: Any, **k: Any) -> int:
        if os.path.abspath(os.fspath(path)) == target:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", fake_open)
    input_error(run(str(snap)), r"snap/us-east-1/ec2-describe-subnets\.json", r"permission denied")


# ---- text output escapes input strings -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fn[/]", "[bold]fn", "fn\\", "[/][link=x]"])
def test_markup_in_names_is_printed_literally(name: str) -> None:
    doc = good_template()
    doc["Resources"]["Fn"]["Properties"]["FunctionName"] = name
    doc["Resources"]["Db"]["Properties"]["Engine"] = "postgres"
    doc["Resources"]["DbSecurityGroup"]["Properties"]["GroupName"] = name
    code, out, err = run(write_json("t.json", doc), fmt="text")
    assert code == 0, err
    assert "REACHABLE" in out


def test_finding_resources_are_shown_in_text() -> None:
    doc = good_template()
    doc["Resources"]["Cust"] = {"Type": "Custom::Thing", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x"}}
    code, out, err = run(write_json("t.json", doc), fmt="text")
    assert code == 0, err
    assert re.search(r"RL003 info: .*\[Cust\]", out), out


# ---- secrets never printed ---------------------------------------------------------------------------------------------


SECRET = "s3cr3t-Value-Hunter2"


def noecho_port_template() -> dict[str, Any]:
    doc = good_template()
    doc["Parameters"] = {"DbPort": {"Type": "Number", "NoEcho": True},
                         "AdminPassword": {"Type": "String", "NoEcho": "true"}}
    db = doc["Resources"]["Db"]["Properties"]
    db["Port"] = {"Ref": "DbPort"}
    ingress = doc["Resources"]["DbSecurityGroup"]["Properties"]["SecurityGroupIngress"][0]
    ingress["FromPort"] = ingress["ToPort"] = {"Ref": "DbPort"}
    db.pop("ManageMasterUserPassword")
    db["MasterUserPassword"] = {"Ref": "AdminPassword"}
    return doc


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_noecho_values_never_printed(fmt: str) -> None:
    write_json("t.json", noecho_port_template())
    code, out, err = run("t.json", "-p", "DbPort=15432", "-p", f"AdminPassword={SECRET}", fmt=fmt)
    assert code in (0, 1, 3), err
    assert "15432" not in out + err
    assert SECRET not in out + err
    if fmt == "json":
        doc = json.loads(out)
        assert doc["pairs"], doc


def test_noecho_port_absent_from_finding_resources() -> None:
    doc = noecho_port_template()
    doc["Resources"]["Fn"]["Properties"].pop("VpcConfig")  # RL101 names the target and its port
    write_json("t.json", doc)
    code, out, err = run("t.json", "-p", "DbPort=15432", "-p", f"AdminPassword={SECRET}")
    assert code == 1, err
    found = json.loads(out)
    pair_findings = [f for p in found["pairs"] for f in p["findings"]]
    assert any(f["id"] == "RL101" for f in pair_findings), pair_findings
    assert "15432" not in out
    assert "****" in json.dumps(found["pairs"][0]["target"]), found["pairs"][0]["target"]


def test_parameter_for_unknown_file_does_not_echo_the_value() -> None:
    write_json("t.json", good_template())
    msg = input_error(run("t.json", "-p", f"other.yaml:Password={SECRET}"), r"other\.yaml", r"not one of the inputs")
    assert SECRET not in msg


def test_literal_password_and_password_env_var_never_printed() -> None:
    doc = good_template()
    db = doc["Resources"]["Db"]["Properties"]
    db.pop("ManageMasterUserPassword")
    db["MasterUserPassword"] = SECRET
    doc["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["DB_PASSWORD"] = SECRET + "-env"
    doc["Resources"]["Fn"]["Properties"]["Role"] = SECRET + "-env"  # echoed in evidence if not redacted
    write_json("t.json", doc)
    for fmt in ("json", "text"):
        code, out, err = run("t.json", fmt=fmt)
        assert "Traceback" not in err
        assert SECRET not in out + err, (out + err)[:2000]


def test_password_env_var_in_a_snapshot_never_printed() -> None:
    snap = snapshot_copy()
    edit(snap, "lambda-list-functions.json",
         lambda d: d["Functions"][0].update(Role=d["Functions"][0]["Environment"]["Variables"]["DB_PASSWORD"]))
    for fmt in ("json", "text"):
        code, out, err = run(str(snap), fmt=fmt)
        assert code in (0, 1, 3), err
        assert "EnvPwdCanary" not in out + err


# ---- pair discovery: numbers are never endpoints ---------------------------------------------------------------------


def test_unresolved_port_parameter_never_becomes_a_target() -> None:
    doc = good_template()
    doc["Parameters"] = {"DatabasePort": {"Type": "Number"}, "DatabaseHostPort": {"Type": "String"}}
    env = doc["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    env["DB_ENDPOINT_PORT"] = {"Ref": "DatabaseHostPort"}
    env["DB_HOST_NUMBER"] = {"Ref": "DatabasePort"}
    code, out, err = run(write_json("t.json", doc))
    targets = [p["target"] for p in json.loads(out)["pairs"]]
    assert not any(str(t).startswith("?") for t in targets), targets
    assert len(targets) == 1


def test_unresolved_host_parameter_still_becomes_a_target() -> None:
    doc = good_template()
    doc["Parameters"] = {"OtherDbHost": {"Type": "String"}}
    doc["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["DB_HOST"] = {"Ref": "OtherDbHost"}
    code, out, err = run(write_json("t.json", doc))
    targets = [p["target"] for p in json.loads(out)["pairs"]]
    assert "?OtherDbHost" in [str(t) for t in targets] or any("OtherDbHost" in str(t) for t in targets), targets


def test_dynamic_reference_contents_never_printed() -> None:
    doc = good_template()
    env = doc["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    env["DB_PASSWORD"] = "{{resolve:secretsmanager:prod/app:SecretString:password}}"
    env["API_KEY"] = "{{resolve:ssm-secure:/prod/api-key-9f2:1}}"
    doc["Resources"]["Fn"]["Properties"]["Role"] = env["DB_PASSWORD"] + env["API_KEY"]
    for fmt in ("json", "text"):
        code, out, err = run(write_json("t.json", doc), fmt=fmt)
        assert "Traceback" not in err
        assert "SecretString:password" not in out + err and "api-key-9f2" not in out + err
        assert "{{resolve:secretsmanager:****}}" in out, out[:3000]


# ---- nested stacks that include themselves ------------------------------------------------------------------------


def test_nested_stack_that_includes_itself_is_rl004_and_ends() -> None:
    Path("a.yaml").write_text("Resources:\n  B:\n    Type: AWS::CloudFormation::Stack\n"
                              "    Properties: {TemplateURL: b.yaml}\n")
    Path("b.yaml").write_text("Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n"
                              "    Properties: {TemplateURL: ./a.yaml}\n")
    code, out, err = run("a.yaml", timeout=60)
    assert code == 1, err
    rl004 = [f for f in json.loads(out)["findings"] if f["id"] == "RL004"]
    assert rl004 and "includes itself" in rl004[0]["evidence"] and "B/A" in rl004[0]["resources"], rl004


def test_bindings_file_that_is_a_fifo_does_not_hang() -> None:
    write_json("t.json", good_template())
    os.mkfifo("bind.yaml")
    input_error(run("t.json", "--bindings", "bind.yaml", timeout=20), r"bind\.yaml", r"FIFO|not a regular file")


def test_function_subnet_without_cidr_on_a_service_path_is_not_a_crash() -> None:
    """Found by the fuzz test: a function subnet whose CidrBlock is unknown reached the service-path tracer."""
    from cfnlint.decode import decode_str

    src = FIXTURES / "templates" / "bad" / "RL507-s3-gateway-endpoint-not-associated.yaml"
    doc, _ = decode_str(src.read_text())
    doc = json.loads(json.dumps(doc))
    for res in doc["Resources"].values():
        if res["Type"] == "AWS::EC2::Subnet":
            res["Properties"].pop("CidrBlock", None)
    code, out, err = run(write_json("t.json", doc))
    assert code in (1, 3), err
    assert json.loads(out)["pairs"] or json.loads(out)["findings"]


@pytest.mark.parametrize("key", ["ManagedPolicyArns", "Policies"])
def test_null_list_elements_in_a_role_are_not_a_crash(key: str) -> None:
    """Found by the fuzz test: ``ManagedPolicyArns: [null]`` reached the IAM evaluation as None."""
    doc = good_template()
    doc["Resources"]["FnRole"]["Properties"][key] = [None]
    code, out, err = run(write_json("t.json", doc))
    assert code in (0, 1, 3), err
    assert len(json.loads(out)["pairs"]) == 1
