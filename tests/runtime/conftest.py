"""Fixtures for the rdslink.runtime tests: real loopback PostgreSQL and MariaDB (one each per session),
a per-test database user, a fake clock, a fake Lambda context, silent listeners and fake AWS credentials.

Servers come from tests/dbservers.py. Missing server binaries skip the DB tests locally and fail them
when CI=true. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime_helpers import Backend, FakeClock, FakeContext, SilentListener  # noqa: E402

import dbservers  # noqa: E402


def _start(kind: str) -> Any:
    try:
        return dbservers.start_postgres(tls=True) if kind == "postgresql" else dbservers.start_mariadb(tls=True)
    except dbservers.ServerUnavailable as exc:
        dbservers.skip_or_fail(f"{kind} test server unavailable: {exc}")


@pytest.fixture(scope="session")
def pg_server() -> Any:
    server = _start("postgresql")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def maria_server() -> Any:
    server = _start("mysql")
    yield server
    server.stop()


@pytest.fixture(params=["postgresql", "mysql"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test using it runs once against PostgreSQL and once against MariaDB."""
    if request.param == "postgresql":
        return Backend("postgresql", request.getfixturevalue("pg_server"))
    return Backend("mysql", request.getfixturevalue("maria_server"))


@pytest.fixture
def pg_backend(pg_server: Any) -> Backend:
    return Backend("postgresql", pg_server)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and region; no profile or endpoint override from the machine leaks in."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture
def silent_listener() -> Any:
    listener = SilentListener()
    yield listener
    listener.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening (connection refused)."""
    return dbservers.free_port()
