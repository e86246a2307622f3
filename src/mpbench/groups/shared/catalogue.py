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

Parameters at their default (``payload=bytes``, ``clients=1``, ``track=true``,
``placement=free``) are left out of names; every one is metadata. Sizes,
options and costs: :mod:`mpbench.groups.shared.grid`. See docs/shared.md.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from mpbench import options as opt
from mpbench.groups.shared import grid as shared_grid
from mpbench.groups.shared import setups as setups
from mpbench.groups.shared.grid import (
    COPY_NEW_FROM,
    FIXED_LOOP_SIZE,
    LEADS_SIZE,
    Grid,
    grid_for,
    handover_cost,
    handover_loops,
    memory_md,
    needed_memory,
)
from mpbench.groups.shared.workloads import managers, shm_costs, values
from mpbench.groups.shared.workloads.handover import FAULT_RECEIVER_DIES, FAULT_WORKER_DIES
from mpbench.groups.shared.workloads.segments import supports_track
from mpbench.groups.shared.workloads.transfer import FLOOR, TRANSFERS, receivers_of
from mpbench.machine import chosen_start_method as start_method
from mpbench.spec import BenchSpec, MetadataValue, bench_name
from mpbench.units import format_size

GROUP = "shared"
FAULTS = (FAULT_RECEIVER_DIES, FAULT_WORKER_DIES)
# pyperf worker processes relative to the mode's: 4 by default, 3 (the least) with
# --fast, for hand-overs below 16 MiB; 3 for the rest (the budget: docs/shared.md)
WEIGHT_HANDOVER = 0.2
WEIGHT = 0.15
# Proxy calls and their Pipe() floor are round trips: placed freely they land on one
# CPU or two at the scheduler's whim; all on one CPU is the repeatable reading.
PROXY_PLACEMENTS = ("free", "same-cpu")
OPTIONS = shared_grid.OPTIONS


# -- the catalogue ----------------------------------------------------------------------

class _Catalogue:
    def __init__(self, method: str) -> None:
        self.method = method
        self.specs: list[BenchSpec] = []

    def add(self, base: str, params: list[tuple[str, Any]], md: dict[str, MetadataValue],
            setup: Any, **kwargs: Any) -> str:
        name = bench_name(f"{GROUP}.{base}", params)
        self.specs.append(BenchSpec(name, {"mpbench_group": GROUP, **md}, setup, **kwargs))
        return name


def _copy_floor(memcpy: dict[tuple[int, str], str], size: int) -> str:
    """A copy-out's floor: a copy into a new object (page faults and all), where measured."""
    return memcpy.get((size, "new"), memcpy[size, "buffer"])


def _memcpy_floors(cat: _Catalogue, grid: Grid) -> dict[tuple[int, str], str]:
    memcpy: dict[tuple[int, str], str] = {}
    for size in sorted(set(grid.transfer) | set(grid.arrays)):
        for destination in ("buffer", "new") if size >= COPY_NEW_FROM else ("buffer",):
            params: list[tuple[str, Any]] = [("size", format_size(size))]
            if destination == "new":
                params.append(("destination", "new"))
            memcpy[size, destination] = cat.add(
                "memcpy", params,
                {"mpbench_metric": "handover", "mpbench_transfer": "memcpy",
                 "mpbench_receiver": "copy", "mpbench_payload": "bytes", "mpbench_size": size,
                 "mpbench_destination": destination, "mpbench_placement": "in-process",
                 "mpbench_api": ("bytes(bytearray): a new object per copy" if destination == "new"
                                 else "bytearray slice copy into a bytearray"),
                 "mpbench_is_floor": 1, **memory_md("memcpy", size)},
                functools.partial(setups.memcpy, size=size, needed=needed_memory("memcpy", size),
                                  destination=destination),
                weight=WEIGHT, cost=size / (1e9 if destination == "new" else 8e9) + 1e-4)
    return memcpy


def _weight(size: int) -> float:
    return WEIGHT if size >= FIXED_LOOP_SIZE else WEIGHT_HANDOVER


def _references(cat: _Catalogue, grid: Grid, memcpy: dict[tuple[int, str], str]
                ) -> dict[tuple[int, str], str]:
    """The harness check's references: at the smallest size, every process on one CPU
    (free, a wake-up lands on one CPU or two: bimodal at 4 KiB), and at 64 MiB, free."""
    points = [(min(grid.transfer), "same-cpu")]
    if LEADS_SIZE in grid.transfer and LEADS_SIZE != points[0][0]:
        points.append((LEADS_SIZE, "free"))
    references: dict[tuple[int, str], str] = {}
    for size, placement in points:
        params: list[tuple[str, Any]] = [("size", format_size(size))]
        if placement != "free":
            params.append(("placement", placement))
        references[size, placement] = cat.add(
            "handover_minimal", params,
            {"mpbench_metric": "handover", "mpbench_transfer": "shared_memory_minimal",
             "mpbench_receiver": "copy", "mpbench_payload": "bytes", "mpbench_size": size,
             "mpbench_placement": placement, "mpbench_method": "fork",
             "mpbench_api": "SharedMemory write, Pipe send/recv, attach, bytes(view)",
             "mpbench_is_floor": 1, "mpbench_is_reference": 1,
             "mpbench_floor": _copy_floor(memcpy, size), **memory_md("minimal", size)},
            functools.partial(setups.reference, size=size, needed=needed_memory("minimal", size),
                              placement=placement),
            loops=handover_loops("minimal", "copy", size), weight=_weight(size),
            cost=handover_cost("minimal", "copy", size))
    return references


