"""Set-up of the ``pool`` group's benchmarks: pools opened, floors built, time functions
bound, all outside the timed region (the catalogue is in :mod:`mpbench.groups.pool.catalogue`)."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Callable

from mpbench import options as opt
from mpbench.atomic import atomic_write_text
from mpbench.groups.channels.workloads import messages as channel_work
from mpbench.groups.channels.workloads.runs import PingPongRun, StreamRun
from mpbench.groups.pool.workloads import dispatch as dispatch
from mpbench.groups.pool.workloads import floors as pool_floors
from mpbench.groups.pool.workloads import pools
from mpbench.groups.pool.workloads import tasks as pool_tasks
from mpbench.groups.process.workloads import lifecycle
from mpbench.machine import usable_cpu_count
from mpbench.spec import MetadataValue, Prepared, WorkerEnv
from mpbench.workloads import busywork
from mpbench.workloads.guard import deadline

CALIBRATION_FILE = "pool-busywork-calibration.json"
FAULT_WORKER_DIES = "worker-dies"


def task_for(env: WorkerEnv, default: Callable) -> Callable:
    """The task the pools run: ``default``, or the one that kills its worker when the
    test hook ``--inject-fault worker-dies`` is given."""
    return pool_tasks.worker_dies if opt.fault(env.options) == FAULT_WORKER_DIES else default


def occupancy(workers: int) -> dict[str, MetadataValue]:
    """CPUs the pyperf worker (and so its pool) may use; oversubscribed or not."""
    cpus = usable_cpu_count()
    return {"mpbench_worker_cpus": cpus, "mpbench_oversubscribed": int(workers > cpus)}


def spin_calibration(env: WorkerEnv) -> busywork.Calibration:
    """The busy loop's calibration, one per ``mpbench run`` (the first worker to need
    it writes it into the run's scratch folder): the plain loop and the pools of a
    run then spin the same number of turns for "10 us"."""
    path = os.path.join(env.scratch_dir, CALIBRATION_FILE) if env.scratch_dir else None
    if path and os.path.exists(path):
        with open(path) as handle:
            saved = json.load(handle)
        return busywork.Calibration(saved["call_ns"], saved["iteration_ns"])
    cal = busywork.calibrate()
    if path:
        atomic_write_text(path, json.dumps({"call_ns": cal.call_ns,
                                            "iteration_ns": cal.iteration_ns}))
    return cal


def busy_iterations(env: WorkerEnv, task_us: float) -> dict[str, Any]:
    """Turns of the busy loop standing for ``task_us``, with the calibration behind them."""
    cal = spin_calibration(env)
    return {"mpbench_task_iters": cal.iterations_for(task_us),
            "mpbench_spin_call_ns": round(cal.call_ns, 1),
            "mpbench_spin_iteration_ns": round(cal.iteration_ns, 3)}


def serial_here(env: WorkerEnv, task_us: float) -> dict[str, Any]:
    """:func:`busy_iterations`, plus the plain loop's seconds per task measured here and
    now (~20 ms, before the pool starts): busy work drifts by 10 % and more between
    moments of a run on a shared machine, so a speed-up is best taken against the
    serial time of the same worker (``mpbench_serial_task_s``, per run)."""
    md = busy_iterations(env, task_us)
    calls = max(3, int(0.02 / (task_us * 1e-6)))
    iters = md["mpbench_task_iters"]
    pool_floors.time_plain_loop(1, pool_tasks.busy, iters)
    md["mpbench_serial_task_s"] = pool_floors.time_plain_loop(calls, pool_tasks.busy,
                                                              iters) / calls
    return md


def _context(method: str) -> Any:
    return multiprocessing.get_context(method)


# -- start-up and shutdown ------------------------------------------------------------

@contextmanager
def lifecycle_setup(env: WorkerEnv, kind: str, method: str, workers: int, part: str,
                    cold: bool = False) -> Iterator[Prepared]:
    func = functools.partial(pools.time_lifecycle, kind=kind, ctx=_context(method),
                             workers=workers, part=part, timeout=env.child_timeout, cold=cold)
    yield Prepared(func, occupancy(workers))


# -- dispatch, payload, break-even: a pool that is up, one API timed -----------------------

@contextmanager
def dispatch_setup(env: WorkerEnv, api: str, chunksize: int | None, method: str,
                   workers: int, items: Callable[[WorkerEnv], Sequence[Any]],
                   task: Callable = pool_tasks.identity,
                   metadata: Callable[[WorkerEnv], dict[str, Any]] = lambda env: {}
                   ) -> Iterator[Prepared]:
    """``items(env)`` builds the arguments of one call (the task returns its argument,
    so they are also the results expected)."""
    args = list(items(env))
    with pools.WorkerPool(pools.kind_of(api), _context(method), workers,
                          env.child_timeout) as handle:
        run = dispatch.Dispatch(handle, api, task_for(env, task), args, chunksize)
        yield Prepared(run.time, {**occupancy(workers), **metadata(env)})


def task_ids(count: int) -> Callable[[WorkerEnv], list[int]]:
    return lambda env: list(range(count))


def messages(size: int, count: int) -> Callable[[WorkerEnv], list[bytes]]:
    """``count`` distinct messages of ``size`` bytes: identical objects would be pickled
    once per chunk (pickle's memo) and hide the payload's cost."""
    return lambda env: [channel_work.make_message(size, "bytes", i) for i in range(count)]


def busy_items(task_us: float, count: int) -> Callable[[WorkerEnv], list[int]]:
    return lambda env: [busy_iterations(env, task_us)["mpbench_task_iters"]] * count


@contextmanager
def bare_map_setup(env: WorkerEnv, method: str, workers: int, tasks: int) -> Iterator[Prepared]:
    """The harness check's reference: the same pool, timed by a bare ``map`` loop (a floor:
    the test hook that kills workers leaves it alone, as it does every floor)."""
    with pools.WorkerPool("pool", _context(method), workers, env.child_timeout) as handle:
        bare = functools.partial(pool_floors.time_bare_map, pool=handle.pool,
                                 task=pool_tasks.identity, items=range(tasks), chunksize=1)

        def time_func(loops: int) -> float:  # one interval timer around the bare loop
            with deadline(env.child_timeout, f"{handle.what} bare map"):
                return bare(loops)
        yield Prepared(time_func, occupancy(workers))


@contextmanager
def concurrent_imap_setup(env: WorkerEnv, method: str) -> Iterator[Prepared]:
    func = functools.partial(pools.time_concurrent_imap, ctx=_context(method),
                             timeout=env.child_timeout,
                             task=task_for(env, pool_tasks.identity))
    yield Prepared(func, occupancy(pools.CONCURRENT_IMAP["workers"]))


# -- floors ---------------------------------------------------------------------------

@contextmanager
def plain_loop_setup(env: WorkerEnv, task_us: float) -> Iterator[Prepared]:
    if task_us == 0:
        yield Prepared(functools.partial(pool_floors.time_plain_loop, task=pool_tasks.identity,
                                         arg=0))
        return
    md = busy_iterations(env, task_us)
    yield Prepared(functools.partial(pool_floors.time_plain_loop, task=pool_tasks.busy,
                                     arg=md["mpbench_task_iters"]), md)


@contextmanager
def minimal_pool_setup(env: WorkerEnv, workers: int, tasks: int,
                       chunksize: int) -> Iterator[Prepared]:
    with pool_floors.MinimalPool(workers, tasks, pool_tasks.identity, env.child_timeout,
                                 chunksize) as floor:
        yield Prepared(floor.time, occupancy(workers))


@contextmanager
def pipe_round_trip_setup(env: WorkerEnv, size: int, method: str) -> Iterator[Prepared]:
    """One ``Pipe(duplex=False)`` round trip of ``size`` bytes (``send_bytes`` /
    ``recv_bytes``) between two processes: the channels group's ping-pong."""
    with PingPongRun(_context(method), "pipe_simplex", size, "bytes",
                     timeout=env.child_timeout, samples_per_call=0) as run:
        run.round_trips(3, keep=False)
        yield Prepared(functools.partial(run.round_trips, keep=False))


@contextmanager
def pipe_stream_setup(env: WorkerEnv, size: int, method: str) -> Iterator[Prepared]:
    """Messages of ``size`` bytes streamed one way through a ``Pipe(duplex=False)``
    (``send_bytes`` / ``recv_bytes``) from one process to another: the channels
    group's stream."""
    with StreamRun(_context(method), "pipe_simplex", size, "bytes",
                   timeout=env.child_timeout) as run:
        run.stream(run.prime_count())
        yield Prepared(run.time)


# -- lifecycle: queue timeouts ------------------------------------------------------------

@contextmanager
def queue_timeout_setup(env: WorkerEnv, op: str, seconds: float, method: str
                        ) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_queue_timeout, ctx=_context(method), op=op,
                                     seconds=seconds))


@contextmanager
def sleep_overshoot_setup(env: WorkerEnv, seconds: float) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_sleep_overshoot, seconds=seconds))
