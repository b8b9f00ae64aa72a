"""examples/handler.py (the article's handler on rdslink.runtime) works against the real PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from runtime_helpers import Backend, FakeContext, SilentListener

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "handler.py"


def load_example(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> ModuleType:
    for name in ("DB_SECRET_ARN", "DB_IAM_AUTH", "DB_SSL_CA", "DB_SSL_MODE", "DB_CONNECT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("example_handler", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the init phase: builds Database.from_env(), connects nothing
    return module


@pytest.mark.db
def test_example_handler_reuses_one_connection(pg_backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    user, password = pg_backend.new_user()
    handler = load_example(monkeypatch, {"DB_HOST": "127.0.0.1", "DB_PORT": str(pg_backend.port), "DB_USER": user,
                                         "DB_PASSWORD": password, "DB_NAME": user, "DB_ENGINE": "postgres",
                                         "DB_SSL_MODE": "verify-full", "DB_SSL_CA": pg_backend.ca})
    assert pg_backend.sessions(user) == []
    for _ in range(3):
        result = handler.lambda_handler({}, FakeContext())
        assert result["db_version"].startswith("PostgreSQL")
    assert len(pg_backend.sessions(user)) == 1
    handler.db.close()


def test_example_handler_answers_503_when_the_database_is_unreachable(
        silent_listener: SilentListener, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    handler = load_example(monkeypatch, {"DB_HOST": "127.0.0.1", "DB_PORT": str(silent_listener.port),
                                         "DB_USER": "app", "DB_PASSWORD": "pw-never-printed", "DB_NAME": "app",
                                         "DB_ENGINE": "postgres", "DB_CONNECT_TIMEOUT": "0.3"})
    assert handler.lambda_handler({}, FakeContext())["statusCode"] == 503
    out = capsys.readouterr().out
    assert "DatabaseUnreachable" in out and "security group" in out and "pw-never-printed" not in out


@pytest.mark.db
def test_example_handler_answers_503_before_the_timeout_when_the_database_stalls(
        pg_backend: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from runtime_helpers import Paused

    user, password = pg_backend.new_user()
    handler = load_example(monkeypatch, {"DB_HOST": "127.0.0.1", "DB_PORT": str(pg_backend.port), "DB_USER": user,
                                         "DB_PASSWORD": password, "DB_NAME": user, "DB_ENGINE": "postgres",
                                         "DB_SSL_MODE": "verify-full", "DB_SSL_CA": pg_backend.ca})
    assert handler.lambda_handler({}, FakeContext(remaining_ms=2000))["db_version"].startswith("PostgreSQL")
    with Paused(pg_backend):
        t0 = time.monotonic()
        assert handler.lambda_handler({}, FakeContext(remaining_ms=2000))["statusCode"] == 503
        assert time.monotonic() - t0 < 2.0  # answered before Lambda's timeout
    out = capsys.readouterr().out
    assert "DeadlineExceeded" in out and "stopped answering" in out and password not in out
    assert handler.lambda_handler({}, FakeContext())["db_version"].startswith("PostgreSQL")  # recovered
    handler.db.close()
