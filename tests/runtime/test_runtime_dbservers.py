"""The test-server helper itself: CI never silently skips, and the generated TLS chain is sound."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import dbservers


def test_missing_servers_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        dbservers.skip_or_fail("no postgres here")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        dbservers.skip_or_fail("no postgres here")


def test_generated_certificates_chain_to_the_ca_only(tmp_path: Path) -> None:
    try:
        tls = dbservers.make_tls_files(tmp_path)
    except dbservers.ServerUnavailable as exc:
        dbservers.skip_or_fail(str(exc))
    ok = subprocess.run(["openssl", "verify", "-CAfile", str(tls.ca_cert), str(tls.server_cert)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(["openssl", "verify", "-CAfile", str(tls.wrong_ca_cert), str(tls.server_cert)],
                         capture_output=True, text=True)
    # openssl verify exits 2 when a certificate does not verify (any other code is a different failure)
    assert bad.returncode == 2 and "verification failed" in bad.stdout + bad.stderr, (bad.returncode, bad.stderr)
    text = subprocess.run(["openssl", "x509", "-in", str(tls.server_cert), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text


def test_free_port_is_on_loopback_and_unused() -> None:
    import socket

    port = dbservers.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # still free


@pytest.mark.db
def test_servers_left_by_a_killed_test_process_are_reaped(pg_server) -> None:  # noqa: ARG001 (binaries present)
    import sys

    tests_dir = str(Path(dbservers.__file__).parent)
    child = subprocess.Popen(
        [sys.executable, "-c", f"import sys, time; sys.path.insert(0, {tests_dir!r}); import dbservers; "
                               "s = dbservers.start_postgres(tls=False); print(s.base_dir, flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    base = Path(child.stdout.readline().strip())
    child.kill()  # SIGKILL: no fixture teardown, no atexit
    child.wait()
    assert (base / "data" / "postmaster.pid").exists()  # the orphan still runs
    assert dbservers.reap_orphans() >= 1
    assert not base.exists()
