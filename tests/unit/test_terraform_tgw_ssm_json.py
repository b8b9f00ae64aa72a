"""Terraform inputs: transit gateways (what the configuration leaves undecided stays UNKNOWN), SSM Parameter
Store wiring (Terraform <-> CloudFormation), ``*.tf.json`` files and ``%{ }`` template directives."""

from __future__ import annotations

import shutil
from pathlib import Path

from .test_check_fixtures import run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
TGW = (FIXTURES / "good" / "tgw-two-vpcs" / "main.tf").read_text()


def _verdicts(doc: dict) -> list[str]:
    return [p["verdict"] for p in doc["pairs"]]


def _tgw_variant(tmp_path: Path, old: str, new: str) -> tuple[int, dict]:
    assert old in TGW
    (tmp_path / "main.tf").write_text(TGW.replace(old, new))
    code, doc, err = run_check([str(tmp_path)], [])
    assert doc is not None, err
    return code, doc


def test_tgw_option_from_a_variable_without_value_is_unknown(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, 'description = "hub between the application and the data VPC"',
                             'default_route_table_propagation = var.propagation')
    (tmp_path / "vars.tf").write_text('variable "propagation" {\n  type = string\n}\n')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and _verdicts(doc) == ["UNKNOWN"] and code == 3
    code, doc, _ = run_check([str(tmp_path)], ["--var", "propagation=disable"])
    assert doc is not None and _verdicts(doc) == ["BLOCKED"] and code == 1
    code, doc, _ = run_check([str(tmp_path)], ["--var", "propagation=enable"])
    assert doc is not None and _verdicts(doc) == ["REACHABLE"] and code == 0


