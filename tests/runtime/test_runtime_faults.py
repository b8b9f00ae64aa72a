"""Faults against the real loopback PostgreSQL and MariaDB: a stalled server (SIGSTOP) during a statement,
the ping and the connect; a read-only flip (failover); connection exhaustion; the reader session.

The only time assertions are "ended before the fake invocation's deadline" (the Lambda timeout that would
otherwise kill the environment mid-statement).
"""

from __future__ import annotations

import threading
import time

import pytest
from runtime_helpers import Backend, FakeClock, FakeContext, Paused

from rdslink.runtime import Database, DatabaseUnreachable, DeadlineExceeded, TooManyConnections

REMAINING_MS = 3000  # the fake invocation has 3 s left: the deadline the runtime keeps is 2.4 s


def invoke(backend: Backend, db: Database, context: FakeContext, sql: str = "SELECT 1") -> list[tuple]:
    with db.connection(context) as conn:
        return backend.query(conn, sql)


def session_of(backend: Backend, db: Database, context: FakeContext) -> int:
    with db.connection(context) as conn:
        return backend.session_id(conn)


# ------------------------------------------------------------------------------------------- stalled server


@pytest.mark.db
def test_statement_on_a_stalled_server_is_cut_before_the_deadline(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    ctx = FakeContext(remaining_ms=REMAINING_MS)
    first = session_of(backend, db, ctx)

    with Paused(backend):
        t0 = time.monotonic()
        with pytest.raises(DeadlineExceeded) as excinfo:
            with db.connection(ctx) as conn:  # warm: no ping, the statement itself stalls
                backend.query(conn, "SELECT 1")
        elapsed = time.monotonic() - t0
    assert elapsed < REMAINING_MS / 1000  # Lambda would have killed the environment at 3 s

    err = excinfo.value
    assert err.phase == "statement" and err.port == backend.port and err.host == "127.0.0.1"
    assert err.budget == pytest.approx(2.4, abs=0.05) and err.waited >= err.budget - 0.05
    assert err.unacked == 0  # the server's TCP stack had every byte: the process stopped, not the network
    msg = str(err)
    assert "did not finish the statement before the invocation's deadline" in msg
    assert "not the network: the database itself stopped answering" in msg
    assert "security group" not in msg
    assert "was not retried" in msg
    assert isinstance(err, TimeoutError) and err.__cause__ is None

    # Resumed: the next invocation gets a new connection before anything is sent, and works.
    assert invoke(backend, db, FakeContext()) == [(1,)]
    assert session_of(backend, db, FakeContext()) != first
    stats = db.stats
    assert stats["deadline_cuts"] == 1 and stats["reconnects"] == 1
    db.close()


@pytest.mark.db
def test_ping_of_a_stalled_server_leaves_the_reconnect_its_time(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    ctx = FakeContext(remaining_ms=REMAINING_MS)
    session_of(backend, db, ctx)
    clock.advance(120)  # thawed after two minutes: idle > ping_after, so the ping runs first

    with Paused(backend):
        t0 = time.monotonic()
        with pytest.raises(DatabaseUnreachable) as excinfo:
            invoke(backend, db, ctx)
        elapsed = time.monotonic() - t0
    assert elapsed < REMAINING_MS / 1000

    err = excinfo.value
    assert err.kind == "timeout" and err.phase == "ping+connect"
    # The ping got at most a quarter of the 2.4 s: the reconnect was given more than 1 s of it.
    assert err.timeout > 1.0
    msg = str(err)
    assert "stopped answering: the cached connection's ping got no answer" in msg
    assert "reached this server before (1 connection(s) opened)" in msg
    assert "no inbound rule" not in msg  # it does not blame the security groups for a server that answered
    assert db.stats["ping_failures"] == 1

    assert invoke(backend, db, FakeContext()) == [(1,)]  # resumed: works again
    db.close()


@pytest.mark.db
def test_connect_to_a_stalled_server_ends_before_the_deadline(backend: Backend) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password)
    ctx = FakeContext(remaining_ms=REMAINING_MS)
    with Paused(backend):
        t0 = time.monotonic()
        with pytest.raises(DatabaseUnreachable) as excinfo:
            invoke(backend, db, ctx)
        elapsed = time.monotonic() - t0
    assert elapsed < REMAINING_MS / 1000
    err = excinfo.value
    assert err.kind == "timeout" and err.phase == "connect" and err.timeout <= 2.4
    assert "security group" in str(err)  # never reached it before: the network path is the usual cause
    assert not db.connected
    assert invoke(backend, db, FakeContext()) == [(1,)]
    db.close()


@pytest.mark.db
def test_slow_statement_is_cancelled_by_the_server_and_the_connection_kept(pg_backend: Backend,
                                                                         clock: FakeClock) -> None:
    """PostgreSQL: the session's statement_timeout (80 % of the budget) ends a slow statement before the
    watchdog would have to cut the connection."""
    user, password = pg_backend.new_user()
    db = pg_backend.database(user, password, clock=clock)
    ctx = FakeContext(remaining_ms=REMAINING_MS)
    first = session_of(pg_backend, db, ctx)
    assert invoke(pg_backend, db, ctx, "SHOW statement_timeout") == [("1920ms",)]  # 0.8 x 2.4 s

    t0 = time.monotonic()
    with pytest.raises(DeadlineExceeded) as excinfo:
        invoke(pg_backend, db, ctx, "SELECT pg_sleep(10)")
    assert time.monotonic() - t0 < REMAINING_MS / 1000
    assert "cancelled the statement at the statement_timeout" in str(excinfo.value)
    assert session_of(pg_backend, db, ctx) == first  # the connection survived
    assert db.stats["deadline_cuts"] == 0 and db.stats["connects"] == 1
    db.close()


@pytest.mark.db
def test_warm_invocations_with_a_deadline_reuse_one_connection(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    ids = set()
    for i in range(30):
        ids.add(session_of(backend, db, FakeContext(remaining_ms=REMAINING_MS - i)))  # time left jitters
        clock.advance(1)
    assert len(ids) == 1 and backend.sessions(user) == list(ids)
    stats = db.stats
    assert stats["connects"] == 1 and stats["deadline_cuts"] == 0 and stats["pings"] == 0
    db.close()


@pytest.mark.db
def test_commit_that_fails_counts_as_a_lost_connection(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock, autocommit=False)
    with db.connection() as conn:
        backend.query(conn, backend.create_table_sql())
    with pytest.raises(Exception) as excinfo:
        with db.connection() as conn:
            backend.query(conn, "INSERT INTO t (v) VALUES (1)")
            backend.kill(user)  # the session dies before the commit at the end of the block
    assert type(excinfo.value).__module__.split(".")[0] in ("psycopg", "pymysql")
    assert db.stats["connections_lost"] == 1 and not db.connected
    assert backend.count_rows(user) == 0
    db.close()


# ------------------------------------------------------------------------------------------- failover


def _flip_read_only(backend: Backend, user: str, on: bool) -> None:
    """PostgreSQL: sessions already open turn read-only (postgresql.conf default_transaction_read_only,
    reloaded) while new sessions of `user` stay writable (a role setting wins over the file for new
    sessions only): an old connection to a demoted writer beside a new writer. MariaDB: SET GLOBAL
    read_only for everyone but the administrator."""
    server = backend.server
    if backend.engine == "postgresql":
        with server.connect() as admin:
            admin.execute("SET default_transaction_read_only = off")  # the administrator's own session
            if on:
                admin.execute(f'ALTER ROLE "{user}" SET default_transaction_read_only = off')
                admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
            else:
                admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
                admin.execute(f'ALTER ROLE "{user}" RESET default_transaction_read_only')
            admin.execute("SELECT pg_reload_conf()")
        want = "on" if on else "off"
        for _ in range(200):  # a new session sees the reloaded file once the postmaster has signalled all
            if server.execute("SHOW default_transaction_read_only")[0][0] == want:
                break
            time.sleep(0.01)
    else:
        server.execute(f"SET GLOBAL read_only = {1 if on else 0}")


@pytest.mark.db
def test_read_only_session_after_failover_is_replaced(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    ctx = FakeContext()
    with db.connection(ctx) as conn:
        backend.query(conn, backend.create_table_sql())
    before = session_of(backend, db, ctx)

    failed = []
    try:
        _flip_read_only(backend, user, True)
        try:
            invoke(backend, db, ctx, "INSERT INTO t (v) VALUES (1)")
        except Exception as exc:
            failed.append(exc)
    finally:
        _flip_read_only(backend, user, False)
    assert len(failed) == 1  # the one invocation whose statement hit the read-only session
    assert type(failed[0]).__module__.split(".")[0] in ("psycopg", "pymysql")  # raised unchanged
    assert "read-only" in str(failed[0]) or "read_only" in str(failed[0]) or "--read-only" in str(failed[0])

    for i in range(5):  # writable again: every later invocation works, on a new session
        invoke(backend, db, ctx, f"INSERT INTO t (v) VALUES ({i + 2})")
    assert backend.count_rows(user) == 5  # the failed insert did not run and was not retried
    assert session_of(backend, db, ctx) != before
    stats = db.stats
    assert stats["failovers"] == 1 and stats["reconnects"] == 1
    db.close()


@pytest.mark.db
def test_reader_host_gives_a_separate_read_only_session(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock, reader_host="localhost")  # the cert names both
    ctx = FakeContext()
    with db.connection(ctx) as conn:
        backend.query(conn, backend.create_table_sql())
        backend.query(conn, "INSERT INTO t (v) VALUES (1)")
    writer = session_of(backend, db, ctx)
    with db.connection(ctx, readonly=True) as conn:
        reader = backend.session_id(conn)
        assert backend.query(conn, "SELECT count(*) FROM t") == [(1,)]
    assert reader != writer and sorted(backend.sessions(user)) == sorted([reader, writer])

    with pytest.raises(Exception) as excinfo:
        with db.connection(ctx, readonly=True) as conn:
            backend.query(conn, "INSERT INTO t (v) VALUES (2)")
    assert "read-only" in str(excinfo.value) or "READ ONLY" in str(excinfo.value)
    with db.connection(ctx, readonly=True) as conn:  # a write attempt on the reader is not a failover
        assert backend.session_id(conn) == reader
    assert backend.count_rows(user) == 1
    db.close()
    assert not db.connected


# ------------------------------------------------------------------------------------------- exhaustion


class _Slots:
    """Exhaust the server for `user`: PostgreSQL, the role's CONNECTION LIMIT (SQLSTATE 53300, like
    max_connections) with one session held; MariaDB, max_connections lowered to the sessions open now."""

    def __init__(self, backend: Backend, user: str, password: str) -> None:
        self.backend, self.user, self.password = backend, user, password
        self.held: list = []

    def __enter__(self) -> _Slots:
        b = self.backend
        if b.engine == "postgresql":
            b.server.execute(f'ALTER ROLE "{self.user}" CONNECTION LIMIT 1')
            self.held.append(b.server.connect(user=self.user, password=self.password, dbname=self.user))
        else:
            import pymysql

            admin = b.server.admin()
            self.held.append(admin)
            with admin.cursor() as cur:
                while True:
                    cur.execute("SHOW STATUS LIKE 'Threads_connected'")
                    count = int(cur.fetchone()[1])
                    if count >= 10:  # MariaDB's smallest max_connections
                        break
                    self.held.append(pymysql.connect(host="127.0.0.1", port=b.port, user=self.user,
                                                     password=self.password, ssl_disabled=True))
                cur.execute(f"SET GLOBAL max_connections = {count}")
            self.limit = count
        return self

    def release_one(self) -> None:
        self.held.pop().close()

    def __exit__(self, *exc: object) -> None:
        b = self.backend
        if b.engine == "postgresql":
            b.server.execute(f'ALTER ROLE "{self.user}" CONNECTION LIMIT -1')
        else:
            b.server.execute("SET GLOBAL max_connections = 100")
        for conn in self.held:
            try:
                conn.close()
            except Exception:
                pass


@pytest.mark.db
def test_exhaustion_names_the_limit_the_concurrency_and_the_fixes(backend: Backend) -> None:
    user, password = backend.new_user()
    db = Database.from_env({"DB_MAX_CONNECTIONS": "10", "DB_RESERVED_CONCURRENCY": "50"},
                           host="127.0.0.1", port=backend.port, user=user, password=password, dbname=user,
                           engine=backend.engine, tls="verify-full", ca_bundle=backend.ca, connect_retries=2)
    ctx = FakeContext(remaining_ms=REMAINING_MS)
    with _Slots(backend, user, password):
        t0 = time.monotonic()
        with pytest.raises(TooManyConnections) as excinfo:
            invoke(backend, db, ctx)
        assert time.monotonic() - t0 < REMAINING_MS / 1000
    err = excinfo.value
    assert err.attempts == 3 and db.stats["connect_retries"] == 2  # jittered back-off, inside the deadline
    assert err.max_connections == 10 and err.concurrency == 50
    msg = str(err)
    if backend.engine == "postgresql":
        assert err.sqlstate == "53300" or "too many connections" in msg
    else:
        assert err.code == 1040 and "Too many connections" in msg
    assert "max_connections is 10" in msg and "reserved concurrency is 50" in msg
    assert "RDS Proxy" in msg and "reserved concurrency below max_connections" in msg
    assert password not in msg
    assert invoke(backend, db, ctx) == [(1,)]  # slots free again
    db.close()


@pytest.mark.db
def test_exhaustion_that_clears_during_the_back_off_is_absorbed(backend: Backend) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, connect_retries=6)
    with _Slots(backend, user, password) as slots:
        threading.Timer(0.1, slots.release_one).start()
        assert invoke(backend, db, FakeContext(remaining_ms=5000)) == [(1,)]
    assert db.stats["connect_retries"] >= 1 and db.stats["connects"] == 1
    db.close()
