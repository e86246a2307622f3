"""Synchronisation under contention: the loops that are timed, and the floors.

Every sync benchmark runs two passes of the same configuration:

- the **clean pass**, whose window is the pyperf value: each contender runs
  a fixed number of turns of acquire -> (busy work) -> release -> (think),
  nothing else, and stamps the clock twice (before its first turn, after its
  last): :func:`contend_clean`;
- the **instrumented pass**, untimed by pyperf, for the distributions and the
  checks: :func:`contend` (one slot: a shared counter updated non-atomically
  inside the critical section, until all contenders together made ``total``
  acquisitions) and :func:`hold_slots` (k slots: a fixed number of turns
  each) stamp every turn and every busy-work spin, and return their
  :class:`Stamps`, merged by :func:`mpbench.groups.sync.workloads.analysis.analyse`.

The contender processes and the parent side are in
:mod:`mpbench.groups.sync.workloads.contention`; wake-ups (Event, Condition) in
:mod:`mpbench.groups.sync.workloads.wakeup`. Primitives and shared values are parameters,
so the tracing scenarios run this same code with wrapped primitives.

Every stamp is ``time.monotonic_ns()`` (CLOCK_MONOTONIC: system-wide, so
stamps taken in different processes compare). Standard library only.
"""

from __future__ import annotations

import ctypes
import threading
import time
from array import array
from itertools import repeat
from typing import Any, Callable

from mpbench.groups.sync.workloads.analysis import (  # noqa: F401
    SAMPLES_PER_CALL,
    CallStats,
    Stamps,
    analyse,
    check_exclusion,
    handoff_pairs,
    ns_to_seconds,
    seconds_summary,
)
from mpbench.workloads.busywork import clock_gap_ns, spin
from mpbench.workloads.crew import STOP
from mpbench.workloads.guard import deadline

clock = time.monotonic_ns
perf_counter = time.perf_counter

# Slots of the shared int64 state (one small array per benchmark).
COUNTER = 0    # updated non-atomically inside the critical section (instrumented pass)
HOLDER = 1     # member + 1 while that member holds the lock, 0 when free (instrumented pass)
SET_STAMP = 2  # wake-ups (.wakeup): when the waker called set() / notify()
GENERATION = 3  # wake-ups (Condition): bumped by every notify round
STOP_FLAG = 4  # wake-ups: waiters return when they see it
STATE_SLOTS = 8

MUTEX_PRIMITIVES = ("lock", "rlock", "semaphore", "bounded_semaphore")
THREAD_PRIMITIVE = "threading_lock"
WAKEUP_PRIMITIVES = ("event", "condition")


# -- shared state and primitives ----------------------------------------------

def new_state(ctx: Any = None) -> Any:
    """Zeroed shared int64 slots: a ``RawArray`` in shared memory for processes
    (``ctx`` a multiprocessing context), a ``bytearray`` for threads (``None``)."""
    if ctx is None:
        return bytearray(8 * STATE_SLOTS)
    return ctx.RawArray(ctypes.c_int64, STATE_SLOTS)


def state_view(raw: Any) -> memoryview:
    """An int64 view of :func:`new_state`'s buffer (indexing it costs ~25 ns, ctypes ~40)."""
    return memoryview(raw).cast("B").cast("q")


def make_primitive(ctx: Any, primitive: str, slots: int = 1) -> Any:
    """The primitive under test; ``slots`` is k of Semaphore(k)."""
    if primitive == "lock":
        return ctx.Lock()
    if primitive == "rlock":
        return ctx.RLock()
    if primitive == "semaphore":
        return ctx.Semaphore(slots)
    if primitive == "bounded_semaphore":
        return ctx.BoundedSemaphore(slots)
    if primitive == THREAD_PRIMITIVE:
        return threading.Lock()
    raise ValueError(f"unknown primitive {primitive!r}")


# -- the clean pass: what pyperf times -----------------------------------------

def contend_clean(lock: Any, count: int, critical_iters: int = 0, think_iters: int = 0,
                  clock: Callable[[], int] = clock) -> tuple[int, int]:
    """``count`` turns of acquire -> spin ``critical_iters`` -> release -> spin
    ``think_iters``; returns the stamps before the first turn and after the last.

    Nothing else per turn: no clock read, no shared write, no append (each
    work point has its own loop, so no turn even tests whether to spin).
    """
    acquire, release = lock.acquire, lock.release
    if critical_iters and think_iters:
        start = clock()
        for _ in repeat(None, count):
            acquire()
            spin(critical_iters)
            release()
            spin(think_iters)
        return start, clock()
    if critical_iters:
        start = clock()
        for _ in repeat(None, count):
            acquire()
            spin(critical_iters)
            release()
        return start, clock()
    if think_iters:
        start = clock()
        for _ in repeat(None, count):
            acquire()
            release()
            spin(think_iters)
        return start, clock()
    start = clock()
    for _ in repeat(None, count):
        acquire()
        release()
    return start, clock()


# -- the instrumented pass: distributions and checks ---------------------------
Records = tuple[list[int], list[int], list[int], list[int], list[int]]


def _new_records() -> Records:
    """Empty ``(wait_from, acquired, released, critical_ns, think_ns)`` lists."""
    return [], [], [], [], []


def _stamps(member: int, start: int, end: int, records: Records, gap: int,
            critical_iters: int, think_iters: int) -> Stamps:
    wait_from, acquired, released, critical_ns, think_ns = records
    return Stamps(member, start, end, array("q", wait_from), array("q", acquired),
                  array("q", released), array("q", critical_ns), array("q", think_ns), gap,
                  critical_iters, think_iters)


