"""Shared set-up of the live tests: dummy AWS credentials and region (never a real profile or endpoint), AWS
managed policies loaded by moto, and the in-process moto account (``world``) that the check and IAM-policy tests
share: every environment of :mod:`.scenarios` plus richer IAM shapes, read once with ``load_live`` while every
API call is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("moto")

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/rdslink-tests/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/rdslink-tests/credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
}


@pytest.fixture(scope="package", autouse=True)
def aws_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
            mp.delenv(k, raising=False)
        for k, v in DUMMY_ENV.items():
            mp.setenv(k, v)
        yield


@pytest.fixture(scope="package")
def world(aws_env: None) -> Iterator[dict[str, Any]]:
    """``{"acct", "envs" (case -> Env), "inv", "result", "calls" (action -> count of the read)}``."""
    from moto import mock_aws

    from rdslink.analysis.engine import analyse
    from rdslink.sources.live import load_live

    from .builders import REGION, VPC_ACCESS, Account
    from .scenarios import build_all
    from .support import patched_sessions

    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        acct = Account()
        envs = build_all(acct)
        # richer IAM and RDS shapes: a role with inline, customer-managed and AWS-managed policies shared by two
        # more functions of the correct environment, and an Aurora cluster no function uses
        extra = acct.customer_policy("rdslink-extra", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "rds-db:connect", "Resource": "*"}]})
        rich = acct.role("rdslink-rich-role", managed=(VPC_ACCESS, extra), inline={"logs": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}})
        env = envs["correct"]
        for i in range(2):
            acct.function(env, name=f"rich-{i}", role_arn=rich)
        acct.c("rds").create_db_cluster(DBClusterIdentifier="rich-aurora", Engine="aurora-postgresql",
                                        MasterUsername="app", MasterUserPassword="not-a-secret-1",
                                        DBSubnetGroupName=f"{env.name}-dbsubnets", VpcSecurityGroupIds=[env.db_sg])
        with patched_sessions() as calls:
            inv = load_live(regions=[REGION], verbose=True)
        yield {"acct": acct, "envs": envs, "inv": inv, "result": analyse(inv), "calls": calls}
