"""Synchronisation under contention: the loops that are timed, and their analysis.

Public API (stable: the tracing scenarios run this same code with wrapped
primitives, so every primitive and shared value is a parameter):

- :func:`contend` - one contender's loop for a mutual-exclusion primitive
  (Lock, RLock, Semaphore(1), BoundedSemaphore(1), threading.Lock):
  acquire -> critical section -> release -> think time, until the processes
  together have made ``total`` acquisitions. Returns its :class:`Stamps`.
- :func:`hold_slots` - the same loop for a pool of k slots (Semaphore(k)),
  a fixed number of acquisitions per process.
- :func:`analyse` - all contenders' stamps -> :class:`CallStats` (wait
  distribution, hand-offs from a release in one process to the acquire in
  another, shares per process, the most holders seen at once);
  :func:`handoff_pairs` - the same hand-offs as (from, release stamp, to,
  acquire stamp), e.g. for flow arrows in a trace.
- :func:`contender_member` - the crew target running :func:`run_turns` per
  command; :class:`Contention` with :func:`crew_driver` (processes) or
  :func:`thread_driver` (threads) - the parent side, one timed call per run.
- :func:`pingpong` - the bare semaphore ping-pong (the hand-off floor).

Wake-ups (Event, Condition) are in :mod:`mpbench.workloads.wakeup`.

Every stamp is ``time.monotonic_ns()`` (CLOCK_MONOTONIC: system-wide, so
stamps taken in different processes compare). Standard library only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mpbench.errors import BenchmarkFailed
from mpbench.workloads import stats
from mpbench.workloads.busywork import spin
from mpbench.workloads.crew import STOP
from mpbench.workloads.guard import ChildTimeout, deadline

clock = time.monotonic_ns
perf_counter = time.perf_counter

# Slots of the shared int64 state (one small array per benchmark).
COUNTER = 0    # updated non-atomically inside the critical section
HOLDER = 1     # member + 1 while that member holds the lock, 0 when free
SET_STAMP = 2  # wake-ups (mpbench.workloads.wakeup): when the waker called set() / notify()
GENERATION = 3  # wake-ups (Condition): bumped by every notify round
STOP_FLAG = 4  # wake-ups: waiters return when they see it
STATE_SLOTS = 8

MUTEX_PRIMITIVES = ("lock", "rlock", "semaphore", "bounded_semaphore")
THREAD_PRIMITIVE = "threading_lock"
WAKEUP_PRIMITIVES = ("event", "condition")

# Faults for tests of the harness (``--inject-fault``), never in a real run.
FAULT_DIE_HOLDING = "die-holding-lock"
FAULT_SLOW_START = "slow-start"
SLOW_START_SECONDS = 0.5    # before a member reports ready
SLOW_BARRIER_SECONDS = 0.2  # before member 0 reaches the start barrier, every call

# Samples kept per timed call and series (evenly spaced order statistics): enough for
# a distribution once the calls of all workers are pooled, small enough for the file.
SAMPLES_PER_CALL = 24


def ns_to_seconds(value: float) -> float:
    """Nanoseconds -> seconds, rounded to the nanosecond (short in JSON)."""
    return round(value / 1e9, 9)


def seconds_summary(sorted_ns: Sequence[int], prefix: str) -> Dict[str, Any]:
    """:func:`stats.summary` of nanosecond values, in seconds (counts stay counts)."""
    return {key: value if key.endswith("_count") else ns_to_seconds(value)
            for key, value in stats.summary(sorted_ns, prefix).items()}


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


# -- the contender loops -------------------------------------------------------

@dataclass
class Stamps:
    """One contender's record of one run, ``monotonic_ns`` stamps.

    ``wait_from[i]``: just before ``acquire()``; ``acquired[i]``: just after
    it returned; ``released[i]``: just before ``release()``. ``start`` and
    ``end`` bracket the whole loop.
    """

    member: int
    start: int
    end: int
    wait_from: array = field(default_factory=lambda: array("q"))
    acquired: array = field(default_factory=lambda: array("q"))
    released: array = field(default_factory=lambda: array("q"))

    @property
    def count(self) -> int:
        return len(self.acquired)


def contend(lock: Any, state: Any, member: int, total: int,
            critical_iters: int = 0, think_iters: int = 0,
            clock: Callable[[], int] = clock) -> Stamps:
    """Acquire ``lock`` in a loop until all contenders together made ``total`` acquisitions.

    Each turn: stamp, ``acquire()``, stamp; inside the critical section read
    ``state[COUNTER]``, stop if it reached ``total``, else spin
    ``critical_iters`` and write it back plus one (a non-atomic update: a
    lock that let two holders in loses updates); stamp, ``release()``; spin
    ``think_iters``. ``state[HOLDER]`` is ``member + 1`` while holding.

    The stamps and the shared writes add about 0.3 us per acquisition here
    (three clock reads, four shared-slot accesses, three list appends).
    """
    acquire, release = lock.acquire, lock.release
    wait_from: List[int] = []
    acquired: List[int] = []
    released: List[int] = []
    note_wait, note_acquired, note_released = wait_from.append, acquired.append, released.append
    tag = member + 1
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
            spin(critical_iters)
        state[COUNTER] = value + 1
        note_wait(t0)
        note_acquired(t1)
        state[HOLDER] = 0
        note_released(clock())
        release()
        if think_iters:
            spin(think_iters)
    end = clock()
    return Stamps(member, start, end, array("q", wait_from), array("q", acquired),
                  array("q", released))


def hold_slots(semaphore: Any, member: int, count: int, critical_iters: int = 0,
               think_iters: int = 0, clock: Callable[[], int] = clock) -> Stamps:
    """``count`` turns of acquire -> critical section -> release -> think on a Semaphore(k).

    No shared counter (k holders at once are allowed); :func:`analyse`
    checks from the stamps that no more than k ever held a slot together.
    """
    acquire, release = semaphore.acquire, semaphore.release
    wait_from: List[int] = []
    acquired: List[int] = []
    released: List[int] = []
    note_wait, note_acquired, note_released = wait_from.append, acquired.append, released.append
    start = clock()
    for _ in range(count):
        t0 = clock()
        acquire()
        t1 = clock()
        if critical_iters:
            spin(critical_iters)
        note_wait(t0)
        note_acquired(t1)
        note_released(clock())
        release()
        if think_iters:
            spin(think_iters)
    end = clock()
    return Stamps(member, start, end, array("q", wait_from), array("q", acquired),
                  array("q", released))


def run_turns(lock: Any, state: Any, member: int, total: int, slots: int,
              critical_iters: int, think_iters: int) -> Stamps:
    """:func:`contend` for one slot, :func:`hold_slots` (``total`` each) for more."""
    if slots == 1:
        return contend(lock, state, member, total, critical_iters, think_iters)
    return hold_slots(lock, member, total, critical_iters, think_iters)


# -- analysis ------------------------------------------------------------------

@dataclass
class CallStats:
    """What one timed call of N contenders gives (nanoseconds)."""

    elapsed_ns: int
    shares: List[int]
    waits: List[int]      # sorted: acquire() call to its return, every acquisition
    handoffs: List[int]   # sorted: release stamp -> next holder's acquire return, when it waited
    max_holders: int

    @property
    def ops(self) -> int:
        return sum(self.shares)

    def sample_call(self, keep: int = SAMPLES_PER_CALL, **info: Any) -> Dict[str, Any]:
        """This call as a samples-file entry: thinned series in seconds, exact summaries."""
        series = {"wait": self.waits, "handoff": self.handoffs}
        max_min = stats.max_min_ratio(self.shares)
        entry_info: Dict[str, Any] = {
            "ops": self.ops, "elapsed": ns_to_seconds(self.elapsed_ns), "shares": self.shares,
            "jain": round(stats.jain_index(self.shares), 4),
            "max_min_share": None if max_min is None else round(max_min, 3),
            "starved": sum(1 for share in self.shares if share == 0),
            "max_holders": self.max_holders}
        for name, values in series.items():
            entry_info.update(seconds_summary(values, name))
        entry_info.update(info)
        return {"series": {name: [ns_to_seconds(v) for v in stats.thin_sorted(values, keep)]
                           for name, values in series.items()},
                "info": entry_info}


def analyse(records: Sequence[Stamps], slots: int = 1) -> CallStats:
    """Merge the contenders' stamps of one call.

    Holding intervals ``[acquired, released]`` sorted by acquisition give the
    true order of holders (the stamps are taken inside the critical section,
    so two intervals overlap only if two processes really held it together).
    A hand-off is counted when the next holder is another process that was
    already waiting when the previous holder released.
    """
    start = min(r.start for r in records)
    end = max(r.end for r in records)
    shares = [r.count for r in records]
    acquired: List[int] = []
    released: List[int] = []
    waited: List[int] = []
    members: List[int] = []
    for r in records:
        acquired.extend(r.acquired)
        released.extend(r.released)
        waited.extend(r.wait_from)
        members.extend([r.member] * r.count)
    waits = sorted(map(int.__sub__, acquired, waited))
    order = sorted(range(len(acquired)), key=acquired.__getitem__)
    handoffs: List[int] = []
    if slots == 1:
        max_holders = 1 if order else 0
        for prev, turn in zip(order, order[1:]):
            prev_release = released[prev]
            if acquired[turn] <= prev_release:
                max_holders = 2  # two holders at once
            elif members[turn] != members[prev] and waited[turn] < prev_release:
                handoffs.append(acquired[turn] - prev_release)
        handoffs.sort()
    else:
        # holders just after the i-th acquisition (in time order): i + 1 acquisitions so
        # far, minus the releases stamped before it
        starts, ends = sorted(acquired), sorted(released)
        released_before = map(bisect_left, repeat(ends), starts)
        max_holders = max(map(int.__sub__, range(1, len(starts) + 1), released_before),
                          default=0)
    return CallStats(end - start, shares, waits, handoffs, max_holders)


def handoff_pairs(records: Sequence[Stamps]) -> List[Tuple[int, int, int, int]]:
    """Every hand-off of one run as ``(from_member, released_ns, to_member, acquired_ns)``.

    The same rule as :func:`analyse`: consecutive holders in acquisition
    order, different members, the next one already waiting at the release.
    """
    turns = sorted((a, rel, w, r.member) for r in records
                   for w, a, rel in zip(r.wait_from, r.acquired, r.released))
    return [(prev_member, prev_rel, member, acq)
            for (_, prev_rel, _, prev_member), (acq, _, waited, member) in zip(turns, turns[1:])
            if member != prev_member and waited < prev_rel < acq]


def check_exclusion(call: CallStats, counter: Optional[int], total: int, slots: int,
                    what: str) -> None:
    """Raise :class:`BenchmarkFailed` unless the primitive kept its promise.

    One slot: the shared counter, updated non-atomically inside the critical
    section, must end at exactly ``total``, equal to the acquisitions the
    contenders counted, and no two holding intervals may overlap. k slots:
    never more than k holders at once, ``total`` acquisitions in all.
    """
    if slots == 1 and (counter != total or call.ops != total):
        raise BenchmarkFailed(f"{what}: shared counter ended at {counter} after {call.ops} "
                              f"counted acquisitions, {total} expected (lost updates: "
                              "mutual exclusion violated)")
    if call.max_holders > slots:
        raise BenchmarkFailed(f"{what}: at least {call.max_holders} holders at once, the "
                              f"primitive allows {slots}: "
                              + ("mutual exclusion violated" if slots == 1 else "exclusion violated"))
    if call.ops != total:
        raise BenchmarkFailed(f"{what}: {call.ops} acquisitions counted, {total} expected")


# -- a crew member contending for a lock --------------------------------------

def contender_member(conn: Any, lock: Any, raw_state: Any, member: int, barrier: Any,
                     critical_iters: int, think_iters: int, slots: int,
                     timeout: float, fault: Optional[str] = None) -> None:
    """Crew target: on each command ``total``, line up at ``barrier`` and run
    :func:`run_turns`; answer with the :class:`Stamps`.

    Start-up (before ``"ready"``) and the barrier are outside the contention
    window: the call's time runs from the first contender's ``start`` stamp,
    taken after the barrier, to the last one's ``end``.
    """
    state = state_view(raw_state)
    if fault == FAULT_SLOW_START:
        time.sleep(SLOW_START_SECONDS)
    conn.send("ready")
    while True:
        total = conn.recv()
        if total is STOP:
            return
        if fault == FAULT_SLOW_START and member == 0:
            time.sleep(SLOW_BARRIER_SECONDS)  # the others wait at the barrier meanwhile
        if barrier is not None:
            barrier.wait(timeout)
        if fault == FAULT_DIE_HOLDING and member == 0:
            lock.acquire()
            state[HOLDER] = member + 1
            os.kill(os.getpid(), signal.SIGKILL)
        conn.send(run_turns(lock, state, member, total, slots, critical_iters, think_iters))


class Contention:
    """Parent side of N contenders: one timed call = one run of all of them.

    ``driver(total)`` starts one run and returns every contender's
    :class:`Stamps` (a crew of processes, or threads); the call's time is
    the contention window, from the first contender's start to the last
    one's end. Each call's distributions go to ``sample_calls``.
    """

    def __init__(self, driver: Callable[[int], List[Stamps]], state: Any, nprocs: int,
                 slots: int, what: str, info: Optional[Dict[str, Any]] = None) -> None:
        self.driver = driver
        self.state = state
        self.nprocs = nprocs
        self.slots = slots
        self.what = what
        self.info = dict(info or {})
        self.sample_calls: List[Dict[str, Any]] = []

    def total_for(self, loops: int) -> int:
        """What each run command asks: all acquisitions together (one slot), or per contender."""
        return loops * self.nprocs if self.slots == 1 else loops

    def time_func(self, loops: int) -> float:
        """pyperf time function: ``loops`` x N acquisitions, the contention window in seconds."""
        self.state[COUNTER] = 0
        self.state[HOLDER] = 0
        records = self.driver(self.total_for(loops))
        call = analyse(records, self.slots)
        check_exclusion(call, self.state[COUNTER], loops * self.nprocs, self.slots, self.what)
        self.sample_calls.append(call.sample_call(**self.info))
        return call.elapsed_ns / 1e9


def crew_driver(crew: Any, state: Any, primitive: str) -> Callable[[int], List[Stamps]]:
    """Run command for a crew of :func:`contender_member`: names a member that
    died holding the lock (the others, blocked on it, are then killed by the
    crew, not waited for)."""
    def drive(total: int) -> List[Stamps]:
        crew.send_all(total)
        try:
            return crew.recv_all()
        except BenchmarkFailed as exc:
            holder = state[HOLDER]
            dead = [i for i, proc in enumerate(crew.procs)
                    if proc.exitcode is not None or not proc.is_alive()]
            if holder and holder - 1 in dead:
                raise BenchmarkFailed(
                    f"{exc}; it died holding the {primitive}, which stays taken forever: the "
                    f"other contenders, blocked on it, are killed, not waited for") from None
            raise
    return drive


def thread_driver(lock: Any, state: Any, nthreads: int, slots: int, critical_iters: int,
                  think_iters: int, timeout: float) -> Callable[[int], List[Stamps]]:
    """Run command for N threads of this process (the ``threading.Lock`` floor).

    Threads are started for each run and line up at a barrier before the
    window opens; creating them is outside the window.
    """
    def drive(total: int) -> List[Stamps]:
        barrier = threading.Barrier(nthreads)
        records: List[Optional[Stamps]] = [None] * nthreads
        errors: List[BaseException] = []

        def run(member: int) -> None:
            try:
                barrier.wait(timeout)
                records[member] = run_turns(lock, state, member, total, slots,
                                            critical_iters, think_iters)
            except BaseException as exc:  # reported by the caller
                errors.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=run, args=(i,), daemon=True,
                                    name=f"contender-{i}") for i in range(nthreads)]
        for thread in threads:
            thread.start()
        ends = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, ends - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            raise ChildTimeout(f"threads: no result within {timeout:g} s")
        if errors:
            raise BenchmarkFailed(f"threads: {type(errors[0]).__name__}: {errors[0]}")
        return [r for r in records if r is not None]
    return drive


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
