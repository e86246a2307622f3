"""Wake-up latency: ``Event.set()`` or ``Condition.notify()`` in one process to
``wait()`` returning in another.

Public API (stable, like :mod:`mpbench.groups.sync.workloads.primitives`'s): the waiter loops
:func:`event_waits` and :func:`condition_waits`, the waker steps
:func:`event_wake` and :func:`condition_wake`, the crew target
:func:`waiter_member` and the parent side :class:`Wakeups`. Primitives and
the shared state (:func:`mpbench.groups.sync.workloads.primitives.new_state`) are parameters.
Stamps are ``time.monotonic_ns()`` (system-wide). Standard library only.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Sequence
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.groups.sync.workloads.primitives import (
    GENERATION,
    SAMPLES_PER_CALL,
    SET_STAMP,
    STOP_FLAG,
    ns_to_seconds,
    seconds_summary,
    state_view,
)
from mpbench.workloads import stats
from mpbench.workloads.crew import STOP
from mpbench.workloads.guard import ChildTimeout

clock = time.monotonic_ns

# After the acknowledgements of a round, the waker waits this long before it wakes the
# waiters again (the Event reference does the same): a waiter asleep for a while, whose
# CPU has gone idle, as a program waiting on an Event usually finds it. Waking a waiter
# within tens of microseconds of its falling asleep is faster on a VM whose idle
# CPUs poll for a while before they halt (cpuidle-haltpoll): 55-60 us against
# 70-75 us across two CPUs here.
WAKE_GAP = 1e-3


def event_waits(events: Sequence[Any], state: Any, ack: Any,
                round_index: int) -> tuple[list[int], int]:
    """Waiter side for Event: wait on ``events[round % 2]`` round after round.

    After each wake-up: stamp, note ``stamp - state[SET_STAMP]``, release
    ``ack``. Returns the latencies (ns) and the next round index when a round
    finds ``state[STOP_FLAG]`` set. Two events alternate so that the waker
    can clear the next round's event while nobody waits on it.
    """
    latencies: list[int] = []
    while True:
        events[round_index & 1].wait()
        woke = clock()
        round_index += 1
        if state[STOP_FLAG]:
            return latencies, round_index
        latencies.append(woke - state[SET_STAMP])
        ack.release()


def event_wake(events: Sequence[Any], state: Any, round_index: int, stop: bool = False) -> int:
    """Waker side for Event: clear the next round's event, stamp, ``set()`` this round's.

    Call once every waiter sleeps on ``events[round_index % 2]``; returns the
    next round index.
    """
    events[(round_index + 1) & 1].clear()
    if stop:
        state[STOP_FLAG] = 1
    state[SET_STAMP] = clock()
    events[round_index & 1].set()
    return round_index + 1


def condition_waits(cond: Any, state: Any, ack: Any, seen: int) -> tuple[list[int], int]:
    """Waiter side for Condition: ``cond.wait()`` until the generation moves on.

    The stamp is taken as ``wait()`` returns (the condition's lock held
    again), the latency noted against ``state[SET_STAMP]``, then ``ack``
    released. Returns the latencies (ns) and the generation last seen when
    a round finds ``state[STOP_FLAG]`` set.
    """
    latencies: list[int] = []
    while True:
        with cond:
            while state[GENERATION] == seen:
                cond.wait()
            woke = clock()
            seen = state[GENERATION]
            stamp = state[SET_STAMP]
            stopping = state[STOP_FLAG]
        if stopping:
            return latencies, seen
        latencies.append(woke - stamp)
        ack.release()


def condition_wake(cond: Any, state: Any, notify: int | None, stop: bool = False) -> None:
    """Waker side for Condition: under the lock, bump the generation, stamp,
    ``notify(notify)`` (``None``: ``notify_all()``)."""
    with cond:
        state[GENERATION] += 1
        if stop:
            state[STOP_FLAG] = 1
        state[SET_STAMP] = clock()
        if notify is None or stop:
            cond.notify_all()
        else:
            cond.notify(notify)


def waiter_member(conn: Any, primitive: str, prims: Any, raw_state: Any, ack: Any) -> None:
    """Crew target: on each command, wait for wake-ups until told to stop;
    answer with the latencies (ns, an ``array('q')``)."""
    state = state_view(raw_state)
    cursor = 0
    conn.send("ready")
    while True:
        command = conn.recv()
        if command is STOP:
            return
        if primitive == "event":
            latencies, cursor = event_waits(prims, state, ack, cursor)
        else:
            latencies, cursor = condition_waits(prims, state, ack, cursor)
        conn.send(array("q", latencies))


def sleepers(cond: Any) -> int | None:
    """How many processes sleep in ``cond.wait()`` (None where it cannot be read).

    Reads the count multiprocessing's Condition keeps for ``notify()``
    (``_sleeping_count``, a semaphore): a waiter counts from just before it
    releases the lock to sleep.
    """
    try:
        return cond._sleeping_count.get_value()
    except (AttributeError, NotImplementedError):
        return None


class Wakeups:
    """Parent side of a wake-up benchmark: the waker, driving a crew of waiters.

    One timed call = ``loops`` rounds. Each round (untimed) sleeps
    :data:`WAKE_GAP`, checks that every waiter sleeps (waiting more if one does
    not yet), then wakes ``notify`` of them (``None``: all) and waits for their
    acknowledgements. The call returns the sum of the wake-up
    latencies, so pyperf's value (``inner_loops`` = woken per round) is the
    mean latency of one wake-up.
    """

    SETTLE = 20e-6  # poll interval while waiters go to sleep
    FALLBACK_SETTLE = 2e-3  # wait when the sleepers cannot be counted

    def __init__(self, crew: Any, primitive: str, prims: Any, state: Any, ack: Any,
                 waiters: int, notify: int | None, timeout: float,
                 info: dict[str, Any] | None = None) -> None:
        self.crew = crew
        self.primitive = primitive
        self.prims = prims
        self.state = state
        self.ack = ack
        self.waiters = waiters
        self.woken = waiters if notify is None else notify
        self.notify = notify
        self.timeout = timeout
        self.cursor = 0
        self.info = dict(info or {})
        self.sample_calls: list[dict[str, Any]] = []

    def _cond(self) -> Any:
        if self.primitive == "event":
            return self.prims[self.cursor & 1]._cond
        return self.prims

    def _wait_for_sleepers(self) -> None:
        cond = self._cond()
        asleep = sleepers(cond)
        if asleep is None:
            time.sleep(self.FALLBACK_SETTLE)
            return
        ends = time.monotonic() + self.timeout
        polls = 0
        while asleep < self.waiters:
            time.sleep(self.SETTLE)
            asleep = sleepers(cond) or 0
            polls += 1
            if polls % 256 == 0:
                self.crew.check_alive()
                if time.monotonic() > ends:
                    raise ChildTimeout(f"{self.primitive} wake-up: waiters not asleep "
                                       f"within {self.timeout:g} s")

    def _wake(self, stop: bool = False) -> None:
        if self.primitive == "event":
            self.cursor = event_wake(self.prims, self.state, self.cursor, stop)
        else:
            condition_wake(self.prims, self.state, self.notify, stop)

    def _collect_acks(self) -> None:
        for _ in range(self.woken):
            waited = 0.0
            while not self.ack.acquire(True, 0.5):
                self.crew.check_alive()
                waited += 0.5
                if waited >= self.timeout:
                    raise ChildTimeout(f"{self.primitive} wake-up: no acknowledgement "
                                       f"within {self.timeout:g} s")

    def time_func(self, loops: int) -> float:
        """pyperf time function: the summed latencies of ``loops`` rounds, in seconds."""
        self.state[STOP_FLAG] = 0
        self.crew.send_all("go")
        for _ in range(loops):
            time.sleep(WAKE_GAP)  # as the Event reference does, then make sure
            self._wait_for_sleepers()
            self._wake()
            self._collect_acks()
        self._wake(stop=True)  # a waiter not yet asleep sees the flag without sleeping
        answers = self.crew.recv_all()
        self.state[STOP_FLAG] = 0
        latencies = sorted(ns for answer in answers for ns in answer)
        if len(latencies) != loops * self.woken:
            raise BenchmarkFailed(f"{self.primitive} wake-up: {len(latencies)} wake-ups "
                                  f"seen, {loops * self.woken} expected")
        entry = {"series": {"wakeup": [ns_to_seconds(ns) for ns in
                                       stats.thin_sorted(latencies, SAMPLES_PER_CALL)]},
                 "info": {"rounds": loops, **seconds_summary(latencies, "wakeup"), **self.info}}
        if self.notify is None and self.waiters > 1 and all(len(a) == loops for a in answers):
            last = sorted(max(a[r] for a in answers) for r in range(loops))
            entry["series"]["wakeup_last"] = [ns_to_seconds(ns) for ns in
                                              stats.thin_sorted(last, SAMPLES_PER_CALL)]
            entry["info"].update(seconds_summary(last, "wakeup_last"))
        self.sample_calls.append(entry)
        return sum(latencies) / 1e9
