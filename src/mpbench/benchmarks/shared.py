"""The ``shared`` group: sharing instead of sending, and what it costs.

- ``shared.handover[transfer=T,...,size=S]``: one process hands a buffer of S
  bytes (``bytes`` or a numpy array) to another until the receiver holds a
  usable view or copy: ``queue``, ``send_bytes``, ``pickle5`` (out-of-band
  frames), ``shared_memory`` (view, copy), ``fork_cow`` (view, copy); floors
  ``os_pipe`` (the same hand-over over a raw pipe) and ``shared.memcpy``;
  reference ``shared.handover_minimal`` (a hand-written SharedMemory
  hand-over, the group's harness check);
- ``shared.shm[op=O,size=S]``: SharedMemory's create, attach, close, unlink
  and the resource tracker's register (``track=false`` on Python 3.13+);
- ``shared.value[object=O,op=P,...]``: Value, RawValue, Array, RawArray,
  SharedMemory + struct, element and slice access, from 1 to N clients,
  beside the same access to a local object;
- ``shared.proxy[object=O,op=P,clients=N]``: Manager dict, list and
  Namespace, beside ``shared.local[...]`` (the same loop on a local object)
  and ``shared.pipe_round_trip`` (the floor a proxy call cannot beat).

Parameters at their default (``payload=bytes``, ``clients=1``, ``track=true``)
are left out of names; every one is metadata. Sizes: ``--shared-sizes``
(4 KiB to 256 MiB), a flag of its own: ``--sizes`` is the channels group's
(1 B to 1 GiB), and one flag meaning two ranges would make one group refuse
or silently drop what the other accepts. See docs/shared.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mpbench import options as opt
from mpbench.benchmarks import shared_setups as setups
from mpbench.benchmarks.sync import start_method
from mpbench.catalogue import BenchSpec, MetadataValue, bench_name
from mpbench.errors import UsageError
from mpbench.memory_check import NEEDED_KEY
from mpbench.units import format_size, parse_list, parse_size
from mpbench.workloads import proxies, shm_costs, values
from mpbench.workloads.handover import FAULT_RECEIVER_DIES
from mpbench.workloads.segments import supports_track
from mpbench.workloads.transfer import ALL_TRANSFERS, FLOOR, TRANSFERS, receivers_of

GROUP = "shared"
KiB, MiB = 2**10, 2**20
MIN_SIZE, MAX_SIZE = 4 * KiB, 256 * MiB
SLICE_MAX = 4 * MiB       # a[:] of an Array makes a list of ints: ~4.5x its bytes
FIXED_LOOP_SIZE = 16 * MiB  # from here one hand-over per value (-l 1): no calibration
MAX_LOOPS = 4096
COPY_NEW_FROM = 16 * MiB  # memcpy into a new object: below, glibc reuses freed memory
LEADS_SIZE = 64 * MiB     # the size the project's table of minimal loops has
FAULTS = (FAULT_RECEIVER_DIES,)
# pyperf worker processes relative to the mode's: 4 by default, 3 (the least) with
# --fast, for hand-overs below 16 MiB; 3 for the rest (the budget: docs/shared.md)
WEIGHT_HANDOVER = 0.2
WEIGHT = 0.15
# Proxy calls and their Pipe() floor are round trips: placed freely they land on one
# CPU or two at the scheduler's whim; all on one CPU is the repeatable reading.
PROXY_PLACEMENTS = ("free", "same-cpu")
DEFAULT_CLIENTS = (1, 2, 4)
FAST_CLIENTS = (1, 2)
# Memory one hand-over may hold at once, in payloads (sender's payload and its
# pickle or check copy, the receiver's buffers): measured 4 for queue/ndarray
# (docs/shared.md), plus a margin for the allocator and the interpreters.
MEMORY_FACTOR = {"queue": 6, "send_bytes": 4, "pickle5": 4, "shared_memory": 4,
                 "fork_cow": 4, FLOOR: 3, "memcpy": 3, "minimal": 3}
MEMORY_MARGIN = 256 * MiB


@dataclass(frozen=True)
class Grid:
    """Sizes per family."""

    transfer: Tuple[int, ...]        # every transfer, bytes payload, and the floors
    arrays: Tuple[int, ...]          # ndarray payload
    array_transfers: Tuple[Tuple[str, str], ...]  # (transfer, receiver) with an ndarray
    shm_ops: Tuple[int, ...]         # SharedMemory's close and unlink
    shm_mapping: Tuple[int, ...]     # create and attach (they touch no page)
    slices: Tuple[int, ...]          # Array slices
    clients: Tuple[int, ...]         # Value and proxy clients at once
    contended_reads: bool            # N clients for reads too (else writes only)
    pinned_proxies: Tuple[Tuple[str, str], ...]  # (object, op) also with every process on one CPU


_ALL_RECEIVERS = tuple((t, r) for t in TRANSFERS for r in receivers_of(t))
GRIDS = {
    "full": Grid(transfer=(4 * KiB, 64 * KiB, MiB, 16 * MiB, 64 * MiB, 256 * MiB),
                 arrays=(MiB, 16 * MiB), array_transfers=_ALL_RECEIVERS,
                 shm_ops=(4 * KiB, MiB, 64 * MiB), shm_mapping=(4 * KiB, MiB, 64 * MiB),
                 slices=(4 * KiB, 64 * KiB, MiB), clients=DEFAULT_CLIENTS,
                 contended_reads=True, pinned_proxies=(("dict", "get"), ("dict", "set"))),
    # what fits in 2 minutes here; 256 MiB only in the default and rigorous modes
    "fast": Grid(transfer=(4 * KiB, MiB, 64 * MiB), arrays=(MiB,),
                 array_transfers=(("queue", "copy"), ("send_bytes", "copy"), ("pickle5", "copy"),
                                  ("shared_memory", "copy")),
                 shm_ops=(4 * KiB, 64 * MiB), shm_mapping=(4 * KiB,), slices=(64 * KiB,),
                 clients=FAST_CLIENTS, contended_reads=False,
                 pinned_proxies=(("dict", "set"),)),
}


def grid_for(options: opt.Options) -> Grid:
    """``--shared-sizes`` replaces every size list (slices stop at 4 MiB), ``--nprocs``
    the clients; else the run mode's grid."""
    grid = GRIDS["fast" if options.get("mode") in ("fast", "debug") else "full"]
    sizes = options.get("shared_sizes")
    if sizes:
        sizes = tuple(sorted(sizes))
        grid = replace(grid, transfer=sizes, arrays=sizes, shm_ops=sizes, shm_mapping=sizes,
                       slices=tuple(s for s in sizes if s <= SLICE_MAX))
    nprocs = options.get("nprocs")
    if nprocs:
        grid = replace(grid, clients=tuple(sorted(nprocs)))
    return grid


