"""The shared group's results as the report reads them: hand-over series per method,
winners per size, crossovers, payload copies held, per-operation figures, harness pairs.

Everything is selected by ``mpbench_*`` metadata (never by parsing names). A hand-over
value is seconds per hand-over; an operation's, seconds per operation (all clients
together); see docs/shared.md for what each includes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mpbench.reporting.data import Result, ResultSet
from mpbench.units import format_size

GROUP = "shared"
# (transfer, receiver): the hand-over methods in page order
METHODS: tuple[tuple[str, str], ...] = (
    ("queue", "copy"), ("send_bytes", "copy"), ("pickle5", "copy"),
    ("shared_memory", "view"), ("shared_memory", "copy"),
    ("fork_cow", "view"), ("fork_cow", "copy"))
FLOOR_PIPE = ("os_pipe", "copy")
LABELS = {"queue": "Queue", "send_bytes": "send_bytes", "pickle5": "pickle5 out-of-band",
          "shared_memory": "SharedMemory", "fork_cow": "fork-COW",
          "os_pipe": "raw os.pipe", "memcpy": "memcpy"}
CHANNEL_TRANSFERS = ("queue", "send_bytes", "pickle5")  # the payload travels through a pipe
VALUE_OBJECTS = ("value", "rawvalue", "array", "shared_memory")
PROXY_OBJECTS = ("dict", "list", "namespace")
SHM_OPS = ("create", "attach", "close", "unlink", "register")
TIE = 1.10  # a runner-up within 10 % is named beside the winner
Method = tuple[str, str]


def method_label(method: Method) -> str:
    """``SharedMemory (copy)``; methods with a single receiver go without it."""
    transfer, receiver = method
    name = LABELS.get(transfer, transfer)
    return f"{name} ({receiver})" if transfer in ("shared_memory", "fork_cow") else name


def size_of(result: Result) -> int:
    return int(result.get("size", 0))


def handover(rs: ResultSet, method: Method, payload: str = "bytes",
             placement: str = "free") -> dict[int, Result]:
    """One method's hand-overs by size (sorted), for one payload and placement."""
    transfer, receiver = method
    found = rs.where(group=GROUP, metric="handover", transfer=transfer, receiver=receiver,
                     payload=payload, placement=placement)
    return dict(sorted((size_of(r), r) for r in found))


def handovers(rs: ResultSet, payload: str = "bytes", placement: str = "free",
              methods: Sequence[Method] = METHODS) -> dict[Method, dict[int, Result]]:
    """Every method present, each its hand-overs by size."""
    series = {m: handover(rs, m, payload, placement) for m in methods}
    return {m: points for m, points in series.items() if points}


def memcpy(rs: ResultSet, destination: str = "buffer") -> dict[int, Result]:
    """The memcpy floor by size: into a buffer made once, or into a ``new`` object."""
    found = rs.where(group=GROUP, metric="handover", transfer="memcpy", destination=destination)
    return dict(sorted((size_of(r), r) for r in found))


def held_copies(result: Result) -> float | None:
    """Payloads held at once by both sides (from 16 MiB; below, the reading says nothing)."""
    copies = result.get("held_copies")
    return None if copies is None else float(copies)


def gbps(result: Result) -> float:
    """Payload bytes per second of one hand-over."""
    return size_of(result) / result.mean


# -- who wins where ------------------------------------------------------------------

@dataclass
class Winner:
    """The fastest method at one size and the runner-up."""

    size: int
    method: Method
    result: Result
    runner_up: Method
    margin: float  # runner-up's time over the winner's

    @property
    def tie(self) -> bool:
        """The runner-up is within :data:`TIE` of the winner."""
        return self.margin <= TIE


