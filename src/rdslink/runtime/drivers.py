"""Engine adapters: PostgreSQL through psycopg 3, MySQL/MariaDB through PyMySQL.

Each adapter imports its driver on first use, opens a connection with TLS settings and timeouts, pings it,
bounds the server's and the socket's waits to the invocation's budget, cuts a connection at a deadline,
ends a leftover transaction, classifies connection errors into "auth", "tls", "timeout", "refused", "dns",
"exhausted" or "other", and tells which errors mean the connection must be replaced (failover).

PyMySQL has no public API for per-socket timeouts after connect nor for its socket: :func:`pymysql_socket`
is the one place that touches its private attributes, and ``tests/runtime/test_runtime_drivers.py`` fails
loudly when a PyMySQL release changes them.
"""

from __future__ import annotations

import math
import os
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


_KEEP: Any = object()

#: PyMySQL's private attributes :func:`pymysql_socket` relies on (checked on every call that sets them).
PYMYSQL_PRIVATE_ATTRIBUTES = ("_sock", "_read_timeout", "_write_timeout")


def pymysql_socket(conn: Any, *, read_timeout: Any = _KEEP,
                   write_timeout: Any = _KEEP) -> tuple[Any, float | None, float | None]:
    """Return (socket or None when closed, read timeout, write timeout) of a PyMySQL connection, the
    timeouts as they were before this call, and optionally set new per-operation timeouts.

    PyMySQL (1.x) takes ``read_timeout``/``write_timeout`` only in ``connect()`` and applies them per socket
    operation from the private ``_read_timeout``/``_write_timeout`` attributes; its socket is the private
    ``_sock``. This function is the only code of rdslink that touches them. `read_timeout`/`write_timeout`:
    seconds (float) or None for no limit; omitted = unchanged. Raises RuntimeError naming the attribute
    when the installed PyMySQL no longer has one, instead of silently losing the timeout.
    """
    missing = [name for name in PYMYSQL_PRIVATE_ATTRIBUTES if not hasattr(conn, name)]
    if missing:
        import pymysql

        raise RuntimeError(f"PyMySQL {pymysql.__version__} has no {', '.join(missing)} on its Connection: "
                           "rdslink.runtime.drivers.pymysql_socket must be adapted to this PyMySQL release")
    before = conn._sock, conn._read_timeout, conn._write_timeout
    if read_timeout is not _KEEP:
        conn._read_timeout = read_timeout
    if write_timeout is not _KEEP:
        conn._write_timeout = write_timeout
    return before


def cut_socket(fd: int) -> None:
    """Shut down (both directions) the TCP connection behind file descriptor `fd`, from any thread.

    A thread blocked reading or writing it returns at once (end of file / broken pipe), so the driver
    raises its "connection lost" error. Works on a duplicate of the descriptor, so the driver's own socket
    object (a TLS socket, for instance) is not touched. Errors (already closed) are ignored.
    """
    import socket

    try:
        dup = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        dup.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        dup.close()


def unacknowledged_bytes(fd: int) -> int | None:
    """Segments sent on `fd` and not yet acknowledged by the peer (Linux ``TCP_INFO.tcpi_unacked``), or
    None where the kernel does not say. Nonzero after a wait means the network path (or the server's
    host) stopped answering; zero means the server's TCP stack had everything and its process did not
    answer."""
    import socket
    import struct

    if not hasattr(socket, "TCP_INFO"):
        return None

    try:
        dup = socket.socket(fileno=os.dup(fd))
    except OSError:
        return None
    try:
        info = dup.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        return int(struct.unpack_from("I", info, 24)[0])  # 8 u8 fields, then rto, ato, snd_mss, rcv_mss, unacked
    except (OSError, struct.error):
        return None
    finally:
        dup.close()


