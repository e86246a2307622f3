"""The channels results as series: per transport, message size and placement; and
``time(size) = fixed + size / bandwidth`` fitted per transport.

Rates come from the pyperf values alone: a value is seconds for
``mpbench_messages`` messages of ``mpbench_size`` bytes. Latency percentiles
come from the samples file (one-way stamps of the round-trip benchmarks). The fits
are least squares on the relative error (so 1 B and 64 MiB weigh alike) over a
transport's throughput benchmarks; a fit keeps its worst relative error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mpbench.groups.channels.workloads.messages import CHANNELS, RAW
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.units import format_seconds
from mpbench.workloads.placement import PLACEMENTS

NAME = "channels"
IN_PROCESS = ("memcpy", "pickle")  # floors measured in one process
LABELS = {
    "queue": "Queue", "simplequeue": "SimpleQueue", "joinablequeue": "JoinableQueue",
    "pipe": "Pipe()", "pipe_simplex": "Pipe(duplex=False)", "manager_queue": "Manager().Queue()",
    "os_pipe": "raw os.pipe", "socketpair": "raw socketpair", "memcpy": "memcpy",
    "pickle": "pickle dumps+loads", "os_pipe_minimal": "hand-written os.pipe loop",
    "pipe_minimal": "hand-written Pipe() loop", "queue_minimal": "hand-written Queue loop",
    "perf_sched_pipe": "perf bench sched pipe",
}
PLACEMENT_TEXT = ("same-cpu: both processes pinned to one CPU; cross-cpu: pinned to two "
                  "different CPUs; free: placed by the scheduler (one CPU or two at its whim: "
                  "scheduler-dependent).")


def label(transport: str) -> str:
    return LABELS.get(transport, transport)


def colour(transport: str) -> str:
    order = CHANNELS + RAW
    return plot.colour(order.index(transport)) if transport in order else plot.FLOOR_COLOUR


def size_of(result: Result) -> int:
    return int(result.get("size"))


def seconds_per_message(result: Result) -> float:
    return result.mean / float(result.get("messages", 1))


def messages_per_second(result: Result) -> float:
    return 1.0 / seconds_per_message(result)


def bytes_per_second(result: Result) -> float:
    return size_of(result) * messages_per_second(result)


def messages_ratio(result: Result, floor: Result) -> float:
    """Messages per value of ``result`` over its floor's (to compare per message)."""
    return float(result.get("messages", 1)) / float(floor.get("messages", 1))


def series(rs: ResultSet, transport: str, metric: str = "throughput", payload: str = "bytes",
           producers: int = 1, placement: str | None = None) -> dict[int, Result]:
    """``{size: result}`` of one transport, sorted by size."""
    found = {}
    for result in rs.where(group=NAME, transport=transport, metric=metric, payload=payload,
                           producers=producers):
        if placement is None or result.get("placement") in (placement, "in-process"):
            found[size_of(result)] = result
    return dict(sorted(found.items()))


def throughput_placement(rs: ResultSet) -> str:
    """Where the channels' throughput was measured: cross-cpu (the default), else free
    (older files), else whatever ran."""
    found = {r.get("placement") for r in rs.where(group=NAME, metric="throughput")
             if r.get("transport") in CHANNELS}
    for place in ("cross-cpu", "free"):
        if place in found:
            return place
    return sorted(found)[0] if found else "free"


def placements(rs: ResultSet) -> list[str]:
    found = {r.get("placement") for r in rs.where(group=NAME, metric="round_trip")}
    return [p for p in PLACEMENTS if p in found]


def present(rs: ResultSet, transports: Sequence[str], **criteria: Any) -> list[str]:
    return [t for t in transports if series(rs, t, **criteria)]


def one_way(rs: ResultSet, result: Result) -> list[float]:
    """One-way latencies of a round-trip benchmark in seconds, sorted (empty without
    samples)."""
    kept = rs.bench_samples(result.name).get("series", {}).get("one_way_ns", [])
    return sorted(value / 1e9 for value in kept)


# -- fits ----------------------------------------------------------------------------

@dataclass
class Fit:
    """``time(size) = fixed + size / bandwidth`` fitted over some benchmarks."""

    fixed: float
    bandwidth: float
    worst: float  # largest relative error over the points fitted
    sources: list[str] = field(default_factory=list)

    def at(self, size: int) -> float:
        return self.fixed + size / self.bandwidth

    def describe(self) -> str:
        return f"{format_seconds(self.fixed)} per message plus {plot.format_rate(self.bandwidth)}"


def fit(points: dict[int, Result], per_message: bool = True) -> Fit | None:
    """Weighted least squares (weights 1/t^2: relative error) of t = fixed + size/bandwidth.

    ``per_message``: fit seconds per message (throughput); else seconds per
    value (a round trip). None with fewer than two sizes or no positive slope.
    """
    if len(points) < 2:
        return None
    xs = [float(size) for size in points]
    ys = [seconds_per_message(r) if per_message else r.mean for r in points.values()]
    ws = [1.0 / (y * y) for y in ys]
    s = sum(ws)
    sx = sum(w * x for w, x in zip(ws, xs))
    sxx = sum(w * x * x for w, x in zip(ws, xs))
    sy = sum(w * y for w, y in zip(ws, ys))
    sxy = sum(w * x * y for w, x, y in zip(ws, xs, ys))
    det = s * sxx - sx * sx
    if det <= 0:
        return None
    fixed = (sxx * sy - sx * sxy) / det
    slope = (s * sxy - sx * sy) / det
    if fixed < 0:  # refit through the origin: a cost cannot be negative
        fixed, slope = 0.0, sxy / sxx
    if slope <= 0:
        return None
    worst = max(abs(fixed + slope * x - y) / y for x, y in zip(xs, ys))
    return Fit(fixed, 1.0 / slope, worst, [r.name for r in points.values()])


def fits(rs: ResultSet) -> dict[str, Fit]:
    """The throughput fit of every transport (bytes payload, one producer)."""
    place = throughput_placement(rs)
    found = {}
    for transport in CHANNELS + RAW + IN_PROCESS:
        result = fit(series(rs, transport, placement=place))
        if result:
            found[transport] = result
    return found