def test_attachment_opted_out_of_default_association_is_blocked(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, "  subnet_ids         = aws_subnet.app[*].id\n",
                             "  subnet_ids         = aws_subnet.app[*].id\n"
                             "  transit_gateway_default_route_table_association = false\n")
    assert _verdicts(doc) == ["BLOCKED"] and code == 1
    f = [f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL305"]
    assert f and "associated with no transit gateway route table" in f[0]["evidence"]


def test_second_association_without_replace_is_unknown(tmp_path: Path) -> None:
    extra = '''
resource "aws_ec2_transit_gateway_route_table" "other" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
}

resource "aws_ec2_transit_gateway_route_table_association" "app" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.app.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id
}
'''
    code, doc = _tgw_variant(tmp_path, 'resource "aws_route_table" "app" {', extra + 'resource "aws_route_table" "app" {')
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3
    assert any("replace_existing_association" in w for w in doc["warnings"])
    # with replace_existing_association the explicit table (no routes at all) is the one used: no route
    (tmp_path / "main.tf").write_text((tmp_path / "main.tf").read_text().replace(
        "transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id",
        "transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.other.id\n"
        "  replace_existing_association   = true"))
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and _verdicts(doc) == ["BLOCKED"] and code == 1


def test_tgw_not_in_the_inputs_is_unknown(tmp_path: Path) -> None:
    code, doc = _tgw_variant(tmp_path, "  transit_gateway_id     = aws_ec2_transit_gateway.hub.id\n",
                             '  transit_gateway_id     = "tgw-0123456789abcdef0"\n')
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3


def _copy(tmp_path: Path, rel: str) -> Path:
    dst = tmp_path / rel.replace("/", "_")
    shutil.copytree(FIXTURES / rel, dst)
    return dst


# ---- SSM Parameter Store wiring between Terraform and CloudFormation inputs ----------------------------------

APP_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Subnets:
    Type: AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>
    Default: /orders/private-subnet-ids
  AppSg:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>
    Default: /orders/app-security-group-id
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
      VpcConfig:
        SubnetIds: !Ref Subnets
        SecurityGroupIds: [!Ref AppSg]
      Environment:
        Variables:
          DB_HOST: "{{resolve:ssm:/orders/db-host}}"
"""


def test_template_reads_ssm_parameters_a_terraform_input_writes(tmp_path: Path) -> None:
    tpl = tmp_path / "app.yaml"
    tpl.write_text(APP_TEMPLATE)
    db = str(FIXTURES / "good" / "ssm-wired-roots" / "db")
    code, doc, err = run_check([db, str(tpl)], ["--no-lint"])
    assert doc is not None, err
    pairs = [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]]
    assert pairs == [("Fn", "aws_db_instance.orders", "REACHABLE")], pairs
    assert code == 0
    assert not any("from the account" in w for w in doc["warnings"])  # an input, not the account
    # without the Terraform input nothing writes the names: UNKNOWN naming the parameter
    code, doc, _ = run_check([str(tpl)], ["--no-lint"])
    assert doc is not None and code == 3
    assert {p["verdict"] for p in doc["pairs"]} <= {"UNKNOWN"}


def test_template_never_resolves_a_terraform_securestring(tmp_path: Path) -> None:
    db = _copy(tmp_path, "good/ssm-wired-roots")
    main = db / "db" / "main.tf"
    main.write_text(main.read_text().replace('''  name  = "/orders/db-host"
  type  = "String"
  value = aws_db_instance.orders.address''', '''  name  = "/orders/db-host"
  type  = "SecureString"
  value = "orders-Secret-Value-42"'''))
    tpl = tmp_path / "app.yaml"
    tpl.write_text(APP_TEMPLATE)
    code, doc, err = run_check([str(db / "db"), str(tpl)], ["--no-lint"])
    assert doc is not None, err
    assert [(p["function"]["id"], p["verdict"]) for p in doc["pairs"]] == [("Fn", "UNKNOWN")]
    code2, out, err2 = run_check([str(db / "db"), str(tpl)], ["--no-lint"])
    import json as _json

    assert "orders-Secret-Value-42" not in _json.dumps(doc) + err + err2


DB_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.30.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.30.1.0/24, AvailabilityZone: eu-west-1a}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.30.2.0/24, AvailabilityZone: eu-west-1b}
  AppSg:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: app, VpcId: !Ref Vpc}
  DbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref AppSg}]
  DbSubnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties: {DBSubnetGroupDescription: db, SubnetIds: [!Ref SubnetA, !Ref SubnetB]}
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: "20"
      MasterUsername: app
      ManageMasterUserPassword: true
      DBSubnetGroupName: !Ref DbSubnets
      VPCSecurityGroups: [!GetAtt DbSg.GroupId]
  HostParam:
    Type: AWS::SSM::Parameter
    Properties: {Name: /orders/db-host, Type: String, Value: !GetAtt Db.Endpoint.Address}
  SubnetsParam:
    Type: AWS::SSM::Parameter
    Properties: {Name: /orders/private-subnet-ids, Type: StringList, Value: !Join [",", [!Ref SubnetA, !Ref SubnetB]]}
  SgParam:
    Type: AWS::SSM::Parameter
    Properties: {Name: /orders/app-security-group-id, Type: String, Value: !GetAtt AppSg.GroupId}
"""


def test_terraform_reads_ssm_parameters_a_template_writes(tmp_path: Path) -> None:
    tpl = tmp_path / "db.yaml"
    tpl.write_text(DB_TEMPLATE)
    app = str(FIXTURES / "good" / "ssm-wired-roots" / "app")
    code, doc, err = run_check([str(tpl), app], ["--no-lint"])
    assert doc is not None, err
    pairs = [(p["function"]["id"], p["target"]["id"], p["verdict"]) for p in doc["pairs"]]
    # the AppSg in the template has the default allow-all egress (CloudFormation keeps it)
    assert pairs == [("aws_lambda_function.orders", "Db", "REACHABLE")], (pairs, doc["findings"])
    assert code == 0
    code, doc, _ = run_check([app], [])
    assert doc is not None and code == 3
    assert [p["target"]["id"] for p in doc["pairs"]] == ["?/orders/db-host"]


# ---- %{ } template directives -----------------------------------------------------------------------------

def _ev(text: str, names: dict) -> object:
    from rdslink.sources.terraform.expr import Evaluator, Scope, parse_expression

    def lookup(n: str) -> object:
        if n in names:
            return names[n]
        raise KeyError(n)

    return Evaluator().eval(parse_expression(text), Scope(lookup, "."))


def test_template_directives_are_evaluated_when_known() -> None:
    from rdslink.model import Unresolved

    names = {"on": True, "hosts": ["a", "b"], "m": {"y": 2, "x": 1}, "u": Unresolved("var.u", "no value")}
    assert _ev('"%{ if on }yes%{ else }no%{ endif }"', names) == "yes"
    assert _ev('"%{ if !on }yes%{ else }no%{ endif }"', names) == "no"
    assert _ev('"%{ for h in hosts }${h},%{ endfor }"', names) == "a,b,"
    assert _ev('"%{ for i, h in hosts }${i}=${h};%{ endfor }"', names) == "0=a;1=b;"
    assert _ev('"%{ for k, v in m ~} ${k}=${v} %{~ endfor }"', names) == "x=1y=2"  # maps in key order
    assert _ev('"%%{ if on }"', names) == "%{ if on }"  # escaped: literal
    assert _ev('<<EOT\n%{ for h in hosts ~}\nhost ${h}\n%{ endfor ~}\nEOT\n', names) == "host a\nhost b\n"
    # an unknown condition or collection: the whole value is Unresolved, naming what decides it
    for text in ('"x%{ if u }a%{ endif }"', '"%{ for h in u }${h}%{ endfor }"'):
        got = _ev(text, names)
        assert isinstance(got, Unresolved) and got.name == "var.u", got
    # an unknown value only in the branch not taken does not matter
    assert _ev('"%{ if on }ok%{ else }${u}%{ endif }"', names) == "ok"
    assert _ev('"${hosts}"', names) == ["a", "b"]  # a single interpolation is the value itself


def test_directive_in_an_environment_variable_pairs_or_stays_unknown(tmp_path: Path) -> None:
    old = "      DB_HOST = aws_db_instance.orders.address\n"
    new = ('      DB_HOST = "%{ if var.direct }${aws_db_instance.orders.address}%{ else }orders-proxy.internal'
           '%{ endif }"\n')
    (tmp_path / "vars.tf").write_text('variable "direct" {\n  type = bool\n}\n')
    code, doc = _tgw_variant(tmp_path, old, new)
    assert [p["target"]["id"] for p in doc["pairs"]] == ["?var.direct"] and code == 3
    code, doc, _ = run_check([str(tmp_path)], ["--var", "direct=true"])
    assert doc is not None and [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [
        ("aws_db_instance.orders", "REACHABLE")]


# ---- *.tf.json ---------------------------------------------------------------------------------------------

def test_tf_json_values_provenance_and_literals() -> None:
    from rdslink.sources.terraform import load_terraform

    inv = load_terraform([str(FIXTURES / "good" / "tf-json-mixed")])
    fn = next(iter(inv.functions.values()))
    assert fn.environment["NOTE"] == "not ${interpolated}"  # a variable default is literal, not a template
    assert fn.environment["DB_HOST"].startswith("orders.")
    assert fn.prov.source.endswith("app.tf.json") and fn.prov.line == 63
    db_sg = next(g for g in inv.security_groups.values() if g.group_name == "orders-db")
    assert [r.description for r in db_sg.ingress] == ["PostgreSQL PostgreSQL from the function"] * 2
    assert {str(r.cidr) for r in db_sg.ingress} == {"10.40.1.0/24", "10.40.2.0/24"}


def test_tf_json_the_rl207_fix_and_evidence_name_the_json_file() -> None:
    _, doc, _ = run_check([str(FIXTURES / "bad" / "RL207-tf-json-no-egress")], [])
    assert doc is not None
    f = next(f for p in doc["pairs"] for f in p["findings"] if f["id"] == "RL207")
    assert "app.tf.json:14" in f["evidence"]


def test_tf_json_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n    "aws_vpc": {"a": {"cidr_block": "10.0.0.0/16",}}\n  }\n}\n')
    code, _, err = run_check([str(tmp_path)], [])
    assert code == 2 and "main.tf.json" in err and "invalid JSON" in err
    (tmp_path / "main.tf.json").write_text('{"resource": {"aws_vpc": ["not", "an object"]}}')
    code, _, err = run_check([str(tmp_path)], [])
    assert code == 2 and "main.tf.json" in err and "resource.aws_vpc" in err
    (tmp_path / "main.tf.json").write_text('[1, 2]')
    code, _, err = run_check([str(tmp_path)], [])
    assert code == 2 and "main.tf.json" in err


