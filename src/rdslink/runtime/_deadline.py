"""Run a blocking call with an exact deadline (internal)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class DeadlineExceeded(Exception):
    """The call did not finish within its timeout (it was abandoned)."""


def call_with_deadline(fn: Callable[[], Any], timeout: float, discard: Callable[[Any], None]) -> Any:
    """Run fn() in a helper thread and wait at most `timeout` seconds for it.

    Drivers round or split their timeouts (psycopg: whole seconds, at least 2; PyMySQL and botocore: per
    socket operation, plus retries), so the exact deadline is enforced here. A call that overruns is
    abandoned: its thread ends by the library's own timeouts, and `discard` receives a result that
    arrives too late (e.g. to close a connection).
    """
    box: list[tuple[bool, Any]] = []
    lock = threading.Lock()
    done = threading.Event()
    abandoned = [False]

    def run() -> None:
        try:
            result: tuple[bool, Any] = (True, fn())
        except BaseException as exc:  # handed to the waiting thread
            result = (False, exc)
        with lock:
            if abandoned[0]:
                if result[0]:
                    discard(result[1])
                return
            box.append(result)
        done.set()

    thread = threading.Thread(target=run, name="rdslink-connect", daemon=True)
    thread.start()
    done.wait(timeout)
    with lock:
        if not box:
            abandoned[0] = True
            raise DeadlineExceeded()
    ok, value = box[0]
    if ok:
        return value
    raise value
