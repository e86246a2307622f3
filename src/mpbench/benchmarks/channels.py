"""The ``channels`` group: Queue, SimpleQueue, JoinableQueue, Pipe and a Manager queue,
throughput and latency against message size, beside the kernel floors.

Names read ``channels.<transport>.<metric>[size=S,...]``; ``payload=bytes``,
``producers=1`` and ``placement=free`` are left out of names (free kept its
old names; the default placements are ``same-cpu`` and ``cross-cpu``). Every parameter is
also metadata (``mpbench_transport``,
``mpbench_size``, ``mpbench_payload``, ``mpbench_metric``,
``mpbench_producers``, ``mpbench_placement``, ``mpbench_messages``...).

The full cross product of transports, sizes, metrics, payloads and
placements would take hours; what is crossed with what (see :class:`Grid`):

- throughput of bytes: every transport and floor at every size, placement
  cross-cpu (else free, else same-cpu: the first of these asked for; the raw
  floors also same-cpu);
- round trips (with one-way latency samples): every transport and raw floor
  on a subset of sizes, every placement asked for;
- object payloads and N producers: a few sizes.

``--sizes`` replaces every size list. Without it, ``--fast`` (run mode
``fast``, also ``mpbench list --fast``) uses coarser default lists.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mpbench import options as opt
from mpbench.catalogue import BenchSpec, MetadataValue, Prepared, WorkerEnv, bench_name
from mpbench.units import format_size, one_of, parse_list, parse_size_within
from mpbench.workloads import channel_floors as floors
from mpbench.workloads import channels as work
from mpbench.workloads.channel_runs import PingPongRun, StreamRun
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss
from mpbench.workloads.placement import cpus_for, end_cpus, pinned

GROUP = "channels"
MAX_SIZE = 2**30
OBJECT_MAX_SIZE = 4 * 2**20  # a list of ints holds ~7x its pickled size in memory
DEFAULT_NPROCS = (1, 2, 4)
PRODUCER_TRANSPORTS = ("queue", "simplequeue")
IN_PROCESS = ("memcpy", "pickle")
# The hand-written loops are the harness checks' references; perf is a reference line.
MINIMAL = ("os_pipe_minimal", "pipe_minimal", "queue_minimal")
REFERENCES = ("perf_sched_pipe",) + MINIMAL
ALL_TRANSPORTS = work.CHANNELS + work.RAW + IN_PROCESS + REFERENCES
PERF_SIZE = 4  # perf bench sched pipe passes an int
# --inject-fault (tests): every stream's consumer kills itself halfway through a call
FAULTS = {"consumer-dies": work.DYING_CONSUMER}


def _powers(base: int, top: int) -> tuple[int, ...]:
    sizes, size = [], 1
    while size <= top:
        sizes.append(size)
        size *= base
    return tuple(sizes)


@dataclass(frozen=True)
class Grid:
    """Message sizes per family of benchmarks."""

    throughput: tuple[int, ...]  # every transport and floor, bytes, placement free
    pinned: tuple[int, ...]      # the raw floors' throughput again, placement same-cpu
    round_trip: tuple[int, ...]  # every transport and raw floor, both placements
    objects: tuple[int, ...]     # a list of ints instead of bytes
    producers: tuple[int, ...]   # N producers into one queue


KiB, MiB = 2**10, 2**20
GRIDS = {
    # powers of 4 from 1 B to 64 MiB; the rest on powers of 16
    "full": Grid(throughput=_powers(4, 64 * MiB), pinned=_powers(16, 64 * MiB),
                 round_trip=_powers(16, MiB), objects=(64, 4 * KiB, 256 * KiB, 4 * MiB),
                 producers=(64, 64 * KiB)),
    # what `mpbench run --fast` fits in its time budget
    "fast": Grid(throughput=(64, 4 * KiB, 64 * KiB, MiB, 64 * MiB), pinned=(64, 64 * KiB, 64 * MiB),
                 round_trip=(1, 64 * KiB), objects=(64, 64 * KiB), producers=(64,)),
}


def grid_for(options: opt.Options) -> Grid:
    """The size lists: ``--sizes`` everywhere if given, else the run mode's grid."""
    sizes = options.get("sizes")
    if sizes:
        sizes = tuple(sorted(sizes))
        return Grid(sizes, sizes, sizes, tuple(s for s in sizes if s <= OBJECT_MAX_SIZE), sizes)
    return GRIDS["fast" if options.get("mode") in ("fast", "debug") else "full"]