# -- options ------------------------------------------------------------------------

def parse_buffer_size(text: str) -> int:
    size = parse_size(text)
    if size < MIN_SIZE:
        raise UsageError(f"bad shared size {text!r}: at least {format_size(MIN_SIZE)}")
    if size > MAX_SIZE:
        raise UsageError(f"bad shared size {text!r}: at most {format_size(MAX_SIZE)}")
    return size


def parse_shared_sizes(text: str) -> List[int]:
    return parse_list(text, parse_buffer_size, "shared size")


def parse_transfers(text: str) -> List[str]:
    def one(item: str) -> str:
        if item not in ALL_TRANSFERS:
            raise UsageError(f"unknown transfer {item!r} (known: {', '.join(ALL_TRANSFERS)})")
        return item
    return parse_list(text, one, "transfer")


def _sizes_text(sizes: Sequence[int]) -> str:
    return ",".join(format_size(s) for s in sizes)


OPTIONS = (
    opt.Option("--shared-sizes", parse_shared_sizes,
               "shared: buffer sizes, 4KiB to 256MiB (default: "
               f"{_sizes_text(GRIDS['full'].transfer)}; with --fast "
               f"{_sizes_text(GRIDS['fast'].transfer)})"),
    opt.Option("--transfers", parse_transfers,
               "shared: hand-over methods (default: all: " + ", ".join(ALL_TRANSFERS)
               + "); the floors they are compared with come along"),
)


# -- rough costs, for the progress estimate -------------------------------------------

# (fixed seconds, bytes per second) of one hand-over, measured on the project's 2-CPU VM
_SPEED = {("queue", "copy"): (38e-6, 0.42e9), ("send_bytes", "copy"): (22e-6, 0.7e9),
          ("pickle5", "copy"): (25e-6, 0.7e9), ("shared_memory", "view"): (34e-6, 16e9),
          ("shared_memory", "copy"): (36e-6, 2e9), ("fork_cow", "view"): (0.9e-3, 30e9),
          ("fork_cow", "copy"): (0.9e-3, 2e9), (FLOOR, "copy"): (18e-6, 1e9),
          ("minimal", "copy"): (30e-6, 2e9)}


def _handover_seconds(transfer: str, receiver: str, size: int) -> float:
    fixed, rate = _SPEED[transfer, receiver]
    return fixed + size / rate


