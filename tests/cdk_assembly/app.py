"""A small two-stack CDK app for the cloud-assembly test (issue 11 item 1): a network+database stack and an
application stack whose function reaches the database through cross-stack references (CDK turns them into
Export/Fn::ImportValue pairs), plus a nested stack holding a second function."""

from __future__ import annotations

from typing import Any


def build(outdir: str, *, admit_function: bool = True) -> Any:
    """Synthesize the app into ``outdir``; returns the CloudAssembly. ``admit_function=False`` leaves the
    database security group without the rule that admits the functions (the BLOCKED variant)."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_rds as rds
    from constructs import Construct

    # the context the cdk CLI passes: aws:cdk:path and asset metadata on every resource
    app = cdk.App(outdir=outdir, context={"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True})

    class DataStack(cdk.Stack):
        def __init__(self, scope: Construct, cid: str) -> None:
            super().__init__(scope, cid)
            self.vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
                ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)])
            self.app_sg = ec2.SecurityGroup(self, "AppSg", vpc=self.vpc, description="functions")
            db_sg = ec2.SecurityGroup(self, "DbSg", vpc=self.vpc, description="database")
            if admit_function:
                db_sg.add_ingress_rule(self.app_sg, ec2.Port.tcp(5432), "functions")
            self.db = rds.DatabaseInstance(
                self, "Database", engine=rds.DatabaseInstanceEngine.postgres(
                    version=rds.PostgresEngineVersion.VER_16),
                vpc=self.vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                security_groups=[db_sg], instance_type=ec2.InstanceType("t4g.micro"),
                removal_policy=cdk.RemovalPolicy.DESTROY)

    class Worker(cdk.NestedStack):
        def __init__(self, scope: Construct, cid: str, data: DataStack) -> None:
            super().__init__(scope, cid)
            lambda_.Function(
                self, "Worker", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                code=lambda_.Code.from_inline("def handler(e, c):\n    return None\n"),
                vpc=data.vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                security_groups=[data.app_sg], allow_public_subnet=False,
                environment={"DB_HOST": data.db.db_instance_endpoint_address})

    class AppStack(cdk.Stack):
        def __init__(self, scope: Construct, cid: str, data: DataStack) -> None:
            super().__init__(scope, cid)
            lambda_.Function(
                self, "Api", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                code=lambda_.Code.from_inline("def handler(e, c):\n    return None\n"),
                vpc=data.vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                security_groups=[data.app_sg],
                environment={"DB_HOST": data.db.db_instance_endpoint_address,
                             "DB_PORT": data.db.db_instance_endpoint_port})
            Worker(self, "Workers", data)

    data = DataStack(app, "Data")
    AppStack(app, "App", data)
    return app.synth()
