"""Helpers shared by the rdslink.runtime tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from typing import Any

SECRET_ENGINE = {"postgresql": "postgres", "mysql": "mysql"}


class FakeClock:
    """A settable seconds clock: `advance()` stands in for a freeze/thaw or for time passing."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeContext:
    """The part of the Lambda context object the runtime uses."""

    function_name = "orders-api"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Backend:
    """One real server seen through one interface, so each behaviour is tested on both engines."""

    def __init__(self, engine: str, server: Any) -> None:
        self.engine = engine
        self.server = server
        self.port = server.port
        self.ca = str(server.tls.ca_cert)
        self.wrong_ca = str(server.tls.wrong_ca_cert)
        self.secret_engine = SECRET_ENGINE[engine]

    def new_user(self) -> tuple[str, str]:
        """A fresh login user owning a database of the same name, with a random password."""
        name = "u" + secrets.token_hex(5)
        password = "pw-" + secrets.token_urlsafe(12)
        self.server.create_user(name, password)
        return name, password

    def sessions(self, user: str) -> list[int]:
        """Server-side session ids of `user` (pg_stat_activity / information_schema.PROCESSLIST)."""
        if self.engine == "postgresql":
            return self.server.backends(user)
        return self.server.sessions(user)

    def kill(self, user: str) -> int:
        """pg_terminate_backend / KILL every session of `user`."""
        if self.engine == "postgresql":
            return self.server.terminate(user)
        return self.server.kill(user)

    def set_password(self, user: str, password: str) -> None:
        self.server.set_password(user, password)

    def count_rows(self, user: str, table: str = "t") -> int:
        """Row count of `table` in `user`'s database, read as the administrator."""
        if self.engine == "postgresql":
            with self.server.connect(dbname=user) as conn:
                return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return int(self.server.execute(f"SELECT COUNT(*) FROM `{user}`.{table}")[0][0])

    @staticmethod
    def query(conn: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run `sql` on a driver connection (psycopg or PyMySQL) and return its rows."""
        cur = conn.cursor()
        try:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def session_id(self, conn: Any) -> int:
        sql = "SELECT pg_backend_pid()" if self.engine == "postgresql" else "SELECT CONNECTION_ID()"
        return int(self.query(conn, sql)[0][0])

    def create_table_sql(self) -> str:
        if self.engine == "postgresql":
            return "CREATE TABLE t (id serial PRIMARY KEY, v int NOT NULL)"
        return "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB"

    def tls_in_use(self, conn: Any) -> bool:
        """Ask the server whether this session is encrypted."""
        if self.engine == "postgresql":
            return bool(self.query(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0][0])
        rows = self.query(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        return bool(rows and rows[0][1])

    def database(self, user: str, password: str | None, **kwargs: Any) -> Any:
        """A Database on this server with TLS verify-full against the generated CA (override with kwargs)."""
        from rdslink.runtime import Database

        params: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "user": user, "password": password,
                                  "dbname": user, "engine": self.engine, "tls": "verify-full", "ca_bundle": self.ca}
        params.update(kwargs)
        return Database(**params)


class SilentListener:
    """A loopback TCP server that accepts connections and never sends a byte (a black-holed database
    or Secrets Manager endpoint, without leaving the machine)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(conn)  # held open, never answered

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for c in self.accepted:
            c.close()
        self.sock.close()


def texts_of_exception(exc: BaseException) -> list[str]:
    """Every text an exception shows: str, repr, args, and the full formatted traceback chain."""
    import traceback

    return [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]


def assert_no_secret(texts: list[str], secret_values: list[str]) -> None:
    for value in secret_values:
        assert value, "empty secret in the check list"
        for text in texts:
            assert value not in text, f"secret value leaked into: {text[:300]}"


class BlackholeProxy:
    """A loopback TCP proxy in front of a server. `blackhole()` makes the connections open at that moment
    go silent (bytes are read and dropped, nothing is forwarded or answered), as when a NAT or
    connection-tracking entry expired while the Lambda environment was frozen; new connections still
    pass. Only 127.0.0.1 is involved."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self._flows: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._spawn(self._accept)

    def _spawn(self, target: Any, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            flow = {"client": client, "upstream": upstream, "silent": False}
            self._flows.append(flow)
            self._spawn(self._pump, flow, client, upstream)
            self._spawn(self._pump, flow, upstream, client)

    def _pump(self, flow: dict[str, Any], src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.1)
        while not self._stop.is_set():
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            if not flow["silent"]:
                try:
                    dst.sendall(data)
                except OSError:
                    break

    def blackhole(self) -> int:
        """Silence every connection open now; return how many."""
        for flow in self._flows:
            flow["silent"] = True
        return len(self._flows)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(1)
        for flow in self._flows:
            for key in ("client", "upstream"):
                try:
                    flow[key].close()
                except OSError:
                    pass
        self.sock.close()


def server_pids(backend: Backend) -> list[int]:
    """Process ids of `backend`'s server: PostgreSQL's postmaster first, then its children (backends and
    auxiliary processes); MariaDB's single mariadbd."""
    from pathlib import Path

    server = backend.server
    if backend.engine == "mysql":
        return [server.process.pid]
    postmaster = int((Path(server.datadir) / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return [postmaster] + [int(c) for c in children]


def _all_threads_stopped(pid: int) -> bool:
    import os

    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return True
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            continue
        if state not in ("T", "t", "Z", "X", "x"):  # stopped; or an ended backend the stopped postmaster
            return False                             # cannot reap (a zombie never stops)
    return True


class Paused:
    """``with Paused(backend):`` stops every process of the test's own server with SIGSTOP (the TCP stack
    keeps accepting and acknowledging, nothing answers: a database that stalled) and resumes them with
    SIGCONT on leaving, whatever happened inside."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.pids: list[int] = []

    def __enter__(self) -> Paused:
        import os
        import signal

        self.pids = server_pids(self.backend)
        for pid in self.pids:  # the postmaster first, so it forks no new process meanwhile
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:  # a backend that just ended
                pass
        # A thread in a system call stops only when it returns from it: wait until every thread is stopped.
        deadline = time.monotonic() + 5
        while not all(_all_threads_stopped(pid) for pid in self.pids):
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"server processes {self.pids} did not stop")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: Any) -> None:
        import os
        import signal

        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