# -- options ----------------------------------------------------------------------

def parse_message_size(text: str) -> int:
    return parse_size_within(text, "size", 1, MAX_SIZE, "a message has at least 1 byte")


def parse_sizes(text: str) -> list[int]:
    return parse_list(text, parse_message_size, "size")



def parse_transports(text: str) -> list[str]:
    return parse_list(text, one_of(ALL_TRANSPORTS, "transport"), "transport")


def _sizes_text(sizes: Sequence[int]) -> str:
    return ",".join(format_size(s) for s in sizes)


OPTIONS = (
    opt.Option("--sizes", parse_sizes,
               "channel message sizes, e.g. 64B,4KiB,1MiB (1 B to 1 GiB; default: powers of 4 "
               f"from 1B to 64MiB for throughput, {_sizes_text(GRIDS['full'].round_trip)} for "
               f"round trips; with --fast {_sizes_text(GRIDS['fast'].throughput)} and "
               f"{_sizes_text(GRIDS['fast'].round_trip)})"),
    opt.Option("--transports", parse_transports,
               "channel transports to measure (default: all: " + ", ".join(ALL_TRANSPORTS)
               + "); the floors they are compared with come along"),
)


# -- set-up -----------------------------------------------------------------------

def _context(options: opt.Options) -> Any:
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
def _stream_setup(env: WorkerEnv, transport: str, size: int, payload: str, producers: int,
                  placement: str) -> Iterator[Prepared]:
    md = _pickled_metadata(transport, size, payload)
    consumer = FAULTS.get(opt.fault(env.options) or "", "consumer")
    with StreamRun(_context(env.options), transport, size, payload, producers,
                   cpus=cpus_for(placement), member_cpus=end_cpus(placement, producers + 1),
                   timeout=env.child_timeout, consumer=consumer) as run:
        run.stream(run.prime_count())
        md.update(_memory_metadata(run.peak_rss(), run.base_rss))
        md.update(_cpu_metadata(placement))
        yield Prepared(run.time, md)


@contextmanager
def _round_trip_setup(env: WorkerEnv, transport: str, size: int, payload: str,
                      placement: str) -> Iterator[Prepared]:
    md = _pickled_metadata(transport, size, payload)
    with PingPongRun(_context(env.options), transport, size, payload,
                     cpus=cpus_for(placement), member_cpus=end_cpus(placement, 2),
                     timeout=env.child_timeout) as run:
        run.round_trips(3, keep=False)
        md.update(_memory_metadata(run.peak_rss(), run.base_rss))
        md["mpbench_clock_overhead_ns"] = clock_overhead_ns()
        md.update(_cpu_metadata(placement))
        yield Prepared(run.time, md, sample_calls=run.sample_calls)


@contextmanager
def _memcpy_setup(env: WorkerEnv, size: int) -> Iterator[Prepared]:
    base = {0: rss()}
    reset_peak_rss()
    src = bytearray(work.make_message(size))
    dst = bytearray(size)
    func = functools.partial(floors.time_memcpy, src=src, dst=dst)
    func(1)
    yield Prepared(func, _memory_metadata({0: peak_rss()}, base))


@contextmanager
def _pickle_setup(env: WorkerEnv, size: int, payload: str) -> Iterator[Prepared]:
    md = _pickled_metadata("pickle", size, payload)
    base = {0: rss()}
    reset_peak_rss()
    func = functools.partial(floors.time_pickle, message=work.make_message(size, payload))
    func(1)
    md.update(_memory_metadata({0: peak_rss()}, base))
    yield Prepared(func, md)


