"""Throwaway PostgreSQL and MariaDB servers on loopback, for tests and benchmarks.

Each server lives in its own temporary directory, listens on 127.0.0.1 on a free port and is stopped
(and its directory removed) by ``stop()``. Both start with durability off (``fsync=off`` and friends),
which is what makes start-up take ~2-3 s. PostgreSQL's ``initdb``/``pg_ctl`` refuse to run as root, so
as root they run as the ``postgres`` user through ``runuser``; MariaDB runs with ``--user=mysql``.

TLS: :func:`make_tls_files` generates, with the ``openssl`` command, a CA, a server certificate for
``127.0.0.1``/``localhost`` signed by it, and a second unrelated CA (the "wrong CA" for negative tests).
Both servers are started with that server certificate, so clients can verify them with ``verify-full``.

Binaries: PostgreSQL is found under ``/usr/lib/postgresql/*/bin/`` (highest version first), MariaDB as
``mariadbd``/``mariadb-install-db`` on PATH or in /usr/sbin. ``scripts/install-test-deps.sh`` installs
both on Debian. When they are missing the functions raise :class:`ServerUnavailable`; the pytest fixtures
turn that into a skip locally and a failure when ``CI=true`` (see :func:`skip_or_fail`).

This module sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"


class ServerUnavailable(RuntimeError):
    """A database server cannot be started here (binaries missing, start-up failed)."""


def skip_or_fail(message: str) -> None:
    """Skip the current test (local run) or fail it (``CI=true``): CI must never silently skip."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: a missing database server is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------------------------------------
# helpers


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_user(user: str, argv: list[str]) -> list[str]:
    """Prefix argv so it runs as `user` when we are root (initdb and pg_ctl refuse root)."""
    if _is_root():
        return ["runuser", "-u", user, "--", *argv]
    return argv


def _chown_tree(path: Path, user: str) -> None:
    if not _is_root():
        return
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise ServerUnavailable(
            f"command failed ({proc.returncode}): {' '.join(argv)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mark_owner(base: Path) -> None:
    (base / "owner.pid").write_text(str(os.getpid()))


def reap_orphans() -> int:
    """Stop and remove servers left by test processes that died without cleaning up (killed by a
    timeout, SIGKILL). Only directories made by this module whose recorded owner process is gone are
    touched. Returns how many were reaped."""
    reaped = 0
    tmp = Path(tempfile.gettempdir())
    for base in list(tmp.glob("rdslink-pg-*")) + list(tmp.glob("rdslink-mariadb-*")):
        try:
            owner = int((base / "owner.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner):
            continue
        if base.name.startswith("rdslink-pg-") and (base / "data").exists():
            try:
                bindir = find_pg_bindir()
                subprocess.run(_as_user("postgres", [str(bindir / "pg_ctl"), "stop", "-D", str(base / "data"),
                                                     "-m", "immediate", "-w", "-t", "20"]), capture_output=True)
            except ServerUnavailable:
                pass
        pidfile = base / "mysqld.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
                time.sleep(0.5)
            except (OSError, ValueError):
                pass
        shutil.rmtree(base, ignore_errors=True)
        reaped += 1
    return reaped


# --------------------------------------------------------------------------------------------------------
# TLS material


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the generated TLS material (PEM files)."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    wrong_ca_cert: Path


def make_tls_files(directory: Path) -> TlsFiles:
    """Generate a CA, a server cert (SAN IP:127.0.0.1, DNS:localhost) signed by it, and an unrelated CA.

    Uses the ``openssl`` command (RSA 2048, valid 2 days). Raises ServerUnavailable if openssl is missing.
    """
    if shutil.which("openssl") is None:
        raise ServerUnavailable("openssl is not installed (run scripts/install-test-deps.sh)")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)

    def ca(name: str) -> tuple[Path, Path]:
        key, cert = d / f"{name}.key", d / f"{name}.pem"
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
              "-subj", f"/CN=rdslink test {name}", "-keyout", str(key), "-out", str(cert),
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return key, cert

    ca_key, ca_cert = ca("ca")
    _, wrong_ca_cert = ca("wrong-ca")
    server_key, csr, server_cert = d / "server.key", d / "server.csr", d / "server.pem"
    ext = d / "server.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", "/CN=127.0.0.1",
          "-keyout", str(server_key), "-out", str(csr)])
    _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
          "-CAcreateserial", "-days", "2", "-sha256", "-extfile", str(ext), "-out", str(server_cert)])
    return TlsFiles(ca_cert=ca_cert, server_cert=server_cert, server_key=server_key, wrong_ca_cert=wrong_ca_cert)


