"""Reuse, liveness and freeze/thaw behaviour against the real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import pytest
from runtime_helpers import Backend, FakeClock


def invoke(backend: Backend, db, sql: str = "SELECT 1", params=None):
    """One 'invocation': borrow the connection, run one statement, return (session id, rows)."""
    with db.connection() as conn:
        rows = backend.query(conn, sql, params)
        return backend.session_id(conn), rows


@pytest.mark.db
def test_many_invocations_open_exactly_one_server_connection(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    assert backend.sessions(user) == []
    assert not db.connected  # constructing does not connect

    ids = set()
    for _ in range(25):
        sid, rows = invoke(backend, db)
        assert rows == [(1,)]
        ids.add(sid)
        clock.advance(1.0)  # busy function: never idle longer than ping_after

    assert len(ids) == 1
    assert backend.sessions(user) == list(ids)  # the server sees exactly one connection, the same one
    stats = db.stats
    assert stats["connects"] == 1 and stats["reconnects"] == 0
    assert stats["pings"] == 0  # a busy function pays no ping
    db.close()


@pytest.mark.db
def test_idle_connection_is_pinged_once_and_kept_when_alive(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock, ping_after=30)
    first, _ = invoke(backend, db)
    clock.advance(29)
    invoke(backend, db)
    assert db.stats["pings"] == 0  # not idle long enough
    clock.advance(31)
    second, _ = invoke(backend, db)
    assert db.stats["pings"] == 1
    assert second == first and backend.sessions(user) == [first]
    db.close()


@pytest.mark.db
def test_backend_killed_while_frozen_is_replaced_transparently(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    with db.connection() as conn:
        backend.query(conn, backend.create_table_sql())
    first, _ = invoke(backend, db, "INSERT INTO t (v) VALUES (1)")

    assert backend.kill(user) == 1  # the DB dropped the connection while the environment was frozen
    clock.advance(600)  # thaw ten minutes later: idle > ping_after

    second, _ = invoke(backend, db, "INSERT INTO t (v) VALUES (2)")  # succeeds, no error reaches the handler
    assert second != first
    assert backend.sessions(user) == [second]
    assert backend.count_rows(user) == 2  # each insert ran exactly once
    stats = db.stats
    assert stats["ping_failures"] == 1 and stats["reconnects"] == 1 and stats["connects"] == 2
    db.close()


@pytest.mark.db
def test_failure_after_a_statement_was_sent_is_raised_and_never_retried(backend: Backend, clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock)
    with db.connection() as conn:
        backend.query(conn, backend.create_table_sql())
    invoke(backend, db, "INSERT INTO t (v) VALUES (1)")
    assert backend.count_rows(user) == 1

    backend.kill(user)  # dies mid-burst: the clock did not move, so no ping happens
    with pytest.raises(Exception) as excinfo:
        invoke(backend, db, "INSERT INTO t (v) VALUES (2)")
    assert type(excinfo.value).__module__.split(".")[0] in ("psycopg", "pymysql")  # the driver's error, unchanged
    assert backend.count_rows(user) == 1  # the insert was not executed, and not retried behind our back
    assert db.stats["reconnects"] == 0 and db.stats["connections_lost"] == 1

    # The next invocation gets a fresh connection (the broken one was dropped) and runs once.
    sid, _ = invoke(backend, db, "INSERT INTO t (v) VALUES (3)")
    assert backend.count_rows(user) == 2
    assert backend.sessions(user) == [sid]
    assert db.stats["reconnects"] == 1
    db.close()


@pytest.mark.db
def test_open_transaction_is_committed_on_success_and_rolled_back_on_error(backend: Backend,
                                                                           clock: FakeClock) -> None:
    user, password = backend.new_user()
    db = backend.database(user, password, clock=clock, autocommit=False)
    with db.connection() as conn:
        backend.query(conn, backend.create_table_sql())
    with db.connection() as conn:
        backend.query(conn, "INSERT INTO t (v) VALUES (1)")
    assert backend.count_rows(user) == 1  # committed on clean exit, visible to another session

    with pytest.raises(ZeroDivisionError):
        with db.connection() as conn:
            backend.query(conn, "INSERT INTO t (v) VALUES (2)")
            raise ZeroDivisionError
    assert backend.count_rows(user) == 1  # rolled back
    sid, _ = invoke(backend, db)
    assert backend.sessions(user) == [sid] and db.stats["connects"] == 1  # the connection was kept
    db.close()


@pytest.mark.db
def test_autocommit_default_leaves_no_transaction_open_between_invocations(pg_backend: Backend) -> None:
    user, password = pg_backend.new_user()
    db = pg_backend.database(user, password)
    invoke(pg_backend, db)
    state = pg_backend.server.execute("SELECT state FROM pg_stat_activity WHERE usename = %s", (user,))
    assert state == [("idle",)]  # not "idle in transaction" while frozen
    db.close()


@pytest.mark.db
def test_real_clock_idle_detection(pg_backend: Backend) -> None:
    """Without an injected clock, idle time is measured on the monotonic and wall clocks."""
    import time

    user, password = pg_backend.new_user()
    db = pg_backend.database(user, password, ping_after=0.2)
    first, _ = invoke(pg_backend, db)
    invoke(pg_backend, db)
    assert db.stats["pings"] == 0
    pg_backend.kill(user)
    time.sleep(0.3)
    second, _ = invoke(pg_backend, db)
    assert second != first and db.stats["ping_failures"] == 1
    db.close()


@pytest.mark.db
def test_silently_dropped_connection_is_found_by_a_bounded_ping(backend: Backend, clock: FakeClock) -> None:
    """The peer still ACKs but never answers (a flow that went dark while frozen): only a ping with its
    own deadline finds out, within the connect timeout, and the invocation then gets a new connection."""
    import time

    from runtime_helpers import BlackholeProxy, FakeContext

    user, password = backend.new_user()
    proxy = BlackholeProxy(backend.port)
    try:
        db = backend.database(user, password, clock=clock, port=proxy.port, connect_timeout=1.0)
        first, _ = invoke(backend, db)
        assert proxy.blackhole() == 1
        clock.advance(120)
        t0 = time.monotonic()
        with db.connection(FakeContext(remaining_ms=3000)) as conn:  # ping (bounded), then a fresh connect
            rows = backend.query(conn, "SELECT 1")
            second = backend.session_id(conn)
        assert time.monotonic() - t0 < 3.0  # ended before the invocation's deadline
        assert rows == [(1,)] and second != first
        assert db.stats["ping_failures"] == 1 and db.stats["reconnects"] == 1
        db.close()
    finally:
        proxy.close()