def _handover_loops(transfer: str, receiver: str, size: int) -> int:
    """Fixed hand-overs per value, about 30 ms of them on a small VM (one from 16 MiB):
    pyperf's calibration would cost a worker process per benchmark and tell little
    (values are sums of spans between two processes, far above the timer's resolution)."""
    if size >= FIXED_LOOP_SIZE:
        return 1
    return max(1, min(MAX_LOOPS, round(0.03 / _handover_seconds(transfer, receiver, size))))


def _handover_cost(transfer: str, receiver: str, size: int) -> float:
    one = _handover_seconds(transfer, receiver, size)
    value = one * _handover_loops(transfer, receiver, size)
    # set-up spread over a worker's values: processes, payload, check and memory passes
    return value + (0.05 + 3 * one + size / 1e9) / 4


def _needed(kind: str, size: int) -> int:
    return MEMORY_FACTOR[kind] * size + MEMORY_MARGIN


def _memory_md(kind: str, size: int) -> Dict[str, MetadataValue]:
    """What ``mpbench run`` checks is free before a large hand-over starts."""
    return {NEEDED_KEY: _needed(kind, size)} if size >= FIXED_LOOP_SIZE else {}


# -- the catalogue ----------------------------------------------------------------------

class _Catalogue:
    def __init__(self, method: str) -> None:
        self.method = method
        self.specs: List[BenchSpec] = []

    def add(self, base: str, params: List[Tuple[str, Any]], md: Dict[str, MetadataValue],
            setup: Any, **kwargs: Any) -> str:
        name = bench_name(f"{GROUP}.{base}", params)
        self.specs.append(BenchSpec(name, {"mpbench_group": GROUP, **md}, setup, **kwargs))
        return name


def _copy_floor(memcpy: Dict[Tuple[int, str], str], size: int) -> str:
    """A copy-out's floor: a copy into a new object (page faults and all), where measured."""
    return memcpy.get((size, "new"), memcpy[size, "buffer"])


def _handovers(cat: _Catalogue, grid: Grid) -> None:
    memcpy: Dict[Tuple[int, str], str] = {}
    pipe_floor: Dict[int, str] = {}
    sizes = sorted(set(grid.transfer) | set(grid.arrays))
    for size in sizes:
        for destination in ("buffer", "new") if size >= COPY_NEW_FROM else ("buffer",):
            params: List[Tuple[str, Any]] = [("size", format_size(size))]
            if destination == "new":
                params.append(("destination", "new"))
            memcpy[size, destination] = cat.add(
                "memcpy", params,
                {"mpbench_metric": "handover", "mpbench_transfer": "memcpy",
                 "mpbench_receiver": "copy", "mpbench_payload": "bytes", "mpbench_size": size,
                 "mpbench_destination": destination, "mpbench_placement": "in-process",
                 "mpbench_api": ("bytes(bytearray): a new object per copy" if destination == "new"
                                 else "bytearray slice copy into a bytearray"),
                 "mpbench_is_floor": 1, **_memory_md("memcpy", size)},
                functools.partial(setups.memcpy, size=size, needed=_needed("memcpy", size),
                                  destination=destination),
                weight=WEIGHT, cost=size / (1e9 if destination == "new" else 8e9) + 1e-4)
    references: Dict[int, str] = {}
    for size in sorted({min(grid.transfer)} | ({LEADS_SIZE} & set(grid.transfer))):
        references[size] = cat.add(
            "handover_minimal", [("size", format_size(size))],
            {"mpbench_metric": "handover", "mpbench_transfer": "shared_memory_minimal",
             "mpbench_receiver": "copy", "mpbench_payload": "bytes", "mpbench_size": size,
             "mpbench_placement": "free", "mpbench_method": "fork",
             "mpbench_api": "SharedMemory write, Pipe send/recv, attach, bytes(view)",
             "mpbench_is_floor": 1, "mpbench_is_reference": 1,
             "mpbench_floor": _copy_floor(memcpy, size), **_memory_md("minimal", size)},
            functools.partial(setups.reference, size=size, needed=_needed("minimal", size)),
            loops=_handover_loops("minimal", "copy", size),
            weight=WEIGHT if size >= FIXED_LOOP_SIZE else WEIGHT_HANDOVER,
            cost=_handover_cost("minimal", "copy", size))
    for payload, payload_sizes in (("bytes", grid.transfer), ("ndarray", grid.arrays)):
        for transfer in (FLOOR,) + TRANSFERS:
            for receiver in receivers_of(transfer):
                if payload == "ndarray" and (transfer, receiver) not in grid.array_transfers:
                    continue
                for size in payload_sizes:
                    params: List[Tuple[str, Any]] = [("transfer", transfer)]
                    if transfer in ("shared_memory", "fork_cow"):
                        params.append(("receiver", receiver))
                    if payload != "bytes":
                        params.append(("payload", payload))
                    params.append(("size", format_size(size)))
                    floor = (pipe_floor.get(size) if transfer in ("queue", "send_bytes", "pickle5")
                             else _copy_floor(memcpy, size) if receiver == "copy"
                             else memcpy[size, "buffer"])
                    md: Dict[str, MetadataValue] = {
                        "mpbench_metric": "handover", "mpbench_transfer": transfer,
                        "mpbench_receiver": receiver, "mpbench_payload": payload,
                        "mpbench_size": size, "mpbench_placement": "free",
                        "mpbench_method": cat.method, "mpbench_floor": floor,
                        **_memory_md(transfer, size)}
                    if transfer == FLOOR:
                        md["mpbench_is_floor"] = 1
                    if (transfer, receiver, payload) == ("shared_memory", "copy", "bytes") \
                            and size in references:
                        md["mpbench_reference"] = references[size]
                    name = cat.add("handover", params, md,
                                   functools.partial(setups.handover, transfer=transfer,
                                                     size=size, payload=payload,
                                                     receiver=receiver,
                                                     needed=_needed(transfer, size)),
                                   loops=_handover_loops(transfer, receiver, size),
                                   weight=WEIGHT if size >= FIXED_LOOP_SIZE else WEIGHT_HANDOVER,
                                   cost=_handover_cost(transfer, receiver, size))
                    if transfer == FLOOR:
                        pipe_floor[size] = name


