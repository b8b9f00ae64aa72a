"""TLS verify-full against the generated CA, and IAM auth tokens (frozen time) against the real servers."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from runtime_helpers import Backend, FakeClock, assert_no_secret, texts_of_exception

from rdslink.runtime import (
    AuthenticationFailed,
    ConfigurationError,
    Database,
    IamAuthTokenCredentials,
    TLSVerificationFailed,
)


@pytest.mark.db
def test_verify_full_with_the_generated_ca_encrypts_the_session(backend: Backend) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password)  # tls="verify-full", ca_bundle=the test CA
    with db.connection() as conn:
        assert backend.tls_in_use(conn)  # the server says the session is encrypted
    db.close()


@pytest.mark.db
def test_wrong_ca_fails_with_a_clear_error(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="rdslink")
    user, password = backend.new_user()
    db = backend.database(user, password, ca_bundle=backend.wrong_ca)
    with pytest.raises(TLSVerificationFailed) as excinfo:
        with db.connection():
            pass
    err = excinfo.value
    msg = str(err)
    assert err.ca_bundle == backend.wrong_ca and err.port == backend.port
    assert f"127.0.0.1:{backend.port}" in msg and backend.wrong_ca in msg
    assert "certificate verify failed" in msg.lower()
    assert "global-bundle.pem" in msg and "DB_SSL_CA" in msg
    assert backend.sessions(user) == []  # nothing got through
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rdslink.runtime"]
    assert any(e["event"] == "connect.failed" and e["kind"] == "tls" for e in events)
    assert_no_secret(texts_of_exception(err), [password])


@pytest.mark.db
def test_loopback_host_without_tls_setting_is_plain_and_says_so(pg_backend: Backend,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="rdslink")
    user, password = pg_backend.new_user()
    db = pg_backend.database(user, password, tls=None, ca_bundle=None)
    with db.connection() as conn:
        assert not pg_backend.tls_in_use(conn)
    warnings = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.WARNING]
    assert [w["event"] for w in warnings] == ["tls.disabled"]
    assert "loopback" in warnings[0]["reason"]
    db.close()


def test_tls_is_on_by_default_for_remote_hosts_and_proxies() -> None:
    db = Database(host="mydb.abc123.us-east-1.rds.amazonaws.com", user="app", password="x", engine="postgres")
    assert db._tls_for("mydb.abc123.us-east-1.rds.amazonaws.com") is True
    assert db._tls_for("app.proxy-abc123.us-east-1.rds.amazonaws.com") is True
    assert db._tls_for("127.0.0.1") is False  # local development only
    forced = Database(host="127.0.0.1", user="app", password="x", engine="postgres", tls="verify-full")
    assert forced._tls_for("127.0.0.1") is True


def test_tls_settings_that_cannot_work_are_rejected(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="requires TLS"):
        Database(host="h", user="u", engine="postgres", iam_auth=True, tls="disable")
    with pytest.raises(ConfigurationError, match="does not exist"):
        Database(host="h", user="u", password="p", engine="postgres", ca_bundle=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match="tls must be"):
        Database(host="h", user="u", password="p", engine="postgres", tls="prefer")


def test_ca_bundle_shipped_in_the_task_root_is_used_by_default(tmp_path: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    assert Database(host="h", user="u", password="p", engine="mysql").ca_bundle == str(bundle)


# ---------------------------------------------------------------------------------------------- IAM


class TokenSpy:
    """Stands in for the RDS API client: real boto3 signing, but every new token also becomes the user's
    password on the test server (what RDS does when it validates the signature), and tokens are numbered
    so a refresh is visible even within the same second."""

    def __init__(self, backend: Backend, user: str) -> None:
        self._client = boto3.client("rds", region_name="us-east-1")
        self.backend = backend
        self.user = user
        self.tokens: list[str] = []
        self.calls: list[dict[str, Any]] = []

    def generate_db_auth_token(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        token = self._client.generate_db_auth_token(**kwargs) + f"&seq={len(self.tokens)}"
        self.tokens.append(token)
        self.backend.set_password(self.user, token)
        return token


class SpySession:
    def __init__(self, spy: TokenSpy) -> None:
        self.spy = spy

    def client(self, service: str, region_name: str | None = None) -> TokenSpy:
        assert service == "rds" and region_name == "us-east-1"
        return self.spy


@pytest.mark.db
def test_iam_token_is_the_password_cached_and_refreshed(pg_backend: Backend, clock: FakeClock, aws_env,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="rdslink")
    user, _ = pg_backend.new_user()
    spy = TokenSpy(pg_backend, user)
    db = Database(host="127.0.0.1", port=pg_backend.port, user=user, dbname=user, engine="postgres",
                  iam_auth=True, region="us-east-1", ca_bundle=pg_backend.ca, clock=clock,
                  boto3_session=SpySession(spy))

    def invoke() -> int:
        with db.connection() as conn:
            assert pg_backend.tls_in_use(conn)  # IAM auth forces verify-full, even on loopback
            return pg_backend.session_id(conn)

    first = invoke()
    assert len(spy.tokens) == 1
    assert spy.calls[0] == {"DBHostname": "127.0.0.1", "Port": pg_backend.port, "DBUsername": user,
                            "Region": "us-east-1"}
    assert "X-Amz-Signature=" in spy.tokens[0] and "Action=connect" in spy.tokens[0]

    # Warm invocations within the token's cache age reuse the connection and sign nothing.
    for _ in range(5):
        clock.advance(20)
        assert invoke() == first
    assert len(spy.tokens) == 1

    # A reconnect after the cache age (600 s, below the 900 s lifetime) signs a new token.
    pg_backend.kill(user)
    clock.advance(601)
    second = invoke()
    assert second != first and len(spy.tokens) == 2 and db.stats["credential_refreshes"] == 0

    # The server rejects the cached token (e.g. revoked): one new token, then success.
    pg_backend.set_password(user, "something-else")
    pg_backend.kill(user)
    clock.advance(31)  # idle > ping_after, token age 31 s: still "fresh" in the cache
    third = invoke()
    assert third != second
    assert len(spy.tokens) == 3 and db.stats["credential_refreshes"] == 1
    assert db.stats["tokens_generated"] == 3

    texts = [r.getMessage() for r in caplog.records] + [repr(db), str(db.stats)]
    assert_no_secret(texts, spy.tokens)
    events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "rdslink.runtime"]
    assert events.count("token.generate") == 3
    db.close()


@pytest.mark.db
def test_iam_token_rejected_twice_raises_without_the_token(pg_backend: Backend, clock: FakeClock, aws_env) -> None:
    user, _ = pg_backend.new_user()

    class RejectedSpy(TokenSpy):
        def generate_db_auth_token(self, **kwargs: Any) -> str:
            token = self._client.generate_db_auth_token(**kwargs) + f"&seq={len(self.tokens)}"
            self.tokens.append(token)  # never installed on the server: always rejected
            return token

    spy = RejectedSpy(pg_backend, user)
    db = Database(host="127.0.0.1", port=pg_backend.port, user=user, dbname=user, engine="postgres",
                  iam_auth=True, region="us-east-1", ca_bundle=pg_backend.ca, clock=clock,
                  boto3_session=SpySession(spy))
    with pytest.raises(AuthenticationFailed) as excinfo:
        with db.connection():
            pass
    assert excinfo.value.refreshed is True and len(spy.tokens) == 2
    assert "rds-db:connect" in str(excinfo.value)
    assert_no_secret(texts_of_exception(excinfo.value) + [repr(db)], spy.tokens)


def test_iam_token_cache_age_follows_the_clock(aws_env) -> None:
    clock = FakeClock()
    source = IamAuthTokenCredentials(host="mydb.abc.eu-central-1.rds.amazonaws.com", port=5432, user="app",
                                     clock=clock)
    assert source.region == "eu-central-1"  # parsed from the endpoint name
    first = source.get()
    assert "eu-central-1" in first.password and "***" in repr(first) and first.password not in repr(first)
    clock.advance(599)
    assert source.get().password == first.password and source.generated == 1
    clock.advance(1)
    source.get()
    assert source.generated == 2
    source.get(force=True)
    assert source.generated == 3
    with pytest.raises(ConfigurationError, match="900"):
        IamAuthTokenCredentials(host="h", port=5432, user="u", max_age=900)