@contextmanager
def _minimal_setup(env: WorkerEnv, kind: str, size: int, placement: str,
                   maxsize: int = 0) -> Iterator[Prepared]:
    """A hand-written reference loop in this worker (end 0) and a forked child (end 1)."""
    mine, theirs = end_cpus(placement, 2)
    ctx, timeout = _context(env.options), env.child_timeout
    if kind == "queue_minimal":
        loop: Any = floors.MinimalQueue(ctx, size, timeout, maxsize, child_cpus=theirs)
    else:
        loop = floors.MinimalPingPong("os_pipe" if kind == "os_pipe_minimal" else "connection",
                                      ctx, size, timeout, child_cpus=theirs)
    md = _cpu_metadata(placement)
    with pinned(mine), loop:
        yield Prepared(loop.time_func, md)


@contextmanager
def _perf_setup(env: WorkerEnv, perf: str, placement: str) -> Iterator[Prepared]:
    cpus = cpus_for(placement)
    # perf and its child inherit the placement; across CPUs, perf's two processes are
    # let loose on the pair (perf pins nothing itself)
    md: dict[str, MetadataValue] = _cpu_metadata(placement)
    with pinned(cpus):
        md["mpbench_perf_fixed"] = fixed = floors.perf_fixed_cost(perf, env.child_timeout)
        yield Prepared(functools.partial(floors.time_perf_sched_pipe, perf=perf, fixed=fixed,
                                         timeout=env.child_timeout), md)


# -- rough costs, for the progress estimate ------------------------------------------

# (fixed seconds per message, bytes per second) of one message, roughly, on a small VM
_SPEED = {
    "os_pipe": (2e-6, 2e9), "socketpair": (3e-6, 2e9), "pipe_simplex": (3e-6, 0.8e9),
    "pipe": (5e-6, 0.8e9), "simplequeue": (7e-6, 0.5e9), "queue": (7e-6, 0.5e9),
    "joinablequeue": (9e-6, 0.5e9), "manager_queue": (60e-6, 0.15e9),
    "memcpy": (0.2e-6, 6e9), "pickle": (1e-6, 3e9),
}
OBJECT_SECONDS_PER_BYTE = 1 / 0.1e9  # pickling and unpickling a list of ints


def message_seconds(transport: str, size: int, payload: str = "bytes") -> float:
    fixed, bandwidth = _SPEED.get(transport, (10e-6, 1e9))
    seconds = fixed + size / bandwidth
    if payload == "object":
        seconds += size * OBJECT_SECONDS_PER_BYTE
    return seconds


def _cost(transport: str, size: int, payload: str = "bytes", round_trip: bool = False,
          producers: int = 1) -> float:
    one = message_seconds(transport, size, payload) * (2 if round_trip else 1)
    # what a worker spends besides its values (its children, the priming call), spread
    # over them; measured: about 2.9 s a benchmark in a default run, 1.6 s with --fast
    setup = 0.045 + (size * 8 / 1e9 if transport not in IN_PROCESS else 0.0)
    return one * producers + setup


# -- the catalogue --------------------------------------------------------------------

def _floor_transport(transport: str) -> str:
    """The raw floor a channel is compared with: what it is built on."""
    return "socketpair" if transport in ("pipe", "manager_queue") else "os_pipe"


