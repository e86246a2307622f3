"""Set-ups of the ``sync`` group's benchmarks (the catalogue is :mod:`.catalogue`).

Each is a context manager run inside a pyperf worker: it starts the contenders,
waiters or echo child outside the timed region (each contender calibrating its own
busy work), probes a contention run once with an instrumented pass, and yields the
:class:`~mpbench.spec.Prepared` time function; the crew is stopped on the way out.
"""

from __future__ import annotations

import functools
import multiprocessing
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mpbench.groups.sync.workloads import contention, minimal, wakeup
from mpbench.groups.sync.workloads import primitives as work
from mpbench.machine import usable_cpu_count
from mpbench.spec import Prepared, WorkerEnv
from mpbench.workloads.crew import Crew
from mpbench.workloads.placement import cpus_for, end_cpus, pinned, spread_cpus


def occupancy(nprocs: int, cpus: int | None = None) -> dict[str, Any]:
    """What the pyperf worker (and so its children) may run on: oversubscribed or not."""
    cpus = usable_cpu_count() if cpus is None else cpus
    return {"mpbench_worker_cpus": cpus, "mpbench_oversubscribed": int(nprocs > cpus)}


def busy_metadata(calibrations: list[dict[str, Any]], call: Any) -> dict[str, Any]:
    """The busy loop behind ``critical_us`` and ``think_us``: the spin lengths of the
    set-up's probe and what they measured there (medians over the processes that
    spin, each calibrated in itself just before), and the calibration each made
    at start-up (medians)."""
    def mid(key: str) -> float:
        return statistics.median(c[key] for c in calibrations)
    return {"mpbench_critical_iters": call.critical_iters,
            "mpbench_think_iters": call.think_iters,
            "mpbench_spin_call_ns": round(mid("call_ns"), 1),
            "mpbench_spin_iteration_ns": round(mid("iteration_ns"), 3),
            "mpbench_critical_us_measured": round(call.critical_us_measured, 4),
            "mpbench_think_us_measured": round(call.think_us_measured, 4)}


# Acquisitions of the set-up's probe, a clean pass then an instrumented one (checks
# exclusion once before any value, measures the busy work for the metadata, just
# after a calibration; not in the samples file).
PROBE_ACQUISITIONS = 2000


@contextmanager
def contended_setup(env: WorkerEnv, primitive: str, nprocs: int, slots: int, critical_us: float,
               think_us: float, method: str, fault: str | None) -> Iterator[Prepared]:
    """Start N contenders (outside the timed region), each calibrating its own busy
    work, probe them once with an instrumented pass, hand out the time function."""
    ctx = multiprocessing.get_context(method)
    lock = work.make_primitive(ctx, primitive, slots)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    barrier = ctx.Barrier(nprocs) if nprocs > 1 else None
    what = f"{nprocs} processes on one {primitive}" + (f"({slots})" if slots > 1 else "")
    args = [(lock, raw, i, barrier, 0, 0, slots, env.child_timeout, fault,
             (critical_us, think_us)) for i in range(nprocs)]
    with Crew(ctx, contention.contender_member, args, timeout=env.child_timeout, what=what,
              names=[f"contender-{i}" for i in range(nprocs)],
              cpus=spread_cpus(nprocs)) as crew:
        calibrations = crew.recv_all()  # every contender runs: start-up is behind us
        run = contention.Contention(contention.crew_driver(crew, state, primitive), state,
                                    nprocs, slots, what)
        probe = run.probe(PROBE_ACQUISITIONS)
        yield Prepared(run.time_func, {**occupancy(nprocs),
                                       **busy_metadata(calibrations, probe)}, run.sample_calls)


