"""Fixes as data: AWS CLI argv lists (in the reference article's style) and CloudFormation snippets.

For template inputs physical ids do not exist yet, so CLI arguments use ``<LogicalId>`` placeholders; the
template snippet uses ``!Ref``/``!GetAtt`` on the logical ids. Nothing here runs anything.
"""

from __future__ import annotations

from ..findings import Fix
from ..model import Provenance
from . import terraform as tf


def ref(obj_id: str, prov: Provenance) -> str:
    """CLI value for an object: its real id (live data) or a ``<LogicalId>`` placeholder (templates)."""
    return f"<{prov.logical_id}>" if prov.synthetic_id else obj_id


def _tag(prov: Provenance) -> str:
    return prov.logical_id.rsplit("/", 1)[-1].replace(".DefaultSecurityGroup", "")


def _group_ref(prov: Provenance) -> str:
    if not prov.synthetic_id:
        return prov.logical_id
    if prov.logical_id.endswith(".DefaultSecurityGroup"):
        return f"!GetAtt {prov.logical_id.rsplit('/', 1)[-1].split('.')[0]}.DefaultSecurityGroup"
    return f"!Ref {_tag(prov)}"


def sg_ingress(group_id: str, group: Provenance, port: int, source_id: str, source: Provenance) -> Fix:
    """Allow TCP ``port`` into ``group`` from members of ``source`` (security-group reference, never a CIDR)."""
    name = f"{_tag(source)}To{_tag(group)}Ingress".replace(".", "")
    if tf.is_terraform(group):
        return Fix(cli=((
            "aws", "ec2", "authorize-security-group-ingress", "--group-id", ref(group_id, group),
            "--protocol", "tcp", "--port", str(port), "--source-group", ref(source_id, source),
        ),), template=tf.sg_ingress(group, port, source))
    return Fix(
        cli=((
            "aws", "ec2", "authorize-security-group-ingress",
            "--group-id", ref(group_id, group),
            "--protocol", "tcp", "--port", str(port),
            "--source-group", ref(source_id, source),
        ),),
        template=(
            f"{name}:\n"
            f"  Type: AWS::EC2::SecurityGroupIngress\n"
            f"  Properties:\n"
            f"    GroupId: {_group_ref(group)}\n"
            f"    IpProtocol: tcp\n"
            f"    FromPort: {port}\n"
            f"    ToPort: {port}\n"
            f"    SourceSecurityGroupId: {_group_ref(source)}\n"
        ),
    )


def sg_egress(group_id: str, group: Provenance, port: int, dest_id: str, dest: Provenance) -> Fix:
    """Allow TCP ``port`` out of ``group`` to members of ``dest``."""
    name = f"{_tag(group)}To{_tag(dest)}Egress".replace(".", "")
    if tf.is_terraform(group):
        return Fix(cli=((
            "aws", "ec2", "authorize-security-group-egress", "--group-id", ref(group_id, group), "--ip-permissions",
            f"IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{GroupId={ref(dest_id, dest)}}}]",
        ),), template=tf.sg_egress(group, port, dest))
    return Fix(
        cli=((
            "aws", "ec2", "authorize-security-group-egress",
            "--group-id", ref(group_id, group),
            "--ip-permissions",
            f"IpProtocol=tcp,FromPort={port},ToPort={port},UserIdGroupPairs=[{{GroupId={ref(dest_id, dest)}}}]",
        ),),
        template=(
            f"{name}:\n"
            f"  Type: AWS::EC2::SecurityGroupEgress\n"
            f"  Properties:\n"
            f"    GroupId: {_group_ref(group)}\n"
            f"    IpProtocol: tcp\n"
            f"    FromPort: {port}\n"
            f"    ToPort: {port}\n"
            f"    DestinationSecurityGroupId: {_group_ref(dest)}\n"
        ),
    )