def _shm_ops(cat: _Catalogue, grid: Grid) -> None:
    tracks = (True, False) if supports_track() else (True,)
    for op in shm_costs.OPS:
        sizes = (grid.shm_mapping if op in shm_costs.TRACKABLE_OPS
                 else grid.shm_ops if op in shm_costs.SIZED_OPS else (0,))
        for size in sizes:
            for track in (tracks if op in shm_costs.TRACKABLE_OPS else (True,)):
                params: List[Tuple[str, Any]] = [("op", op)]
                if size:
                    params.append(("size", format_size(size)))
                if not track:
                    params.append(("track", "false"))
                md: Dict[str, MetadataValue] = {
                    "mpbench_metric": "shm_op", "mpbench_object": "shared_memory",
                    "mpbench_op": op, "mpbench_track": int(track)}
                if size:
                    md["mpbench_size"] = size
                loops = shm_costs.fixed_loops(op, size)
                cat.add("shm", params, md,
                        functools.partial(setups.shm_op, op=op, size=size, track=track),
                        loops=loops, weight=WEIGHT,
                        cost=loops * shm_costs.rough_seconds(op, size))


def _op_md(obj: str, op: str, clients: int, api: str) -> Dict[str, MetadataValue]:
    return {"mpbench_metric": "operation", "mpbench_object": obj, "mpbench_op": op,
            "mpbench_clients": clients, "mpbench_ops": clients, "mpbench_api": api}


def _clients(grid: Grid, op: str) -> Tuple[int, ...]:
    """N clients for writes; for reads too unless the grid leaves them at 1."""
    if grid.contended_reads or op not in ("get", "slice_get"):
        return grid.clients
    return tuple(n for n in grid.clients if n == 1) or grid.clients[:1]