def _handovers(cat: _Catalogue, grid: Grid) -> None:
    memcpy = _memcpy_floors(cat, grid)
    references = _references(cat, grid, memcpy)
    pipe_floor: dict[tuple[int, str], str] = {}
    pinned_size = min(grid.transfer)
    for payload, payload_sizes in (("bytes", grid.transfer), ("ndarray", grid.arrays)):
        points = [(size, "free") for size in payload_sizes]
        if payload == "bytes":
            points.append((pinned_size, "same-cpu"))
        for transfer in (FLOOR,) + TRANSFERS:
            for receiver in receivers_of(transfer):
                if payload == "ndarray" and (transfer, receiver) not in grid.array_transfers:
                    continue
                for size, placement in points:
                    params: list[tuple[str, Any]] = [("transfer", transfer)]
                    if transfer in ("shared_memory", "fork_cow"):
                        params.append(("receiver", receiver))
                    if payload != "bytes":
                        params.append(("payload", payload))
                    params.append(("size", format_size(size)))
                    if placement != "free":
                        params.append(("placement", placement))
                    floor = (pipe_floor.get((size, placement))
                             if transfer in ("queue", "send_bytes", "pickle5")
                             else _copy_floor(memcpy, size) if receiver == "copy"
                             else memcpy[size, "buffer"])
                    md: dict[str, MetadataValue] = {
                        "mpbench_metric": "handover", "mpbench_transfer": transfer,
                        "mpbench_receiver": receiver, "mpbench_payload": payload,
                        "mpbench_size": size, "mpbench_placement": placement,
                        "mpbench_method": cat.method, **memory_md(transfer, size)}
                    if floor is not None:  # None: no pipe floor measured at this point
                        md["mpbench_floor"] = floor
                    if transfer == FLOOR:
                        md["mpbench_is_floor"] = 1
                    if (transfer, receiver, payload) == ("shared_memory", "copy", "bytes") \
                            and (size, placement) in references:
                        md["mpbench_reference"] = references[size, placement]
                    name = cat.add("handover", params, md,
                                   functools.partial(setups.handover, transfer=transfer,
                                                     size=size, payload=payload,
                                                     receiver=receiver, placement=placement,
                                                     needed=needed_memory(transfer, size)),
                                   loops=handover_loops(transfer, receiver, size),
                                   weight=_weight(size),
                                   cost=handover_cost(transfer, receiver, size))
                    if transfer == FLOOR:
                        pipe_floor[size, placement] = name


def _shm_ops(cat: _Catalogue, grid: Grid) -> None:
    tracks = (True, False) if supports_track() else (True,)
    for op in shm_costs.OPS:
        sizes = (grid.shm_mapping if op in shm_costs.TRACKABLE_OPS
                 else grid.shm_ops if op in shm_costs.SIZED_OPS else (0,))
        for size in sizes:
            for track in (tracks if op in shm_costs.TRACKABLE_OPS else (True,)):
                params: list[tuple[str, Any]] = [("op", op)]
                if size:
                    params.append(("size", format_size(size)))
                if not track:
                    params.append(("track", "false"))
                md: dict[str, MetadataValue] = {
                    "mpbench_metric": "shm_op", "mpbench_object": "shared_memory",
                    "mpbench_op": op, "mpbench_track": int(track)}
                if size:
                    md["mpbench_size"] = size
                loops = shm_costs.fixed_loops(op, size)
                cat.add("shm", params, md,
                        functools.partial(setups.shm_op, op=op, size=size, track=track),
                        loops=loops, weight=WEIGHT,
                        cost=loops * shm_costs.rough_seconds(op, size))


def _op_md(obj: str, op: str, clients: int, api: str) -> dict[str, MetadataValue]:
    return {"mpbench_metric": "operation", "mpbench_object": obj, "mpbench_op": op,
            "mpbench_clients": clients, "mpbench_ops": clients, "mpbench_api": api}


def _clients(grid: Grid, op: str) -> tuple[int, ...]:
    """N clients for writes; for reads too unless the grid leaves them at 1."""
    if grid.contended_reads or op not in ("get", "slice_get"):
        return grid.clients
    return tuple(n for n in grid.clients if n == 1) or grid.clients[:1]


def _values(cat: _Catalogue, grid: Grid) -> dict[str, str]:
    """The values family; returns the local attribute benchmarks by op (the
    Namespace proxy's local counterpart is the same loop)."""
    local: dict[tuple[str, int], str] = {}
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
        params: list[tuple[str, Any]] = [("object", obj), ("op", op)]
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


def _proxies(cat: _Catalogue, grid: Grid, attribute_locals: dict[str, str]) -> None:
    floors: dict[str, str] = {}
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
    for obj in managers.OBJECTS:
        for op in managers.OPS[obj]:
            api = managers.API[obj, op]
            if obj == "namespace":  # ns.value on a SimpleNamespace: the values family's loop
                local = attribute_locals[op]
            else:
                local = cat.add("local", [("object", obj), ("op", op)],
                                {**_op_md(f"local_{obj}", op, 1, api),
                                 "mpbench_placement": "in-process", "mpbench_is_floor": 1},
                                functools.partial(setups.local_op, module=managers, obj=obj,
                                                  op=op),
                                weight=WEIGHT, cost=0.03)
            runs = [(clients, "free") for clients in _clients(grid, op)]
            if (obj, op) in grid.pinned_proxies:
                runs.append((1, "same-cpu"))
            for clients, placement in runs:
                params: list[tuple[str, Any]] = [("object", obj), ("op", op)]
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


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The shared group for these options."""
    grid = grid_for(options)
    cat = _Catalogue(start_method(options))
    _handovers(cat, grid)
    _shm_ops(cat, grid)
    _proxies(cat, grid, _values(cat, grid))
    return _only_transfers(cat.specs, options.get("transfers"))


def _only_transfers(specs: list[BenchSpec], transfers: Sequence[str] | None
                    ) -> list[BenchSpec]:
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
