"""N contenders on one primitive: the contender processes and the parent side.

- :func:`contender_member` - the crew target: calibrates its busy work in its
  own process, then runs a clean pass (:func:`.primitives.contend_clean`)
  or an instrumented pass (:func:`.primitives.run_turns`) per command;
- :class:`Contention` - the parent side: one pyperf call = one clean pass,
  whose window is the value, then one instrumented pass, untimed, whose
  stamps give the distributions and the mutual-exclusion check;
- :func:`crew_driver` (processes) and :func:`thread_driver` (threads of this
  process, the ``threading.Lock`` floor) run one pass of every contender.

Standard library only.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from statistics import median
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.groups.sync.workloads.analysis import INSTRUMENTED, analyse, check_exclusion
from mpbench.groups.sync.workloads.primitives import (
    COUNTER,
    HOLDER,
    contend_clean,
    run_turns,
    state_view,
)
from mpbench.workloads import busywork
from mpbench.workloads.crew import STOP
from mpbench.workloads.guard import ChildTimeout

CLEAN = "clean"

# Faults for tests of the harness (``--inject-fault``), never in a real run.
# contender 0, in its second clean pass: the first timed call (the first is the probe)
FAULT_DIE_HOLDING = "die-holding-lock"
FAULT_SLOW_START = "slow-start"
SLOW_START_SECONDS = 0.5    # before a member reports ready
SLOW_BARRIER_SECONDS = 0.2  # before member 0 reaches the start barrier, every call

# The instrumented pass of a call lasts about this long at the clean pass's rate
# (stamps make an empty loop's turns up to 6x longer), between these numbers of
# acquisitions: enough for each call's p99, pooled over calls for the rest.
INSTRUMENTED_SECONDS = 0.005
INSTRUMENTED_MIN, INSTRUMENTED_MAX = 256, 10_000

Clean = tuple[int, int, int, int]  # start, end, critical_iters, think_iters
Driver = Callable[[str, int], list[Any]]


@dataclass
class Work:
    """Busy work of one contender: asked in microseconds, done in spin iterations.

    With microseconds given, :meth:`calibrate` (in the process that spins,
    before every clean pass) sets the iterations; without, the iterations
    given are used as they are (the tracing scenarios).
    """

    critical_iters: int = 0
    think_iters: int = 0
    critical_us: float = 0.0
    think_us: float = 0.0
    iteration_ns: float = 0.0
    call_ns: float = 0.0

    def calibrate(self) -> Work:
        if self.critical_us > 0 or self.think_us > 0:
            cal = busywork.calibrate()
            self.critical_iters = cal.iterations_for(self.critical_us)
            self.think_iters = cal.iterations_for(self.think_us)
            self.iteration_ns, self.call_ns = cal.iteration_ns, cal.call_ns
        return self

    def describe(self) -> dict[str, Any]:
        return {"critical_iters": self.critical_iters, "think_iters": self.think_iters,
                "iteration_ns": self.iteration_ns, "call_ns": self.call_ns}


def contender_member(conn: Any, lock: Any, raw_state: Any, member: int, barrier: Any,
                     critical_iters: int, think_iters: int, slots: int,
                     timeout: float, fault: str | None = None,
                     work_us: tuple[float, float] | None = None) -> None:
    """Crew target: calibrate (``work_us`` given), answer ``"ready"`` with the
    calibration, then per command line up at ``barrier`` and run one pass.

    Commands: ``(CLEAN, k)`` -> :func:`contend_clean` of ``k`` turns (the busy
    work recalibrated first, before the barrier), answer :data:`Clean`;
    ``(INSTRUMENTED, total)`` or a bare ``total`` -> :func:`run_turns`,
    answer its :class:`~mpbench.groups.sync.workloads.primitives.Stamps`. Start-up and the
    barrier are outside the window: it runs from the first contender's start
    stamp, taken after the barrier, to the last one's end.
    """
    state = state_view(raw_state)
    work = Work(critical_iters, think_iters, *(work_us or (0.0, 0.0))).calibrate()
    if fault == FAULT_SLOW_START:
        time.sleep(SLOW_START_SECONDS)
    conn.send({"ready": member, **work.describe()})
    cleans = 0
    while True:
        command = conn.recv()
        if command is STOP:
            return
        kind, count = command if isinstance(command, tuple) else (INSTRUMENTED, command)
        if kind == CLEAN:
            work.calibrate()
            cleans += 1
        if fault == FAULT_SLOW_START and member == 0:
            time.sleep(SLOW_BARRIER_SECONDS)  # the others wait at the barrier meanwhile
        if barrier is not None:
            barrier.wait(timeout)
        if fault == FAULT_DIE_HOLDING and member == 0 and cleans == 2 and kind == CLEAN:
            lock.acquire()
            state[HOLDER] = member + 1
            os.kill(os.getpid(), signal.SIGKILL)
        if kind == CLEAN:
            start, end = contend_clean(lock, count, work.critical_iters, work.think_iters)
            conn.send((start, end, work.critical_iters, work.think_iters))
        else:
            conn.send(run_turns(lock, state, member, count, slots, work.critical_iters,
                                work.think_iters))


class Contention:
    """Parent side of N contenders.

    ``driver(kind, count)`` runs one pass of every contender (a crew of
    processes, or threads) and returns their answers. :meth:`time_func`,
    pyperf's time function, runs the clean pass (``loops`` turns each; the
    value is its window) and then an instrumented pass, whose distributions
    go to ``sample_calls`` (tagged ``"pass": "instrumented"``) and whose
    mutual-exclusion check fails the benchmark on a violation.
    """

    def __init__(self, driver: Driver, state: Any, nprocs: int, slots: int, what: str,
                 info: dict[str, Any] | None = None) -> None:
        self.driver = driver
        self.state = state
        self.nprocs = nprocs
        self.slots = slots
        self.what = what
        self.info = dict(info or {})
        self.sample_calls: list[dict[str, Any]] = []

    def clean(self, loops: int) -> tuple[int, list[Clean]]:
        """The clean pass: ``loops`` turns per contender; its window (ns) and the answers."""
        answers = self.driver(CLEAN, loops)
        return max(a[1] for a in answers) - min(a[0] for a in answers), answers

    def instrumented(self, total: int, keep: bool = True, **info: Any):
        """The instrumented pass: ``total`` acquisitions in all (one slot) or each
        (k slots); checks exclusion, keeps the call's sample entry; returns its stats."""
        self.state[COUNTER] = 0
        self.state[HOLDER] = 0
        records = self.driver(INSTRUMENTED, total)
        call = analyse(records, self.slots)
        expected = total if self.slots == 1 else total * self.nprocs
        check_exclusion(call, self.state[COUNTER], expected, self.slots, self.what)
        if keep:
            self.sample_calls.append(call.sample_call(**self.info, **info))
        return call

    def instrumented_size(self, loops: int, window_ns: int) -> int:
        """Acquisitions of the instrumented pass that follows a clean one (all of
        them for one slot, per contender for k)."""
        ops = loops * self.nprocs
        per_op = max(window_ns, 1) / ops
        total = min(ops, max(INSTRUMENTED_MIN, min(INSTRUMENTED_MAX,
                                                   round(INSTRUMENTED_SECONDS * 1e9 / per_op))))
        return total if self.slots == 1 else max(1, total // self.nprocs)

    def probe(self, acquisitions: int):
        """A clean pass (which recalibrates the busy work) then an instrumented one of
        about ``acquisitions`` in all, kept out of the samples: the set-up's check of
        exclusion and its measurement of the busy work. Returns the instrumented stats."""
        loops = max(1, acquisitions // self.nprocs)
        self.clean(loops)
        return self.instrumented(loops * self.nprocs if self.slots == 1 else loops, keep=False)

    def time_func(self, loops: int) -> float:
        """pyperf time function: ``loops`` x N acquisitions of the clean pass, its
        window in seconds; then the instrumented pass, untimed."""
        window, answers = self.clean(loops)
        self.instrumented(self.instrumented_size(loops, window),
                          clean_ops=loops * self.nprocs, clean_elapsed=round(window / 1e9, 9),
                          clean_critical_iters=round(median(a[2] for a in answers)),
                          clean_think_iters=round(median(a[3] for a in answers)))
        return window / 1e9


def crew_driver(crew: Any, state: Any, primitive: str) -> Driver:
    """Pass runner for a crew of :func:`contender_member`: names a member that
    died holding the lock (the others, blocked on it, are then killed by the
    crew, not waited for)."""
    def drive(kind: str, count: int) -> list[Any]:
        crew.send_all((kind, count))
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


def thread_driver(lock: Any, state: Any, nthreads: int, slots: int, work: Work,
                  timeout: float, cpus: list[list[int]] | None = None) -> Driver:
    """Pass runner for N threads of this process (the ``threading.Lock`` floor).

    Threads are started for each pass and line up at a barrier before the
    window opens; creating them is outside the window. ``cpus[i]`` pins
    thread ``i`` (Linux pins the calling thread only). The busy work is
    recalibrated in this process (where the threads spin) before a clean pass.
    """
    def drive(kind: str, count: int) -> list[Any]:
        if kind == CLEAN:
            work.calibrate()
        barrier = threading.Barrier(nthreads)
        answers: list[Any] = [None] * nthreads
        errors: list[BaseException] = []

        def run(member: int) -> None:
            try:
                if cpus and hasattr(os, "sched_setaffinity"):
                    os.sched_setaffinity(0, cpus[member])
                barrier.wait(timeout)
                if kind == CLEAN:
                    start, end = contend_clean(lock, count, work.critical_iters,
                                               work.think_iters)
                    answers[member] = (start, end, work.critical_iters, work.think_iters)
                else:
                    answers[member] = run_turns(lock, state, member, count, slots,
                                                work.critical_iters, work.think_iters)
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
        return [a for a in answers if a is not None]
    return drive