def _values(cat: _Catalogue, grid: Grid) -> Dict[str, str]:
    """The values family; returns the local attribute benchmarks by op (the
    Namespace proxy's local counterpart is the same loop)."""
    local: Dict[Tuple[str, int], str] = {}
    for op in values.ELEMENT_OPS + (values.INCREMENT,):
        local[op, 0] = cat.add("value", [("object", "local"), ("op", op)],
                               {**_op_md("local", op, 1, values.api_of("local", op)),
                                "mpbench_placement": "in-process", "mpbench_is_floor": 1},
                               functools.partial(setups.local_op, module=values, obj="local",
                                                 op=op), weight=WEIGHT, cost=0.03)
    for op in values.SLICE_OPS:
        for size in grid.slices:
            local[op, size] = cat.add(
                "value", [("object", "local"), ("op", op), ("size", format_size(size))],
                {**_op_md("local", op, 1, values.api_of("local", op)), "mpbench_size": size,
                 "mpbench_placement": "in-process", "mpbench_is_floor": 1},
                functools.partial(setups.local_op, module=values, obj="local", op=op,
                                  size=size), weight=WEIGHT, cost=0.03)

    def shared(obj: str, op: str, clients: int, size: int = 0) -> None:
        params: List[Tuple[str, Any]] = [("object", obj), ("op", op)]
        md = {**_op_md(obj, op, clients, values.api_of(obj, op)),
              "mpbench_method": cat.method, "mpbench_floor": local[op, size]}
        if size:
            params.append(("size", format_size(size)))
            md["mpbench_size"] = size
        if clients != 1:
            params.append(("clients", clients))
        cat.add("value", params, md,
                functools.partial(setups.value_op, obj=obj, op=op, size=size, clients=clients),
                inner_loops=clients, weight=WEIGHT, cost=0.05 + 0.002 * clients)

    for obj in ("value", "rawvalue"):
        for op in values.ELEMENT_OPS:
            for clients in _clients(grid, op):
                shared(obj, op, clients)
    for clients in grid.clients:
        shared("value", values.INCREMENT, clients)
    for obj in ("array", "shared_memory"):
        for op in values.ELEMENT_OPS:
            shared(obj, op, 1)
    for obj in ("array", "shared_memory"):
        for op in values.SLICE_OPS:
            for size in grid.slices:
                shared(obj, op, 1, size)
    return {op: local[op, 0] for op in values.ELEMENT_OPS}


def _proxies(cat: _Catalogue, grid: Grid, attribute_locals: Dict[str, str]) -> None:
    floors: Dict[str, str] = {}
    for placement in PROXY_PLACEMENTS:
        floors[placement] = cat.add(
            "pipe_round_trip", [("placement", placement)] if placement != "free" else [],
            {"mpbench_metric": "round_trip", "mpbench_object": "pipe",
             "mpbench_op": "round_trip", "mpbench_clients": 1, "mpbench_ops": 1,
             "mpbench_api": "Connection.send/recv of a 64 B pickled list",
             "mpbench_method": cat.method, "mpbench_placement": placement,
             "mpbench_is_floor": 1},
            functools.partial(setups.pipe_round_trip, placement=placement), weight=WEIGHT,
            cost=0.05)
    for obj in proxies.OBJECTS:
        for op in proxies.OPS[obj]:
            api = proxies.API[obj, op]
            if obj == "namespace":  # ns.value on a SimpleNamespace: the values family's loop
                local = attribute_locals[op]
            else:
                local = cat.add("local", [("object", obj), ("op", op)],
                                {**_op_md(f"local_{obj}", op, 1, api),
                                 "mpbench_placement": "in-process", "mpbench_is_floor": 1},
                                functools.partial(setups.local_op, module=proxies, obj=obj,
                                                  op=op),
                                weight=WEIGHT, cost=0.03)
            runs = [(clients, "free") for clients in _clients(grid, op)]
            if (obj, op) in grid.pinned_proxies:
                runs.append((1, "same-cpu"))
            for clients, placement in runs:
                params: List[Tuple[str, Any]] = [("object", obj), ("op", op)]
                if clients != 1:
                    params.append(("clients", clients))
                if placement != "free":
                    params.append(("placement", placement))
                cat.add("proxy", params,
                        {**_op_md(obj, op, clients, api), "mpbench_method": cat.method,
                         "mpbench_placement": placement, "mpbench_floor": floors[placement],
                         "mpbench_local": local},
                        functools.partial(setups.proxy_op, obj=obj, op=op, clients=clients,
                                          placement=placement),
                        inner_loops=clients, weight=WEIGHT, cost=0.06 + 0.003 * clients)


def benchmarks(options: opt.Options) -> List[BenchSpec]:
    """The shared group for these options."""
    grid = grid_for(options)
    cat = _Catalogue(start_method(options))
    _handovers(cat, grid)
    _shm_ops(cat, grid)
    _proxies(cat, grid, _values(cat, grid))
    return _only_transfers(cat.specs, options.get("transfers"))


def _only_transfers(specs: List[BenchSpec], transfers: Optional[Sequence[str]]
                    ) -> List[BenchSpec]:
    """Hand-overs of ``transfers`` (and the floors and references they name); the
    other families are left as they are."""
    if not transfers:
        return specs
    by_name = {spec.name: spec for spec in specs}
    keep = {spec.name for spec in specs
            if spec.metadata.get("mpbench_metric") != "handover"
            or spec.metadata["mpbench_transfer"] in transfers}
    todo = list(keep)
    while todo:
        md = by_name[todo.pop()].metadata
        for key in ("mpbench_floor", "mpbench_reference"):
            name = md.get(key)
            if name and name not in keep:
                keep.add(str(name))
                todo.append(str(name))
    return [spec for spec in specs if spec.name in keep]
