"""Minimal hand-written loops: the same-run references of the harness checks.

Each is the smallest code that does what a benchmark claims to measure, with
nothing of the harness (no crew, no commands, no stamps per operation): a
benchmark's mean over its reference's mean, measured in the same run, is what
the harness adds (see :mod:`mpbench.harness`). Each ``time_*`` function
follows pyperf's ``bench_time_func`` protocol; children come from a bare
``os.fork`` started before the clock (or, for start+join, are the thing
timed). The channels group's references are in
:mod:`mpbench.workloads.channel_floors`.

Standard library only.
"""

from __future__ import annotations

import os
import time
from typing import Any, List, Optional, Sequence

from mpbench.workloads.guard import (check_exitcodes, check_wait_status, deadline, stop_pids,
                                     stop_processes)
from mpbench.workloads.process import noop
from mpbench.workloads.wakeup import WAKE_GAP

perf_counter = time.perf_counter
clock = time.monotonic_ns



def pin(cpus: Optional[Sequence[int]]) -> None:
    """Restrict this process to ``cpus`` (``None``: leave it as inherited)."""
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus))


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


def _reap(pids: List[int], timeout: float, what: str) -> None:
    try:
        with deadline(timeout, what):
            statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    except BaseException:
        stop_pids(pids)
        raise
    for status in statuses:
        check_wait_status(status, what)


# -- process -----------------------------------------------------------------------

def time_minimal_start_join(loops: int, ctx: Any, timeout: float) -> float:
    """``loops`` x ``ctx.Process(target=noop).start(); join()`` in a bare loop
    (building the object included; the exit codes are checked afterwards)."""
    what = f"bare {ctx.get_start_method()} start+join loop"
    Process = ctx.Process
    procs: List[Any] = []
    note = procs.append
    try:
        with deadline(timeout, what):
            t0 = perf_counter()
            for _ in range(loops):
                proc = Process(target=noop)
                note(proc)
                proc.start()
                proc.join()
            elapsed = perf_counter() - t0
    except BaseException:
        stop_processes(procs)
        raise
    check_exitcodes(procs, what)
    for proc in procs:
        proc.close()
    return elapsed


# -- sync --------------------------------------------------------------------------

def _lock_child(lock: Any, go: Any, ends: Any, index: int, count: int,
                cpus: Optional[Sequence[int]]) -> None:
    pin(cpus)
    acquire, release = lock.acquire, lock.release
    go.wait()
    start = clock()
    for _ in range(count):
        acquire()
        release()
    ends[2 * index] = start
    ends[2 * index + 1] = clock()


def time_minimal_lock(loops: int, ctx: Any, nprocs: int, timeout: float,
                      cpus: Optional[Sequence[Optional[Sequence[int]]]] = None) -> float:
    """N forked processes, each ``for _ in range(loops): lock.acquire(); lock.release()``
    on one ``ctx.Lock()``, released together by an Event; the window runs from
    the first one's stamp after the Event to the last one's stamp after its loop
    (``loops`` x N acquisitions). ``cpus[i]`` pins process ``i``."""
    lock, go = ctx.Lock(), ctx.Event()
    ends = ctx.RawArray("q", 2 * nprocs)
    pids: List[int] = []
    try:
        for index in range(nprocs):
            pids.append(_fork(_lock_child, lock, go, ends, index, loops,
                              cpus[index] if cpus else None))
        go.set()
    except BaseException:
        stop_pids(pids)
        raise
    _reap(pids, timeout, f"bare Lock loop of {nprocs} processes")
    return (max(ends[1::2]) - min(ends[0::2])) / 1e9


def _event_child(events: Any, woke: Any, ack: Any, cpus: Optional[Sequence[int]]) -> None:
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
                 waiter_cpus: Optional[Sequence[int]] = None) -> None:
        self.events = (ctx.Event(), ctx.Event())
        self.ack = ctx.Semaphore(0)
        self.woke = ctx.RawArray("q", 2)  # the waiter's stamp, the stop flag
        self.timeout = timeout
        self.waiter_cpus = waiter_cpus
        self.index = 0
        self.pid = 0

    def __enter__(self) -> "EventPing":
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
