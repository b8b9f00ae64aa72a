"""``ReferenceSystem``: the article's Lambda -> private RDS system as one CDK construct, correct by construction.

What it builds (AWS docs followed, by part):

* VPC over 2-3 AZs: "private" subnets for the function ENIs, "isolated" subnets for the database (and the
  proxy); "public" subnets with an internet gateway and NAT gateways only with egress "nat"
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html).
* Security groups with no "allow all" rule: ``rds`` admits only the DB port from ``lambda`` (or from the proxy
  and the rotation function); ``lambda`` may only send the DB port to ``rds`` (or the proxy) and 443 to the
  Secrets Manager endpoint (or, with NAT, to the internet)
  (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.Scenarios.html).
* The function (Python 3.12) on the private subnets of every AZ with an execution role holding only
  AWSLambdaVPCAccessExecutionRole plus what it reads: the secret, or ``rds-db:connect`` on the proxy
  (https://docs.aws.amazon.com/lambda/latest/dg/configuring-vpc.html#configuring-vpc-permissions).
* RDS PostgreSQL/MySQL in the isolated subnets: not public, encrypted, Multi-AZ, IAM auth enabled, master
  credentials generated into Secrets Manager and rotated by the hosted single-user rotation function attached
  to the private subnets (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html).
* Egress: an interface endpoint for Secrets Manager with private DNS, admitting 443 from the function groups,
  or one NAT gateway per AZ (https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html).
* Optional RDS Proxy requiring IAM auth and TLS (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html).
* Trigger: HTTP API (IAM authorization, access logs) or an EventBridge schedule rule.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .nag import acknowledge
from .options import ReferenceOptions

VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"
#: The function's entry point: ``lambda_handler`` in ``handler.py`` (examples/handler.py).
HANDLER = "handler.lambda_handler"
#: Characters the generated password avoids: they break connection strings and shell quoting.
EXCLUDED_PASSWORD_CHARACTERS = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"


class ReferenceSystem(Construct):
    """The reference system in ``scope`` (normally a :class:`~rdslink.stack.app.ReferenceStack`).

    Args:
        scope: parent construct; its stack should be environment-agnostic (AZs come from ``Fn::GetAZs``).
        construct_id: construct id.
        options: what to build (validated here).
        code: the function code; default ``lambda_.Code.from_asset`` of :func:`rdslink.stack.asset.build_asset`.

    Attributes (CDK objects, for extension and for tests): ``vpc``, ``lambda_sg``, ``rds_sg``, ``proxy_sg``,
    ``endpoint_sg``, ``rotation_sg``, ``role``, ``function``, ``database``, ``secret``, ``proxy``,
    ``endpoint``, ``http_api``.

    Raises:
        ValueError: invalid options (see :meth:`ReferenceOptions.validate`).
    """

    def __init__(self, scope: Construct, construct_id: str, options: ReferenceOptions | None = None, *,
                 code: lambda_.Code | None = None) -> None:
        super().__init__(scope, construct_id)
        self.options = opts = (options or ReferenceOptions()).validate()
        faults = opts.faults
        port = opts.port
        self.proxy: rds.DatabaseProxy | None = None
        self.endpoint: ec2.InterfaceVpcEndpoint | None = None
        self.http_api: apigwv2.HttpApi | None = None
        self.proxy_sg: ec2.SecurityGroup | None = None
        self.endpoint_sg: ec2.SecurityGroup | None = None
        nat = opts.egress == "nat" and "no-egress" not in faults

        # ---- network --------------------------------------------------------------------------------
        mask = subnet_mask(opts.cidr, 3 if nat else 2, opts.azs)
        groups = [
            ec2.SubnetConfiguration(
                name="private", cidr_mask=mask,
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if nat else ec2.SubnetType.PRIVATE_ISOLATED),
            ec2.SubnetConfiguration(name="isolated", cidr_mask=mask, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ]
        if nat:
            groups.insert(0, ec2.SubnetConfiguration(name="public", cidr_mask=mask, subnet_type=ec2.SubnetType.PUBLIC,
                                                     map_public_ip_on_launch=False))
        # Fn::Select/Fn::GetAZs in every environment: no context lookup, no credentials, same template everywhere.
        azs = [cdk.Fn.select(i, cdk.Fn.get_azs()) for i in range(opts.azs)]
        self.vpc = ec2.Vpc(
            self, "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(opts.cidr),
            availability_zones=azs,
            nat_gateways=(opts.nat_gateways or opts.azs) if nat else 0,
            subnet_configuration=groups,
            enable_dns_support="dns-support-off" not in faults,
            enable_dns_hostnames="dns-support-off" not in faults,
            restrict_default_security_group=False,
            flow_logs={"FlowLog": ec2.FlowLogOptions(
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(
                    self, "FlowLogGroup", retention=logs.RetentionDays.ONE_YEAR,
                    removal_policy=cdk.RemovalPolicy.DESTROY)),
                traffic_type=ec2.FlowLogTrafficType.REJECT)},
        )
        private = ec2.SubnetSelection(subnet_group_name="private")
        isolated = ec2.SubnetSelection(subnet_group_name="isolated")
        fn_subnets = private
        if "single-az" in faults:
            fn_subnets = ec2.SubnetSelection(subnets=[self.vpc.select_subnets(subnet_group_name="private").subnets[0]])

        # ---- security groups ------------------------------------------------------------------------
        self.lambda_sg = self._group("LambdaSecurityGroup", "lambda: the function ENIs (and the rotation function "
                                     "without a proxy)")
        self.rds_sg = self._group("RdsSecurityGroup", f"rds: the database; admits tcp/{port} from its clients only")
        if opts.proxy:
            self.proxy_sg = self._group("ProxySecurityGroup", f"proxy: RDS Proxy; admits tcp/{port} from lambda")
            self.rotation_sg = self._group("RotationSecurityGroup", "rotation: the secret rotation function")
        else:
            self.rotation_sg = self.lambda_sg
        db_port = ec2.Port.tcp(port)
        front = self.proxy_sg or self.rds_sg  # what the function connects to
        first_private = self.vpc.select_subnets(subnet_group_name="private").subnets[0]
        if "db-admits-cidr" in faults:
            front.add_ingress_rule(ec2.Peer.ipv4(first_private.ipv4_cidr_block), db_port,
                                   "FAULT: the first function subnet's CIDR instead of the lambda group")
        elif "db-wrong-port" in faults:
            other = 3306 if port == 5432 else 5432
            front.add_ingress_rule(self.lambda_sg, ec2.Port.tcp(other), f"FAULT: tcp/{other} from lambda")
        elif "db-no-ingress" not in faults:
            front.add_ingress_rule(self.lambda_sg, db_port, f"tcp/{port} from lambda")
        if "lambda-no-egress" not in faults:
            self.lambda_sg.add_egress_rule(front, db_port, f"tcp/{port} to {'proxy' if opts.proxy else 'rds'}")
        if self.proxy_sg is not None:
            # The proxy -> rds rules are added by DatabaseProxy itself (ProxyTarget.from_instance); the rotation
            # function talks to the database directly (it changes the password the proxy uses).
            self.rds_sg.add_ingress_rule(self.rotation_sg, db_port, f"tcp/{port} from rotation")
            self.rotation_sg.add_egress_rule(self.rds_sg, db_port, f"tcp/{port} to rds")
        https_clients = [self.lambda_sg] if self.rotation_sg is self.lambda_sg else [self.lambda_sg, self.rotation_sg]
        if opts.egress == "endpoints" and "no-egress" not in faults:
            self.endpoint_sg = self._group("EndpointSecurityGroup", "endpoints: interface endpoints; admit 443 from "
                                           "the functions")
            for client in https_clients:
                if "endpoint-no-ingress" not in faults:
                    self.endpoint_sg.add_ingress_rule(client, ec2.Port.tcp(443), "HTTPS from a function group")
                client.add_egress_rule(self.endpoint_sg, ec2.Port.tcp(443), "HTTPS to the interface endpoints")
            self.endpoint = self.vpc.add_interface_endpoint(
                "SecretsManagerEndpoint", service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
                subnets=private, private_dns_enabled="endpoint-no-private-dns" not in faults,
                security_groups=[self.endpoint_sg], open=False)
        elif nat:
            for client in https_clients:
                client.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443),
                                       "HTTPS to AWS APIs through the NAT gateways")

        # ---- database and its secret ----------------------------------------------------------------
        version = opts.resolved_engine_version
        major = ".".join(version.split(".")[: 1 if opts.engine == "postgres" else 2])
        if opts.engine == "postgres":
            engine = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.of(version, major))
        else:
            engine = rds.DatabaseInstanceEngine.mysql(version=rds.MysqlEngineVersion.of(version, major))
        self.database = rds.DatabaseInstance(
            self, "Database",
            engine=engine,
            instance_type=ec2.InstanceType(opts.instance_type),
            vpc=self.vpc,
            vpc_subnets=isolated,
            security_groups=[self.rds_sg],
            port=port,
            database_name=opts.database_name,
            credentials=rds.Credentials.from_generated_secret(
                opts.username, exclude_characters=EXCLUDED_PASSWORD_CHARACTERS),
            publicly_accessible=False,
            storage_encrypted=True,
            multi_az=opts.multi_az,
            iam_authentication=True,
            allocated_storage=20,
            max_allocated_storage=100,
            backup_retention=cdk.Duration.days(7),
            deletion_protection=opts.deletion_protection,
            removal_policy=cdk.RemovalPolicy.SNAPSHOT,
            # TLS required by the server too (rds.force_ssl / require_secure_transport), not only by the client
            parameters={"rds.force_ssl": "1"} if opts.engine == "postgres" else {"require_secure_transport": "ON"},
            cloudwatch_logs_exports=["postgresql", "upgrade"] if opts.engine == "postgres" else ["error"],
            auto_minor_version_upgrade=True,
        )
        secret = self.database.secret
        assert secret is not None  # from_generated_secret always makes one
        self.secret: secretsmanager.ISecret = secret
        rotation_args: dict[str, Any] = {
            "vpc": self.vpc, "vpc_subnets": private, "security_groups": [self.rotation_sg],
            "exclude_characters": EXCLUDED_PASSWORD_CHARACTERS,
        }
        hosted = (secretsmanager.HostedRotation.postgre_sql_single_user(**rotation_args) if opts.engine == "postgres"
                  else secretsmanager.HostedRotation.mysql_single_user(**rotation_args))
        self.secret.add_rotation_schedule("Rotation", hosted_rotation=hosted,
                                          automatically_after=cdk.Duration.days(opts.rotation_days))

        # ---- proxy ----------------------------------------------------------------------------------
        if opts.proxy:
            assert self.proxy_sg is not None
            self.proxy = rds.DatabaseProxy(
                self, "Proxy",
                proxy_target=rds.ProxyTarget.from_instance(self.database),
                secrets=[self.secret],
                vpc=self.vpc,
                vpc_subnets=isolated,
                security_groups=[self.proxy_sg],
                iam_auth=True,
                require_tls=True,
            )
            if "proxy-db-no-ingress" in faults:
                _remove_rules_from(self.rds_sg, self.proxy_sg)

        # ---- function -------------------------------------------------------------------------------
        managed = [] if "no-vpc-policy" in faults else [iam.ManagedPolicy.from_aws_managed_policy_name(
            VPC_ACCESS_POLICY)]
        self.role = iam.Role(self, "FunctionRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="rdslink reference function: VPC access and its database only",
                             managed_policies=managed)
        env = {"DB_PORT": str(port), "DB_NAME": opts.database_name, "DB_ENGINE": opts.engine}
        if self.proxy is not None:
            env.update(DB_HOST=self.proxy.endpoint, DB_USER=opts.username, DB_IAM_AUTH="1")
            if "proxy-no-connect" not in faults:
                self.proxy.grant_connect(self.role, opts.username)
        else:
            env.update(DB_HOST=self.database.db_instance_endpoint_address, DB_SECRET_ARN=self.secret.secret_arn)
            self.secret.grant_read(self.role)
        vpc_args: dict[str, Any] = {}
        if "no-vpc" not in faults:
            vpc_args = {"vpc": self.vpc, "vpc_subnets": fn_subnets, "security_groups": [self.lambda_sg]}
        if code is None:
            import atexit
            import shutil

            from .asset import build_asset

            folder = build_asset()
            code = lambda_.Code.from_asset(str(folder))  # staged (copied) into the cloud assembly at once
            atexit.register(shutil.rmtree, folder, True)
        log_group = logs.LogGroup(self, "FunctionLogs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        self.function = lambda_.Function(
            self, "Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler=HANDLER,
            code=code,
            role=self.role,
            timeout=cdk.Duration.seconds(15),
            memory_size=256,
            reserved_concurrent_executions=opts.reserved_concurrency,
            log_group=log_group,
            environment=env,
            description=f"rdslink reference function -> {'RDS Proxy -> ' if opts.proxy else ''}{opts.engine}",
            **vpc_args,
        )

        # ---- trigger --------------------------------------------------------------------------------
        if opts.trigger == "http-api":
            access_logs = logs.LogGroup(self, "ApiAccessLogs", retention=logs.RetentionDays.ONE_YEAR,
                                        removal_policy=cdk.RemovalPolicy.DESTROY)
            self.http_api = apigwv2.HttpApi(
                self, "HttpApi", create_default_stage=False,
                default_integration=integrations.HttpLambdaIntegration("FunctionIntegration", self.function),
                default_authorizer=authorizers.HttpIamAuthorizer())
            stage = apigwv2.HttpStage(self, "DefaultStage", http_api=self.http_api, stage_name="$default",
                                      auto_deploy=True)
            cfn_stage = stage.node.default_child
            assert isinstance(cfn_stage, apigwv2.CfnStage)
            cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
                destination_arn=access_logs.log_group_arn,
                format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                       '"caller":"$context.identity.caller","user":"$context.identity.user",'
                       '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
                       '"status":"$context.status","integrationError":"$context.integrationErrorMessage"}')
            cdk.CfnOutput(self, "ApiUrl", value=self.http_api.api_endpoint, description="HTTP API URL (IAM auth)")
        else:
            events.Rule(self, "Schedule", schedule=events.Schedule.expression(opts.schedule),
                        targets=[targets.LambdaFunction(self.function)])

        # ---- outputs --------------------------------------------------------------------------------
        cdk.CfnOutput(self, "FunctionName", value=self.function.function_name, description="the function")
        cdk.CfnOutput(self, "DbEndpoint", value=self.database.db_instance_endpoint_address,
                      description="database endpoint address")
        if self.proxy is not None:
            cdk.CfnOutput(self, "ProxyEndpoint", value=self.proxy.endpoint, description="RDS Proxy endpoint")
        cdk.CfnOutput(self, "SecretArn", value=self.secret.secret_arn, description="master credentials secret")

        #: (construct path, cdk-nag rule, reason) of every acknowledged AwsSolutions rule.
        self.acknowledgements: list[tuple[str, str, str]] = acknowledge(self)

    def _group(self, construct_id: str, description: str) -> ec2.SecurityGroup:
        return ec2.SecurityGroup(self, construct_id, vpc=self.vpc, description=description,
                                 allow_all_outbound=False)


def _remove_rules_from(group: ec2.SecurityGroup, peer: ec2.SecurityGroup) -> None:
    """Delete the standalone ingress rules of ``group`` whose source is ``peer`` (fault injection only)."""
    source = peer.security_group_id
    for child in list(group.node.children):
        if isinstance(child, ec2.CfnSecurityGroupIngress) and child.source_security_group_id == source:
            group.node.try_remove_child(child.node.id)


def subnet_mask(cidr: str, groups: int, azs: int) -> int | None:
    """The /24 mask when ``groups * azs`` /24 subnets fit in ``cidr``, else None (CDK splits evenly)."""
    prefix = int(cidr.split("/")[1])
    return 24 if 2 ** (24 - prefix) >= groups * azs else None


__all__ = ["HANDLER", "ReferenceSystem", "VPC_ACCESS_POLICY", "subnet_mask"]
