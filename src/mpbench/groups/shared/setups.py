"""Set-ups of the ``shared`` group's benchmarks (:mod:`mpbench.groups.shared.catalogue`).

Each is a context manager run inside a pyperf worker: it starts what the
benchmark needs (processes, segments, a Manager) outside the timed region,
runs the instrumented passes (contents checked whole, memory held), yields
the :class:`~mpbench.spec.Prepared` time function, and on the way out
stops every child and unlinks every segment, SIGTERM included.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mpbench import options as opt
from mpbench.errors import BenchmarkFailed
from mpbench.groups.channels.workloads import floors as channel_floors
from mpbench.groups.channels.workloads.runs import PingPongRun
from mpbench.groups.shared.workloads import managers, shm_costs, values
from mpbench.groups.shared.workloads.clients import Clients, time_in_process
from mpbench.groups.shared.workloads.handover import (
    FAULT_RECEIVER_DIES,
    FAULT_WORKER_DIES,
    HandOverRun,
)
from mpbench.groups.shared.workloads.segments import Segments, terminate_raises
from mpbench.groups.shared.workloads.shm_reference import minimal_handover, time_minimal_handover
from mpbench.groups.shared.workloads.transfer import make_payload, time_copy_into_new
from mpbench.machine import chosen_start_method as start_method
from mpbench.machine import usable_cpu_count
from mpbench.memory_check import shortfall
from mpbench.spec import MetadataValue, Prepared, WorkerEnv
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss
from mpbench.workloads.placement import cpus_for, pinned

MiB = 2**20
# Below this size the allocator serves a copy from memory it already holds, so a
# peak-RSS reading says nothing about copies (glibc's mmap threshold grows to 32 MiB).
COPIES_FROM_SIZE = 16 * MiB
PIPE_FLOOR_SIZE = 64  # bytes of the pickled object a Pipe() round trip carries


def context(options: opt.Options) -> Any:
    return multiprocessing.get_context(start_method(options))


def _fault(options: opt.Options) -> str | None:
    fault = opt.fault(options)
    return fault if fault in (FAULT_RECEIVER_DIES, FAULT_WORKER_DIES) else None


def _placement_md(cpus: list | None) -> dict[str, MetadataValue]:
    return {"mpbench_cpu": cpus[0]} if cpus else {}


def _whole_mib(nbytes: int) -> int:
    return -(-nbytes // MiB) * MiB


def _check_memory(needed: int) -> None:
    """Refuse to start (the runner checked too, before this worker started); 0: no need."""
    short = shortfall(needed) if needed else None
    if short:
        raise BenchmarkFailed(f"not started: {short}")


def memory_metadata(memory: dict[str, tuple], size: int) -> dict[str, MetadataValue]:
    """Both sides' memory for one hand-over: peak and base RSS summed (whole MiB, as
    the channels group records them), bytes held beyond the start with a segment's
    pages counted once, and that over the payload where it means something."""
    held = sum(m[0] for m in memory.values())
    md: dict[str, MetadataValue] = {
        "mpbench_peak_rss": _whole_mib(sum(m[1] for m in memory.values())),
        "mpbench_base_rss": _whole_mib(sum(m[2] for m in memory.values())),
        "mpbench_processes": len(memory),
        "mpbench_held_bytes": held,
    }
    if size >= COPIES_FROM_SIZE:
        md["mpbench_held_copies"] = round(held / size, 2)
    return md


@contextmanager
def handover(env: WorkerEnv, transfer: str, size: int, payload: str, receiver: str,
             needed: int, placement: str = "free") -> Iterator[Prepared]:
    _check_memory(needed)
    cpus = cpus_for(placement)
    with terminate_raises(), HandOverRun(context(env.options), transfer, size, payload,
                                         receiver, timeout=env.child_timeout,
                                         fault=_fault(env.options), cpus=cpus) as run:
        memory = run.memory()  # first: later the allocator reuses freed buffers unseen
        run.check(1 if size >= COPIES_FROM_SIZE else 2)
        yield Prepared(run.time, {**memory_metadata(memory, size), **_placement_md(cpus)})


@contextmanager
def memcpy(env: WorkerEnv, size: int, needed: int, destination: str) -> Iterator[Prepared]:
    """Copy into a buffer made once (``buffer``: memory bandwidth), or into a new
    object each time (``new``: what a receiver's copy-out pays, page faults included)."""
    _check_memory(needed)
    base = rss()
    reset_peak_rss()
    src = bytearray(make_payload(size))
    if destination == "new":
        func = functools.partial(time_copy_into_new, src=src)
    else:
        func = functools.partial(channel_floors.time_memcpy, src=src, dst=bytearray(size))
    func(1)
    peak = peak_rss()
    yield Prepared(func, {"mpbench_peak_rss": _whole_mib(peak), "mpbench_base_rss":
                          _whole_mib(base), "mpbench_processes": 1})


@contextmanager
def reference(env: WorkerEnv, size: int, needed: int,
              placement: str = "free") -> Iterator[Prepared]:
    """The hand-written loop; its whole cycle per hand-over (acknowledgement, close and
    free included) is measured once in set-up, ``mpbench_cycle_seconds``. ``same-cpu``
    pins this process while it runs, and so the child it forks."""
    _check_memory(needed)
    cpus = cpus_for(placement)
    with terminate_raises(), pinned(cpus), Segments() as segments:
        segment = segments.create(size)
        payload = make_payload(size)
        rounds = 3 if size >= COPIES_FROM_SIZE else 200
        _, wall = minimal_handover(rounds, segment, payload, env.child_timeout)
        yield Prepared(functools.partial(time_minimal_handover, segment=segment,
                                         payload=payload, timeout=env.child_timeout),
                       {"mpbench_cycle_seconds": round(wall / rounds, 9), **_placement_md(cpus)})


@contextmanager
def shm_op(env: WorkerEnv, op: str, size: int, track: bool) -> Iterator[Prepared]:
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # started here, not inside the first timed call
    with terminate_raises():
        if op in ("attach", "close"):
            with shm_costs.ResidentSegment(size) as resident:
                func = (functools.partial(shm_costs.time_attach, name=resident.name, track=track)
                        if op == "attach"
                        else functools.partial(shm_costs.time_close, name=resident.name,
                                               size=size))
                yield Prepared(func)
        elif op == "create":
            yield Prepared(functools.partial(shm_costs.time_create, size=size, track=track))
        elif op == "unlink":
            yield Prepared(functools.partial(shm_costs.time_unlink, size=size))
        else:
            yield Prepared(shm_costs.time_register)


def _occupancy(busy: int) -> dict[str, MetadataValue]:
    cpus = usable_cpu_count()
    return {"mpbench_worker_cpus": cpus, "mpbench_oversubscribed": int(busy > cpus)}


@contextmanager
def value_op(env: WorkerEnv, obj: str, op: str, size: int, clients: int) -> Iterator[Prepared]:
    ctx = context(env.options)
    with terminate_raises():
        shared = values.SharedValue(ctx, obj, op, size)
        try:
            with Clients(ctx, values.prepare, values.specs_for(obj, op, shared.handle, size,
                                                               clients),
                         timeout=env.child_timeout, what=f"{clients} client(s), {obj} {op}",
                         check=shared) as run:
                yield Prepared(run.time, _occupancy(clients))
        finally:
            shared.close()


@contextmanager
def local_op(env: WorkerEnv, module: Any, obj: str, op: str, size: int = 0) -> Iterator[Prepared]:
    """The same loop on an object of this process (``module``: values or managers)."""
    if module is managers:
        target = managers.local_object(obj)
        loop, args, _ = managers.prepare(obj, op, target)
        reset = target.clear if obj == "list" else None
    else:
        loop, args, cleanup = values.prepare("local", op, None, size)
        reset = None
    yield Prepared(functools.partial(time_local, loop=loop, args=args, reset=reset))


def time_local(loops: int, loop: Any, args: tuple, reset: Any = None) -> float:
    if reset is not None:
        reset()  # a local list would otherwise grow by every call's appends
    return time_in_process(loops, loop, args)


@contextmanager
def proxy_op(env: WorkerEnv, obj: str, op: str, clients: int,
             placement: str = "free") -> Iterator[Prepared]:
    """N clients and the Manager's server, placed freely or all on one CPU."""
    ctx = context(env.options)
    cpus = cpus_for(placement)
    with terminate_raises():
        managed = managers.Managed(ctx, obj, op, clients, cpus)
        try:
            with Clients(ctx, managers.prepare, managed.specs(), timeout=env.child_timeout,
                         what=f"{clients} client(s), Manager {obj} {op}", check=managed,
                         cpus=cpus) as run:
                yield Prepared(run.time, {**_occupancy(clients + 1), **_placement_md(cpus)})
        finally:
            managed.close()


@contextmanager
def pipe_round_trip(env: WorkerEnv, placement: str = "free") -> Iterator[Prepared]:
    """One ``Pipe()`` round trip of a small pickled object: the channels group's
    ping-pong (``pipe``, object payload), between two children placed freely or
    both on one CPU."""
    cpus = cpus_for(placement)
    with PingPongRun(context(env.options), "pipe", PIPE_FLOOR_SIZE, "object", cpus=cpus,
                     timeout=env.child_timeout) as run:
        run.round_trips(3, keep=False)
        yield Prepared(run.time, _placement_md(cpus))