def vpc_config(function_name: str, fn: Provenance, subnet_refs: list[str], sg_ref: str) -> Fix:
    """Attach the function to private subnets in two or more AZs with a security group."""
    subnets = ",".join(subnet_refs) or "<private-subnet-a>,<private-subnet-b>"
    if tf.is_terraform(fn):
        return Fix(cli=(("aws", "lambda", "update-function-configuration", "--function-name", function_name,
                         "--vpc-config", f"SubnetIds={subnets},SecurityGroupIds={sg_ref}"),),
                   template=tf.vpc_config(fn, subnet_refs, sg_ref))
    return Fix(
        cli=(("aws", "lambda", "update-function-configuration", "--function-name", function_name,
              "--vpc-config", f"SubnetIds={subnets},SecurityGroupIds={sg_ref}"),),
        template=(
            f"{_tag(fn)}:\n  Properties:\n    VpcConfig:\n      SubnetIds:\n"
            + "".join(f"        - {s}\n" for s in (subnet_refs or ["!Ref PrivateSubnetA", "!Ref PrivateSubnetB"]))
            + f"      SecurityGroupIds:\n        - {sg_ref}\n"
        ),
    )


def attach_vpc_policy(role_name: str, role: Provenance) -> Fix:
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    if tf.is_terraform(role):
        return Fix(cli=(("aws", "iam", "attach-role-policy", "--role-name", role_name, "--policy-arn", arn),),
                   template=tf.attach_vpc_policy(role))
    return Fix(
        cli=(("aws", "iam", "attach-role-policy", "--role-name", role_name, "--policy-arn", arn),),
        template=f"{_tag(role)}:\n  Properties:\n    ManagedPolicyArns:\n      - {arn}\n",
    )


def _inline_policy(role_name: str, role: Provenance, policy_name: str, action: str, resource: str) -> Fix:
    """Grant one ``action`` on ``resource`` to a role as an inline policy (put-role-policy / Policies)."""
    doc = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
           f'"Action":"{action}","Resource":"{resource}"}}]}}')
    if tf.is_terraform(role):
        return Fix(cli=(("aws", "iam", "put-role-policy", "--role-name", role_name, "--policy-name", policy_name,
                         "--policy-document", doc),), template=tf.inline_policy(role, policy_name, action, resource))
    return Fix(
        cli=(("aws", "iam", "put-role-policy", "--role-name", role_name, "--policy-name", policy_name,
              "--policy-document", doc),),
        template=(f"{_tag(role)}:\n  Properties:\n    Policies:\n      - PolicyName: {policy_name}\n"
                  f"        PolicyDocument:\n          Version: '2012-10-17'\n          Statement:\n"
                  f"            - Effect: Allow\n              Action: {action}\n"
                  f"              Resource: {resource}\n"),
    )


def rds_db_connect(role_name: str, role: Provenance, resource: str) -> Fix:
    """Allow ``rds-db:connect`` on ``resource`` (``arn:aws:rds-db:...:dbuser:prx-.../*``)."""
    return _inline_policy(role_name, role, "rds-db-connect", "rds-db:connect", resource)


def secrets_endpoint(vpc_id: str, vpc: Provenance, cli_subnets: list[str], subnet_refs: list[str], sg_ref: str,
                     region: str) -> Fix:
    """Create a secretsmanager interface endpoint with private DNS in the function's subnets."""
    service = f"com.amazonaws.{region}.secretsmanager"
    cli = (("aws", "ec2", "create-vpc-endpoint", "--vpc-id", ref(vpc_id, vpc), "--vpc-endpoint-type", "Interface",
            "--service-name", service, "--subnet-ids", *cli_subnets, "--security-group-ids", sg_ref,
            "--private-dns-enabled"),)
    if tf.is_terraform(vpc):
        return Fix(cli=cli, template=tf.secrets_endpoint(vpc, subnet_refs, sg_ref))
    return Fix(
        cli=cli,
        template=(
            "SecretsManagerEndpoint:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n"
            f"    VpcId: !Ref {_tag(vpc)}\n    VpcEndpointType: Interface\n"
            "    ServiceName: !Sub com.amazonaws.${AWS::Region}.secretsmanager\n    PrivateDnsEnabled: true\n"
            "    SubnetIds:\n" + "".join(f"      - {s}\n" for s in subnet_refs) +
            f"    SecurityGroupIds:\n      - {sg_ref}\n"
        ),
    )


def private_dns(endpoint_id: str, endpoint: Provenance) -> Fix:
    if tf.is_terraform(endpoint):
        return Fix(cli=(("aws", "ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", ref(endpoint_id, endpoint),
                         "--private-dns-enabled"),), template=tf.private_dns(endpoint))
    return Fix(
        cli=(("aws", "ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", ref(endpoint_id, endpoint),
              "--private-dns-enabled"),),
        template=f"{_tag(endpoint)}:\n  Properties:\n    PrivateDnsEnabled: true\n",
    )