def test_literal_secrets_of_terraform_inputs_are_registered(tmp_path: Path) -> None:
    from rdslink.sources import secrets
    from rdslink.sources.terraform import load_terraform

    (tmp_path / "main.tf").write_text('''
variable "db_password" {
  type      = string
  sensitive = true
  default   = "Hunter2-Sekrit-99"
}
resource "aws_secretsmanager_secret" "db" { name = "db" }
resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({ username = "app", password = "Version-Sekrit-77" })
}
resource "aws_db_instance" "d" {
  identifier = "d"
  engine     = "postgres"
  password   = "Literal-Sekrit-55"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/x"
  environment {
    variables = {
      DB_PASSWORD = var.db_password
      API_TOKEN   = "Token-Sekrit-33"
    }
  }
}
''')
    secrets.reset()
    load_terraform([str(tmp_path)])
    text = "Hunter2-Sekrit-99 Version-Sekrit-77 Literal-Sekrit-55 Token-Sekrit-33"
    assert "Sekrit" not in secrets.redact(text), secrets.redact(text)
    secrets.reset()


def test_attachment_through_another_provider_without_accepter_is_unknown(tmp_path: Path) -> None:
    old = '''resource "aws_ec2_transit_gateway_vpc_attachment" "data" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id'''
    new = '''provider "aws" {
  alias  = "data_account"
  region = "eu-west-1"
}

resource "aws_ec2_transit_gateway_vpc_attachment" "data" {
  provider           = aws.data_account
  transit_gateway_id = aws_ec2_transit_gateway.hub.id'''
    code, doc = _tgw_variant(tmp_path, old, new)
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3
    # accepted by the transit gateway's owner: forwarded again
    (tmp_path / "accept.tf").write_text('''
resource "aws_ec2_transit_gateway_vpc_attachment_accepter" "data" {
  transit_gateway_attachment_id = aws_ec2_transit_gateway_vpc_attachment.data.id
}
''')
    code, doc, _ = run_check([str(tmp_path)], [])
    assert doc is not None and _verdicts(doc) == ["REACHABLE"] and code == 0