@contextmanager
def threaded_setup(env: WorkerEnv, nthreads: int, critical_us: float,
              think_us: float) -> Iterator[Prepared]:
    """threading.Lock contended by N threads of the worker, the same loop."""
    busy = contention.Work(critical_us=critical_us, think_us=think_us).calibrate()
    lock = work.make_primitive(None, work.THREAD_PRIMITIVE)
    state = work.state_view(work.new_state())
    driver = contention.thread_driver(lock, state, nthreads, 1, busy, env.child_timeout,
                                      spread_cpus(nthreads))
    run = contention.Contention(driver, state, nthreads, 1,
                                f"{nthreads} threads on one threading.Lock")
    probe = run.probe(PROBE_ACQUISITIONS)
    yield Prepared(run.time_func, {**occupancy(nthreads),
                                   **busy_metadata([busy.describe()], probe)},
                   run.sample_calls)


@contextmanager
def uncontended_setup(env: WorkerEnv, primitive: str, method: str) -> Iterator[Prepared]:
    ctx = None if primitive == work.THREAD_PRIMITIVE else multiprocessing.get_context(method)
    lock = work.make_primitive(ctx, primitive)
    yield Prepared(functools.partial(work.time_uncontended, lock=lock))


def placement_metadata(placement: str, processes: int) -> dict[str, Any]:
    """Occupancy of a placed benchmark: the CPUs its processes may use."""
    cpus = cpus_for(placement)
    md = occupancy(processes - 1, len(cpus) if cpus else None)
    if cpus:
        md["mpbench_cpus"] = ",".join(map(str, cpus))
    return md


@contextmanager
def pingpong_setup(env: WorkerEnv, method: str, placement: str) -> Iterator[Prepared]:
    """Two processes handing two semaphores back and forth, this worker (end 0)
    and an echo child (end 1), placed as asked."""
    ctx = multiprocessing.get_context(method)
    ping, pong = ctx.Semaphore(0), ctx.Semaphore(0)
    mine, theirs = end_cpus(placement, 2)
    occupancy = placement_metadata(placement, 2)
    with pinned(mine):
        with Crew(ctx, work.pingpong_member, [(ping, pong)], timeout=env.child_timeout,
                  what="semaphore ping-pong", names=["echo"], cpus=[theirs]) as crew:
            crew.recv_all()
            yield Prepared(functools.partial(work.time_pingpong, crew=crew, ping=ping,
                                             pong=pong, timeout=env.child_timeout),
                           occupancy)


@contextmanager
def wakeup_setup(env: WorkerEnv, primitive: str, waiters: int, notify: int | None,
            method: str, placement: str) -> Iterator[Prepared]:
    """Start W waiters (outside the timed region, ends 1..W); the worker is the waker
    (end 0)."""
    ctx = multiprocessing.get_context(method)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    prims: Any = ((ctx.Event(), ctx.Event()) if primitive == "event"
                  else ctx.Condition(ctx.Lock()))
    ack = ctx.Semaphore(0)
    what = f"{primitive} waking {waiters} waiter(s)"
    cpus = end_cpus(placement, waiters + 1)
    occupancy = placement_metadata(placement, waiters + 1)
    with pinned(cpus[0]):
        with Crew(ctx, wakeup.waiter_member, [(primitive, prims, raw, ack)] * waiters,
                  timeout=env.child_timeout, what=what, cpus=cpus[1:],
                  names=[f"waiter-{i}" for i in range(waiters)]) as crew:
            crew.recv_all()
            run = wakeup.Wakeups(crew, primitive, prims, state, ack, waiters, notify,
                                 env.child_timeout)
            yield Prepared(run.time_func, occupancy, run.sample_calls)


@contextmanager
def minimal_lock_setup(env: WorkerEnv, nprocs: int, method: str) -> Iterator[Prepared]:
    ctx = multiprocessing.get_context(method)
    with minimal.LockLoop(ctx, nprocs, env.child_timeout, spread_cpus(nprocs)) as loop:
        yield Prepared(loop.time_func, occupancy(nprocs))


@contextmanager
def minimal_event_setup(env: WorkerEnv, method: str, placement: str) -> Iterator[Prepared]:
    ctx = multiprocessing.get_context(method)
    mine, theirs = end_cpus(placement, 2)
    md = placement_metadata(placement, 2)
    with pinned(mine), minimal.EventPing(ctx, env.child_timeout, theirs) as ping:
        yield Prepared(ping.time_func, md)