def winners(series: dict[Method, dict[int, Result]]) -> list[Winner]:
    """Per size measured by at least two methods, the fastest."""
    by_size: dict[int, list[tuple[float, Method, Result]]] = {}
    for method, points in series.items():
        for size, result in points.items():
            by_size.setdefault(size, []).append((result.mean, method, result))
    found = []
    for size, entries in sorted(by_size.items()):
        if len(entries) < 2:
            continue
        entries.sort(key=lambda entry: entry[0])
        (best, method, result), (runner, second, _) = entries[0], entries[1]
        found.append(Winner(size, method, result, second, runner / best))
    return found


def winner_ranges(found: list[Winner]) -> list[list[Winner]]:
    """Consecutive sizes with the same winner, merged."""
    ranges: list[list[Winner]] = []
    for winner in found:
        if ranges and ranges[-1][-1].method == winner.method:
            ranges[-1].append(winner)
        else:
            ranges.append([winner])
    return ranges


def span_text(sizes: Sequence[int]) -> str:
    first, last = sizes[0], sizes[-1]
    return format_size(first) if first == last else f"{format_size(first)} to {format_size(last)}"


@dataclass
class Crossover:
    """``winner`` is clearly slower than ``loser`` at ``low`` and clearly faster at ``high``."""

    winner: Method
    loser: Method
    low: int
    high: int
    sources: list[str]


def crossovers(series: dict[Method, dict[int, Result]], a: Method, b: Method) -> list[Crossover]:
    """Where ``a`` and ``b`` change places, each ahead by more than :data:`TIE` on either
    side of the crossing."""
    pa, pb = series.get(a, {}), series.get(b, {})
    sizes = [s for s in pa if s in pb]

    def a_ahead(size: int) -> bool | None:
        ratio = pb[size].mean / pa[size].mean
        return True if ratio > TIE else False if ratio < 1 / TIE else None

    found = []
    for low, high in zip(sizes, sizes[1:]):
        before, after = a_ahead(low), a_ahead(high)
        if before is not None and after is not None and before != after:
            winner, loser = (a, b) if after else (b, a)
            found.append(Crossover(winner, loser, low, high,
                                   [pa[low].name, pb[low].name, pa[high].name, pb[high].name]))
    return found


# -- per operation ------------------------------------------------------------------------

def operations(rs: ResultSet, objects: Sequence[str]) -> list[Result]:
    """Per-operation results of ``objects`` (not floors), by object, op, size, clients."""
    found = [r for r in rs.where(group=GROUP, metric="operation")
             if r.get("object") in objects and not r.is_floor]

    def key(result: Result) -> tuple:
        return (objects.index(result.get("object")), str(result.get("op")),
                str(result.get("placement", "")), size_of(result), int(result.get("clients", 1)))
    return sorted(found, key=key)


def local_of(rs: ResultSet, result: Result) -> Result | None:
    """The same operation on a local object (``mpbench_local``; else its floor when the
    floor is the local object, as for Value and Array)."""
    name = result.get("local")
    if name:
        return rs.results.get(str(name))
    floor = rs.floor(result)
    return floor if floor is not None and floor.metric == "operation" else None


def shm_ops(rs: ResultSet) -> list[Result]:
    """SharedMemory's own operations, by op then size."""
    found = rs.where(group=GROUP, metric="shm_op")

    def key(result: Result) -> tuple:
        op = str(result.get("op"))
        return (SHM_OPS.index(op) if op in SHM_OPS else len(SHM_OPS), op, size_of(result),
                -int(result.get("track", 1)))
    return sorted(found, key=key)


# -- the harness check --------------------------------------------------------------------

def harness_pairs(rs: ResultSet) -> list[tuple[Result, Result]]:
    """(benchmark, its same-run minimal reference) for every benchmark naming one."""
    pairs = []
    for result in rs.where(group=GROUP):
        reference = result.get("reference")
        if reference and str(reference) in rs.results:
            pairs.append((result, rs.results[str(reference)]))
    return sorted(pairs, key=lambda pair: size_of(pair[0]))


def placement_text(result: Result) -> str:
    return "pinned to one CPU" if result.get("placement") == "same-cpu" else "placed freely"