class Driver:
    """Interface of an engine adapter (see PostgresDriver and MySQLDriver)."""

    engine = ""
    label = ""
    default_port = 0

    def connect(self, *, host: str, port: int, user: str, password: str, dbname: str | None, timeout: float,
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any],
                readonly: bool = False) -> Any:
        """Open a connection (`timeout`: seconds for the attempt; `readonly`: a read-only session)."""
        raise NotImplementedError

    def fileno(self, conn: Any) -> int:
        """The connection's socket file descriptor (-1 when it has none)."""
        raise NotImplementedError

    def set_budget(self, conn: Any, seconds: float, longest: float, server: bool, timeout: float) -> None:
        """Bound each statement: the server's own statement timeout of `seconds` when `server` (a round trip
        of at most `timeout` s), and/or socket timeouts just above `longest` (the longest budget this setting
        serves), so the deadline watchdog, not the socket, ends a stalled statement."""
        raise NotImplementedError

    def timed_out(self, exc: BaseException) -> bool:
        """Whether `exc` is the server cancelling a statement at its statement timeout."""
        return False

    def replace_after(self, exc: BaseException) -> str | None:
        """Why `exc` (raised by a statement) means the connection must not be reused: "read-only" (the
        session points at a demoted or reader node after a failover), "shutting-down", or None."""
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
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any],
                readonly: bool = False) -> Any:
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
        if readonly:
            kwargs["options"] = "-c default_transaction_read_only=on"
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
        self._roundtrip(conn, b"", timeout)

    def set_budget(self, conn: Any, seconds: float, longest: float, server: bool, timeout: float) -> None:
        """``SET statement_timeout`` (whole milliseconds, at least 1) in one bounded round trip; it covers
        lock waits too. Sent outside psycopg's transaction handling, so it opens no transaction."""
        if server:
            ms = max(1, round(seconds * 1000))
            self._roundtrip(conn, b"SET statement_timeout = %d" % ms, timeout)

    @staticmethod
    def _roundtrip(conn: Any, query: bytes, timeout: float) -> None:
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
                raise TimeoutError(f"no reply within {timeout:.2f} s")
            fd = pgconn.socket
            select.select([fd] if read else [], [] if read else [fd], [], left)

        pgconn.send_query(query)
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
                failed = res.error_message.decode("utf-8", "replace") or "round trip failed"
        if failed or pgconn.status != pq.ConnStatus.OK:
            raise psycopg.OperationalError(failed or "connection lost")

    def timed_out(self, exc: BaseException) -> bool:
        """57014 query_canceled with the statement_timeout message (not a user's cancel)."""
        return getattr(exc, "sqlstate", None) == "57014" and "statement timeout" in str(exc)

    def fileno(self, conn: Any) -> int:
        try:
            return int(conn.pgconn.socket)
        except Exception:  # closed: libpq has no socket
            return -1

    #: SQLSTATEs after which a session must be replaced: read_only_sql_transaction (a demoted writer or a
    #: reader), admin_shutdown, crash_shutdown, cannot_connect_now (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    REPLACE_SQLSTATES = {"25006": "read-only", "57P01": "shutting-down", "57P02": "shutting-down",
                         "57P03": "shutting-down"}

    def replace_after(self, exc: BaseException) -> str | None:
        reason = self.REPLACE_SQLSTATES.get(getattr(exc, "sqlstate", None) or "")
        if reason:
            return reason
        msg = str(exc).lower()
        if "read-only transaction" in msg:
            return "read-only"
        if "shutting down" in msg or "server closed the connection" in msg:
            return "shutting-down"
        return None

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
        # 53300 too_many_connections: max_connections reached ("sorry, too many clients already"), only the
        # superuser_reserved_connections slots left, or a role's / database's CONNECTION LIMIT.
        if getattr(exc, "sqlstate", None) == "53300" or "too many clients" in msg \
                or "remaining connection slots are reserved" in msg or "too many connections" in msg:
            return "exhausted"
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
                tls: bool, ca_bundle: str | None, autocommit: bool, extra: dict[str, Any],
                readonly: bool = False) -> Any:
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
        if readonly:
            kwargs["init_command"] = "SET SESSION TRANSACTION READ ONLY"
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
        import socket

        sock = pymysql_socket(conn, read_timeout=read_timeout, write_timeout=write_timeout)[0]
        if sock is not None and hasattr(socket, "TCP_USER_TIMEOUT"):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, _tcp_user_timeout_ms(timeout))
            except OSError:
                pass
        return conn

    def ping(self, conn: Any, timeout: float) -> None:
        """``COM_PING`` with the socket's read and write timeouts set to `timeout` seconds (restored after)."""
        _, *saved = pymysql_socket(conn, read_timeout=timeout, write_timeout=timeout)
        try:
            conn.ping(reconnect=False)
        finally:
            if conn.open:
                pymysql_socket(conn, read_timeout=saved[0], write_timeout=saved[1])

    def set_budget(self, conn: Any, seconds: float, longest: float, server: bool, timeout: float) -> None:
        """The socket's read and write timeouts, `longest` + 1 s per socket operation (local, no round
        trip): a backstop behind the deadline watchdog."""
        pymysql_socket(conn, read_timeout=longest + 1.0, write_timeout=longest + 1.0)

    def fileno(self, conn: Any) -> int:
        sock = pymysql_socket(conn)[0]
        try:
            return int(sock.fileno()) if sock is not None else -1
        except OSError:
            return -1

    #: Error codes after which a session must be replaced: 1290 ER_OPTION_PREVENTS_STATEMENT (--read-only,
    #: a demoted writer), 1792 ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, 1836 ER_READ_ONLY_MODE, 1053
    #: ER_SERVER_SHUTDOWN, 2006/2013 server gone / connection lost.
    REPLACE_CODES = {1290: "read-only", 1792: "read-only", 1836: "read-only", 1053: "shutting-down",
                     2006: "shutting-down", 2013: "shutting-down"}

    def replace_after(self, exc: BaseException) -> str | None:
        args = getattr(exc, "args", ())
        code = args[0] if args and isinstance(args[0], int) else None
        return self.REPLACE_CODES.get(code) if code is not None else None

    def usable(self, conn: Any) -> bool:
        return bool(conn.open)

    def clean(self, conn: Any) -> bool:
        # SERVER_STATUS_IN_TRANS = 1, from the last reply the server sent
        return conn.open and not conn.server_status & 1

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
        if code in (1040, 1203, 1226):  # too many connections; max_user_connections; user resource limit
            return "exhausted"
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