# contend and hold_slots share the shape of their turn but not its body, and stay two
# loops on purpose: a shared helper or a flag tested per turn would add calls and
# branches to every stamped turn (what the instrumented pass measures)

def contend(lock: Any, state: Any, member: int, total: int,
            critical_iters: int = 0, think_iters: int = 0,
            clock: Callable[[], int] = clock) -> Stamps:
    """Acquire ``lock`` in a loop until all contenders together made ``total`` acquisitions.

    Each turn: stamp, ``acquire()``, stamp; inside the critical section read
    ``state[COUNTER]``, stop if it reached ``total``, else spin
    ``critical_iters`` (stamped around) and write it back plus one (a
    non-atomic update: a lock that let two holders in loses updates); stamp,
    ``release()``; spin ``think_iters`` (stamped around). ``state[HOLDER]`` is
    ``member + 1`` while holding.

    The stamps and the shared writes make each turn about 0.3 us longer than
    the clean pass's (three clock reads, four shared-slot accesses, three list
    appends; two more clock reads per spin): never the figure pyperf reports.
    """
    acquire, release = lock.acquire, lock.release
    records = _new_records()
    wait_from, acquired, released, critical_ns, think_ns = records
    note_wait, note_acquired, note_released = wait_from.append, acquired.append, released.append
    note_critical, note_think = critical_ns.append, think_ns.append
    tag = member + 1
    gap = clock_gap_ns(clock)
    start = clock()
    while True:
        t0 = clock()
        acquire()
        t1 = clock()
        state[HOLDER] = tag
        value = state[COUNTER]
        if value >= total:
            state[HOLDER] = 0
            release()
            break
        if critical_iters:
            c0 = clock()
            spin(critical_iters)
            note_critical(clock() - c0)
        state[COUNTER] = value + 1
        note_wait(t0)
        note_acquired(t1)
        state[HOLDER] = 0
        note_released(clock())
        release()
        if think_iters:
            k0 = clock()
            spin(think_iters)
            note_think(clock() - k0)
    end = clock()
    return _stamps(member, start, end, records, gap, critical_iters, think_iters)


def hold_slots(semaphore: Any, member: int, count: int, critical_iters: int = 0,
               think_iters: int = 0, clock: Callable[[], int] = clock) -> Stamps:
    """``count`` stamped turns of acquire -> critical section -> release -> think on a
    Semaphore(k).

    No shared counter (k holders at once are allowed); :func:`analyse`
    checks from the stamps that no more than k ever held a slot together.
    """
    acquire, release = semaphore.acquire, semaphore.release
    records = _new_records()
    wait_from, acquired, released, critical_ns, think_ns = records
    note_wait, note_acquired, note_released = wait_from.append, acquired.append, released.append
    note_critical, note_think = critical_ns.append, think_ns.append
    gap = clock_gap_ns(clock)
    start = clock()
    for _ in repeat(None, count):
        t0 = clock()
        acquire()
        t1 = clock()
        if critical_iters:
            c0 = clock()
            spin(critical_iters)
            note_critical(clock() - c0)
        note_wait(t0)
        note_acquired(t1)
        note_released(clock())
        release()
        if think_iters:
            k0 = clock()
            spin(think_iters)
            note_think(clock() - k0)
    end = clock()
    return _stamps(member, start, end, records, gap, critical_iters, think_iters)


def run_turns(lock: Any, state: Any, member: int, total: int, slots: int,
              critical_iters: int, think_iters: int) -> Stamps:
    """The instrumented pass: :func:`contend` for one slot, :func:`hold_slots`
    (``total`` each) for more."""
    if slots == 1:
        return contend(lock, state, member, total, critical_iters, think_iters)
    return hold_slots(lock, member, total, critical_iters, think_iters)


# -- floors --------------------------------------------------------------------

def time_uncontended(loops: int, lock: Any) -> float:
    """Floor: ``loops`` x ``acquire(); release()`` in one process, nothing else."""
    acquire, release = lock.acquire, lock.release
    t0 = perf_counter()
    for _ in range(loops):
        acquire()
        release()
    return perf_counter() - t0


def pingpong(ping: Any, pong: Any, rounds: int) -> None:
    """The echo side of the ping-pong: ``rounds`` x ``ping.acquire(); pong.release()``."""
    acquire, release = ping.acquire, pong.release
    for _ in range(rounds):
        acquire()
        release()


def pingpong_member(conn: Any, ping: Any, pong: Any) -> None:
    """Crew target: run :func:`pingpong` for each command's number of rounds."""
    conn.send("ready")
    while True:
        rounds = conn.recv()
        if rounds is STOP:
            return
        pingpong(ping, pong, rounds)
        conn.send(rounds)


def time_pingpong(loops: int, crew: Any, ping: Any, pong: Any, timeout: float) -> float:
    """Floor for hand-offs: ``loops`` round trips ``ping.release(); pong.acquire()``
    against a :func:`pingpong_member` (two hand-offs per round trip)."""
    release, acquire = ping.release, pong.acquire
    crew.send(0, loops)
    with deadline(timeout, "semaphore ping-pong"):
        t0 = perf_counter()
        for _ in range(loops):
            release()
            acquire()
        elapsed = perf_counter() - t0
    crew.recv(0)
    return elapsed
