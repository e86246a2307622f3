"""The sync group's minimal hand-written loops: the same-run references of its harness checks.

Each is the smallest code that does what a benchmark claims to measure, with
nothing of the harness (no crew, no pickled commands, no stamps per
operation): a benchmark's mean over its reference's mean, measured in the
same run, is what the harness adds (see :mod:`mpbench.harness`). Each
``time_*`` function (or ``time_func`` method) follows pyperf's
``bench_time_func`` protocol; the other side runs in bare ``os.fork``
children kept for the whole benchmark (:mod:`mpbench.workloads.bare`). The other
groups' references are beside their workloads (process: :mod:`.start_join`, channels:
:mod:`.floors`).

Standard library only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from itertools import repeat
from typing import Any, Callable

from mpbench.groups.sync.workloads.wakeup import WAKE_GAP
from mpbench.workloads.bare import BareChildren, pin
from mpbench.workloads.guard import check_wait_status, deadline
from mpbench.workloads.reaping import stop_pids

perf_counter = time.perf_counter
clock = time.monotonic_ns



def _fork(body: Any, *args: Any) -> int:
    """``os.fork()`` a child running ``body(*args)``; it exits 0, or 1 if it raised."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            body(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


def _reap(pids: list[int], timeout: float, what: str) -> None:
    try:
        with deadline(timeout, what):
            statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    except BaseException:
        stop_pids(pids)
        raise
    for status in statuses:
        check_wait_status(status, what)


def _lock_loop(lock: Any, barrier: Any, timeout: float) -> Callable[[int], tuple[int, int]]:
    acquire, release = lock.acquire, lock.release

    def loop(count: int) -> tuple[int, int]:
        if barrier is not None:
            barrier.wait(timeout)
        start = clock()
        for _ in repeat(None, count):
            acquire()
            release()
        return start, clock()
    return loop


class LockLoop:
    """The contended-Lock reference: N bare forked processes (kept for the benchmark),
    each ``for _ in range(loops): lock.acquire(); lock.release()`` on one
    ``ctx.Lock()`` per command, released together (a ``ctx.Barrier``, as the
    benchmark's contenders are); the window runs from the first one's stamp to
    the last one's (``loops`` x N acquisitions). ``cpus[i]`` pins process
    ``i``. The loop is ``itertools.repeat``, as the benchmark's: ``range``
    makes an int per turn above 256, ~5 ns here, a sixth of an uncontended
    acquire+release. Use as a context manager."""

    def __init__(self, ctx: Any, nprocs: int, timeout: float,
                 cpus: Sequence[Sequence[int] | None] | None = None) -> None:
        self.lock = ctx.Lock()
        barrier = ctx.Barrier(nprocs) if nprocs > 1 else None
        self.children = BareChildren([_lock_loop(self.lock, barrier, timeout)] * nprocs,
                                     timeout, f"bare Lock loop of {nprocs} processes", cpus)

    def __enter__(self) -> LockLoop:
        self.children.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.children.__exit__(*exc)

    def time_func(self, loops: int) -> float:
        self.children.command(loops)
        stamps = self.children.collect()
        return (max(end for _, end in stamps) - min(start for start, _ in stamps)) / 1e9


def _event_child(events: Any, woke: Any, ack: Any, cpus: Sequence[int] | None) -> None:
    pin(cpus)
    index = 0
    while True:
        events[index & 1].wait()
        woke[0] = clock()
        if woke[1]:
            return
        index += 1
        ack.release()


class EventPing:
    """The Event reference: one forked waiter asleep in ``Event.wait()``, woken by
    this process, kept for the whole benchmark (use as a context manager).

    :meth:`time_func` runs ``loops`` pings: the waker sleeps :data:`WAKE_GAP`,
    clears the next round's event, stamps and calls ``set()``, then waits for
    the waiter's acknowledgement; the waiter stamps (one shared slot) as
    ``wait()`` returns, then acknowledges. Returns the summed latencies.

    - The waker blocks at once after ``set()``: on one CPU the woken waiter
      often runs only when the waker blocks, so whatever the waker did first
      would count as latency (a waker polling a shared stamp with short sleeps
      read 16 us against 10 here, in half the rounds).
    - The waiter lives as long as the benchmark, as the benchmark's own
      waiters do: a waiter forked just before read ~60 us across CPUs for its
      first 30-odd wake-ups here, then ~70 (the idle CPUs' polling adapts).
    - Two events alternate, the waker clearing the next one while nobody
      waits on it, so no round can lose its ``set()``.
    """

    def __init__(self, ctx: Any, timeout: float,
                 waiter_cpus: Sequence[int] | None = None) -> None:
        self.events = (ctx.Event(), ctx.Event())
        self.ack = ctx.Semaphore(0)
        self.woke = ctx.RawArray("q", 2)  # the waiter's stamp, the stop flag
        self.timeout = timeout
        self.waiter_cpus = waiter_cpus
        self.index = 0
        self.pid = 0

    def __enter__(self) -> EventPing:
        self.pid = _fork(_event_child, self.events, self.woke, self.ack, self.waiter_cpus)
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None:
            stop_pids([self.pid])
            return
        self.woke[1] = 1
        self.events[(self.index + 1) & 1].clear()
        self.events[self.index & 1].set()
        _reap([self.pid], self.timeout, "bare Event wake-up loop")

    def time_func(self, loops: int) -> float:
        events, woke, acknowledged, sleep = self.events, self.woke, self.ack.acquire, time.sleep
        index = self.index - 1
        total = 0
        try:
            with deadline(self.timeout + loops * WAKE_GAP * 2, "bare Event wake-up loop"):
                for index in range(self.index, self.index + loops):
                    sleep(WAKE_GAP)
                    events[(index + 1) & 1].clear()
                    stamp = clock()
                    events[index & 1].set()
                    acknowledged()
                    total += woke[0] - stamp
        except BaseException:
            stop_pids([self.pid])
            raise
        self.index = index + 1
        return total / 1e9
