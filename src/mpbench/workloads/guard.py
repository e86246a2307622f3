"""Bounded waits on children, without adding anything to the timed region.

A ``join(timeout)`` polls the sentinel before reaping and so adds a ``poll()``
to every measured call. An interval timer costs nothing while it does not
fire: :func:`deadline` arms one around an iteration and turns its expiry into
:class:`ChildTimeout`, which interrupts whatever blocking call is waiting.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mpbench.errors import BenchmarkFailed


class ChildTimeout(BenchmarkFailed):
    """A child did not reach its end within the benchmark's timeout."""


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`ChildTimeout` if the block runs for longer than ``seconds``.

    Uses SIGALRM, so it only arms in the main thread; an earlier timer that
    would fire first (pytest-timeout's, say) is left alone and restored after.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    if previous_delay and previous_delay <= seconds:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise ChildTimeout(f"{what}: no result within {seconds:g} s "
                           "(a child hung or never started)")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)


def describe_exit(code: int | None) -> str:
    """``exit code 3`` or ``killed by SIGKILL`` or ``still running``."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def check_exitcodes(procs: Sequence, what: str) -> None:
    """Raise :class:`BenchmarkFailed` unless every child exited with status 0.

    A failed child still returns from ``join()``: without this check a crash
    would be timed as if it were a normal run.
    """
    for proc in procs:
        if proc.exitcode != 0:
            raise BenchmarkFailed(f"{what}: child {proc.name} ended with "
                                  f"{describe_exit(proc.exitcode)}, expected exit code 0")


def check_wait_status(status: int, what: str) -> None:
    """Same check for a raw ``os.waitpid`` status."""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise BenchmarkFailed(f"{what}: child ended with {describe_exit(code)}, "
                              "expected exit code 0")
