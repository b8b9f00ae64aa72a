"""The reference system, every engine x egress x proxy combination: the template is what the article asks for,
cfn-lint and cdk-nag accept it, and rdslink proves the function reaches its database (or proxy).

All variants come from one synthesis (conftest ``synthesized``); nothing here calls AWS.
"""

from __future__ import annotations

from typing import Any

import pytest

from rdslink.stack.options import ReferenceOptions

from .helpers import (
    VPC_POLICY_SUFFIX,
    az_index,
    flatten,
    group_ref,
    join_refs,
    real_rules,
    refs,
    resources,
    sg_rules,
    subnet_group_name,
)
from .variants import EXTRA, MATRIX

ALL_GOOD = {**MATRIX, **EXTRA}
GETATT = "Fn::GetAtt"

def gap_findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Global findings that would mean the CDK-emitted transform is not modelled (RL003 naming
    AWS::SecretsManager-2024-09-16): must stay empty."""
    return [f for f in result["findings"] if f["id"] == "RL003" and "AWS::SecretsManager-2024-09-16" in f["evidence"]]


def function_pair(result: dict[str, Any]) -> dict[str, Any]:
    pairs = [p for p in result["pairs"] if p["function"]["id"] == "Function"]
    assert len(pairs) == 1, [(p["function"]["id"], p["target"]["id"]) for p in result["pairs"]]
    return pairs[0]


# ---- cfn-lint and cdk-nag -----------------------------------------------------------------------------

#: cfn-lint warnings accepted, with the reason.
ACCEPTED_LINT_WARNINGS = {
    # CDK adds the execution role (and its default policy) to the function's DependsOn so the role's policies
    # exist before the function is created; the extra edge is harmless.
    "W3005",
}


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_cfn_lint_has_no_errors(synthesized, name: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(synthesized.paths[name], config=ManualArgs(regions=["us-east-1"]))
    errors = [str(m) for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    unexpected = [str(m) for m in matches if m.rule.id not in ACCEPTED_LINT_WARNINGS and not m.rule.id.startswith("I")]
    assert unexpected == []


def test_cdk_nag_aws_solutions_passes(synthesized) -> None:
    lines = [f"{v.get('ruleName')}: {[r.get('constructPath') for r in v.get('violatingResources', [])]}"
             for v in synthesized.violations]
    assert synthesized.error is None, "\n".join(lines) or synthesized.error
    assert lines == []


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_every_nag_acknowledgement_is_justified(synthesized, name: str) -> None:
    opts: ReferenceOptions = ALL_GOOD[name]
    acks = synthesized.acknowledgements[name]
    expected = {"AwsSolutions-L1", "AwsSolutions-RDS11",
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaVPCAccessExecutionRole]"}
    if not opts.multi_az:
        expected.add("AwsSolutions-RDS3")
    if not opts.deletion_protection:
        expected.add("AwsSolutions-RDS10")
    assert {rule for _, rule, _ in acks} == expected
    for path, rule, reason in acks:
        assert len(reason) >= 60, (path, rule, reason)
        assert not path.endswith("/System"), "acknowledge on the narrowest construct, not the whole system"


# ---- template content (aws_cdk.assertions) ---------------------------------------------------------------


def cdk_template(template: dict[str, Any]) -> Any:
    from aws_cdk.assertions import Template

    return Template.from_json(template)


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_security_group_rules(synthesized, name: str) -> None:
    from aws_cdk.assertions import Match

    opts: ReferenceOptions = ALL_GOOD[name]
    template = synthesized.templates[name]
    t = cdk_template(template)
    port = opts.port
    front = "ProxySecurityGroup" if opts.proxy else "RdsSecurityGroup"

    # the function's front door admits the DB port from the lambda group, by group reference
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "GroupId": {GETATT: [front, "GroupId"]}, "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "SourceSecurityGroupId": {GETATT: ["LambdaSecurityGroup", "GroupId"]}})
    t.has_resource_properties("AWS::EC2::SecurityGroupEgress", {
        "GroupId": {GETATT: ["LambdaSecurityGroup", "GroupId"]}, "IpProtocol": "tcp", "FromPort": port,
        "ToPort": port, "DestinationSecurityGroupId": {GETATT: [front, "GroupId"]}})
    t.has_resource_properties("AWS::EC2::SecurityGroup", {
        "GroupDescription": Match.string_like_regexp("^rds"),
        "SecurityGroupIngress": Match.absent()})

    ingress = sg_rules(template, "ingress")
    egress = real_rules(sg_rules(template, "egress"))
    rds_in = sorted((r[1:] for r in ingress if r[0] == "RdsSecurityGroup"), key=repr)
    if opts.proxy:  # DB_PORT: CDK's own proxy rule uses Fn::GetAtt Database.Endpoint.Port
        assert rds_in == sorted([("tcp", "DB_PORT", "DB_PORT", "ProxySecurityGroup"),
                                 ("tcp", port, port, "RotationSecurityGroup")], key=repr)
        assert [r[1:] for r in ingress if r[0] == "ProxySecurityGroup"] == [("tcp", port, port, "LambdaSecurityGroup")]
    else:
        assert rds_in == [("tcp", port, port, "LambdaSecurityGroup")], "the rds group's only inbound rule"
    # nothing anywhere admits a CIDR or all protocols
    assert [r for r in ingress if not r[4].endswith("SecurityGroup")] == []
    assert [r for r in ingress + egress if r[1] == "-1"] == []

    lambda_out = sorted((r[1:] for r in egress if r[0] == "LambdaSecurityGroup"), key=repr)
    https = ("tcp", 443, 443, "0.0.0.0/0" if opts.egress == "nat" else "EndpointSecurityGroup")
    assert lambda_out == sorted([("tcp", port, port, front), https], key=repr)
    if opts.proxy:
        assert sorted((r[1:] for r in egress if r[0] == "RotationSecurityGroup"), key=repr) == sorted(
            [("tcp", port, port, "RdsSecurityGroup"), https], key=repr)
        assert [r[1:] for r in egress if r[0] == "ProxySecurityGroup"] == [
            ("tcp", "DB_PORT", "DB_PORT", "RdsSecurityGroup")]
    if opts.egress == "endpoints":
        clients = {"LambdaSecurityGroup"} | ({"RotationSecurityGroup"} if opts.proxy else set())
        assert {r[4] for r in ingress if r[0] == "EndpointSecurityGroup" and r[2] == 443} == clients
    # no group is left with CloudFormation's implicit allow-all egress: each has an explicit egress rule
    all_egress = sg_rules(template, "egress")
    for group in resources(template, "AWS::EC2::SecurityGroup"):
        assert any(r[0] == group for r in all_egress), f"{group} would get the default allow-all egress"


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_function_role_has_only_the_vpc_policy_and_its_database(synthesized, name: str) -> None:
    from aws_cdk.assertions import Match

    opts: ReferenceOptions = ALL_GOOD[name]
    template = synthesized.templates[name]
    t = cdk_template(template)
    t.has_resource_properties("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": Match.object_like({"Statement": [Match.object_like({
            "Principal": {"Service": "lambda.amazonaws.com"}})]}),
        "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, VPC_POLICY_SUFFIX]]}]})
    role = template["Resources"]["FunctionRole"]["Properties"]
    assert len(role["ManagedPolicyArns"]) == 1 and "Policies" not in role
    policies = [p for p in resources(template, "AWS::IAM::Policy").values()
                if {"Ref": "FunctionRole"} in p["Properties"]["Roles"]]
    assert len(policies) == 1
    statements = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    if opts.proxy:
        assert [s["Action"] for s in statements] == ["rds-db:connect"]
        arn = flatten(statements[0]["Resource"])
        assert ":rds-db:" in arn and ":dbuser:" in arn and arn.endswith(f"/{opts.username}") and "*" not in arn
        assert "DBProxyArn" in arn
    else:
        assert len(statements) == 1
        assert sorted(statements[0]["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
        assert statements[0]["Resource"] == {"Ref": "DatabaseSecretAttachment"}
    fn = template["Resources"]["Function"]["Properties"]
    assert fn["Role"] == {GETATT: ["FunctionRole", "Arn"]}


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_subnets_spread_over_every_az(synthesized, name: str) -> None:
    opts: ReferenceOptions = ALL_GOOD[name]
    template = synthesized.templates[name]
    t = cdk_template(template)
    subnets = resources(template, "AWS::EC2::Subnet")
    groups = {"private", "isolated"} | ({"public"} if opts.egress == "nat" else set())
    t.resource_count_is("AWS::EC2::Subnet", len(groups) * opts.azs)
    by_group: dict[str, list[int]] = {}
    for logical, subnet in subnets.items():
        by_group.setdefault(subnet_group_name(logical), []).append(az_index(subnet))
    assert {g: sorted(v) for g, v in by_group.items()} == {g: list(range(opts.azs)) for g in groups}

    fn_subnets = refs(template["Resources"]["Function"]["Properties"]["VpcConfig"]["SubnetIds"])
    assert {subnet_group_name(s) for s in fn_subnets} == {"private"}
    assert sorted(az_index(subnets[s]) for s in fn_subnets) == list(range(opts.azs))
    db_subnets = refs(template["Resources"]["DatabaseSubnetGroup"]["Properties"]["SubnetIds"])
    assert {subnet_group_name(s) for s in db_subnets} == {"isolated"}
    assert sorted(az_index(subnets[s]) for s in db_subnets) == list(range(opts.azs))

    # routes: isolated subnets have none; private ones go to the NAT of their own AZ (or nowhere)
    routes = resources(template, "AWS::EC2::Route")
    default_routes = {r["Properties"]["RouteTableId"]["Ref"]: r["Properties"] for r in routes.values()}
    nats = resources(template, "AWS::EC2::NatGateway")
    for logical, subnet in subnets.items():
        rt = logical.removesuffix("Subnet") + "RouteTable"
        group = subnet_group_name(logical)
        if group == "isolated" or (group == "private" and opts.egress == "endpoints"):
            assert rt not in default_routes
        elif group == "public":
            assert "GatewayId" in default_routes[rt]
        else:
            nat = default_routes[rt]["NatGatewayId"]["Ref"]
            nat_subnet = nats[nat]["Properties"]["SubnetId"]["Ref"]
            assert subnet_group_name(nat_subnet) == "public"
            if opts.nat_gateways is None:
                assert az_index(subnets[nat_subnet]) == az_index(subnet), "one NAT per AZ"
    if opts.egress == "nat":
        t.resource_count_is("AWS::EC2::NatGateway", opts.nat_gateways or opts.azs)
        t.resource_count_is("AWS::EC2::InternetGateway", 1)
    else:
        t.resource_count_is("AWS::EC2::NatGateway", 0)
        t.resource_count_is("AWS::EC2::InternetGateway", 0)


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_database_secret_rotation_and_proxy(synthesized, name: str) -> None:
    opts: ReferenceOptions = ALL_GOOD[name]
    template = synthesized.templates[name]
    t = cdk_template(template)
    t.has_resource_properties("AWS::RDS::DBInstance", {
        "Engine": opts.engine, "PubliclyAccessible": False, "StorageEncrypted": True, "MultiAZ": opts.multi_az,
        "EnableIAMDatabaseAuthentication": True, "Port": str(opts.port), "DeletionProtection": opts.deletion_protection,
        "VPCSecurityGroups": [{GETATT: ["RdsSecurityGroup", "GroupId"]}],
        "DBSubnetGroupName": {"Ref": "DatabaseSubnetGroup"}})
    assert "AWS::SecretsManager-2024-09-16" in str(template.get("Transform"))
    rotation = template["Resources"]["DatabaseSecretAttachmentRotation"]["Properties"]
    hosted = rotation["HostedRotationLambda"]
    assert hosted["RotationType"] == ("PostgreSQLSingleUser" if opts.engine == "postgres" else "MySQLSingleUser")
    assert {subnet_group_name(s) for s in join_refs(hosted["VpcSubnetIds"])} == {"private"}
    assert len(join_refs(hosted["VpcSubnetIds"])) == opts.azs
    assert group_ref(hosted["VpcSecurityGroupIds"]) == ("RotationSecurityGroup" if opts.proxy else "LambdaSecurityGroup")
    assert rotation["RotationRules"] == {"ScheduleExpression": f"rate({opts.rotation_days} days)"}
    if opts.egress == "endpoints":
        t.has_resource_properties("AWS::EC2::VPCEndpoint", {
            "VpcEndpointType": "Interface", "PrivateDnsEnabled": True,
            "SecurityGroupIds": [{GETATT: ["EndpointSecurityGroup", "GroupId"]}]})
        (endpoint,) = resources(template, "AWS::EC2::VPCEndpoint").values()
        assert flatten(endpoint["Properties"]["ServiceName"]).endswith(".secretsmanager")
        assert {subnet_group_name(s) for s in refs(endpoint["Properties"]["SubnetIds"])} == {"private"}
    else:
        t.resource_count_is("AWS::EC2::VPCEndpoint", 0)
    if opts.proxy:
        t.has_resource_properties("AWS::RDS::DBProxy", {
            "RequireTLS": True, "Auth": [{"AuthScheme": "SECRETS", "IAMAuth": "REQUIRED",
                                          "SecretArn": {"Ref": "DatabaseSecretAttachment"}}],
            "VpcSecurityGroupIds": [{GETATT: ["ProxySecurityGroup", "GroupId"]}]})
        t.has_resource_properties("AWS::RDS::DBProxyTargetGroup", {"DBInstanceIdentifiers": [{"Ref": "Database"}]})
        proxy = template["Resources"]["Proxy"]["Properties"]
        assert {subnet_group_name(s) for s in refs(proxy["VpcSubnetIds"])} == {"isolated"}
    else:
        t.resource_count_is("AWS::RDS::DBProxy", 0)


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_function_trigger_and_outputs(synthesized, name: str) -> None:
    opts: ReferenceOptions = ALL_GOOD[name]
    template = synthesized.templates[name]
    t = cdk_template(template)
    fn = template["Resources"]["Function"]["Properties"]
    assert fn["Runtime"] == "python3.12" and fn["Handler"] == "handler.lambda_handler"
    assert fn.get("ReservedConcurrentExecutions") == opts.reserved_concurrency
    assert fn["VpcConfig"]["SecurityGroupIds"] == [{GETATT: ["LambdaSecurityGroup", "GroupId"]}]
    env = fn["Environment"]["Variables"]
    assert env["DB_PORT"] == str(opts.port) and env["DB_ENGINE"] == opts.engine
    if opts.proxy:
        assert env["DB_HOST"] == {GETATT: ["Proxy", "Endpoint"]} and env["DB_IAM_AUTH"] == "1"
        assert "DB_SECRET_ARN" not in env
    else:
        assert env["DB_HOST"] == {GETATT: ["Database", "Endpoint.Address"]}
        assert env["DB_SECRET_ARN"] == {"Ref": "DatabaseSecretAttachment"}
    if opts.trigger == "http-api":
        t.has_resource_properties("AWS::ApiGatewayV2::Route", {"AuthorizationType": "AWS_IAM"})
        stage = next(iter(resources(template, "AWS::ApiGatewayV2::Stage").values()))
        assert "DestinationArn" in stage["Properties"]["AccessLogSettings"]
        t.resource_count_is("AWS::Events::Rule", 0)
    else:
        t.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": opts.schedule})
        t.resource_count_is("AWS::ApiGatewayV2::Api", 0)
    expected = {"FunctionName", "DbEndpoint", "SecretArn"} | ({"ProxyEndpoint"} if opts.proxy else set())
    assert expected <= set(template["Outputs"])


# ---- rdslink proves it ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_GOOD))
def test_rdslink_proves_function_reaches_its_database(check, name: str) -> None:
    opts: ReferenceOptions = ALL_GOOD[name]
    result = check(name)
    pair = function_pair(result)
    assert pair["target"]["id"] == ("Proxy" if opts.proxy else "Database")
    assert pair["target"]["port"] == opts.port
    assert pair["verdict"] == "REACHABLE", [(h["name"], h["evidence"]) for h in pair["hops"] if h["status"] != "open"]
    assert [h for h in pair["hops"] if h["status"] != "open"] == []
    # findings: none, except RL704 (info: the proxy requires TLS, which rdslink.runtime always uses), and RL603
    # (warning) where the stack is asked for an unreserved function straight on a small DB with no proxy: up to
    # the account's 1,000 concurrent environments, one connection each, against max_connections 85-112
    expected = ({"RL704"} if opts.proxy else set()) | (
        {"RL603"} if opts.reserved_concurrency is None and not opts.proxy else set())
    assert {f["id"] for f in pair["findings"]} == expected
    # global findings: none (the transform is modelled), and RL505 where one NAT gateway is asked
    # for on purpose (nat_gateways=1 trades AZ independence for cost)
    expected_global = {"RL505"} if opts.nat_gateways == 1 else set()
    assert gap_findings(result) == []
    assert {f["id"] for f in result["findings"]} == expected_global, result["findings"]
    assert [w for w in result["warnings"] if "CodeBucket" not in w] == []


@pytest.mark.parametrize("name", sorted(n for n, o in MATRIX.items() if not o.proxy))
def test_rdslink_proves_the_secrets_path(check, name: str) -> None:
    pair = function_pair(check(name))
    hops = [h for h in pair["hops"] if h["name"] == "secrets-path"]
    assert hops and all(h["status"] == "open" for h in hops)
    assert ("SecretsManagerEndpoint" if MATRIX[name].egress == "endpoints" else "NATGateway") in hops[0]["evidence"]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_rdslink_sg_egress_is_proven_by_the_narrow_rules(check, name: str) -> None:
    pair = function_pair(check(name))
    for hop in pair["hops"]:
        if hop["name"].endswith("sg-egress"):
            assert "0.0.0.0/0" not in hop["evidence"] and "To" in hop["evidence"], hop


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_rdslink_proves_rotation_function_reaches_the_database(check, name: str) -> None:
    result = check(name)
    pairs = [p for p in result["pairs"] if p["function"]["id"] != "Function"]
    assert [p["target"]["id"] for p in pairs] == ["Database"]
    assert pairs[0]["verdict"] == "REACHABLE"
    assert gap_findings(result) == []
