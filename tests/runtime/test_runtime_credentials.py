"""Secrets Manager (moto) credentials, rotation and authentication failures against the real servers."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
from moto import mock_aws
from runtime_helpers import Backend, FakeClock, assert_no_secret, texts_of_exception

from rdslink.runtime import AuthenticationFailed, Database, SecretError


def put_rds_secret(backend: Backend, user: str, password: str, **extra) -> str:
    """Create an RDS-format secret in (mocked) Secrets Manager and return its ARN."""
    client = boto3.client("secretsmanager", region_name="us-east-1")
    value = {"engine": backend.secret_engine, "host": "127.0.0.1", "port": backend.port, "username": user,
             "password": password, "dbname": user, **extra}
    return client.create_secret(Name=f"rds/{user}", SecretString=json.dumps(value))["ARN"]


def rotate(backend: Backend, arn: str, user: str, new_password: str) -> None:
    """What a rotation Lambda does: new password on the server and in the secret."""
    client = boto3.client("secretsmanager", region_name="us-east-1")
    current = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    backend.set_password(user, new_password)
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({**current, "password": new_password}))


def invoke(backend: Backend, db) -> int:
    with db.connection() as conn:
        assert backend.query(conn, "SELECT 1") == [(1,)]
        return backend.session_id(conn)


@pytest.mark.db
def test_secret_supplies_host_port_engine_and_is_cached(backend: Backend, clock: FakeClock, aws_env) -> None:
    user, password = backend.new_user()
    with mock_aws():
        arn = put_rds_secret(backend, user, password)
        # Nothing but the secret: engine, host, port, user and dbname all come from it.
        db = Database(secret_id=arn, tls="verify-full", ca_bundle=backend.ca, clock=clock)
        for _ in range(5):
            invoke(backend, db)
            clock.advance(5)
        assert db.stats["secret_fetches"] == 1
        assert len(backend.sessions(user)) == 1
        db.close()


@pytest.mark.db
def test_rotation_reconnects_after_exactly_one_refresh(backend: Backend, clock: FakeClock, aws_env,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="rdslink")
    user, old_password = backend.new_user()
    new_password = "rotated-" + old_password[::-1]
    with mock_aws():
        arn = put_rds_secret(backend, user, old_password)
        db = Database(secret_id=arn, tls="verify-full", ca_bundle=backend.ca, clock=clock, secret_max_age=300)
        first = invoke(backend, db)
        assert db.stats["secret_fetches"] == 1

        rotate(backend, arn, user, new_password)
        backend.kill(user)  # the old session ended (freeze, failover, or the rotation itself)
        clock.advance(60)  # idle > ping_after, but the cached secret (max age 300 s) is still the old one

        second = invoke(backend, db)
        assert second != first
        stats = db.stats
        assert stats["credential_refreshes"] == 1
        assert stats["secret_fetches"] == 2  # the initial fetch + exactly one refresh
        assert stats["reconnects"] == 1
        for _ in range(3):  # and it stays put afterwards
            invoke(backend, db)
        assert db.stats["secret_fetches"] == 2 and db.stats["credential_refreshes"] == 1
        assert backend.sessions(user) == [second]

        events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "rdslink.runtime"]
        assert events.count("credentials.refresh") == 1
        assert "secret.fetch" in events and "reconnect" in events
        texts = [r.getMessage() for r in caplog.records] + [repr(db), str(db.stats)]
        assert_no_secret(texts, [old_password, new_password])
        db.close()


@pytest.mark.db
def test_wrong_password_in_secret_fails_after_one_refresh_without_leaking(backend: Backend, clock: FakeClock,
                                                                          aws_env,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = backend.new_user()
    wrong = "not-the-password-" + password
    with mock_aws():
        arn = put_rds_secret(backend, user, wrong)
        db = Database(secret_id=arn, tls="verify-full", ca_bundle=backend.ca, clock=clock)
        with pytest.raises(AuthenticationFailed) as excinfo:
            invoke(backend, db)
        err = excinfo.value
        assert err.refreshed is True and err.user == user and err.port == backend.port
        assert user in str(err) and "127.0.0.1" in str(err)
        # AWSCURRENT, AWSCURRENT again (unchanged), then AWSPENDING (none: moto answers ResourceNotFound).
        assert db.stats["secret_fetches"] == 3 and db.stats["credential_refreshes"] == 1
        assert "AWSCURRENT" in str(err) and "AWSPENDING" not in str(err)
        own_logs = [r.getMessage() for r in caplog.records if not r.name.startswith(("botocore", "urllib3"))]
        assert_no_secret(texts_of_exception(err) + own_logs + [repr(db)], [wrong, password])


@pytest.mark.db
def test_plain_password_auth_failure_is_not_retried(backend: Backend) -> None:
    user, password = backend.new_user()
    db = backend.database(user, "wrong-" + password)
    with pytest.raises(AuthenticationFailed) as excinfo:
        invoke(backend, db)
    assert excinfo.value.refreshed is False
    assert "DB_PASSWORD" in str(excinfo.value)
    assert_no_secret(texts_of_exception(excinfo.value), ["wrong-" + password])


@pytest.mark.db
def test_secret_max_age_expiry_refetches(pg_backend: Backend, clock: FakeClock, aws_env) -> None:
    user, password = pg_backend.new_user()
    with mock_aws():
        arn = put_rds_secret(pg_backend, user, password)
        db = Database(secret_id=arn, tls="verify-full", ca_bundle=pg_backend.ca, clock=clock, secret_max_age=120)
        invoke(pg_backend, db)
        db.close()  # a later connect inside max_age uses the cache ...
        invoke(pg_backend, db)
        assert db.stats["secret_fetches"] == 1
        db.close()
        clock.advance(121)  # ... one after max_age fetches again
        invoke(pg_backend, db)
        assert db.stats["secret_fetches"] == 2
        db.close()


@pytest.mark.db
def test_explicit_host_overrides_secret_host(pg_backend: Backend, aws_env) -> None:
    """An RDS Proxy endpoint in DB_HOST wins over the instance host stored in the secret."""
    user, password = pg_backend.new_user()
    with mock_aws():
        arn = put_rds_secret(pg_backend, user, password, host="db-instance.invalid")
        db = Database(secret_id=arn, host="127.0.0.1", tls="verify-full", ca_bundle=pg_backend.ca)
        invoke(pg_backend, db)
        db.close()


def test_secret_that_is_not_rds_json_is_a_clear_error(aws_env) -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="plain", SecretString="hunter2-not-json")["ARN"]
        db = Database(secret_id=arn)
        with pytest.raises(SecretError) as excinfo:
            with db.connection():
                pass
        assert "not JSON" in str(excinfo.value)
        assert_no_secret(texts_of_exception(excinfo.value), ["hunter2-not-json"])

        arn2 = client.create_secret(Name="nopw", SecretString=json.dumps({"username": "x"}))["ARN"]
        with pytest.raises(SecretError, match="password"):
            with Database(secret_id=arn2).connection():
                pass


def test_missing_secret_names_the_fix(aws_env) -> None:
    with mock_aws():
        db = Database(secret_id="arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf")
        with pytest.raises(SecretError) as excinfo:
            with db.connection():
                pass
        assert "ResourceNotFoundException" in str(excinfo.value)
        assert "DB_SECRET_ARN" in str(excinfo.value)


@pytest.mark.db
def test_rotation_in_aws_order_logs_in_with_awspending_before_finish_secret(backend: Backend, clock: FakeClock,
                                                                            aws_env,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    """The rotation function's steps in AWS's order (createSecret, setSecret, testSecret, finishSecret,
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html): between
    setSecret and finishSecret the database has the new password and AWSCURRENT still holds the old one."""
    caplog.set_level(logging.DEBUG, logger="rdslink")
    user, old_password = backend.new_user()
    new_password = "pending-" + old_password[::-1]
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = put_rds_secret(backend, user, old_password)
        old_version = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
        old_version_id = next(v for v, stages in old_version.items() if "AWSCURRENT" in stages)
        db = Database(secret_id=arn, tls="verify-full", ca_bundle=backend.ca, clock=clock, secret_max_age=300)
        failures = 0
        sessions = [invoke(backend, db)]

        # createSecret: the new value, staged AWSPENDING.
        current = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
        pending_id = client.put_secret_value(SecretId=arn, SecretString=json.dumps({**current, "password": new_password}),
                                             VersionStages=["AWSPENDING"])["VersionId"]
        # setSecret: the database takes the new password; the old sessions end (failover, idle kill, ...).
        backend.set_password(user, new_password)
        backend.kill(user)
        clock.advance(600)  # thawed later: the cached secret expired too
        for _ in range(3):
            try:
                sessions.append(invoke(backend, db))
            except Exception:
                failures += 1
        assert failures == 0  # 3 of 3 failed before: each re-fetched the same AWSCURRENT
        stats = db.stats
        # expired AWSCURRENT (old), AWSCURRENT again (unchanged), AWSPENDING (logs in): one reconnect, 3 fetches
        assert stats["secret_fetches"] == 4 and stats["credential_refreshes"] == 1 and stats["reconnects"] == 1
        assert len(set(sessions[1:])) == 1

        # Another reconnect before finishSecret: the working (pending) value is cached, no fetch at all.
        backend.kill(user)
        clock.advance(60)
        sessions.append(invoke(backend, db))
        assert db.stats["secret_fetches"] == 4 and db.stats["credential_refreshes"] == 1

        # finishSecret: AWSCURRENT moves to the new version; after max_age the plain fetch is the new value.
        client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=pending_id,
                                           RemoveFromVersionId=old_version_id)
        backend.kill(user)
        clock.advance(600)
        sessions.append(invoke(backend, db))
        assert db.stats["secret_fetches"] == 5 and db.stats["credential_refreshes"] == 1

        events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rdslink.runtime"]
        assert any(e["event"] == "credentials.pending" for e in events)
        assert any(e["event"] == "secret.fetch" and e.get("stage") == "AWSPENDING" and e["found"] for e in events)
        texts = [r.getMessage() for r in caplog.records if not r.name.startswith(("botocore", "urllib3"))]
        assert_no_secret(texts + [repr(db), str(db.stats)], [old_password, new_password])
        db.close()
