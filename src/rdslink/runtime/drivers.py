"""Engine adapters: PostgreSQL through psycopg 3, MySQL/MariaDB through PyMySQL.

Each adapter imports its driver on first use, opens a connection with TLS settings and timeouts, pings it,
ends a leftover transaction, and classifies connection errors into "auth", "tls", "timeout", "refused",
"dns" or "other".
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Driver", "PostgresDriver", "MySQLDriver", "driver_for", "normalise_engine", "ENGINE_PORTS"]

#: Default ports of the engines (RDS defaults).
ENGINE_PORTS = {"postgresql": 5432, "mysql": 3306}

_ENGINE_ALIASES = {
    "postgres": "postgresql", "postgresql": "postgresql", "aurora-postgresql": "postgresql", "pg": "postgresql",
    "mysql": "mysql", "mariadb": "mysql", "aurora-mysql": "mysql", "aurora": "mysql",
}


def normalise_engine(engine: str | None) -> str | None:
    """Map an RDS engine name ("postgres", "aurora-postgresql", "mariadb", ...) to "postgresql" or "mysql".

    Returns None for None/empty; raises ValueError for an engine this library has no driver for.
    """
    if not engine:
        return None
    e = engine.strip().lower()
    if e in _ENGINE_ALIASES:
        return _ENGINE_ALIASES[e]
    raise ValueError(f"unsupported engine {engine!r}: expected postgres/aurora-postgresql or mysql/mariadb/aurora-mysql")


def _tcp_user_timeout_ms(timeout: float) -> int:
    # Bound how long sent data may stay unacknowledged (for the connection's whole life): a statement
    # sent to a peer that vanished fails in seconds instead of the kernel's ~15 minutes of retransmits.
    # Not tied to a connect budget that the remaining time may have shrunk.
    return max(10_000, int(timeout * 1000))


class Driver:
    """Interface of an engine adapter (see PostgresDriver and MySQLDriver)."""

    engine = ""
    label = ""
    default_port = 0

    def connect(self, *, host: str, port: int, user: str, password: str, dbname: str | None, timeout: float,
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any]) -> Any:
        raise NotImplementedError

    def ping(self, conn: Any, timeout: float) -> None:
        raise NotImplementedError

    def usable(self, conn: Any) -> bool:
        raise NotImplementedError

    def finish(self, conn: Any, ok: bool) -> None:
        raise NotImplementedError

    def clean(self, conn: Any) -> bool:
        """True when the connection is usable and has no transaction open (checked locally, no I/O)."""
        raise NotImplementedError

    def close(self, conn: Any) -> None:
        try:
            conn.close()
        except Exception:  # closing a dead connection may raise; it is gone either way
            pass

    def classify(self, exc: BaseException) -> str:
        raise NotImplementedError


class PostgresDriver(Driver):
    """psycopg 3 (https://www.psycopg.org/psycopg3/docs/). TLS is libpq ``sslmode=verify-full`` with
    ``sslrootcert`` = the CA bundle (or ``system`` for the system trust store when none is given)."""

    engine = "postgresql"
    label = "PostgreSQL"
    default_port = 5432

    def connect(self, *, host: str, port: int, user: str, password: str, dbname: str | None, timeout: float,
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any]) -> Any:
        import psycopg

        kwargs: dict[str, Any] = {
            "host": host, "port": port, "user": user, "password": password,
            # psycopg rounds connect_timeout to whole seconds, minimum 2; the caller enforces the exact
            # deadline itself, this only makes sure the attempt ends shortly after.
            "connect_timeout": max(2, math.ceil(timeout) + 1),
            "autocommit": autocommit,
            "application_name": "rdslink",
            "tcp_user_timeout": _tcp_user_timeout_ms(timeout),
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5, "keepalives_count": 3,
        }
        if dbname:
            kwargs["dbname"] = dbname
        if tls:
            kwargs["sslmode"] = "verify-full"
            kwargs["sslrootcert"] = ca_bundle or "system"
        else:
            kwargs["sslmode"] = "disable"
        kwargs.update(extra)
        return psycopg.connect(**kwargs)

    def ping(self, conn: Any, timeout: float) -> None:
        """One round trip (an empty query) bounded by `timeout` seconds.

        Uses libpq through psycopg's public ``pq`` interface so the wait has a deadline: psycopg's own
        ``execute`` waits forever on a connection whose packets are silently dropped (a NAT or
        connection-tracking entry that expired while the environment was frozen). An empty query opens
        no transaction and changes no session state. Raises OperationalError or TimeoutError.
        """
        import select
        import time

        import psycopg
        from psycopg import pq

        pgconn = conn.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise psycopg.OperationalError("connection not idle")
        deadline = time.monotonic() + timeout

        def wait(read: bool) -> None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to the ping within {timeout:.2f} s")
            fd = pgconn.socket
            select.select([fd] if read else [], [] if read else [fd], [], left)

        pgconn.send_query(b"")
        while pgconn.flush() != 0:
            wait(read=False)
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            wait(read=True)
        failed = None
        while (res := pgconn.get_result()) is not None:
            if res.status not in (pq.ExecStatus.EMPTY_QUERY, pq.ExecStatus.COMMAND_OK):
                failed = res.error_message.decode("utf-8", "replace") or "ping failed"
        if failed or pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError(failed or "connection lost")

    def usable(self, conn: Any) -> bool:
        return not conn.closed

    def clean(self, conn: Any) -> bool:
        return conn.pgconn.transaction_status == 0  # IDLE; a broken connection reports UNKNOWN (4)

    def finish(self, conn: Any, ok: bool) -> None:
        status = conn.pgconn.transaction_status  # local, no round trip
        if status == 0:  # IDLE
            return
        if status == 2 and ok:  # INTRANS
            conn.commit()
        elif status in (2, 3):  # INTRANS after an error, INERROR
            conn.rollback()

    def classify(self, exc: BaseException) -> str:
        msg = str(exc).lower()
        if getattr(exc, "sqlstate", None) in ("28P01", "28000") or "authentication failed" in msg \
                or "password authentication" in msg:
            return "auth"
        if "timeout expired" in msg or "timed out" in msg:
            return "timeout"
        if "ssl" in msg or "certificate" in msg or "tls" in msg:
            return "tls"
        if "could not translate host name" in msg or "name or service not known" in msg:
            return "dns"
        if "connection refused" in msg:
            return "refused"
        return "other"


class MySQLDriver(Driver):
    """PyMySQL (https://pymysql.readthedocs.io/). TLS: ``ssl_ca`` = the CA bundle (None: system trust
    store), ``ssl_verify_cert`` and ``ssl_verify_identity`` (host name check) on. Works for MySQL,
    MariaDB and Aurora MySQL."""

    engine = "mysql"
    label = "MySQL"
    default_port = 3306

    def connect(self, *, host: str, port: int, user: str, password: str, dbname: str | None, timeout: float,
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any]) -> Any:
        import pymysql

        read_timeout = extra.pop("read_timeout", None)
        write_timeout = extra.pop("write_timeout", None)
        kwargs: dict[str, Any] = {
            "host": host, "port": port, "user": user, "password": password, "database": dbname,
            # The caller enforces the exact deadline; these only make an abandoned attempt end soon after.
            # The handshake is read with read_timeout: bound it too, and restore it after connecting.
            "connect_timeout": timeout + 1.0, "read_timeout": timeout + 1.0, "write_timeout": timeout + 1.0,
            "autocommit": autocommit, "charset": "utf8mb4", "program_name": "rdslink",
        }
        if tls:
            import ssl

            # Our own context: PyMySQL turns the host name check off when no CA file is given.
            ctx = ssl.create_default_context(cafile=ca_bundle)
            ctx.check_hostname = True
            ctx.verify_mode = ssl.CERT_REQUIRED
            kwargs["ssl"] = ctx
        else:
            kwargs["ssl_disabled"] = True
        kwargs.update(extra)
        conn = pymysql.connect(**kwargs)
        # PyMySQL has no public setter for these after connect.
        conn._read_timeout = read_timeout
        conn._write_timeout = write_timeout
        import socket

        sock = getattr(conn, "_sock", None)
        if sock is not None and hasattr(socket, "TCP_USER_TIMEOUT"):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, _tcp_user_timeout_ms(timeout))
            except OSError:
                pass
        return conn

    def ping(self, conn: Any, timeout: float) -> None:
        saved = conn._read_timeout
        conn._read_timeout = timeout
        try:
            conn.ping(reconnect=False)
        finally:
            conn._read_timeout = saved

    def usable(self, conn: Any) -> bool:
        return bool(conn.open)

    def clean(self, conn: Any) -> bool:
        # SERVER_STATUS_IN_TRANS = 1, from the last reply the server sent
        return conn._sock is not None and not conn.server_status & 1

    def finish(self, conn: Any, ok: bool) -> None:
        from pymysql.constants import SERVER_STATUS

        if conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS:  # local flag from the last reply
            if ok:
                conn.commit()
            else:
                conn.rollback()

    def classify(self, exc: BaseException) -> str:
        import socket
        import ssl

        args = getattr(exc, "args", ())
        code = args[0] if args and isinstance(args[0], int) else None
        original = getattr(exc, "original_exception", None)
        if code in (1045, 1698, 2049):  # access denied, plugin auth, old auth
            return "auth"
        if isinstance(original, ssl.SSLError) or code == 2026 or "ssl" in str(exc).lower():
            return "tls"
        if isinstance(original, (TimeoutError, socket.timeout)):
            return "timeout"
        if isinstance(original, ConnectionRefusedError):
            return "refused"
        if isinstance(original, socket.gaierror):
            return "dns"
        if isinstance(exc, (TimeoutError, socket.timeout)) or (code in (2003, 2013) and "timed out" in str(exc)):
            return "timeout"
        return "other"


_DRIVERS: dict[str, Driver] = {}


def driver_for(engine: str) -> Driver:
    """The adapter for a normalised engine ("postgresql" or "mysql")."""
    d = _DRIVERS.get(engine)
    if d is None:
        d = PostgresDriver() if engine == "postgresql" else MySQLDriver()
        _DRIVERS[engine] = d
    return d
