"""The driver adapters: PyMySQL's private timeouts behind one function (fails loudly when PyMySQL changes),
error classification (exhaustion, failover), and whole-value password redaction."""

from __future__ import annotations

import socket
import time

import pytest
from runtime_helpers import Backend

from rdslink.runtime.drivers import (
    PYMYSQL_PRIVATE_ATTRIBUTES,
    MySQLDriver,
    PostgresDriver,
    pymysql_socket,
)
from rdslink.runtime.errors import redact


@pytest.fixture
def maria(request: pytest.FixtureRequest) -> Backend:
    return Backend("mysql", request.getfixturevalue("maria_server"))


@pytest.mark.db
def test_pymysql_still_has_the_private_timeouts_rdslink_relies_on(maria: Backend) -> None:
    """If a PyMySQL release renames ``_sock``/``_read_timeout``/``_write_timeout``, this fails here, by name,
    instead of the runtime silently losing its socket timeouts."""
    import pymysql

    user, password = maria.new_user()
    conn = pymysql.connect(host="127.0.0.1", port=maria.port, user=user, password=password, database=user,
                           ssl_disabled=True, read_timeout=7.0, write_timeout=8.0)
    try:
        for name in PYMYSQL_PRIVATE_ATTRIBUTES:
            assert hasattr(conn, name), f"PyMySQL {pymysql.__version__} has no Connection.{name}"
        sock, read, write = pymysql_socket(conn, read_timeout=0.3, write_timeout=0.4)
        assert isinstance(sock, socket.socket) and sock.fileno() >= 0
        assert (read, write) == (7.0, 8.0)  # what connect() was given: the attributes mean what we think
        assert pymysql_socket(conn)[1:] == (0.3, 0.4)
        # ... and PyMySQL really applies them per socket operation: a 5 s statement ends at the read timeout.
        t0 = time.monotonic()
        with pytest.raises(pymysql.err.OperationalError) as excinfo:
            with conn.cursor() as cur:
                cur.execute("SELECT SLEEP(5)")
        assert time.monotonic() - t0 < 5.0
        assert excinfo.value.args[0] == 2013  # CR_SERVER_LOST: timed out reading
        assert pymysql_socket(conn)[0] is None  # PyMySQL dropped the socket
    finally:
        conn.close()


def test_pymysql_socket_fails_loudly_when_an_attribute_is_gone() -> None:
    class NotPyMySQL:
        _sock = None
        _read_timeout = None  # _write_timeout is missing

    with pytest.raises(RuntimeError, match="_write_timeout.*pymysql_socket must be adapted"):
        pymysql_socket(NotPyMySQL(), read_timeout=1.0)


class _PgError(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("message,sqlstate", [
    ("connection failed: FATAL:  sorry, too many clients already", "53300"),
    ("connection failed: FATAL:  remaining connection slots are reserved for non-replication superuser "
     "connections", None),
    ('connection failed: FATAL:  too many connections for role "app"', None),
])
def test_postgres_exhaustion_messages_are_classified(message: str, sqlstate: str | None) -> None:
    assert PostgresDriver().classify(_PgError(message, sqlstate)) == "exhausted"


def test_mysql_exhaustion_codes_are_classified() -> None:
    import pymysql

    for code in (1040, 1203, 1226):
        assert MySQLDriver().classify(pymysql.err.OperationalError(code, "Too many connections")) == "exhausted"
    assert MySQLDriver().classify(pymysql.err.OperationalError(1045, "Access denied")) == "auth"


@pytest.mark.parametrize("exc,expected", [
    (_PgError("cannot execute INSERT in a read-only transaction", "25006"), "read-only"),
    (_PgError("terminating connection due to administrator command", "57P01"), "shutting-down"),
    (_PgError("the database system is shutting down", "57P03"), "shutting-down"),
    (_PgError("server closed the connection unexpectedly", None), "shutting-down"),
    (_PgError('duplicate key value violates unique constraint "t_pkey"', "23505"), None),
])
def test_postgres_failover_errors(exc: Exception, expected: str | None) -> None:
    assert PostgresDriver().replace_after(exc) == expected


def test_mysql_failover_errors() -> None:
    import pymysql

    driver = MySQLDriver()
    assert driver.replace_after(pymysql.err.OperationalError(1290, "--read-only option")) == "read-only"
    assert driver.replace_after(pymysql.err.OperationalError(1836, "Running in read-only mode")) == "read-only"
    assert driver.replace_after(pymysql.err.InternalError(1792, "read only transaction")) == "read-only"
    assert driver.replace_after(pymysql.err.IntegrityError(1062, "Duplicate entry")) is None


def test_redaction_replaces_whole_values_only() -> None:
    assert redact("MySQL rejected the password", ["M"]) == "MySQL rejected the password"
    assert redact("password 'M' for user app", ["M"]) == "password '***' for user app"
    assert redact("pw=hunter2; again hunter2", ["hunter2"]) == "pw=***; again ***"
    assert redact("hunter2 at the start", ["hunter2"]) == "*** at the start"
    assert redact("token abc.def-ghi!", ["abc.def-ghi"]) == "token ***!"
    assert redact("nothing here", ["", "zzz"]) == "nothing here"