def throughput_placement(placements: Sequence[str]) -> str:
    """Where streams run: cross-cpu (a producer and its consumer in parallel on two
    CPUs), else free, else same-cpu, whichever is asked for first in that order."""
    for placement in ("cross-cpu", "free", "same-cpu"):
        if placement in placements:
            return placement
    return "free"


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The channels group for these options."""
    grid = grid_for(options)
    placements = opt.placements(options)
    nprocs = [n for n in opt.value(options, "nprocs", DEFAULT_NPROCS) if n > 1]
    method = _context(options).get_start_method()
    perf = floors.find_perf()
    specs: list[BenchSpec] = []

    def add(transport: str, metric: str, size: int, setup, *, payload: str = "bytes",
            producers: int = 1, placement: str = "free", floor: str | None = None,
            reference: str | None = None, is_floor: bool = False,
            extra: dict[str, MetadataValue] | None = None,
            cost: float = 0.05, weight: float = 0.2) -> str:
        params: list[tuple[str, Any]] = [("size", format_size(size))]
        if payload != "bytes":
            params.append(("payload", payload))
        if producers != 1:
            params.append(("producers", producers))
        if placement in ("same-cpu", "cross-cpu"):
            params.append(("placement", placement))
        md: dict[str, MetadataValue] = {
            "mpbench_group": GROUP, "mpbench_transport": transport, "mpbench_metric": metric,
            "mpbench_size": size, "mpbench_payload": payload, "mpbench_producers": producers,
            "mpbench_messages": 2 if metric == "round_trip" else 1,
            "mpbench_placement": placement}
        if transport in work.TRANSPORTS or transport in MINIMAL[1:]:
            md["mpbench_method"] = method
        if transport in work.TRANSPORTS:
            md["mpbench_api"] = work.api_of(transport, payload)
        maxsize = work.queue_maxsize(transport.replace("_minimal", ""), size)
        if maxsize and transport in work.TRANSPORTS + ("queue_minimal",):
            md["mpbench_queue_maxsize"] = maxsize
        if is_floor:
            md["mpbench_is_floor"] = 1
        if transport in MINIMAL:
            md["mpbench_is_reference"] = 1
        if floor:
            md["mpbench_floor"] = floor
        if reference:
            md["mpbench_reference"] = reference
        md.update(extra or {})
        name = bench_name(f"{GROUP}.{transport}.{metric}", params)
        loops = 1 if transport in work.CHANNELS and size >= 16 * MiB else None
        specs.append(BenchSpec(name, md, setup, inner_loops=producers if producers > 1 else None,
                               loops=loops, weight=weight, cost=cost))
        return name

    # References and floors, each before what is compared with it. The hand-written
    # loops are the harness checks: the raw-pipe and Pipe round trips at their smallest
    # size in every placement, the Queue stream at its smallest size.
    perf_floor: dict[str, str] = {}
    minimal: dict[tuple[str, str], str] = {}
    minimal_size = min(grid.round_trip) if grid.round_trip else 0
    stream_placement = throughput_placement(placements)
    stream_size = min(grid.throughput) if grid.throughput else 0
    for placement in placements:
        if perf and placement != "cross-cpu":  # perf pins neither of its two processes
            perf_floor[placement] = add(
                "perf_sched_pipe", "round_trip", PERF_SIZE,
                functools.partial(_perf_setup, perf=perf, placement=placement),
                placement=placement, is_floor=True, cost=0.02,
                extra={"mpbench_api": "write/read (C)",
                       "mpbench_perf_command": floors.perf_command(perf)})
        if 0 < minimal_size <= floors.PIPE_BUF:
            for kind, api in (("os_pipe_minimal", "os.write/os.read"),
                              ("pipe_minimal", "send_bytes/recv_bytes")):
                minimal[kind, placement] = add(
                    kind, "round_trip", minimal_size,
                    functools.partial(_minimal_setup, kind=kind, size=minimal_size,
                                      placement=placement),
                    placement=placement, is_floor=True, cost=0.02,
                    floor=perf_floor.get(placement) if kind == "os_pipe_minimal" else None,
                    extra={"mpbench_api": api})
    if stream_size and stream_size <= 64 * KiB:
        maxsize = work.queue_maxsize("queue", stream_size) or 0
        minimal["queue_minimal", stream_placement] = add(
            "queue_minimal", "throughput", stream_size,
            functools.partial(_minimal_setup, kind="queue_minimal", size=stream_size,
                              placement=stream_placement, maxsize=maxsize),
            placement=stream_placement, is_floor=True, cost=_cost("queue", stream_size),
            extra={"mpbench_api": "put/get"})
    memcpy_floor = {size: add("memcpy", "throughput", size,
                              functools.partial(_memcpy_setup, size=size),
                              placement="in-process", is_floor=True,
                              cost=_cost("memcpy", size), weight=0.3,
                              extra={"mpbench_api": "bytearray slice copy"})
                    for size in sorted(set(grid.throughput) | set(grid.pinned))}
    pickle_floor: dict[tuple[int, str], str] = {}
    for payload, sizes in (("bytes", grid.throughput), ("object", grid.objects)):
        for size in sizes:
            pickle_floor[size, payload] = add(
                "pickle", "throughput", size,
                functools.partial(_pickle_setup, size=size, payload=payload),
                payload=payload, placement="in-process", is_floor=True,
                cost=_cost("pickle", size, payload), weight=0.3,
                extra={"mpbench_api": "ForkingPickler.dumps/loads"})
    raw_floor: dict[tuple[str, str, int, str], str] = {}
    pinned_placements = [p for p in placements if p == "same-cpu"]
    for transport in work.RAW:
        for placement in [stream_placement] + [p for p in pinned_placements
                                               if p != stream_placement]:
            for size in (grid.throughput if placement == stream_placement else grid.pinned):
                raw_floor[transport, "throughput", size, placement] = add(
                    transport, "throughput", size,
                    functools.partial(_stream_setup, transport=transport, size=size,
                                      payload="bytes", producers=1, placement=placement),
                    placement=placement, is_floor=True, floor=memcpy_floor.get(size),
                    cost=_cost(transport, size))
        for placement in placements:
            for size in grid.round_trip:
                reference = (minimal.get(("os_pipe_minimal", placement))
                             if transport == "os_pipe" and size == minimal_size else None)
                raw_floor[transport, "round_trip", size, placement] = add(
                    transport, "round_trip", size,
                    functools.partial(_round_trip_setup, transport=transport, size=size,
                                      payload="bytes", placement=placement),
                    placement=placement, is_floor=True, reference=reference,
                    cost=_cost(transport, size, round_trip=True))

    # The channels
    for transport in work.CHANNELS:
        raw = _floor_transport(transport)
        for size in grid.throughput:
            reference = (minimal.get(("queue_minimal", stream_placement))
                         if transport == "queue" and size == stream_size else None)
            add(transport, "throughput", size,
                functools.partial(_stream_setup, transport=transport, size=size,
                                  payload="bytes", producers=1, placement=stream_placement),
                placement=stream_placement, reference=reference,
                floor=raw_floor.get((raw, "throughput", size, stream_placement)),
                cost=_cost(transport, size))
        for size in grid.objects:
            add(transport, "throughput", size,
                functools.partial(_stream_setup, transport=transport, size=size,
                                  payload="object", producers=1, placement=stream_placement),
                payload="object", placement=stream_placement,
                floor=pickle_floor.get((size, "object")), cost=_cost(transport, size, "object"))
        if transport in PRODUCER_TRANSPORTS:
            for producers in nprocs:
                for size in grid.producers:
                    add(transport, "throughput", size,
                        functools.partial(_stream_setup, transport=transport, size=size,
                                          payload="bytes", producers=producers,
                                          placement=stream_placement),
                        producers=producers, placement=stream_placement,
                        floor=raw_floor.get((raw, "throughput", size, stream_placement)),
                        cost=_cost(transport, size, producers=producers))
        for placement in placements:
            for size in grid.round_trip:
                reference = (minimal.get(("pipe_minimal", placement))
                             if transport == "pipe" and size == minimal_size else None)
                add(transport, "round_trip", size,
                    functools.partial(_round_trip_setup, transport=transport, size=size,
                                      payload="bytes", placement=placement),
                    placement=placement, reference=reference,
                    floor=raw_floor.get((raw, "round_trip", size, placement)),
                    cost=_cost(transport, size, round_trip=True))
    return _only_transports(specs, options.get("transports"))


def _only_transports(specs: list[BenchSpec], transports: Sequence[str] | None
                     ) -> list[BenchSpec]:
    """The benchmarks of ``transports``, plus every floor and reference they are
    compared with."""
    if not transports:
        return specs
    by_name = {spec.name: spec for spec in specs}
    keep = {spec.name for spec in specs if spec.metadata["mpbench_transport"] in transports}
    todo = list(keep)
    while todo:
        spec = by_name[todo.pop()]
        for other in (spec.floor, spec.reference):
            if other and other not in keep:
                keep.add(other)
                todo.append(other)
    return [spec for spec in specs if spec.name in keep]
