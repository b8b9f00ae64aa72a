"""Timeouts: a black-holed database or Secrets Manager endpoint (loopback listeners that never answer)."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws
from runtime_helpers import FakeContext, SilentListener

from rdslink.runtime import Database, DatabaseUnreachable, SecretUnreachable

ENGINES = [("postgresql", "postgres"), ("mysql", "mysql")]


@pytest.mark.parametrize("engine,_", ENGINES)
def test_database_that_never_answers_raises_within_the_timeout(engine: str, _: str,
                                                                silent_listener: SilentListener) -> None:
    db = Database(host="127.0.0.1", port=silent_listener.port, user="app", password="pw", engine=engine,
                  tls="verify-full", connect_timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(DatabaseUnreachable) as excinfo:
        with db.connection(FakeContext(remaining_ms=2000)):
            pass
    assert time.monotonic() - t0 < 2.0  # ended before the invocation's deadline
    err = excinfo.value
    assert err.kind == "timeout" and err.host == "127.0.0.1" and err.port == silent_listener.port
    assert err.timeout == 1.0 and err.elapsed >= err.timeout  # it waited the whole connect timeout, no less
    assert err.phase == "connect"
    msg = str(err)
    assert f"127.0.0.1:{silent_listener.port}" in msg
    assert "within the 1.0 s connect timeout" in msg and f"waited {err.elapsed:.2f} s" in msg
    assert "security group" in msg and f"TCP {silent_listener.port}" in msg
    assert "not in the VPC" in msg and "network ACL" in msg
    assert "rdslink check --live --function orders-api" in msg  # the context's function name
    assert silent_listener.accepted  # the TCP connection really reached the listener
    assert not db.connected


def test_connect_timeout_is_capped_by_the_remaining_invocation_time(silent_listener: SilentListener) -> None:
    db = Database(host="127.0.0.1", port=silent_listener.port, user="app", password="pw", engine="postgres",
                  tls="disable", connect_timeout=5.0)
    t0 = time.monotonic()
    with pytest.raises(DatabaseUnreachable) as excinfo:
        with db.connection(FakeContext(remaining_ms=1000)):
            pass
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0  # shorter than the 1 s the function had left, despite connect_timeout=5
    assert excinfo.value.timeout < 1.0


def test_function_name_comes_from_the_environment_without_context(silent_listener: SilentListener,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "billing-worker")
    db = Database.from_env({"DB_HOST": "127.0.0.1", "DB_PORT": str(silent_listener.port), "DB_USER": "app",
                            "DB_PASSWORD": "pw", "DB_ENGINE": "mysql", "DB_SSL_MODE": "disable",
                            "DB_CONNECT_TIMEOUT": "0.5", "AWS_LAMBDA_FUNCTION_NAME": "billing-worker"})
    with pytest.raises(DatabaseUnreachable, match="--function billing-worker"):
        with db.connection():
            pass


@pytest.mark.parametrize("engine,_", ENGINES)
def test_refused_port_is_reported_as_refused(engine: str, _: str, closed_port: int) -> None:
    db = Database(host="127.0.0.1", port=closed_port, user="app", password="pw", engine=engine, tls="disable")
    t0 = time.monotonic()
    with pytest.raises(DatabaseUnreachable) as excinfo:
        with db.connection(FakeContext(remaining_ms=1000)):
            pass
    assert time.monotonic() - t0 < 1.0  # ended before the invocation's deadline
    assert excinfo.value.kind == "refused"
    assert "refused" in str(excinfo.value) and "DB_PORT" in str(excinfo.value)


def test_secrets_manager_that_never_answers_raises_secret_unreachable(silent_listener: SilentListener,
                                                                      aws_env) -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds/app-AbCdEf"
    db = Database(secret_id=arn, secrets_endpoint_url=f"http://127.0.0.1:{silent_listener.port}",
                  secrets_connect_timeout=0.5, secrets_read_timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(SecretUnreachable) as excinfo:
        with db.connection(FakeContext(remaining_ms=5000)):
            pass
    assert time.monotonic() - t0 < 5.0  # ended before the invocation's deadline
    err = excinfo.value
    assert err.elapsed >= 0.5  # at least one whole 0.5 s read timeout was waited
    assert err.secret_id == arn and str(silent_listener.port) in (err.endpoint or "")
    msg = str(err)
    assert arn in msg
    assert "interface VPC endpoint com.amazonaws.eu-west-1.secretsmanager" in msg and "private DNS" in msg
    assert "NAT gateway" in msg
    assert "rdslink check --live --function orders-api" in msg  # the function, from the context
    assert "connect timeout 0.5 s, read timeout 0.5 s, 2 attempt(s))" in msg
    assert len(silent_listener.accepted) >= 1


def test_secrets_timeouts_shrink_to_the_remaining_time(silent_listener: SilentListener, aws_env) -> None:
    db = Database(secret_id="rds/app", secrets_endpoint_url=f"http://127.0.0.1:{silent_listener.port}",
                  secrets_connect_timeout=5, secrets_read_timeout=5)
    t0 = time.monotonic()
    with pytest.raises(SecretUnreachable):
        with db.connection(FakeContext(remaining_ms=1500)):
            pass
    assert time.monotonic() - t0 < 1.5  # the 5 s read timeout was cut to fit the 1.5 s left


def test_reachable_secret_but_unreachable_database(silent_listener: SilentListener, aws_env) -> None:
    """The two failures are told apart: the secret is fetched, then the DB connect times out."""
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="rds/x", SecretString=json.dumps({
            "engine": "postgres", "host": "127.0.0.1", "port": silent_listener.port, "username": "app",
            "password": "pw-x"}))["ARN"]
        db = Database(secret_id=arn, tls="disable", connect_timeout=0.5)
        with pytest.raises(DatabaseUnreachable):
            with db.connection():
                pass
        assert db.stats["secret_fetches"] == 1
