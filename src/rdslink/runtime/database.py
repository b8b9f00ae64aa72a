"""``Database``: one reused, liveness-checked connection per Lambda execution environment.

Follows the Lambda guidance to initialise SDK clients and database connections outside the handler and
reuse them across invocations (https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html), and
fixes what the usual cached-global pattern gets wrong:

* a connection that died while the environment was frozen still looks open; only a round trip finds out.
  So when the connection sat idle longer than ``ping_after`` seconds (freeze/thaw shows up as idle
  time) it is pinged first, and replaced if the ping fails. A busy function pays nothing.
* the replacement happens only in ``__enter__``, before any statement of the invocation was sent. A
  failure inside the ``with`` block is raised unchanged and never retried (no duplicate writes); the dead
  connection is dropped and the next invocation opens a new one.
* an authentication failure fetches the secret again (rotation; AWSPENDING too when AWSCURRENT has not
  moved yet) or signs a new IAM token, once.
* every wait -- ping, connect, each statement, the commit -- is bounded by the invocation's remaining time
  less a reserve: a watchdog cuts the connection at that deadline (``DeadlineExceeded``), the server's own
  statement timeout ends a statement a little earlier, and the ping gets only a share so a reconnect has
  time. A timeout says which phase failed and what usually causes it.
* a read-only or shutting-down session (failover) is dropped after the error, so the next invocation
  connects afresh (DNS resolved again) instead of failing until the environment is recycled.
* connection exhaustion is retried with jittered back-off inside the deadline, then ``TooManyConnections``
  names RDS Proxy and reserved concurrency.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._deadline import CallTimedOut as _CallTimedOut
from ._deadline import Watchdog as _Watchdog
from ._deadline import call_with_deadline as _call_with_deadline
from .credentials import Credentials, IamAuthTokenCredentials, SecretsManagerCredentials, StaticCredentials
from .drivers import ENGINE_PORTS, Driver, cut_socket, driver_for, normalise_engine, unacknowledged_bytes
from .errors import (
    AuthenticationFailed,
    ConfigurationError,
    DatabaseUnreachable,
    DeadlineExceeded,
    RdslinkRuntimeError,
    TLSVerificationFailed,
    redact,
)

__all__ = ["Database", "ConnectFailed", "TooManyConnections"]

# logging and json are imported on the first log line (at connect time), not at import time.
DEBUG, INFO, WARNING = 10, 20, 30
_logger: Any = None

_monotonic = time.monotonic
_wall = time.time
_LOOPBACK_HOSTS = ("localhost", "::1")
_PORT_ENGINES = {port: engine for engine, port in ENGINE_PORTS.items()}
_TRUE = ("1", "true", "yes", "on")
_NEVER = float("-inf")
#: Share of the time left that the liveness ping may use, so a reconnect after it always has time.
PING_SHARE = 0.25
#: The server's statement timeout is this share of the block's budget, so the server cancels a slow
#: statement (the connection survives) before the watchdog has to cut the connection.
SERVER_SHARE = 0.8
RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"


class ConnectFailed(RdslinkRuntimeError):
    """The server answered but refused the connection for another reason than credentials or TLS
    (database does not exist, too many connections, ...). ``sqlstate`` / ``code`` carry the driver's
    error code when it has one; the message is the driver's, redacted."""

    def __init__(self, message: str, *, sqlstate: str | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.code = code


class TooManyConnections(ConnectFailed):
    """The server had no connection slot left (PostgreSQL SQLSTATE 53300, MySQL 1040/1203/1226), after
    jittered retries inside the deadline. Attributes (besides ``sqlstate``/``code``): ``max_connections``
    (int or None when unknown), ``concurrency`` (the function's reserved concurrency from
    ``DB_RESERVED_CONCURRENCY``, or None), ``attempts`` (int)."""

    def __init__(self, message: str, *, sqlstate: str | None, code: int | None, max_connections: int | None,
                 concurrency: int | None, attempts: int) -> None:
        super().__init__(message, sqlstate=sqlstate, code=code)
        self.max_connections = max_connections
        self.concurrency = concurrency
        self.attempts = attempts


class _Rejected(Exception):
    """Internal: the server rejected the credentials."""


class _Exhausted(Exception):
    """Internal: the server had no connection slot left."""

    def __init__(self, detail: str, sqlstate: str | None, code: int | None) -> None:
        super().__init__(detail)
        self.sqlstate = sqlstate
        self.code = code


def _log(level: int, event: str, **fields: Any) -> None:
    """Emit one structured JSON line on the ``rdslink.runtime`` logger (never with a secret in it)."""
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger("rdslink.runtime")
    if _logger.isEnabledFor(level):
        import json

        _logger.log(level, json.dumps({"logger": "rdslink.runtime", "event": event, **fields}, default=str))


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


class Database:
    """A lazily opened, reused database connection for a Lambda execution environment.

    Create it at module level (init phase); it does not connect, import a driver or boto3 until the first
    ``with db.connection(context) as conn:``. The block yields the driver's own connection object
    (``psycopg.Connection`` or ``pymysql.connections.Connection``), in autocommit mode by default. On
    leaving the block, a transaction still open is committed (clean exit) or rolled back (exception),
    like psycopg's ``with connection:``. Not for use by several threads at once (Lambda runs one
    invocation per environment at a time).

    Args (all keyword-only; times in seconds, ports as int):
        host, port, dbname, user: connection target. With a secret they default to the secret's fields
            (explicit values win, e.g. an RDS Proxy endpoint as host). port defaults from the engine.
        password: plain password (local development only; use a secret or IAM auth in AWS).
        engine: "postgres"/"postgresql"/"aurora-postgresql" or "mysql"/"mariadb"/"aurora-mysql". Default:
            the secret's ``engine`` field, else the port (5432 PostgreSQL, 3306 MySQL).
        secret_id: Secrets Manager secret ARN/name in the RDS JSON format
            (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
        iam_auth: True to use an RDS IAM auth token as the password (TLS is then required).
        region: AWS region for Secrets Manager / token signing (default: AWS_REGION).
        tls: "verify-full" or "disable"; None (auto) = verify-full, except for loopback hosts without IAM
            auth (local development), which is logged as a warning. Never turned off silently.
        ca_bundle: PEM CA bundle path for verify-full. Default: ``$LAMBDA_TASK_ROOT/global-bundle.pem`` when
            that file exists (the RDS bundle shipped with the function), else the system trust store
            (enough for RDS Proxy, whose certificates are public; RDS instances need the RDS bundle).
        connect_timeout: seconds for one connect attempt, capped by the invocation's remaining time.
        ping_after: seconds of idle time after which the connection is pinged before use.
        ping_timeout: seconds the ping may take at most; also capped at a quarter of the time left, so a
            reconnect after a failed ping has the rest.
        reader_host: endpoint for ``connection(context, readonly=True)`` (an Aurora reader endpoint or an
            RDS Proxy read-only endpoint); default: the writer's host. The reader gets its own read-only
            session and shares the credentials.
        statement_deadline: bound each statement and the commit by the invocation's remaining time (needs
            the Lambda ``context``): a watchdog thread cuts the connection at the deadline and the server's
            ``statement_timeout`` (PostgreSQL; not through RDS Proxy, where a SET pins the session) or the
            socket timeouts (MySQL) end a statement a little earlier. Default True.
        connect_retries: extra connect attempts, with jittered exponential back-off inside the deadline,
            when the server has no connection slot left (default 3).
        max_connections: the server's max_connections, named in TooManyConnections (DB_MAX_CONNECTIONS).
        reserved_concurrency: the function's reserved concurrency, named in TooManyConnections
            (DB_RESERVED_CONCURRENCY; Lambda does not tell a function its own).
        secret_max_age: seconds a fetched secret value is reused.
        secrets_connect_timeout, secrets_read_timeout, secrets_endpoint_url: the Secrets Manager client's.
        token_max_age: seconds an IAM token is reused (< 900, the token's lifetime).
        autocommit: driver autocommit mode (default True: nothing stays open while the environment is frozen).
        connect_args: extra keyword arguments for psycopg.connect / pymysql.connect.
        boto3_session: boto3 Session for the AWS clients (default: a new default session).
        clock: a () -> seconds function replacing the idle clock and the token clock (tests).
        function_name: the function name used in error messages (default: context or AWS_LAMBDA_FUNCTION_NAME).

    Raises ConfigurationError for settings that cannot work.
    """

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        dbname: str | None = None,
        user: str | None = None,
        password: str | None = None,
        engine: str | None = None,
        secret_id: str | None = None,
        iam_auth: bool = False,
        region: str | None = None,
        tls: str | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float = 5.0,
        ping_after: float = 30.0,
        secret_max_age: float = 300.0,
        secrets_connect_timeout: float = 1.0,
        secrets_read_timeout: float = 2.0,
        secrets_endpoint_url: str | None = None,
        token_max_age: float = 600.0,
        autocommit: bool = True,
        connect_args: Mapping[str, Any] | None = None,
        boto3_session: Any = None,
        clock: Callable[[], float] | None = None,
        function_name: str | None = None,
        ping_timeout: float = 2.0,
        reader_host: str | None = None,
        statement_deadline: bool = True,
        connect_retries: int = 3,
        max_connections: int | None = None,
        reserved_concurrency: int | None = None,
    ) -> None:
        try:
            self.engine = normalise_engine(engine)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if tls in (None, "", "auto"):
            tls = None
        elif tls not in ("verify-full", "disable"):
            raise ConfigurationError(f"tls must be 'verify-full', 'disable' or None (auto), not {tls!r}")
        if connect_timeout <= 0:
            raise ConfigurationError("connect_timeout must be > 0 seconds")
        if ping_after < 0:
            raise ConfigurationError("ping_after must be >= 0 seconds")
        if ping_timeout <= 0:
            raise ConfigurationError("ping_timeout must be > 0 seconds")
        if connect_retries < 0:
            raise ConfigurationError("connect_retries must be >= 0")
        if secret_id and iam_auth:
            raise ConfigurationError("use either a Secrets Manager secret (DB_SECRET_ARN) or IAM auth (DB_IAM_AUTH), "
                                     "not both")
        if password and (secret_id or iam_auth):
            raise ConfigurationError("a plain password (DB_PASSWORD) cannot be combined with a secret or IAM auth")
        if iam_auth and tls == "disable":
            raise ConfigurationError("IAM database authentication requires TLS: tls='disable' cannot be used with it")
        if ca_bundle is None:
            default = os.path.join(os.environ.get("LAMBDA_TASK_ROOT", "/var/task"), "global-bundle.pem")
            ca_bundle = default if os.path.isfile(default) else None
        elif not os.path.isfile(ca_bundle):
            raise ConfigurationError(f"CA bundle {ca_bundle} does not exist: download the RDS bundle from "
                                     f"{RDS_CA_BUNDLE_URL} into the deployment package and point DB_SSL_CA at it")

        self.host = host or None
        self.port = int(port) if port else None
        self.dbname = dbname or None
        self.user = user or None
        self.tls = tls
        self.ca_bundle = ca_bundle
        self.iam_auth = bool(iam_auth)
        self.connect_timeout = float(connect_timeout)
        self.ping_after = float(ping_after)
        self.autocommit = bool(autocommit)
        self.connect_args = dict(connect_args or {})
        self.function_name = function_name
        self.ping_timeout = float(ping_timeout)
        self.reader_host = reader_host or None
        self.statement_deadline = bool(statement_deadline)
        self.connect_retries = int(connect_retries)
        self.max_connections = int(max_connections) if max_connections else None
        self.reserved_concurrency = int(reserved_concurrency) if reserved_concurrency else None
        self.readonly = False
        self._clock = clock

        self._source: Any
        if secret_id:
            self._source = SecretsManagerCredentials(
                secret_id, region=region, max_age=secret_max_age, connect_timeout=secrets_connect_timeout,
                read_timeout=secrets_read_timeout, endpoint_url=secrets_endpoint_url, boto3_session=boto3_session,
                clock=clock)
        elif iam_auth:
            port_for_token = self.port or (ENGINE_PORTS[self.engine] if self.engine else None)
            if not self.host or not self.user or not port_for_token:
                raise ConfigurationError("IAM auth needs DB_HOST, DB_USER and DB_PORT or DB_ENGINE")
            self._source = IamAuthTokenCredentials(host=self.host, port=port_for_token, user=self.user, region=region,
                                                   max_age=token_max_age, boto3_session=boto3_session, clock=clock)
        else:
            if not self.host or not self.user:
                raise ConfigurationError("set DB_HOST and DB_USER (and DB_PASSWORD), DB_SECRET_ARN, or DB_IAM_AUTH=1")
            self._source = StaticCredentials(password=password or "", user=self.user)

        self._conn: Any = None
        self._context: Any = None
        self._driver: Driver = driver_for(self.engine) if self.engine else Driver()
        self._conn_target: tuple[str, int, str] | None = None
        self._last_mono = 0.0
        self._last_wall = 0.0
        self._last_clock = 0.0
        self._tls_warned = False
        self._reset_state()

    def _reset_state(self) -> None:
        self._conn = None
        self._conn_target = None
        self._last_mono = self._last_wall = self._last_clock = 0.0
        self._stats = {"connects": 0, "reconnects": 0, "pings": 0, "ping_failures": 0, "credential_refreshes": 0,
                       "secret_fetches": 0, "tokens_generated": 0, "connections_lost": 0, "deadline_cuts": 0,
                       "failovers": 0, "connect_retries": 0}
        self._reader: Database | None = None
        #: (deadline, conn, start, budget, remaining) while a block runs with a deadline, else None
        self._armed: tuple[float, Any, float, float, float] | None = None
        self._fired: tuple[Any, int | None, float] | None = None  # (armed, unacked, at) of the last cut
        self._watchdog: _Watchdog | None = None
        self._lock = threading.Lock()
        self._band = (1.0, 0.0)  # budgets (s) the session's statement timeout fits; empty: not set yet

    # ------------------------------------------------------------------ construction from the environment

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Database:
        """Build a Database from environment variables (keyword `overrides` win).

        DB_HOST, DB_PORT, DB_NAME, DB_USER; credentials from DB_SECRET_ARN, or DB_IAM_AUTH=1, or
        DB_PASSWORD; DB_ENGINE; DB_SSL_MODE (verify-full | disable), DB_SSL_CA (CA bundle path);
        DB_CONNECT_TIMEOUT, DB_PING_AFTER, DB_SECRET_MAX_AGE (seconds); DB_READER_HOST;
        DB_MAX_CONNECTIONS, DB_RESERVED_CONCURRENCY (named in TooManyConnections); AWS_REGION. Raises
        ConfigurationError naming the variable that is wrong.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        def number(name: str, conv: Callable[[str], Any]) -> Any:
            raw = get(name)
            if raw is None:
                return None
            try:
                return conv(raw)
            except ValueError:
                raise ConfigurationError(f"{name}={raw!r} is not a number") from None

        kwargs: dict[str, Any] = {
            "host": get("DB_HOST"), "port": number("DB_PORT", int), "dbname": get("DB_NAME"),
            "user": get("DB_USER"), "password": env.get("DB_PASSWORD") or None, "engine": get("DB_ENGINE"),
            "secret_id": get("DB_SECRET_ARN"), "iam_auth": (get("DB_IAM_AUTH") or "").lower() in _TRUE,
            "region": get("AWS_REGION") or get("AWS_DEFAULT_REGION"), "tls": get("DB_SSL_MODE"),
            "ca_bundle": get("DB_SSL_CA"), "function_name": get("AWS_LAMBDA_FUNCTION_NAME"),
        }
        for key, name in (("connect_timeout", "DB_CONNECT_TIMEOUT"), ("ping_after", "DB_PING_AFTER"),
                          ("secret_max_age", "DB_SECRET_MAX_AGE")):
            value = number(name, float)
            if value is not None:
                kwargs[key] = value
        for key, name in (("max_connections", "DB_MAX_CONNECTIONS"),
                          ("reserved_concurrency", "DB_RESERVED_CONCURRENCY")):
            value = number(name, int)
            if value is not None:
                kwargs[key] = value
        if get("DB_READER_HOST"):
            kwargs["reader_host"] = get("DB_READER_HOST")
        kwargs.update(overrides)
        return cls(**kwargs)

    # ------------------------------------------------------------------ public API

    def connection(self, context: Any = None, readonly: bool = False) -> Database:
        """Context manager yielding the environment's connection (opened, pinged or replaced as needed).

        `context` is the Lambda context: its ``get_remaining_time_in_millis()`` caps every wait (ping,
        connect, each statement, the commit) at the remaining time less a reserve (20 %, at most 1 s).
        `readonly`: the reader's read-only session (``reader_host``, else the writer's host) instead of
        the writer's. Raises (from ``__enter__``) DatabaseUnreachable, SecretUnreachable, SecretError,
        AuthenticationFailed, TLSVerificationFailed, TooManyConnections, ConnectFailed,
        ConfigurationError; (from ``__exit__``) DeadlineExceeded when the deadline cut a statement or the
        commit. Other errors raised inside the block are the driver's, unchanged, and are never retried.
        """
        if readonly:
            return self._reader_db().connection(context)
        # The Database is its own context manager: no object is allocated per invocation.
        self._context = context
        return self

    def _reader_db(self) -> Database:
        reader = self._reader
        if reader is None:
            import copy

            reader = copy.copy(self)  # shares the credential source (one secret cache) and settings
            reader._reset_state()
            reader.readonly = True
            reader._tls_warned = False
            if self.reader_host:
                reader.host = self.reader_host
            self._reader = reader
        return reader

    def close(self) -> None:
        """Close the connection(s) (the next ``connection()`` opens a new one)."""
        with self._lock:
            conn, self._conn = self._conn, None
            self._armed = None
        if conn is not None:
            self._driver.close(conn)
        if self._reader is not None:
            self._reader.close()

    @property
    def stats(self) -> dict[str, int]:
        """Counters (a copy): connects, reconnects, pings, ping_failures, credential_refreshes,
        secret_fetches, tokens_generated, connections_lost (broken during a block or at its commit),
        deadline_cuts (connections cut at the deadline), failovers (sessions dropped after a read-only or
        shutting-down error), connect_retries (attempts repeated because the server had no slot)."""
        return dict(self._stats)

    @property
    def connected(self) -> bool:
        """Whether a connection is currently held (it may still be dead: only a round trip tells)."""
        return self._conn is not None

    def __repr__(self) -> str:
        return (f"Database(engine={self.engine!r}, host={self.host!r}, port={self.port!r}, user={self.user!r}, "
                f"dbname={self.dbname!r}, credentials={self._source.describe()!r}, tls={self.tls or 'auto'!r}, "
                f"connected={self.connected})")

    # ------------------------------------------------------------------ lease (hot path first)

    def __enter__(self) -> Any:
        conn = self._conn
        if conn is not None:
            if self._clock is None:
                idle = max(_monotonic() - self._last_mono, _wall() - self._last_wall)
            else:
                idle = self._clock() - self._last_clock
            if idle <= self.ping_after and self._driver.usable(conn):
                context = self._context
                if context is None or not self.statement_deadline:
                    return conn
                # Arm the deadline: two clock reads, a tuple, no lock, no wake-up of the watchdog.
                try:
                    remaining = context.get_remaining_time_in_millis() / 1000.0
                except Exception:
                    return conn
                budget = remaining - (1.0 if remaining > 5.0 else 0.2 * remaining)
                lo, hi = self._band
                if lo <= budget <= hi:
                    now = _monotonic()
                    armed = self._armed = (now + budget, conn, now, budget, remaining)
                    watchdog = self._watchdog
                    if watchdog is None or armed[0] < watchdog.wake_at:
                        self._poke()
                    return conn
        return self._acquire_slow(self._context, conn)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._clock is None:
            self._last_mono = _monotonic()
            self._last_wall = _wall()
        else:
            self._last_clock = self._clock()
        conn = self._conn
        if conn is not None and exc_type is None and self._fired is None and self._driver.clean(conn):
            self._armed = None
            return  # the common case: healthy, no transaction left open
        self._release_slow(conn, exc)

    def _poke(self) -> None:
        if self._watchdog is None:
            self._watchdog = _Watchdog(self)
        self._watchdog.poke()

    def _on_deadline(self, armed: tuple[float, Any, float, float, float]) -> None:
        """Watchdog thread: the block armed with `armed` ran out of time; cut its connection."""
        with self._lock:
            if self._armed is not armed or self._conn is not armed[1]:
                return
            fd = self._driver.fileno(armed[1])
            unacked = unacknowledged_bytes(fd) if fd >= 0 else None
            self._fired = (armed, unacked, _monotonic())
            self._last_mono = self._last_wall = self._last_clock = _NEVER  # next use: ping, replace
            if fd >= 0:
                cut_socket(fd)

    def _drop(self, conn: Any) -> None:
        with self._lock:
            if self._conn is conn:
                self._conn = None
        self._driver.close(conn)

    def _release_slow(self, conn: Any, exc: BaseException | None) -> None:
        armed, fired = self._armed, self._fired
        try:
            if conn is None:
                return
            driver = self._driver
            ok = exc is None
            if fired is not None:
                self._fired = None
                self._drop(conn)
                self._stats["deadline_cuts"] += 1
                if fired[0] is armed and not ok:
                    raise self._deadline_error("statement", fired) from None
                return
            if not driver.usable(conn):
                self._lost(conn, "during the invocation")
                return
            if exc is not None:
                if armed is not None and driver.timed_out(exc):
                    try:
                        driver.finish(conn, False)  # roll back what the block had open
                    except Exception:
                        self._lost(conn, "at rollback")
                    raise self._server_timeout_error(armed) from None
                why = driver.replace_after(exc)
                if why is not None and not (self.readonly and why == "read-only"):
                    self._stats["failovers"] += 1
                    self._drop(conn)
                    _log(WARNING, "connection.replace", reason=why, engine=driver.engine, host=self._target_host(),
                         error=type(exc).__name__,
                         note="the session cannot be used any more (failover: read-only or shutting down); "
                              "the error was raised, nothing was retried; the next invocation connects again "
                              "(resolving the endpoint afresh)")
                    return
            try:
                driver.finish(conn, ok)
            except Exception:
                fired = self._fired
                if fired is not None:
                    self._fired = None
                    self._drop(conn)
                    self._stats["deadline_cuts"] += 1
                    if fired[0] is armed and ok:
                        raise self._deadline_error("commit", fired) from None
                    return
                self._lost(conn, "at commit" if ok else "at rollback")
                if ok:
                    raise  # a failed commit must reach the caller
        finally:
            self._armed = None

    def _lost(self, conn: Any, when: str) -> None:
        self._stats["connections_lost"] += 1
        self._drop(conn)
        _log(WARNING, "connection.lost", engine=self._driver.engine, host=self._target_host(), when=when,
             note="the connection broke; the error was raised, nothing was retried; "
                  "the next invocation opens a new connection")

    def _deadline_error(self, phase: str, fired: tuple[Any, int | None, float]) -> DeadlineExceeded:
        armed, unacked, at = fired
        _, _, start, budget, remaining = armed
        waited = at - start
        if unacked and waited < 0.2:
            unacked = None  # data sent a moment ago may simply not be acknowledged yet: no conclusion
        host, port = (self._conn_target[0], self._conn_target[1]) if self._conn_target else (self.host, self.port)
        label = self._driver.label
        what = "the statement" if phase == "statement" else "the commit"
        if unacked == 0:
            why = (f"{label} acknowledged every byte sent (the TCP connection was up and the request had "
                   "arrived), so it is not the network: the database itself stopped answering -- paused, "
                   "overloaded, failing over, or waiting for a lock")
        elif unacked:
            why = (f"{unacked} TCP segment(s) sent were never acknowledged: the database host stopped answering "
                   "(a failover or reboot in progress) or the path to it went dark")
        else:
            why = ("The connection had been working, so this is the database not answering (paused, "
                   "overloaded, failing over, or waiting for a lock), not a security group or route")
        _log(WARNING, "deadline", phase=phase, engine=self._driver.engine, host=host, waited_ms=_ms(waited),
             budget_ms=_ms(budget), unacked=unacked)
        return DeadlineExceeded(
            f"{label} at {host}:{port} did not finish {what} before the invocation's deadline: waited "
            f"{waited:.2f} s of a {budget:.2f} s budget (the invocation had {remaining:.2f} s left; the rest is "
            f"kept so the handler can answer). {why}. The connection was shut down and is replaced at the next "
            f"invocation; {what} was not retried and may or may not have taken effect.",
            phase=phase, waited=waited, budget=budget, host=host, port=port, unacked=unacked)

    def _server_timeout_error(self, armed: tuple[float, Any, float, float, float]) -> DeadlineExceeded:
        _, _, start, budget, remaining = armed
        waited = _monotonic() - start
        host, port = (self._conn_target[0], self._conn_target[1]) if self._conn_target else (self.host, self.port)
        _log(WARNING, "deadline", phase="statement", engine=self._driver.engine, host=host, waited_ms=_ms(waited),
             budget_ms=_ms(budget), cancelled_by="server")
        return DeadlineExceeded(
            f"{self._driver.label} at {host}:{port} cancelled the statement at the statement_timeout rdslink set "
            f"({SERVER_SHARE:.0%} of the {budget:.2f} s budget; the invocation had {remaining:.2f} s left) after "
            f"{waited:.2f} s: the database answered, the statement was too slow or waited for a lock. It did not "
            "take effect and was not retried; the connection is kept.",
            phase="statement", waited=waited, budget=budget, host=host, port=port, unacked=None)

    def _target_host(self) -> str | None:
        return self._conn_target[0] if self._conn_target else self.host

    def _acquire_slow(self, context: Any, conn: Any) -> Any:
        t_enter = _monotonic()
        deadline = self._deadline(context)
        budget = None if deadline is None else deadline - t_enter
        fired, self._fired = self._fired, None
        # After a connection was lost in an earlier invocation (or close()), this is a reconnect.
        reason = "cold-start" if self._stats["connects"] == 0 else "previous-connection-lost"
        ping_ms = None
        if conn is not None:
            driver = self._driver
            if fired is None and driver.usable(conn):
                t0 = _monotonic()
                timeout = self._ping_timeout(deadline)
                try:
                    driver.ping(conn, timeout)
                    if budget is not None and self.statement_deadline and not \
                            self._band[0] <= budget <= self._band[1]:
                        self._apply_budget(conn, budget, timeout)
                except Exception as exc:
                    self._stats["ping_failures"] += 1
                    reason = "ping-failed"
                    ping_ms = _ms(_monotonic() - t0)
                    _log(DEBUG, "ping.failed", error=type(exc).__name__, duration_ms=ping_ms,
                         timeout_ms=_ms(timeout))
                else:
                    self._stats["pings"] += 1
                    self._touch()
                    _log(DEBUG, "ping", duration_ms=_ms(_monotonic() - t0))
                    self._arm(conn, deadline, t_enter, context)
                    return conn
            else:
                reason = "deadline-cut" if fired is not None else "connection-closed"
            self._drop(conn)
        new = self._open(deadline, context, reason, ping_ms)
        if budget is not None and self.statement_deadline:
            try:
                self._apply_budget(new, budget, self._ping_timeout(deadline))  # the whole block's budget
            except Exception:
                self._drop(new)
                raise ConnectFailed(f"{self._driver.label} at {self._target_host()} accepted the connection but did "
                                    "not answer the statement timeout set-up in time") from None
        self._touch()
        self._arm(new, deadline, t_enter, context)
        return new

    def _apply_budget(self, conn: Any, budget: float, timeout: float) -> None:
        """Bound each statement of this session to SERVER_SHARE x `budget` seconds, and remember the
        budgets that setting fits (up to 1/0.9 and 2x of it)."""
        target = self._target_host() or ""
        seconds = SERVER_SHARE * budget
        band = (seconds / 0.9, seconds * 2.0)
        self._driver.set_budget(conn, seconds, band[1], ".proxy-" not in target.lower(), timeout)
        self._band = band

    def _arm(self, conn: Any, deadline: float | None, start: float, context: Any) -> None:
        if deadline is None or not self.statement_deadline:
            return
        try:
            remaining = context.get_remaining_time_in_millis() / 1000.0
        except Exception:
            remaining = deadline - start
        self._armed = (deadline, conn, start, deadline - start, remaining)
        watchdog = self._watchdog
        if watchdog is None or deadline < watchdog.wake_at:
            self._poke()

    def _touch(self) -> None:
        if self._clock is None:
            self._last_mono = _monotonic()
            self._last_wall = _wall()
        else:
            self._last_clock = self._clock()

    # ------------------------------------------------------------------ opening a connection

    def _deadline(self, context: Any) -> float | None:
        if context is None:
            return None
        try:
            remaining = float(context.get_remaining_time_in_millis()) / 1000.0
        except Exception:
            return None
        # Keep a reserve (20 %, at most 1 s) so the handler can still report the error itself.
        return _monotonic() + max(0.0, remaining - min(1.0, 0.2 * remaining))

    def _timeout(self, deadline: float | None) -> float:
        if deadline is None:
            return self.connect_timeout
        return min(self.connect_timeout, max(0.05, deadline - _monotonic()))

    def _ping_timeout(self, deadline: float | None) -> float:
        """The ping's share: at most ping_timeout and connect_timeout, and a quarter of the time left."""
        cap = min(self.ping_timeout, self.connect_timeout)
        if deadline is None:
            return cap
        return min(cap, max(0.05, PING_SHARE * (deadline - _monotonic())))

    def _credentials(self, deadline: float | None, force: bool, reason: str) -> Credentials:
        source = self._source
        before = getattr(source, "fetches", None), getattr(source, "generated", None)
        t0 = _monotonic()
        time_left = None if deadline is None else max(0.05, deadline - _monotonic())
        creds: Credentials = source.get(time_left=time_left, force=force)
        elapsed = _ms(_monotonic() - t0)
        if isinstance(source, SecretsManagerCredentials) and source.fetches != before[0]:
            self._stats["secret_fetches"] += 1
            _log(INFO, "secret.fetch", secret_id=source.secret_id, reason=reason, duration_ms=elapsed)
        elif isinstance(source, IamAuthTokenCredentials) and source.generated != before[1]:
            self._stats["tokens_generated"] += 1
            _log(INFO, "token.generate", user=source.user, host=source.host, port=source.port,
                 reason=reason, duration_ms=elapsed)
        return creds

    def _resolve(self, creds: Credentials) -> tuple[Driver, str, int, str, str | None, bool]:
        host = self.host or creds.host
        if not host:
            raise ConfigurationError("no database host: set DB_HOST or store 'host' in the secret")
        engine = self.engine
        if engine is None:
            try:
                engine = normalise_engine(creds.engine)
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
        if engine is None:
            engine = _PORT_ENGINES.get(self.port or creds.port or 0)
        if engine is None:
            raise ConfigurationError("cannot tell the engine: set DB_ENGINE, a standard port (5432 or 3306), or "
                                     "the secret's 'engine' field")
        port = self.port or creds.port or ENGINE_PORTS[engine]
        user = self.user or creds.user
        if not user:
            raise ConfigurationError("no database user: set DB_USER or store 'username' in the secret")
        tls = self._tls_for(host)
        return driver_for(engine), host, int(port), user, self.dbname or creds.dbname, tls

    def _tls_for(self, host: str) -> bool:
        if self.tls == "verify-full" or self.iam_auth:
            return True
        if self.tls == "disable":
            reason = "tls='disable' (DB_SSL_MODE=disable)"
        elif ".proxy-" in host.lower():
            return True
        elif host.startswith("127.") or host.lower() in _LOOPBACK_HOSTS:
            reason = "loopback host (local development); set DB_SSL_MODE=verify-full to require TLS"
        else:
            return True
        if not self._tls_warned:
            self._tls_warned = True
            _log(WARNING, "tls.disabled", host=host, reason=reason)
        return False

    def _open(self, deadline: float | None, context: Any, reason: str, ping_ms: float | None) -> Any:
        t_start = _monotonic()
        source = self._source
        if isinstance(source, SecretsManagerCredentials):
            source.function_name = self._function_name(context)
        creds = self._credentials(deadline, False, reason)
        target = self._resolve(creds)
        try:
            conn, connect_s = self._connect(target, creds.password, deadline, context, ping_ms)
        except _Rejected as first:
            driver, host, port, user = target[0], target[1], target[2], target[3]
            if not source.refreshable:
                raise AuthenticationFailed(
                    f"{driver.label} at {host}:{port} rejected user {user!r} with the configured password "
                    f"({first}); fix DB_PASSWORD or use a secret", host=host, port=port, user=user,
                    refreshed=False) from None
            conn, connect_s, target = self._connect_refreshed(creds, target, deadline, context, ping_ms)
        driver, host, port, user, dbname, tls = target
        self._conn = conn
        self._driver = driver
        self._conn_target = (host, port, user)
        self._band = (1.0, 0.0)  # a new session: no statement timeout set yet
        self._stats["connects"] += 1
        if reason != "cold-start":
            self._stats["reconnects"] += 1
        fields: dict[str, Any] = {
            "reason": reason, "engine": driver.engine, "host": host, "port": port, "user": user, "dbname": dbname,
            "tls": "verify-full" if tls else "disabled", "credentials": source.kind,
            "connect_ms": _ms(connect_s), "duration_ms": _ms(_monotonic() - t_start),
        }
        if self.readonly:
            fields["readonly"] = True
        if ping_ms is not None:
            fields["ping_ms"] = ping_ms
        _log(INFO, "connect" if reason == "cold-start" else "reconnect", **fields)
        return conn

    def _connect_refreshed(self, rejected: Credentials, target: tuple[Driver, str, int, str, str | None, bool],
                           deadline: float | None, context: Any,
                           ping_ms: float | None) -> tuple[Any, float, tuple[Driver, str, int, str, str | None, bool]]:
        """After a rejection: AWSCURRENT again (or a new IAM token); when the secret's current value is the
        one just rejected, its AWSPENDING version (a rotation between setSecret and finishSecret). The
        first that logs in is cached. Raises AuthenticationFailed when none does."""
        source = self._source
        self._stats["credential_refreshes"] += 1
        t0 = _monotonic()
        fresh = self._credentials(deadline, True, "auth-failed")
        host, port, user = target[1], target[2], target[3]
        _log(INFO, "credentials.refresh", source=source.kind, reason="auth-failed", host=host, port=port,
             user=user, duration_ms=_ms(_monotonic() - t0))
        candidates: list[tuple[str, Credentials]] = []
        if fresh.password != rejected.password:
            candidates.append(("AWSCURRENT" if source.kind == "secretsmanager" else "new", fresh))
        elif isinstance(source, SecretsManagerCredentials):
            t0 = _monotonic()
            time_left = None if deadline is None else max(0.05, deadline - _monotonic())
            pending = source.get_pending(time_left=time_left)
            self._stats["secret_fetches"] += 1
            _log(INFO, "secret.fetch", secret_id=source.secret_id, stage="AWSPENDING", reason="current-rejected",
                 found=pending is not None, duration_ms=_ms(_monotonic() - t0))
            if pending is not None and pending.password != rejected.password:
                candidates.append(("AWSPENDING", pending))
        last = "the same value was rejected"
        for stage, creds in candidates:
            attempt = self._resolve(creds)
            try:
                conn, connect_s = self._connect(attempt, creds.password, deadline, context, ping_ms)
            except _Rejected as again:
                last = str(again)
                target = attempt
                continue
            if isinstance(source, SecretsManagerCredentials):
                source.use(creds)  # the value that logged in, until max_age
            if stage == "AWSPENDING":
                _log(INFO, "credentials.pending", secret_id=getattr(source, "secret_id", None),
                     note="AWSCURRENT was rejected and AWSPENDING logged in: a rotation is between setSecret "
                          "and finishSecret")
            return conn, connect_s, attempt
        driver, host, port, user = target[0], target[1], target[2], target[3]
        if source.kind == "iam":
            what = "a fresh IAM token"
            hint = ("check the user has the rds_iam role (PostgreSQL) or AWSAuthenticationPlugin (MySQL) and "
                    "the function's role allows rds-db:connect for it")
        else:
            what = "the secret's AWSCURRENT value" + (" and its AWSPENDING value" if any(
                st == "AWSPENDING" for st, _ in candidates) else "")
            hint = "the secret and the database disagree: finish or repair the rotation"
        raise AuthenticationFailed(
            f"{driver.label} at {host}:{port} rejected user {user!r} again with {what} ({last}); {hint}",
            host=host, port=port, user=user, refreshed=True) from None

    def _connect(self, target: tuple[Driver, str, int, str, str | None, bool], password: str,
                 deadline: float | None, context: Any, ping_ms: float | None) -> tuple[Any, float]:
        """One connect, repeated with jittered exponential back-off while the server has no connection slot
        left and the deadline (or, without one, connect_timeout) leaves time. Raises TooManyConnections."""
        import random

        t0 = _monotonic()
        limit = deadline if deadline is not None else t0 + self.connect_timeout
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._connect_once(target, password, deadline, context, ping_ms)
            except _Exhausted as full:
                delay = min(1.0, 0.1 * 2 ** (attempts - 1)) * random.uniform(0.5, 1.0)
                if attempts > self.connect_retries or _monotonic() + delay + 0.05 >= limit:
                    raise self._exhausted(target, full, attempts, _monotonic() - t0) from None
                self._stats["connect_retries"] += 1
                _log(INFO, "connect.retry", reason="too-many-connections", attempt=attempts,
                     delay_ms=_ms(delay))
                time.sleep(delay)

    def _exhausted(self, target: tuple[Driver, str, int, str, str | None, bool], full: _Exhausted, attempts: int,
                   elapsed: float) -> TooManyConnections:
        driver, host, port = target[0], target[1], target[2]
        limit = self.max_connections
        concurrency = self.reserved_concurrency
        if limit:
            limit_text = f"the server's max_connections is {limit}"
        else:
            limit_text = ("the server's max_connections is not known here (SHOW max_connections, or set "
                          "DB_MAX_CONNECTIONS to have it named)")
        if concurrency:
            conc_text = (f"this function's reserved concurrency is {concurrency} (DB_RESERVED_CONCURRENCY), and "
                         "each concurrent execution environment holds one connection")
        else:
            conc_text = ("this function's concurrency is not capped as far as rdslink knows "
                         "(DB_RESERVED_CONCURRENCY unset): up to the account's unreserved concurrency, one "
                         "connection per concurrent execution environment")
        fix_cap = ""
        if limit:
            from .budget import assess_concurrency

            usable = assess_concurrency(limit, concurrency or 0).usable
            fix_cap = f" (at most about {usable} for max_connections {limit} with the usual reserve and headroom)"
        return TooManyConnections(
            f"{driver.label} at {host}:{port} has no connection slot left: {full} (tried {attempts} time(s) over "
            f"{elapsed:.2f} s with jittered back-off). {limit_text}; {conc_text}. Fix: (1) put RDS Proxy in front "
            "of the database and point DB_HOST at the proxy endpoint, so many environments share a few "
            "connections; or (2) set the function's reserved concurrency below max_connections"
            f"{fix_cap}. rdslink.runtime.assess_concurrency computes the budget.",
            sqlstate=full.sqlstate, code=full.code, max_connections=limit, concurrency=concurrency,
            attempts=attempts)

    def _function_name(self, context: Any) -> str:
        return self.function_name or getattr(context, "function_name", None) or \
            os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "<NAME>"

    def _connect_once(self, target: tuple[Driver, str, int, str, str | None, bool], password: str,
                      deadline: float | None, context: Any, ping_ms: float | None = None) -> tuple[Any, float]:
        driver, host, port, user, dbname, tls = target
        timeout = self._timeout(deadline)
        extra = dict(self.connect_args)
        # An RDS Proxy read-only endpoint already routes to readers; a startup option would pin the session.
        readonly = self.readonly and ".proxy-" not in host.lower()
        t0 = _monotonic()

        def attempt() -> Any:
            return driver.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                                  timeout=timeout, tls=tls, ca_bundle=self.ca_bundle, autocommit=self.autocommit,
                                  extra=extra, readonly=readonly)

        phase = "connect" if ping_ms is None else "ping+connect"
        try:
            conn = _call_with_deadline(attempt, timeout, driver.close)
        except _CallTimedOut:
            elapsed = _monotonic() - t0
            self._fail_log("timeout", driver, host, port, elapsed)
            raise DatabaseUnreachable(self._unreachable_message("timeout", driver, host, port, elapsed, timeout,
                                                                context, "", ping_ms),
                                      host=host, port=port, elapsed=elapsed, timeout=timeout, kind="timeout",
                                      phase=phase) from None
        except Exception as exc:
            elapsed = _monotonic() - t0
            kind = driver.classify(exc)
            detail = redact(str(exc), [password])
            self._fail_log(kind, driver, host, port, elapsed)
            if kind == "auth":
                raise _Rejected(detail) from None
            args = getattr(exc, "args", ())
            code = args[0] if args and isinstance(args[0], int) else None
            if kind == "exhausted":
                raise _Exhausted(detail, getattr(exc, "sqlstate", None), code) from None
            if kind == "tls":
                where = self.ca_bundle or "the system trust store"
                raise TLSVerificationFailed(
                    f"TLS with {driver.label} at {host}:{port} failed (verify-full against {where}): {detail}. "
                    f"An RDS instance's certificate verifies only against the RDS CA bundle: download "
                    f"{RDS_CA_BUNDLE_URL}, ship it with the function and set DB_SSL_CA to its path (or put it at "
                    "$LAMBDA_TASK_ROOT/global-bundle.pem); DB_HOST must be the endpoint name the certificate "
                    "was issued for (not an IP address or a CNAME)", host=host, port=port,
                    ca_bundle=self.ca_bundle) from None
            if kind in ("timeout", "refused", "dns"):
                raise DatabaseUnreachable(self._unreachable_message(kind, driver, host, port, elapsed, timeout,
                                                                    context, detail, ping_ms),
                                          host=host, port=port, elapsed=elapsed, timeout=timeout, kind=kind,
                                          phase=phase) from None
            raise ConnectFailed(f"{driver.label} at {host}:{port} refused the connection: {detail}",
                                sqlstate=getattr(exc, "sqlstate", None), code=code) from None
        return conn, _monotonic() - t0

    def _fail_log(self, kind: str, driver: Driver, host: str, port: int, elapsed: float) -> None:
        _log(WARNING, "connect.failed", kind=kind, engine=driver.engine, host=host, port=port,
             credentials=self._source.kind, duration_ms=_ms(elapsed))

    def _unreachable_message(self, kind: str, driver: Driver, host: str, port: int, elapsed: float, timeout: float,
                             context: Any, detail: str, ping_ms: float | None = None) -> str:
        check = f"Check it with: rdslink check --live --function {self._function_name(context)}"
        worked = self._stats["connects"]
        if kind == "timeout" and worked:
            before = (f"the cached connection's ping got no answer in {ping_ms / 1000:.2f} s, then "
                      if ping_ms is not None else "")
            text = (f"{driver.label} at {host}:{port} stopped answering: {before}a new connection got no answer "
                    f"within the {timeout:.2f} s left for it (waited {elapsed:.2f} s). This execution environment "
                    f"reached this server before ({worked} connection(s) opened), so the security groups, routes "
                    "and network ACLs were letting it through: the database is most likely restarting, failing "
                    "over, paused or overloaded -- check the DB instance's events and status. If the network "
                    f"configuration changed since, {check}")
        elif kind == "timeout":
            text = (f"{driver.label} at {host}:{port} did not answer within the {timeout:.1f} s connect timeout "
                    f"(waited {elapsed:.2f} s). That is almost always the network path, not the database: "
                    f"(1) the DB security group has no inbound rule for TCP {port} from the function's security "
                    "group; (2) the function is not in the VPC (no VpcConfig) or its subnets cannot route to the "
                    f"DB's subnets; (3) a network ACL on the function's or the DB's subnets denies TCP {port} or "
                    f"the return traffic on ports 1024-65535. {check}")
        elif kind == "refused":
            text = (f"{driver.label} at {host}:{port} refused the TCP connection after {elapsed:.2f} s: nothing "
                    f"listens on port {port} there. Check DB_PORT against the endpoint's port and that the DB "
                    f"instance is available (not stopped or rebooting). {check}")
        else:
            text = (f"The database host name {host} did not resolve ({elapsed:.2f} s). Check DB_HOST (the DB, "
                    "cluster or proxy endpoint); private endpoints resolve only from inside their VPC, which needs "
                    f"enableDnsSupport and enableDnsHostnames. {check}")
        return f"{text} [driver: {detail}]" if detail else text
