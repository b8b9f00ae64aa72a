"""Offline CloudFormation evaluator (sources/cloudformation/stack.py + loader.py) through small inline templates.

Every test writes a template into ``tmp_path`` (the working directory during the test) and evaluates it with
``TemplateLoader`` / ``Stack`` directly, or end to end with ``load_templates`` when the behaviour under test is
an issue (RL002/RL003/RL004) or the inventory the builder makes.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from rdslink.model import Unresolved
from rdslink.sources.cloudformation.loader import TemplateLoader, load_templates, parse_cli_parameters
from rdslink.sources.cloudformation.stack import CycleError
from rdslink.sources.errors import InputError


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return name


def stack(text: str, name: str = "t.yaml", params: dict[str, Any] | None = None, region: str = "us-east-1"):
    write(name, text)
    loader = TemplateLoader(region)
    return loader, loader.add_input(name, name, params or {})


def outputs(text: str, **kw: Any) -> dict[str, Any]:
    _, st = stack(text, **kw)
    return {name: st.output(name) for name in st.template["Outputs"]}


def issues(inv: Any, check: str) -> list[Any]:
    return [i for i in inv.issues if i.id == check]


def issue_resources(inv: Any, check: str) -> set[str]:
    return {r for i in issues(inv, check) for r in i.resources}


# ---- Ref and pseudo parameters ------------------------------------------------------------------------


def test_ref_parameters_pseudo_parameters_and_synthetic_ids() -> None:
    out = outputs(
        """
        Parameters:
          Env: {Type: String, Default: prod}
          Port: {Type: Number, Default: 5432}
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
          Vpc2: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
          Sub:
            Type: AWS::EC2::Subnet
            Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties: {GroupDescription: x, VpcId: !Ref Vpc}
        Outputs:
          Env: {Value: !Ref Env}
          Port: {Value: !Ref Port}
          Region: {Value: !Ref AWS::Region}
          Account: {Value: !Ref AWS::AccountId}
          Partition: {Value: !Ref AWS::Partition}
          Suffix: {Value: !Ref AWS::URLSuffix}
          Vpc: {Value: !Ref Vpc}
          Vpc2: {Value: !Ref Vpc2}
          Sub: {Value: !Ref Sub}
          Sg: {Value: !Ref Sg}
          SgId: {Value: !GetAtt Sg.GroupId}
          SubVpc: {Value: !GetAtt Sub.VpcId}
        """,
        region="eu-west-1",
    )
    assert out["Env"] == "prod"
    assert out["Port"] == "5432"  # numbers are strings in CloudFormation
    assert out["Region"] == "eu-west-1"
    assert re.fullmatch(r"\d{12}", out["Account"])
    assert out["Partition"] == "aws"
    assert out["Suffix"] == "amazonaws.com"
    assert out["Vpc"].startswith("vpc-") and out["Vpc2"].startswith("vpc-") and out["Vpc"] != out["Vpc2"]
    assert out["Sub"].startswith("subnet-")
    assert out["Sg"].startswith("sg-") and out["SgId"] == out["Sg"]
    assert out["SubVpc"] == out["Vpc"]


def test_synthetic_ids_are_deterministic() -> None:
    text = """
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
        Outputs:
          Vpc: {Value: !Ref Vpc}
        """
    assert outputs(text)["Vpc"] == outputs(text)["Vpc"]


def test_ref_to_unknown_name_is_unresolved_and_rl004() -> None:
    write("t.yaml", """
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties: {GroupDescription: x, VpcId: !Ref NoSuchThing}
        """)
    inv = load_templates(["t.yaml"])
    assert "NoSuchThing" in issue_resources(inv, "RL004")


# ---- GetAtt ---------------------------------------------------------------------------------------------


def test_getatt_short_and_long_form_and_db_attributes() -> None:
    out = outputs(
        """
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
          Db:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: postgres, DBInstanceIdentifier: MyDb}
          Db2:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: mysql, Port: 3307}
          Cluster:
            Type: AWS::RDS::DBCluster
            Properties: {Engine: aurora-postgresql}
        Outputs:
          Cidr: {Value: !GetAtt Vpc.CidrBlock}
          CidrLong: {Value: {"Fn::GetAtt": [Vpc, CidrBlock]}}
          CidrRefAttr: {Value: {"Fn::GetAtt": [Vpc, {"Fn::Join": ["", [Cidr, Block]]}]}}
          DbAddr: {Value: !GetAtt Db.Endpoint.Address}
          DbPort: {Value: !GetAtt Db.Endpoint.Port}
          Db2Port: {Value: !GetAtt Db2.Endpoint.Port}
          ClusterAddr: {Value: !GetAtt Cluster.Endpoint.Address}
          ReaderAddr: {Value: !GetAtt Cluster.ReadEndpoint.Address}
          ClusterPort: {Value: !GetAtt Cluster.Endpoint.Port}
          Unknown: {Value: !GetAtt Vpc.SomethingOnlyKnownAfterDeploy}
        """
    )
    assert out["Cidr"] == out["CidrLong"] == out["CidrRefAttr"] == "10.0.0.0/16"
    assert out["DbAddr"].startswith("mydb.") and out["DbAddr"].endswith(".us-east-1.rds.amazonaws.com")
    assert out["DbPort"] == "5432"  # engine default
    assert out["Db2Port"] == "3307"  # explicit Port
    assert ".cluster-" in out["ClusterAddr"] and ".cluster-ro-" in out["ReaderAddr"]
    assert out["ClusterAddr"] != out["ReaderAddr"]
    assert out["ClusterPort"] == "5432"
    assert isinstance(out["Unknown"], Unresolved)


# ---- Sub / Join / Split / Select --------------------------------------------------------------------------


def test_sub_all_forms() -> None:
    out = outputs(
        """
        Parameters:
          Env: {Type: String, Default: prod}
          NoDefault: {Type: String}
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
        Outputs:
          Plain: {Value: !Sub "${Env}-${AWS::Region}-x"}
          Res: {Value: !Sub "${Vpc}"}
          Att: {Value: !Sub "${Vpc.CidrBlock}"}
          Literal: {Value: !Sub "${!Literal}-${Env}"}
          Vars: {Value: !Sub ["${A}/${B}", {A: !Ref Env, B: !GetAtt Vpc.CidrBlock}]}
          VarShadows: {Value: !Sub ["${Env}", {Env: shadowed}]}
          Missing: {Value: !Sub "pre-${NoDefault}-post"}
        """
    )
    assert out["Plain"] == "prod-us-east-1-x"
    assert out["Res"].startswith("vpc-")
    assert out["Att"] == "10.0.0.0/16"
    assert out["Literal"] == "${Literal}-prod"
    assert out["Vars"] == "prod/10.0.0.0/16"
    assert out["VarShadows"] == "shadowed"
    assert isinstance(out["Missing"], Unresolved) and out["Missing"].name == "NoDefault"


def test_join_split_select() -> None:
    out = outputs(
        """
        Parameters:
          Names: {Type: CommaDelimitedList, Default: "a,b,c"}
          Missing: {Type: String}
          Idx: {Type: Number, Default: 2}
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          Join: {Value: !Join ["/", [x, !Ref "AWS::Region", 3]]}
          JoinList: {Value: !Join ["+", !Ref Names]}
          JoinEmpty: {Value: !Join ["", []]}
          JoinUnresolved: {Value: !Join ["-", [a, !Ref Missing]]}
          Split: {Value: !Split [",", "x,y,,z"]}
          SelectSplit: {Value: !Select [1, !Split [":", "arn:aws:rds"]]}
          SelectIdxParam: {Value: !Select [!Ref Idx, !Ref Names]}
          SelectStrIdx: {Value: !Select ["0", [p, q]]}
          OutOfRange: {Value: !Select [5, [p, q]]}
        """
    )
    assert out["Join"] == "x/us-east-1/3"
    assert out["JoinList"] == "a+b+c"
    assert out["JoinEmpty"] == ""
    assert isinstance(out["JoinUnresolved"], Unresolved) and out["JoinUnresolved"].name == "Missing"
    assert out["Split"] == ["x", "y", "", "z"]
    assert out["SelectSplit"] == "aws"
    assert out["SelectIdxParam"] == "c"
    assert out["SelectStrIdx"] == "p"
    assert isinstance(out["OutOfRange"], Unresolved)


def test_select_on_unresolved_list_keeps_the_index() -> None:
    out = outputs(
        """
        Parameters:
          Azs: {Type: "List<AWS::EC2::AvailabilityZone::Name>"}
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          First: {Value: !Select [0, !Ref Azs]}
          Second: {Value: !Select [1, !Ref Azs]}
        """
    )
    first, second = out["First"], out["Second"]
    assert isinstance(first, Unresolved) and isinstance(second, Unresolved)
    assert first.name == second.name == "Azs"
    assert (first.index, second.index) == (0, 1)
    assert first != second  # two elements of one unknown list are different values


def test_getazs() -> None:
    out = outputs(
        """
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          Empty: {Value: !GetAZs ""}
          Region: {Value: !GetAZs {Ref: "AWS::Region"}}
          Explicit: {Value: !GetAZs eu-central-1}
          Second: {Value: !Select [1, !GetAZs ""]}
        """,
        region="ap-southeast-2",
    )
    assert out["Empty"][:2] == ["ap-southeast-2a", "ap-southeast-2b"]
    assert out["Region"] == out["Empty"]
    assert all(az.startswith("eu-central-1") for az in out["Explicit"])
    assert out["Second"] == "ap-southeast-2b"
    assert len(set(out["Empty"])) == len(out["Empty"])


def test_cidr() -> None:
    out = outputs(
        """
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.20.0.0/16}}
        Outputs:
          Blocks: {Value: !Cidr [!GetAtt Vpc.CidrBlock, 3, 8]}
          Str: {Value: !Cidr ["192.168.0.0/24", "2", "6"]}
          Pick: {Value: !Select [2, !Cidr ["10.0.0.0/16", 4, 12]]}
          TooMany: {Value: !Cidr ["10.0.0.0/30", 8, 1]}
        """
    )
    assert out["Blocks"] == ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"]
    assert out["Str"] == ["192.168.0.0/26", "192.168.0.64/26"]
    assert out["Pick"] == "10.0.32.0/20"
    assert isinstance(out["TooMany"], Unresolved)


# ---- FindInMap ----------------------------------------------------------------------------------------------


def test_findinmap() -> None:
    out = outputs(
        """
        Parameters:
          Env: {Type: String, Default: prod}
        Mappings:
          Sizes:
            prod: {cls: db.r5.large, proxy: true, port: 3306}
            dev: {cls: db.t3.micro, proxy: false}
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          Cls: {Value: !FindInMap [Sizes, !Ref Env, cls]}
          Bool: {Value: !FindInMap [Sizes, !Ref Env, proxy]}
          Num: {Value: !FindInMap [Sizes, prod, port]}
          DevBool: {Value: !FindInMap [Sizes, dev, proxy]}
          MissingKey: {Value: !FindInMap [Sizes, test, cls]}
          MissingMap: {Value: !FindInMap [Nope, prod, cls]}
        """
    )
    assert out["Cls"] == "db.r5.large"
    assert out["Bool"] == "true"  # YAML 1.1 boolean value read as CloudFormation's string
    assert out["DevBool"] == "false"
    assert out["Num"] == "3306"
    assert isinstance(out["MissingKey"], Unresolved)
    assert isinstance(out["MissingMap"], Unresolved)


def test_findinmap_default_value() -> None:
    _, st = stack(
        """
        Mappings:
          M:
            a: {k: v}
        Resources:
          Q: {Type: AWS::SQS::Queue}
    """
    )
    assert st.resolve({"Fn::FindInMap": ["M", "zzz", "k", {"DefaultValue": "fallback"}]}) == "fallback"
    assert st.resolve({"Fn::FindInMap": ["M", "a", "k", {"DefaultValue": "fallback"}]}) == "v"


def test_findinmap_non_string_keys() -> None:
    out = outputs(
        """
        Parameters:
          Prod: {Type: String, Default: true}
        Mappings:
          ByFlag:
            true: {cls: db.r5.large}
            false: {cls: db.t3.micro}
          ByAccount:
            123456789012: {env: prod}
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          Flag: {Value: !FindInMap [ByFlag, !Ref Prod, cls]}
          Account: {Value: !FindInMap [ByAccount, !Ref "AWS::AccountId", env]}
        """
    )
    assert out["Flag"] == "db.r5.large"
    assert out["Account"] == "prod"


# ---- conditions, If, NoValue ------------------------------------------------------------------------------

COND_TEMPLATE = """
    Parameters:
      Env: {Type: String, Default: prod}
      Flag: {Type: String, Default: true}
      YesFlag: {Type: String, Default: yes}
      Quoted: {Type: String, AllowedValues: ['True', 'False'], Default: 'True'}
      Port: {Type: Number, Default: 5432}
      Unknown: {Type: String}
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
      IsDev: !Equals [dev, !Ref Env]
      FlagOn: !Equals [!Ref Flag, "true"]
      FlagOnBool: !Equals [!Ref Flag, true]
      YesOn: !Equals [!Ref YesFlag, "true"]
      QuotedIsString: !Equals [!Ref Quoted, "True"]
      QuotedNotBool: !Equals [!Ref Quoted, true]
      PortIs: !Equals [!Ref Port, 5432]
      Both: !And [!Condition IsProd, !Condition FlagOn]
      BothDev: !And [!Condition IsProd, !Condition IsDev]
      Either: !Or [!Condition IsDev, !Equals [a, b]]
      EitherProd: !Or [!Condition IsDev, !Condition IsProd]
      NotProd: !Not [!Condition IsProd]
      Undecided: !Equals [!Ref Unknown, x]
      AndFalseWins: !And [!Condition Undecided, !Condition IsDev]
      OrTrueWins: !Or [!Condition Undecided, !Condition IsProd]
      AndUndecided: !And [!Condition Undecided, !Condition IsProd]
    Resources:
      Q: {Type: AWS::SQS::Queue}
    """


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IsProd", True), ("IsDev", False), ("FlagOn", True), ("FlagOnBool", True), ("YesOn", True),
        ("QuotedIsString", True), ("QuotedNotBool", False), ("PortIs", True), ("Both", True),
        ("BothDev", False), ("Either", False), ("EitherProd", True), ("NotProd", False),
        ("AndFalseWins", False), ("OrTrueWins", True),
    ],
)
def test_conditions(name: str, expected: bool) -> None:
    _, st = stack(COND_TEMPLATE)
    assert st.condition(name) is expected


def test_condition_depending_on_a_missing_parameter_is_unresolved() -> None:
    _, st = stack(COND_TEMPLATE)
    for name in ("Undecided", "AndUndecided"):
        value = st.condition(name)
        assert isinstance(value, Unresolved) and value.name == "Unknown", name


def test_yaml_booleans_read_as_strings_and_cli_values_stay_raw() -> None:
    _, st = stack(COND_TEMPLATE)
    assert st.parameter("Flag") == "true"
    assert st.parameter("YesFlag") == "true"
    assert st.parameter("Quoted") == "True"
    # C9: --parameter values are raw strings: "True" is not the YAML boolean true
    _, st2 = stack(COND_TEMPLATE, params={"Flag": "True", "Env": "dev"})
    assert st2.condition("FlagOn") is False
    assert st2.condition("IsDev") is True and st2.condition("IsProd") is False


def test_fn_if_and_novalue_removal() -> None:
    _, st = stack(
        """
        Parameters:
          Env: {Type: String, Default: prod}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsDev: !Equals [!Ref Env, dev]
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: !If [IsProd, production, development]
              GroupName: !If [IsDev, dev-sg, !Ref AWS::NoValue]
              SecurityGroupIngress:
                - !If [IsDev, {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]
                - IpProtocol: tcp
                  FromPort: 5432
                  ToPort: 5432
                  CidrIp: !If [IsProd, 10.0.0.0/16, !Ref AWS::NoValue]
                  Description: !Ref AWS::NoValue
              Tags:
                - !Ref AWS::NoValue
                - {Key: env, Value: !If [IsProd, p, d]}
        """
    )
    props = st.props("Sg")
    assert props["GroupDescription"] == "production"
    assert "GroupName" not in props
    assert props["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.0.0.0/16"}
    ]
    assert props["Tags"] == [{"Key": "env", "Value": "p"}]


def test_fn_if_on_undecided_condition_is_unresolved() -> None:
    _, st = stack(
        """
        Parameters:
          Mode: {Type: String}
        Conditions:
          A: !Equals [!Ref Mode, a]
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          V: {Value: !If [A, x, y]}
        """
    )
    value = st.output("V")
    assert isinstance(value, Unresolved) and value.name == "Mode"


def test_resource_condition_controls_existence() -> None:
    _, st = stack(
        """
        Parameters:
          Create: {Type: String, Default: "false"}
        Conditions:
          DoCreate: !Equals [!Ref Create, "true"]
        Resources:
          Maybe: {Type: AWS::SQS::Queue, Condition: DoCreate}
          Always: {Type: AWS::SQS::Queue, Condition: ''}
          Plain: {Type: AWS::SQS::Queue}
        """
    )
    assert st.exists("Maybe") is False
    assert st.exists("Always") is True  # C6: Condition '' is no condition
    assert st.exists("Plain") is True
    assert st.exists("NotThere") is False


def test_undefined_condition_is_rl004() -> None:
    write("t.yaml", """
        Resources:
          Q: {Type: AWS::SQS::Queue, Condition: NeverDefined}
        """)
    inv = load_templates(["t.yaml"])
    assert any("NeverDefined" in r for r in issue_resources(inv, "RL004"))


# ---- parameters: lists, --parameter, SSM ----------------------------------------------------------------------

LIST_TEMPLATE = """
    Parameters:
      Azs: {Type: "List<AWS::EC2::AvailabilityZone::Name>", Default: "us-east-1a,us-east-1b"}
      Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/24, 10.0.1.0/24"}
      Nums: {Type: "List<Number>", Default: "1,2"}
      Empty: {Type: CommaDelimitedList, Default: ""}
      Csv: {Type: String, Default: "a,b"}
    Resources:
      Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
      SubA:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: !Select [0, !Ref Cidrs]
          AvailabilityZone: !Select [0, !Ref Azs]
      SubB:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: !Select [1, !Ref Cidrs]
          AvailabilityZone: !Select [1, !Ref Azs]
    """


def test_list_parameters_from_defaults() -> None:
    _, st = stack(LIST_TEMPLATE)
    assert st.parameter("Azs") == ["us-east-1a", "us-east-1b"]
    assert st.parameter("Cidrs") == ["10.0.0.0/24", "10.0.1.0/24"]  # blanks around commas trimmed
    assert st.parameter("Nums") == ["1", "2"]
    assert st.parameter("Empty") == []
    assert st.parameter("Csv") == "a,b"  # a String stays one string
    assert st.resolve({"Fn::Join": [";", {"Ref": "Azs"}]}) == "us-east-1a;us-east-1b"


def test_list_parameters_from_cli_comma_lists() -> None:
    write("t.yaml", LIST_TEMPLATE)
    inv = load_templates(
        ["t.yaml"],
        parameters=["Azs=eu-west-1b,eu-west-1c", "t.yaml:Cidrs=10.9.1.0/24,10.9.2.0/24", "Csv=x,y"],
        region="eu-west-1",
    )
    by_logical = {s.prov.logical_id: s for s in inv.subnets.values()}
    assert by_logical["SubA"].availability_zone == "eu-west-1b"
    assert by_logical["SubB"].availability_zone == "eu-west-1c"
    assert str(by_logical["SubA"].cidr) == "10.9.1.0/24"
    assert str(by_logical["SubB"].cidr) == "10.9.2.0/24"


def test_parse_cli_parameters() -> None:
    parsed = parse_cli_parameters(["A=1", "t.yaml:B=x,y", "C=k=v"], ["t.yaml", "u.yaml"])
    assert parsed == {"*": {"A": "1", "C": "k=v"}, "t.yaml": {"B": "x,y"}}
    with pytest.raises(InputError):
        parse_cli_parameters(["nope"], ["t.yaml"])
    with pytest.raises(InputError):
        parse_cli_parameters(["other.yaml:A=1"], ["t.yaml"])


def test_missing_parameter_is_unresolved_naming_it_and_rl002() -> None:
    write("t.yaml", """
        Parameters:
          DbHost: {Type: String}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::123456789012:role/r
              Code: {ZipFile: x}
              Handler: index.h
              Runtime: python3.12
              Environment: {Variables: {HOST: !Ref DbHost}}
        """)
    inv = load_templates(["t.yaml"])
    assert "DbHost" in issue_resources(inv, "RL002")
    (fn,) = inv.functions.values()
    host = fn.environment["HOST"]
    assert isinstance(host, Unresolved) and host.name == "DbHost"


SSM_TEMPLATE = """
    Parameters:
      SubnetIds: {Type: "AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>", Default: /net/subnets}
      DbEndpoint: {Type: "AWS::SSM::Parameter::Value<String>", Default: /db/endpoint}
      SgIds: {Type: "AWS::SSM::Parameter::Value<CommaDelimitedList>", Default: /net/sgs}
    Resources:
      Q: {Type: AWS::SQS::Queue}
    Outputs:
      Endpoint: {Value: !Ref DbEndpoint}
      FirstSubnet: {Value: !Select [0, !Ref SubnetIds]}
    """


def test_ssm_parameter_default_is_the_ssm_name_not_a_value() -> None:
    _, st = stack(SSM_TEMPLATE)
    for name in ("DbEndpoint", "SubnetIds", "SgIds"):
        value = st.parameter(name)
        assert isinstance(value, Unresolved), name
        assert value.name == name  # names the parameter, not "/db/endpoint"
    assert isinstance(st.output("Endpoint"), Unresolved)
    first = st.output("FirstSubnet")
    assert isinstance(first, Unresolved) and first.name == "SubnetIds" and first.index == 0
    assert {i.resources for i in st.loader.issues if i.id == "RL002"} >= {("DbEndpoint",), ("SubnetIds",)}


def test_ssm_parameter_with_a_given_value() -> None:
    _, st = stack(SSM_TEMPLATE, params={"DbEndpoint": "db.example.com", "SgIds": "sg-1,sg-2"})
    assert st.output("Endpoint") == "db.example.com"
    assert st.parameter("SgIds") == ["sg-1", "sg-2"]


# ---- ImportValue across inputs ----------------------------------------------------------------------------------

EXPORTER = """
    Resources:
      Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
      Sg:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: x, VpcId: !Ref Vpc}
    Outputs:
      VpcId:
        Value: !Ref Vpc
        Export: {Name: !Sub "${AWS::StackName}-VpcId"}
      SgId:
        Value: !GetAtt Sg.GroupId
        Export: {Name: !Join ["-", [!Ref "AWS::StackName", sg]]}
      Plain:
        Value: plain-value
        Export: {Name: shared-plain}
    """

IMPORTER = """
    Parameters:
      NetStack: {Type: String, Default: my-network}
    Resources:
      Q: {Type: AWS::SQS::Queue}
    Outputs:
      Vpc: {Value: !ImportValue {"Fn::Sub": "${NetStack}-VpcId"}}
      Sg: {Value: !ImportValue {"Fn::Sub": "${NetStack}-sg"}}
      Plain: {Value: !ImportValue shared-plain}
      Missing: {Value: !ImportValue not-exported-anywhere}
      Name: {Value: !Sub "${AWS::StackName}"}
    """


def test_import_value_across_two_inputs_with_stack_name_unification() -> None:
    write("net.yaml", EXPORTER)
    write("app.yaml", IMPORTER)
    loader = TemplateLoader()
    net = loader.add_input("net.yaml", "net.yaml", {})
    app = loader.add_input("app.yaml", "app.yaml", {})
    assert app.output("Vpc") == net.resolve({"Ref": "Vpc"})
    assert app.output("Sg") == net.resolve({"Ref": "Sg"})
    assert app.output("Plain") == "plain-value"
    missing = app.output("Missing")
    assert isinstance(missing, Unresolved) and missing.name == "not-exported-anywhere"
    assert ("not-exported-anywhere",) in {i.resources for i in loader.issues if i.id == "RL002"}
    # the exporter's AWS::StackName was unified with the importer's expectation
    assert loader.display(net.resolve({"Fn::Sub": "${AWS::StackName}"})) == "my-network"


def test_import_value_stack_name_unification_follows_the_parameter() -> None:
    write("net.yaml", EXPORTER)
    write("app.yaml", IMPORTER)
    loader = TemplateLoader()
    net = loader.add_input("net.yaml", "net.yaml", {})
    app = loader.add_input("app.yaml", "app.yaml", {"NetStack": "other-net"})
    assert app.output("Sg") == net.resolve({"Ref": "Sg"})
    assert loader.display(net.resolve({"Fn::Sub": "${AWS::StackName}"})) == "other-net"


def test_import_value_is_not_satisfied_by_the_same_input() -> None:
    _, st = stack(
        """
        Resources:
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          E:
            Value: v
            Export: {Name: self-export}
          I: {Value: !ImportValue self-export}
        """
    )
    assert isinstance(st.output("I"), Unresolved)


def test_import_value_end_to_end_wires_the_function_to_the_exported_subnets() -> None:
    write("net.yaml", """
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
          SubA:
            Type: AWS::EC2::Subnet
            Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: us-east-1a}
        Outputs:
          Sub:
            Value: !Ref SubA
            Export: {Name: !Sub "${AWS::StackName}-subnet"}
        """)
    write("app.yaml", """
        Parameters:
          Net: {Type: String, Default: net}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::123456789012:role/r
              Code: {ZipFile: x}
              Handler: index.h
              Runtime: python3.12
              VpcConfig:
                SubnetIds: [!ImportValue {"Fn::Sub": "${Net}-subnet"}]
                SecurityGroupIds: [sg-12345678]
        """)
    inv = load_templates(["net.yaml", "app.yaml"])
    (fn,) = inv.functions.values()
    (subnet,) = inv.subnets.values()
    assert fn.vpc_config is not None and fn.vpc_config.subnet_ids == (subnet.id,)


# ---- nested stacks --------------------------------------------------------------------------------------------------

CHILD = """
    Parameters:
      Cidr: {Type: String}
      Azs: {Type: CommaDelimitedList}
    Resources:
      Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Cidr}}
      Sub:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: !Select [0, !Cidr [!Ref Cidr, 2, 8]]
          AvailabilityZone: !Select [1, !Ref Azs]
    Outputs:
      VpcId: {Value: !Ref Vpc}
      SubnetId: {Value: !Ref Sub}
      Name: {Value: !Ref AWS::StackName}
    """

PARENT = """
    Parameters:
      Azs: {Type: "List<AWS::EC2::AvailabilityZone::Name>", Default: "us-east-1a,us-east-1b"}
    Resources:
      Net:
        Type: AWS::CloudFormation::Stack
        Properties:
          TemplateURL: nested/child.yaml
          Parameters:
            Cidr: 10.5.0.0/16
            Azs: !Join [",", !Ref Azs]
      Sg:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: x
          VpcId: !GetAtt Net.Outputs.VpcId
    Outputs:
      Subnet: {Value: !GetAtt Net.Outputs.SubnetId}
      SgVpc: {Value: !GetAtt Sg.VpcId}
    """


def test_nested_stack_with_relative_template_url() -> None:
    write("stacks/nested/child.yaml", CHILD)
    write("stacks/parent.yaml", PARENT)
    loader = TemplateLoader()
    parent = loader.add_input("stacks/parent.yaml", "stacks/parent.yaml", {})
    subnet = parent.output("Subnet")
    assert isinstance(subnet, str) and subnet.startswith("subnet-")
    child = parent.child("Net")
    assert child is not None and child.prefix == "Net/"
    assert child.output("SubnetId") == subnet
    assert parent.output("SgVpc") == child.output("VpcId")
    assert child.props("Sub")["AvailabilityZone"] == "us-east-1b"
    assert child.props("Sub")["CidrBlock"] == "10.5.0.0/24"
    assert child.output("Name") != parent.resolve({"Ref": "AWS::StackName"})


def test_nested_stack_resources_are_prefixed_in_the_inventory() -> None:
    write("stacks/nested/child.yaml", CHILD)
    write("stacks/parent.yaml", PARENT)
    inv = load_templates(["stacks/parent.yaml"])
    names = {s.prov.logical_id for s in inv.subnets.values()}
    assert names == {"Net/Sub"}
    (sg,) = [g for g in inv.security_groups.values() if g.prov.logical_id == "Sg"]
    (vpc,) = inv.vpcs.values()
    assert vpc.prov.logical_id == "Net/Vpc" and sg.vpc_id == vpc.id
    assert not issues(inv, "RL003") and not issues(inv, "RL004")


def test_missing_nested_template_is_rl003() -> None:
    write("parent.yaml", """
        Resources:
          Gone:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: ./not-here.yaml}
          Remote:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: "https://s3.amazonaws.com/bucket/child.yaml"}
          Q: {Type: AWS::SQS::Queue}
        Outputs:
          X: {Value: !GetAtt Gone.Outputs.Something}
        """)
    loader = TemplateLoader()
    parent = loader.add_input("parent.yaml", "parent.yaml", {})
    assert isinstance(parent.output("X"), Unresolved)
    inv = load_templates(["parent.yaml"])
    assert issue_resources(inv, "RL003") >= {"Gone", "Remote"}
    assert not issues(inv, "RL004")


# ---- will-not-deploy references (RL004) --------------------------------------------------------------------------

CONDITIONAL = """
    Parameters:
      Create: {Type: String, AllowedValues: ['True', 'False'], Default: 'True'}
    Conditions:
      CreateSg: !Equals ['True', !Ref Create]
    Resources:
      LambdaSg:
        Type: AWS::EC2::SecurityGroup
        Condition: CreateSg
        Properties: {GroupDescription: x}
      Q: {Type: AWS::SQS::Queue}
    Outputs:
      Guarded:
        Value: !If [CreateSg, !GetAtt LambdaSg.GroupId, none]
      SameCondition:
        Condition: CreateSg
        Value: !Ref LambdaSg
      Unconditional:
        Value: !GetAtt LambdaSg.GroupId
    """


def test_unconditional_output_referencing_a_removed_resource_is_rl004() -> None:
    write("t.yaml", CONDITIONAL)
    inv = load_templates(["t.yaml"], parameters=["Create=False"])
    rl004 = issues(inv, "RL004")
    assert rl004, "GetAtt to a resource whose condition is false must be reported"
    assert {r for i in rl004 for r in i.resources} == {"LambdaSg"}
    assert all(i.severity == "error" for i in rl004)


def test_guarded_references_to_a_present_resource_are_fine() -> None:
    write("t.yaml", CONDITIONAL)
    inv = load_templates(["t.yaml"])  # Create defaults to 'True'
    assert not issues(inv, "RL004")


def test_ref_guarded_by_if_or_same_condition_is_not_rl004() -> None:
    write("t.yaml", CONDITIONAL.replace("      Unconditional:\n        Value: !GetAtt LambdaSg.GroupId\n", ""))
    inv = load_templates(["t.yaml"], parameters=["Create=False"])
    assert not issues(inv, "RL004")


def test_depends_on_a_removed_resource_is_rl004() -> None:
    write("t.yaml", """
        Conditions:
          Never: !Equals [a, b]
        Resources:
          Gone: {Type: AWS::SQS::Queue, Condition: Never}
          Q: {Type: AWS::SQS::Queue, DependsOn: [Gone]}
        """)
    inv = load_templates(["t.yaml"])
    assert "Gone" in issue_resources(inv, "RL004")


# ---- cycles ---------------------------------------------------------------------------------------------------------


def test_getatt_cycle_raises_cycle_error_and_input_error() -> None:
    text = """
        Resources:
          A:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: mysql, Port: !GetAtt B.Endpoint.Port}
          B:
            Type: AWS::RDS::DBInstance
            Properties: {Engine: mysql, Port: !GetAtt A.Endpoint.Port}
        """
    _, st = stack(text)
    with pytest.raises(CycleError) as exc:
        st.props("A")
    assert {"A", "B"} <= set(exc.value.chain)
    with pytest.raises(InputError, match="cycle"):
        load_templates(["t.yaml"])