def _res(address: str, values: dict) -> dict:
    rtype, name = address.split("[")[0].split(".")[-2:]
    out = {"address": address, "mode": "managed", "type": rtype, "name": name,
           "provider_name": "registry.terraform.io/hashicorp/aws", "values": values}
    if "[" in address:
        out["index"] = int(address.split("[")[1].rstrip("]"))
    return out


def _tgw_plan(data_subnets: list[str]) -> dict:
    """A plan of an applied configuration (all ids known): the TGW's default route table id comes from the plan."""
    rs = [
        _res("aws_vpc.app", {"id": "vpc-0a", "cidr_block": "10.1.0.0/16"}),
        _res("aws_vpc.data", {"id": "vpc-0d", "cidr_block": "10.2.0.0/16"}),
        _res("aws_subnet.app[0]", {"id": "subnet-0a1", "vpc_id": "vpc-0a", "cidr_block": "10.1.1.0/24",
                                   "availability_zone": "eu-west-1a"}),
        _res("aws_subnet.app[1]", {"id": "subnet-0a2", "vpc_id": "vpc-0a", "cidr_block": "10.1.2.0/24",
                                   "availability_zone": "eu-west-1b"}),
        _res("aws_subnet.data[0]", {"id": "subnet-0d1", "vpc_id": "vpc-0d", "cidr_block": "10.2.1.0/24",
                                    "availability_zone": "eu-west-1a"}),
        _res("aws_subnet.data[1]", {"id": "subnet-0d2", "vpc_id": "vpc-0d", "cidr_block": "10.2.2.0/24",
                                    "availability_zone": "eu-west-1b"}),
        _res("aws_ec2_transit_gateway.hub", {"id": "tgw-0h", "default_route_table_association": "enable",
                                             "default_route_table_propagation": "enable", "dns_support": "enable",
                                             "association_default_route_table_id": "tgw-rtb-0def",
                                             "propagation_default_route_table_id": "tgw-rtb-0def",
                                             "auto_accept_shared_attachments": "disable"}),
        _res("aws_ec2_transit_gateway_vpc_attachment.app", {
            "id": "tgw-attach-0a", "transit_gateway_id": "tgw-0h", "vpc_id": "vpc-0a",
            "subnet_ids": ["subnet-0a1", "subnet-0a2"], "transit_gateway_default_route_table_association": True,
            "transit_gateway_default_route_table_propagation": True}),
        _res("aws_ec2_transit_gateway_vpc_attachment.data", {
            "id": "tgw-attach-0d", "transit_gateway_id": "tgw-0h", "vpc_id": "vpc-0d", "subnet_ids": data_subnets,
            "transit_gateway_default_route_table_association": True,
            "transit_gateway_default_route_table_propagation": True}),
        _res("aws_route_table.app", {"id": "rtb-0a", "vpc_id": "vpc-0a", "route": [
            {"cidr_block": "10.2.0.0/16", "transit_gateway_id": "tgw-0h", "gateway_id": ""}]}),
        _res("aws_route_table.data", {"id": "rtb-0d", "vpc_id": "vpc-0d", "route": [
            {"cidr_block": "10.1.0.0/16", "transit_gateway_id": "tgw-0h", "gateway_id": ""}]}),
        *[_res(f"aws_route_table_association.{side}[{i}]", {"id": f"rtbassoc-{side}{i}",
                                                              "subnet_id": f"subnet-0{side[0]}{i + 1}",
                                                              "route_table_id": f"rtb-0{side[0]}"})
          for side in ("app", "data") for i in (0, 1)],
        _res("aws_security_group.fn", {"id": "sg-0f", "name": "fn", "vpc_id": "vpc-0a", "ingress": [], "egress": [
            {"cidr_blocks": ["10.2.0.0/16"], "from_port": 5432, "to_port": 5432, "protocol": "tcp", "self": False}]}),
        _res("aws_security_group.db", {"id": "sg-0b", "name": "db", "vpc_id": "vpc-0d", "egress": [], "ingress": [
            {"cidr_blocks": ["10.1.0.0/16"], "from_port": 5432, "to_port": 5432, "protocol": "tcp", "self": False}]}),
        _res("aws_db_subnet_group.orders", {"id": "orders", "name": "orders",
                                            "subnet_ids": ["subnet-0d1", "subnet-0d2"]}),
        _res("aws_db_instance.orders", {"id": "db-ORDERS", "identifier": "orders", "engine": "postgres", "port": 5432,
                                        "address": "orders.cabc.eu-west-1.rds.amazonaws.com",
                                        "arn": "arn:aws:rds:eu-west-1:123456789012:db:orders",
                                        "db_subnet_group_name": "orders", "vpc_security_group_ids": ["sg-0b"],
                                        "publicly_accessible": False}),
        _res("aws_lambda_function.orders", {
            "function_name": "orders", "arn": "arn:aws:lambda:eu-west-1:123456789012:function:orders",
            "role": "arn:aws:iam::123456789012:role/orders-fn",
            "vpc_config": [{"subnet_ids": ["subnet-0a1", "subnet-0a2"], "security_group_ids": ["sg-0f"]}],
            "environment": [{"variables": {"DB_HOST": "orders.cabc.eu-west-1.rds.amazonaws.com"}}]}),
        _res("aws_iam_role.fn", {"name": "orders-fn", "arn": "arn:aws:iam::123456789012:role/orders-fn",
                                 "managed_policy_arns": [
                                     "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]}),
    ]
    return {"format_version": "1.2", "terraform_version": "1.9.5",
            "planned_values": {"root_module": {"resources": rs}}, "resource_changes": [],
            "configuration": {"provider_config": {"aws": {"expressions": {
                "region": {"constant_value": "eu-west-1"}}}},
                              "root_module": {}}}


def test_tgw_in_a_plan_uses_the_planned_default_route_table(tmp_path: Path) -> None:
    import json

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_tgw_plan(["subnet-0d1", "subnet-0d2"])))
    code, doc, err = run_check([str(plan)], [])
    assert doc is not None, err
    assert [(p["target"]["id"], p["verdict"]) for p in doc["pairs"]] == [("aws_db_instance.orders", "REACHABLE")]
    from rdslink.sources.terraform import load_terraform

    inv = load_terraform([str(plan)])
    assert inv.transit_gateways["tgw-0h"].association_default_route_table_id == "tgw-rtb-0def"
    assert inv.transit_gateway_attachments["tgw-attach-0a"].route_table_id == "tgw-rtb-0def"
    assert set(inv.transit_gateway_route_tables["tgw-rtb-0def"].propagations) == {"tgw-attach-0a", "tgw-attach-0d"}
    # the data attachment only in eu-west-1a: the return from the DB's eu-west-1b subnet cannot reach the TGW
    plan.write_text(json.dumps(_tgw_plan(["subnet-0d1"])))
    code, doc, _ = run_check([str(plan)], [])
    assert doc is not None and [p["verdict"] for p in doc["pairs"]] == ["INTERMITTENT"] and code == 1
    assert any(f["id"] == "RL307" for p in doc["pairs"] for f in p["findings"])


def test_for_each_over_objects_is_rl004_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
resource "aws_vpc" "v" {
  for_each   = [{ cidr = "10.0.0.0/16" }]
  cidr_block = each.value.cidr
}
''')
    code, doc, err = run_check([str(tmp_path)], [])
    assert code != 4, err
    assert doc is not None and any(f["id"] == "RL004" for f in doc["findings"])


def test_tf_json_bad_template_and_iterator_are_input_errors_or_warnings(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('''{"resource": {"aws_security_group": {"g": {
      "vpc_id": "${ ] }",
      "dynamic": {"ingress": {"for_each": "${[1]}", "iterator": "not an identifier ]", "content": {}}}}}}}''')
    code, _, err = run_check([str(tmp_path)], [])
    assert code == 2 and "iterator" in err and "main.tf.json" in err
    (tmp_path / "main.tf.json").write_text('{"resource": {"aws_vpc": {"v": {"cidr_block": "${ ] }"}}}}')
    code, doc, err = run_check([str(tmp_path)], [])
    assert code in (0, 3), err
    assert doc is not None and any("cannot be evaluated" in w for w in doc["warnings"])


def test_static_route_into_an_unknown_tgw_route_table_is_unknown(tmp_path: Path) -> None:
    extra = '''
variable "tgw_route_table_id" {
  type = string
}

resource "aws_ec2_transit_gateway_route" "maybe_blackhole" {
  destination_cidr_block         = "10.2.0.0/16"
  blackhole                      = true
  transit_gateway_route_table_id = var.tgw_route_table_id
}
'''
    code, doc = _tgw_variant(tmp_path, 'resource "aws_route_table" "app" {', extra + 'resource "aws_route_table" "app" {')
    assert _verdicts(doc) == ["UNKNOWN"] and code == 3
    code, doc, _ = run_check([str(tmp_path)], ["--var", "tgw_route_table_id=tgw-rtb-0elsewhere"])
    assert doc is not None and _verdicts(doc) == ["REACHABLE"] and code == 0