# --------------------------------------------------------------------------------------------------------
# PostgreSQL


def find_pg_bindir() -> Path:
    """Return the newest ``/usr/lib/postgresql/<ver>/bin`` holding initdb and pg_ctl (or ServerUnavailable)."""
    candidates = []
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        p = Path(bindir)
        if (p / "initdb").exists() and (p / "pg_ctl").exists():
            try:
                candidates.append((float(p.parent.name), p))
            except ValueError:
                candidates.append((0.0, p))
    if not candidates:
        raise ServerUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
            "(run scripts/install-test-deps.sh, which apt-installs postgresql)"
        )
    return sorted(candidates)[-1][1]


@dataclass
class PostgresServer:
    """A running throwaway PostgreSQL on 127.0.0.1:`port`.

    `superuser`/`superpassword` authenticate over TCP (scram-sha-256); `tls` holds the CA the server
    certificate chains to (None when started without TLS). Plain and TLS connections are both accepted.
    """

    port: int
    base_dir: Path
    datadir: Path
    bindir: Path
    superuser: str
    superpassword: str = field(repr=False)
    tls: TlsFiles | None
    host: str = LOOPBACK
    dbname: str = "postgres"

    def connect(self, *, user: str | None = None, password: str | None = None, dbname: str | None = None,
                autocommit: bool = True, **kwargs: Any) -> Any:
        """Open a psycopg connection (plain, no TLS) for admin work in tests."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=user or self.superuser,
                               password=self.superpassword if password is None else password,
                               dbname=dbname or self.dbname, autocommit=autocommit, sslmode="disable",
                               connect_timeout=5, **kwargs)

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement as the superuser (autocommit) and return its rows ([] when none)."""
        with self.connect() as conn:
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def create_user(self, name: str, password: str) -> None:
        """Create a LOGIN role with `password` owning a database of the same name (dropped first)."""
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                           sql.Literal(password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))

    def set_password(self, name: str, password: str) -> None:
        """ALTER ROLE `name` PASSWORD `password` (existing sessions stay open, as on RDS)."""
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))

    def backends(self, user: str) -> list[int]:
        """PIDs of client backends of `user` (pg_stat_activity), excluding the querying session."""
        rows = self.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = %s AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid() ORDER BY pid", (user,))
        return [r[0] for r in rows]

    def terminate(self, user: str) -> int:
        """pg_terminate_backend every session of `user`; return how many were terminated."""
        rows = self.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
            "AND pid <> pg_backend_pid()", (user,))
        # Wait until they are really gone so the next count is exact.
        deadline = time.monotonic() + 5
        while self.backends(user) and time.monotonic() < deadline:
            time.sleep(0.01)
        return sum(1 for r in rows if r[0])

    def stop(self) -> None:
        """Stop the server (immediate) and remove its directory. Idempotent."""
        if self.datadir.exists():
            subprocess.run(_as_user("postgres", [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
                                                 "-m", "immediate", "-w", "-t", "20"]),
                           capture_output=True, text=True)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start_postgres(*, tls: bool = True, port: int | None = None) -> PostgresServer:
    """Initialise and start a PostgreSQL cluster in a temp dir on 127.0.0.1 (port: free one by default).

    Returns a PostgresServer; raises ServerUnavailable when binaries are missing or start-up fails.
    """
    bindir = find_pg_bindir()
    if _is_root():
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServerUnavailable("running as root but there is no 'postgres' user to run initdb as") from exc
    reap_orphans()
    base = Path(tempfile.mkdtemp(prefix="rdslink-pg-"))
    os.chmod(base, 0o755)
    _mark_owner(base)
    try:
        datadir, sockdir = base / "data", base / "sock"
        sockdir.mkdir()
        superpassword = secrets.token_urlsafe(16)
        pwfile = base / "pwfile"
        pwfile.write_text(superpassword + "\n")
        tls_files = make_tls_files(base / "tls") if tls else None
        if tls_files:
            # The server key must belong to the server's user and be 0600.
            for name in ("server.key", "server.pem"):
                shutil.copy(base / "tls" / name, sockdir / name)
            os.chmod(sockdir / "server.key", 0o600)
        _chown_tree(base, "postgres")
        _run(_as_user("postgres", [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
                                   "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                                   "--no-instructions", "--no-sync"]))
        pwfile.unlink()
        port = port or free_port()
        conf = [
            f"listen_addresses = '{LOOPBACK}'",
            f"port = {port}",
            f"unix_socket_directories = '{sockdir}'",
            "fsync = off", "synchronous_commit = off", "full_page_writes = off",
            "max_connections = 100", "shared_buffers = 32MB",
            "logging_collector = off", "log_min_messages = warning",
        ]
        if tls_files:
            conf += ["ssl = on", f"ssl_cert_file = '{sockdir / 'server.pem'}'",
                     f"ssl_key_file = '{sockdir / 'server.key'}'"]
        with open(datadir / "postgresql.conf", "a") as f:
            f.write("\n# rdslink test server\n" + "\n".join(conf) + "\n")
        (datadir / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            f"host all all {LOOPBACK}/32 scram-sha-256\n"
        )
        _chown_tree(datadir, "postgres")
        log = base / "server.log"
        log.touch()
        _chown_tree(base, "postgres")
        proc = subprocess.run(_as_user("postgres", [str(bindir / "pg_ctl"), "start", "-D", str(datadir), "-l",
                                                    str(log), "-w", "-t", "30"]),
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise ServerUnavailable(f"pg_ctl start failed: {proc.stderr[-2000:]}\n{_tail(log)}")
        pg = PostgresServer(port=port, base_dir=base, datadir=datadir, bindir=bindir, superuser="postgres",
                            superpassword=superpassword, tls=tls_files)
        atexit.register(pg.stop)  # also stopped if the caller forgets or is interrupted
        return pg
    except BaseException:
        subprocess.run(_as_user("postgres", [str(bindir / "pg_ctl"), "stop", "-D", str(base / "data"),
                                             "-m", "immediate"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
        raise


# --------------------------------------------------------------------------------------------------------
# MariaDB


def find_mariadb() -> tuple[str, str]:
    """Return (mariadbd, mariadb-install-db) paths, or raise ServerUnavailable."""
    extra = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/usr/local/sbin"])
    server = shutil.which("mariadbd", path=extra)
    installer = shutil.which("mariadb-install-db", path=extra)
    if not server or not installer:
        raise ServerUnavailable(
            "MariaDB server binaries (mariadbd, mariadb-install-db) not found "
            "(run scripts/install-test-deps.sh, which apt-installs mariadb-server)"
        )
    return server, installer


@dataclass
class MariaDBServer:
    """A running throwaway MariaDB on 127.0.0.1:`port`; root has no password over the unix socket only.

    `tls` holds the CA the server certificate chains to (None when started without TLS).
    """

    port: int
    base_dir: Path
    socket_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    tls: TlsFiles | None
    host: str = LOOPBACK

    def admin(self) -> Any:
        """A PyMySQL connection as root over the unix socket (autocommit)."""
        import pymysql

        return pymysql.connect(unix_socket=str(self.socket_path), user="root", password="", autocommit=True,
                               connect_timeout=5)

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement as root and return its rows."""
        conn = self.admin()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall() or [])
        finally:
            conn.close()

    def create_user(self, name: str, password: str) -> None:
        """Create user `name`@'%' with `password` and all privileges on a database of the same name."""
        self.execute(f"DROP USER IF EXISTS `{name}`@'%'")
        self.execute(f"DROP DATABASE IF EXISTS `{name}`")
        self.execute(f"CREATE DATABASE `{name}`")
        self.execute(f"CREATE USER `{name}`@'%%' IDENTIFIED BY %s", (password,))
        self.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO `{name}`@'%'")

    def set_password(self, name: str, password: str) -> None:
        """ALTER USER `name`@'%' IDENTIFIED BY `password`."""
        self.execute(f"ALTER USER `{name}`@'%%' IDENTIFIED BY %s", (password,))

    def sessions(self, user: str) -> list[int]:
        """Thread ids of `user`'s sessions (information_schema.PROCESSLIST)."""
        rows = self.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = %s ORDER BY ID", (user,))
        return [int(r[0]) for r in rows]

    def kill(self, user: str) -> int:
        """KILL every session of `user`; return how many."""
        ids = self.sessions(user)
        for i in ids:
            try:
                self.execute(f"KILL {int(i)}")
            except Exception:  # already gone
                pass
        deadline = time.monotonic() + 5
        while self.sessions(user) and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(ids)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s) and remove its directory. Idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def start_mariadb(*, tls: bool = True, port: int | None = None) -> MariaDBServer:
    """Initialise and start MariaDB in a temp dir on 127.0.0.1 (port: a free one by default).

    Raises ServerUnavailable when binaries are missing or the server does not come up within 30 s.
    """
    server_bin, installer = find_mariadb()
    user = "mysql"
    if _is_root():
        try:
            pwd.getpwnam(user)
        except KeyError as exc:
            raise ServerUnavailable("running as root but there is no 'mysql' user to run mariadbd as") from exc
    reap_orphans()
    base = Path(tempfile.mkdtemp(prefix="rdslink-mariadb-"))
    os.chmod(base, 0o755)
    _mark_owner(base)
    proc: subprocess.Popen[bytes] | None = None
    try:
        datadir = base / "data"
        sock = base / "mysqld.sock"
        tls_files = make_tls_files(base / "tls") if tls else None
        run_as = ["--user=" + user] if _is_root() else []
        _chown_tree(base, user)
        _run([installer, "--no-defaults", *run_as, f"--datadir={datadir}", "--auth-root-authentication-method=normal",
              "--skip-test-db", "--skip-name-resolve"])
        _chown_tree(base, user)
        port = port or free_port()
        argv = [server_bin, "--no-defaults", *run_as, f"--datadir={datadir}", f"--port={port}",
                f"--bind-address={LOOPBACK}", f"--socket={sock}", f"--pid-file={base / 'mysqld.pid'}",
                f"--log-error={base / 'error.log'}", "--skip-name-resolve", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--max-connections=100"]
        if tls_files:
            argv += [f"--ssl-ca={tls_files.ca_cert}", f"--ssl-cert={tls_files.server_cert}",
                     f"--ssl-key={tls_files.server_key}"]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = MariaDBServer(port=port, base_dir=base, socket_path=sock, process=proc, tls=tls_files)
        deadline = time.monotonic() + 30
        last: Exception | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerUnavailable(f"mariadbd exited with {proc.returncode}:\n{_tail(base / 'error.log')}")
            try:
                server.execute("SELECT 1")
                atexit.register(server.stop)  # also stopped if the caller forgets or is interrupted
                return server
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.1)
        raise ServerUnavailable(f"mariadbd did not accept connections within 30 s ({last}):\n"
                                f"{_tail(base / 'error.log')}")
    except BaseException:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(base, ignore_errors=True)
        raise


if __name__ == "__main__":  # manual smoke test: start both, print, stop
    t0 = time.monotonic()
    pg = start_postgres()
    print("postgres", pg.port, pg.execute("SELECT version()")[0][0], f"{time.monotonic() - t0:.1f}s")
    t0 = time.monotonic()
    my = start_mariadb()
    print("mariadb", my.port, my.execute("SELECT VERSION()")[0][0], f"{time.monotonic() - t0:.1f}s")
    pg.stop()
    my.stop()
