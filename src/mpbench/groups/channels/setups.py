"""Set-ups of the ``channels`` group's benchmarks (the catalogue is
:mod:`mpbench.groups.channels.catalogue`).

Each is a context manager run inside a pyperf worker: it starts the channel's
processes (or builds the in-process floor) outside the timed region, primes it,
records the memory the processes held and the CPUs they ran on, and yields the
:class:`~mpbench.spec.Prepared` time function; children are stopped on the way out.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mpbench import options as opt
from mpbench.groups.channels.grid import MiB
from mpbench.groups.channels.workloads import floors as floors
from mpbench.groups.channels.workloads import messages as work
from mpbench.groups.channels.workloads.runs import PingPongRun, StreamRun
from mpbench.spec import MetadataValue, Prepared, WorkerEnv
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss
from mpbench.workloads.placement import cpus_for, end_cpus, pinned

# --inject-fault (tests): every stream's consumer kills itself halfway through a call
FAULTS = {"consumer-dies": work.DYING_CONSUMER}


def context(options: opt.Options) -> Any:
    """The multiprocessing context of the first ``--methods`` given, else the default's."""
    methods = options.get("methods")
    return multiprocessing.get_context(methods[0] if methods
                                       else multiprocessing.get_context().get_start_method())


def _whole_mib(nbytes: int) -> int:
    return -(-nbytes // MiB) * MiB


def _memory_metadata(peaks: dict[int, int], bases: dict[int, int]) -> dict[str, MetadataValue]:
    """Peak memory of every process of the benchmark, summed (shared pages count once
    per process: an upper bound), and what they held before any message moved."""
    return {"mpbench_peak_rss": _whole_mib(sum(peaks.values())),
            "mpbench_base_rss": _whole_mib(sum(bases.values())),
            "mpbench_processes": len(peaks)}


def clock_overhead_ns(calls: int = 2001) -> int:
    """Median gap between two consecutive ``time.monotonic_ns()`` calls, in ns."""
    now = time.monotonic_ns
    stamps = [now() for _ in range(calls)]
    gaps = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    return gaps[len(gaps) // 2]


def _pickled_metadata(transport: str, size: int, payload: str) -> dict[str, MetadataValue]:
    if transport in work.RAW or (transport in work.PIPES and payload == "bytes"):
        return {}
    return {"mpbench_pickled_size": work.pickled_size(size, payload)}


def _cpu_metadata(placement: str) -> dict[str, MetadataValue]:
    """The CPU(s) a pinned benchmark used: ``mpbench_cpu`` (end 0's), ``mpbench_cpus``."""
    cpus = cpus_for(placement)
    first = end_cpus(placement, 1)[0]
    if not cpus or not first:
        return {}
    return {"mpbench_cpu": first[0], "mpbench_cpus": ",".join(map(str, cpus))}


@contextmanager
def stream_setup(env: WorkerEnv, transport: str, size: int, payload: str, producers: int,
                  placement: str) -> Iterator[Prepared]:
    md = _pickled_metadata(transport, size, payload)
    consumer = FAULTS.get(opt.fault(env.options) or "", "consumer")
    with StreamRun(context(env.options), transport, size, payload, producers,
                        cpus=cpus_for(placement), member_cpus=end_cpus(placement, producers + 1),
                        timeout=env.child_timeout, consumer=consumer) as run:
        run.stream(run.prime_count())
        md.update(_memory_metadata(run.peak_rss(), run.base_rss))
        md.update(_cpu_metadata(placement))
        yield Prepared(run.time, md)


@contextmanager
def round_trip_setup(env: WorkerEnv, transport: str, size: int, payload: str,
                      placement: str) -> Iterator[Prepared]:
    md = _pickled_metadata(transport, size, payload)
    with PingPongRun(context(env.options), transport, size, payload,
                          cpus=cpus_for(placement), member_cpus=end_cpus(placement, 2),
                          timeout=env.child_timeout) as run:
        run.round_trips(3, keep=False)
        md.update(_memory_metadata(run.peak_rss(), run.base_rss))
        md["mpbench_clock_overhead_ns"] = clock_overhead_ns()
        md.update(_cpu_metadata(placement))
        yield Prepared(run.time, md, sample_calls=run.sample_calls)


@contextmanager
def memcpy_setup(env: WorkerEnv, size: int) -> Iterator[Prepared]:
    base = {0: rss()}
    reset_peak_rss()
    src = bytearray(work.make_message(size))
    dst = bytearray(size)
    func = functools.partial(floors.time_memcpy, src=src, dst=dst)
    func(1)
    yield Prepared(func, _memory_metadata({0: peak_rss()}, base))


@contextmanager
def pickle_setup(env: WorkerEnv, size: int, payload: str) -> Iterator[Prepared]:
    md = _pickled_metadata("pickle", size, payload)
    base = {0: rss()}
    reset_peak_rss()
    func = functools.partial(floors.time_pickle, message=work.make_message(size, payload))
    func(1)
    md.update(_memory_metadata({0: peak_rss()}, base))
    yield Prepared(func, md)


@contextmanager
def minimal_setup(env: WorkerEnv, kind: str, size: int, placement: str,
                   maxsize: int = 0) -> Iterator[Prepared]:
    """A hand-written reference loop in this worker (end 0) and a forked child (end 1)."""
    mine, theirs = end_cpus(placement, 2)
    ctx, timeout = context(env.options), env.child_timeout
    if kind == "queue_minimal":
        loop: Any = floors.MinimalQueue(ctx, size, timeout, maxsize, child_cpus=theirs)
    else:
        loop = floors.MinimalPingPong("os_pipe" if kind == "os_pipe_minimal" else "connection",
                                      ctx, size, timeout, child_cpus=theirs)
    md = _cpu_metadata(placement)
    with pinned(mine), loop:
        yield Prepared(loop.time_func, md)


@contextmanager
def perf_setup(env: WorkerEnv, perf: str, placement: str) -> Iterator[Prepared]:
    cpus = cpus_for(placement)
    # perf and its child inherit the placement; across CPUs, perf's two processes are
    # let loose on the pair (perf pins nothing itself)
    md: dict[str, MetadataValue] = _cpu_metadata(placement)
    with pinned(cpus):
        md["mpbench_perf_fixed"] = fixed = floors.perf_fixed_cost(perf, env.child_timeout)
        yield Prepared(functools.partial(floors.time_perf_sched_pipe, perf=perf, fixed=fixed,
                                         timeout=env.child_timeout), md)