def dns_support(vpc_id: str, vpc: Provenance) -> Fix:
    if tf.is_terraform(vpc):
        return Fix(cli=(("aws", "ec2", "modify-vpc-attribute", "--vpc-id", ref(vpc_id, vpc),
                         "--enable-dns-support", '{"Value":true}'),), template=tf.dns_support(vpc))
    return Fix(
        cli=(("aws", "ec2", "modify-vpc-attribute", "--vpc-id", ref(vpc_id, vpc),
              "--enable-dns-support", '{"Value":true}'),),
        template=f"{_tag(vpc)}:\n  Properties:\n    EnableDnsSupport: true\n",
    )


def nacl_entry(acl_id: str, acl: Provenance, egress: bool, cidr: str, low: int, high: int, number: int = 90) -> Fix:
    if tf.is_terraform(acl):
        return Fix(cli=(("aws", "ec2", "create-network-acl-entry", "--network-acl-id", ref(acl_id, acl),
                         "--rule-number", str(number), "--protocol", "tcp", "--port-range", f"From={low},To={high}",
                         "--cidr-block", cidr, "--rule-action", "allow", "--egress" if egress else "--ingress"),),
                   template=tf.nacl_entry(acl, egress, cidr, low, high, number))
    return Fix(
        cli=(("aws", "ec2", "create-network-acl-entry", "--network-acl-id", ref(acl_id, acl),
              "--rule-number", str(number), "--protocol", "tcp", "--port-range", f"From={low},To={high}",
              "--cidr-block", cidr, "--rule-action", "allow", "--egress" if egress else "--ingress"),),
        template=(f"{_tag(acl)}Allow{number}:\n  Type: AWS::EC2::NetworkAclEntry\n  Properties:\n"
                  f"    NetworkAclId: !Ref {_tag(acl)}\n    RuleNumber: {number}\n    Protocol: 6\n"
                  f"    RuleAction: allow\n    Egress: {'true' if egress else 'false'}\n    CidrBlock: {cidr}\n"
                  f"    PortRange: {{From: {low}, To: {high}}}\n"),
    )


def secret_policy(role_name: str, role: Provenance, secret_arn: str) -> Fix:
    """Allow the RDS Proxy's role to read its auth secret."""
    return _inline_policy(role_name, role, "read-proxy-secret", "secretsmanager:GetSecretValue", secret_arn)


def revoke_world(group_id: str, group: Provenance, port: int, cidr: str) -> Fix:
    if tf.is_terraform(group):
        return Fix(cli=(("aws", "ec2", "revoke-security-group-ingress", "--group-id", ref(group_id, group), "--protocol",
                         "tcp", "--port", str(port), "--cidr", cidr),), template=tf.revoke_world(group, port, cidr))
    return Fix(
        cli=(("aws", "ec2", "revoke-security-group-ingress", "--group-id", ref(group_id, group), "--protocol", "tcp",
              "--port", str(port), "--cidr", cidr),),
        template=f"{_tag(group)}: remove the SecurityGroupIngress rule with CidrIp {cidr} on port {port}\n",
    )


def not_public(db_ident: str, db: Provenance) -> Fix:
    if tf.is_terraform(db):
        return Fix(cli=(("aws", "rds", "modify-db-instance", "--db-instance-identifier", db_ident,
                         "--no-publicly-accessible", "--apply-immediately"),), template=tf.not_public(db))
    return Fix(
        cli=(("aws", "rds", "modify-db-instance", "--db-instance-identifier", db_ident,
              "--no-publicly-accessible", "--apply-immediately"),),
        template=f"{_tag(db)}:\n  Properties:\n    PubliclyAccessible: false\n",
    )


def reserved_concurrency(function_name: str, fn: Provenance, n: int) -> Fix:
    """Cap the function's concurrency at ``n`` environments (one DB connection each), the alternative to RDS Proxy
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)."""
    cli = (("aws", "lambda", "put-function-concurrency", "--function-name", function_name,
            "--reserved-concurrent-executions", str(n)),)
    if tf.is_terraform(fn):
        return Fix(cli=cli, template=tf.reserved_concurrency(fn, n))
    return Fix(cli=cli, template=f"{_tag(fn)}:\n  Properties:\n    ReservedConcurrentExecutions: {n}\n")
