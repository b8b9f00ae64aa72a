"""Deadlines (internal): run a blocking call with an exact deadline, and a watchdog that cuts a
connection whose invocation ran out of time."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any


class CallTimedOut(Exception):
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
            raise CallTimedOut()
    ok, value = box[0]
    if ok:
        return value
    raise value


class Watchdog:
    """One daemon thread per owner that calls ``owner._on_deadline(armed)`` when the armed deadline passes.

    The owner arms by assigning ``owner._armed = (deadline, ...)`` (a monotonic time first) and disarms with
    ``owner._armed = None``: plain attribute writes, no lock, no wake-up, so the hot path pays ~100 ns. The
    thread sleeps until the armed deadline; when it wakes it re-reads ``_armed``, so a later deadline
    armed meanwhile only makes it sleep again. It is woken (``poke``) only when a deadline earlier than its
    planned wake-up is armed (after an idle period, or a shorter remaining time). The thread holds only a
    weak reference to its owner and ends when the owner is collected.
    """

    IDLE_WAIT = 60.0

    def __init__(self, owner: Any) -> None:
        self.wake_at = 0.0  #: monotonic time the thread will next look at the armed deadline
        self._event = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(weakref.ref(owner), self._event),
                                        name="rdslink-deadline", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Make the thread re-read the armed deadline now."""
        self._event.set()

    def _run(self, ref: Any, event: threading.Event) -> None:
        monotonic = time.monotonic
        fired: Any = None
        while True:
            owner = ref()
            if owner is None:
                return
            now = monotonic()
            armed = owner._armed
            if armed is not None and armed is not fired and now >= armed[0]:
                fired = armed
                try:
                    owner._on_deadline(armed)
                except Exception:  # never let the watchdog die
                    pass
            if armed is not None and armed is not fired:
                wake = armed[0]
            else:
                wake = now + self.IDLE_WAIT
            # Publish the wake-up time, then look again: an owner arming now either sees this wake-up
            # time (and pokes when its deadline is earlier) or is seen here.
            self.wake_at = wake
            again = owner._armed
            del owner
            if again is not armed and again is not None and again[0] < wake:
                continue
            event.wait(max(0.0, wake - now))
            event.clear()
