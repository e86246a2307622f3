"""The ``channels`` group: Queue, SimpleQueue, JoinableQueue, Pipe and a Manager queue,
throughput and latency against message size, beside the kernel floors.

Names read ``channels.<transport>.<metric>[size=S,...]``; ``payload=bytes``,
``producers=1`` and ``placement=free`` are left out of names (free kept its
old names; the default placements are ``same-cpu`` and ``cross-cpu``). Every parameter is
also metadata (``mpbench_transport``,
``mpbench_size``, ``mpbench_payload``, ``mpbench_metric``,
``mpbench_producers``, ``mpbench_placement``, ``mpbench_messages``...).

The full cross product of transports, sizes, metrics, payloads and
placements would take hours; what is crossed with what (see
:class:`~mpbench.groups.channels.grid.Grid`):

- throughput of bytes: every transport and floor at every size, placement
  cross-cpu (else free, else same-cpu: the first of these asked for; the raw
  floors also same-cpu);
- round trips (with one-way latency samples): every transport and raw floor
  on a subset of sizes, every placement asked for;
- object payloads and N producers: a few sizes.

``--sizes`` replaces every size list. Without it, ``--fast`` (run mode
``fast``, also ``mpbench list --fast``) uses coarser default lists.

Sizes, transports, options and rough costs: :mod:`mpbench.groups.channels.grid`;
the set-ups run in the pyperf workers: :mod:`mpbench.groups.channels.setups`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from mpbench import options as opt
from mpbench.groups.channels import grid as channels_grid
from mpbench.groups.channels import setups as setups
from mpbench.groups.channels.grid import MINIMAL, KiB, MiB, grid_for, rough_cost
from mpbench.groups.channels.workloads import floors as floors
from mpbench.groups.channels.workloads import messages as work
from mpbench.spec import BenchSpec, MetadataValue, bench_name
from mpbench.units import format_size

GROUP = "channels"
DEFAULT_NPROCS = (1, 2, 4)
PRODUCER_TRANSPORTS = ("queue", "simplequeue")
PERF_SIZE = 4  # perf bench sched pipe passes an int
FAULTS = setups.FAULTS
OPTIONS = channels_grid.OPTIONS


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
    method = setups.context(options).get_start_method()
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
                functools.partial(setups.perf_setup, perf=perf, placement=placement),
                placement=placement, is_floor=True, cost=0.02,
                extra={"mpbench_api": "write/read (C)",
                       "mpbench_perf_command": floors.perf_command(perf)})
        if 0 < minimal_size <= floors.PIPE_BUF:
            for kind, api in (("os_pipe_minimal", "os.write/os.read"),
                              ("pipe_minimal", "send_bytes/recv_bytes")):
                minimal[kind, placement] = add(
                    kind, "round_trip", minimal_size,
                    functools.partial(setups.minimal_setup, kind=kind, size=minimal_size,
                                      placement=placement),
                    placement=placement, is_floor=True, cost=0.02,
                    floor=perf_floor.get(placement) if kind == "os_pipe_minimal" else None,
                    extra={"mpbench_api": api})
    if stream_size and stream_size <= 64 * KiB:
        maxsize = work.queue_maxsize("queue", stream_size) or 0
        minimal["queue_minimal", stream_placement] = add(
            "queue_minimal", "throughput", stream_size,
            functools.partial(setups.minimal_setup, kind="queue_minimal", size=stream_size,
                              placement=stream_placement, maxsize=maxsize),
            placement=stream_placement, is_floor=True, cost=rough_cost("queue", stream_size),
            extra={"mpbench_api": "put/get"})
    memcpy_floor = {size: add("memcpy", "throughput", size,
                              functools.partial(setups.memcpy_setup, size=size),
                              placement="in-process", is_floor=True,
                              cost=rough_cost("memcpy", size), weight=0.3,
                              extra={"mpbench_api": "bytearray slice copy"})
                    for size in sorted(set(grid.throughput) | set(grid.pinned))}
    pickle_floor: dict[tuple[int, str], str] = {}
    for payload, sizes in (("bytes", grid.throughput), ("object", grid.objects)):
        for size in sizes:
            pickle_floor[size, payload] = add(
                "pickle", "throughput", size,
                functools.partial(setups.pickle_setup, size=size, payload=payload),
                payload=payload, placement="in-process", is_floor=True,
                cost=rough_cost("pickle", size, payload), weight=0.3,
                extra={"mpbench_api": "ForkingPickler.dumps/loads"})
    raw_floor: dict[tuple[str, str, int, str], str] = {}
    pinned_placements = [p for p in placements if p == "same-cpu"]
    for transport in work.RAW:
        for placement in [stream_placement] + [p for p in pinned_placements
                                               if p != stream_placement]:
            for size in (grid.throughput if placement == stream_placement else grid.pinned):
                raw_floor[transport, "throughput", size, placement] = add(
                    transport, "throughput", size,
                    functools.partial(setups.stream_setup, transport=transport, size=size,
                                      payload="bytes", producers=1, placement=placement),
                    placement=placement, is_floor=True, floor=memcpy_floor.get(size),
                    cost=rough_cost(transport, size))
        for placement in placements:
            for size in grid.round_trip:
                reference = (minimal.get(("os_pipe_minimal", placement))
                             if transport == "os_pipe" and size == minimal_size else None)
                raw_floor[transport, "round_trip", size, placement] = add(
                    transport, "round_trip", size,
                    functools.partial(setups.round_trip_setup, transport=transport, size=size,
                                      payload="bytes", placement=placement),
                    placement=placement, is_floor=True, reference=reference,
                    cost=rough_cost(transport, size, round_trip=True))

    # The channels
    for transport in work.CHANNELS:
        raw = _floor_transport(transport)
        for size in grid.throughput:
            reference = (minimal.get(("queue_minimal", stream_placement))
                         if transport == "queue" and size == stream_size else None)
            add(transport, "throughput", size,
                functools.partial(setups.stream_setup, transport=transport, size=size,
                                  payload="bytes", producers=1, placement=stream_placement),
                placement=stream_placement, reference=reference,
                floor=raw_floor.get((raw, "throughput", size, stream_placement)),
                cost=rough_cost(transport, size))
        for size in grid.objects:
            add(transport, "throughput", size,
                functools.partial(setups.stream_setup, transport=transport, size=size,
                                  payload="object", producers=1, placement=stream_placement),
                payload="object", placement=stream_placement,
                floor=pickle_floor.get((size, "object")),
                cost=rough_cost(transport, size, "object"))
        if transport in PRODUCER_TRANSPORTS:
            for producers in nprocs:
                for size in grid.producers:
                    add(transport, "throughput", size,
                        functools.partial(setups.stream_setup, transport=transport, size=size,
                                          payload="bytes", producers=producers,
                                          placement=stream_placement),
                        producers=producers, placement=stream_placement,
                        floor=raw_floor.get((raw, "throughput", size, stream_placement)),
                        cost=rough_cost(transport, size, producers=producers))
        for placement in placements:
            for size in grid.round_trip:
                reference = (minimal.get(("pipe_minimal", placement))
                             if transport == "pipe" and size == minimal_size else None)
                add(transport, "round_trip", size,
                    functools.partial(setups.round_trip_setup, transport=transport, size=size,
                                      payload="bytes", placement=placement),
                    placement=placement, reference=reference,
                    floor=raw_floor.get((raw, "round_trip", size, placement)),
                    cost=rough_cost(transport, size, round_trip=True))
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
