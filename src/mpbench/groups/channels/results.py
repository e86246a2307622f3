"""The channels results as series: per transport, message size and placement.

Rates come from the pyperf values alone: a value is seconds for
``mpbench_messages`` messages of ``mpbench_size`` bytes. Latency percentiles
come from the samples file (one-way stamps of the round-trip benchmarks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.channels.workloads.messages import CHANNELS, RAW
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.workloads.placement import PLACEMENTS

GROUP = "channels"
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
    for result in rs.where(group=GROUP, transport=transport, metric=metric, payload=payload,
                           producers=producers):
        if placement is None or result.get("placement") in (placement, "in-process"):
            found[size_of(result)] = result
    return dict(sorted(found.items()))


def throughput_placement(rs: ResultSet) -> str:
    """Where the channels' throughput was measured: cross-cpu (the default), else free
    (older files), else whatever ran."""
    found = {r.get("placement") for r in rs.where(group=GROUP, metric="throughput")
             if r.get("transport") in CHANNELS}
    for place in ("cross-cpu", "free"):
        if place in found:
            return place
    return sorted(found)[0] if found else "free"


def placements(rs: ResultSet) -> list[str]:
    found = {r.get("placement") for r in rs.where(group=GROUP, metric="round_trip")}
    return [p for p in PLACEMENTS if p in found]


def present(rs: ResultSet, transports: Sequence[str], **criteria: Any) -> list[str]:
    return [t for t in transports if series(rs, t, **criteria)]


def one_way(rs: ResultSet, result: Result) -> list[float]:
    """One-way latencies of a round-trip benchmark in seconds, sorted (empty without
    samples)."""
    kept = rs.bench_samples(result.name).get("series", {}).get("one_way_ns", [])
    return sorted(value / 1e9 for value in kept)
