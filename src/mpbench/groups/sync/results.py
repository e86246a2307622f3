"""The sync results: contention per primitive, work point and N, the floors, the
wake-ups, and the per-call statistics (waits, hand-offs, shares) of the samples file.

Distributions and shares come from the samples file; a report never re-runs a benchmark.
"""

from __future__ import annotations

import statistics
from typing import Any

from mpbench import harness
from mpbench.groups.sync.grid import DEFAULT_CRITICAL_US, DEFAULT_THINK_US
from mpbench.groups.sync.workloads.primitives import (
    MUTEX_PRIMITIVES,
    THREAD_PRIMITIVE,
    WAKEUP_PRIMITIVES,
)
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.workloads.placement import PLACEMENTS

NAME = "sync"
PRIMITIVE_ORDER = MUTEX_PRIMITIVES
THREADS = THREAD_PRIMITIVE
LABELS = {"lock": "Lock", "rlock": "RLock", "semaphore": "Semaphore(1)",
          "bounded_semaphore": "BoundedSemaphore(1)", THREADS: "threading.Lock, N threads",
          "event": "Event.set()", "condition": "Condition"}
DEFAULT_POINT = (DEFAULT_CRITICAL_US, DEFAULT_THINK_US)
# On a free-threaded build the threading floor's threads run in parallel, as processes do.
GIL_OFF = " (GIL off: the threads run in parallel)"

WorkPoint = tuple[float, float]


def gil_off(rs: ResultSet) -> bool:
    """The run's interpreter ran without the GIL (a free-threaded build)."""
    return bool(rs.machine.get("mpbench_gil_disabled"))


def label(rs: ResultSet, primitive: str) -> str:
    """The primitive's name in figures and tables; the threading floor says when the
    GIL was off."""
    return LABELS[primitive] + (GIL_OFF if primitive == THREADS and gil_off(rs) else "")


def contended(rs: ResultSet, **criteria: Any) -> list[Result]:
    """Contention benchmarks (the threads floor included) matching ``criteria``."""
    return rs.where(group=NAME, operation="contended", **criteria)


def work_point(result: Result) -> WorkPoint:
    return (float(result.get("critical_us", 0.0)), float(result.get("think_us", 0.0)))


def work_points(rs: ResultSet) -> list[WorkPoint]:
    """Work points present, the default (1 us inside, 10 us between) first."""
    found = {work_point(r) for r in contended(rs)}
    return sorted(found, key=lambda p: (p != DEFAULT_POINT, p))


def point_label(point: WorkPoint) -> str:
    critical, think = point
    if critical == 0 and think == 0:
        return "empty loop (nothing inside, nothing between)"
    return f"{critical:g} us inside, {think:g} us between"


def series(rs: ResultSet, primitive: str, point: WorkPoint, slots: int = 1) -> dict[int, Result]:
    """N -> result for one primitive (k slots) at one work point."""
    found = {int(r.get("nprocs")): r for r in contended(rs, primitive=primitive, slots=slots)
             if work_point(r) == point}
    return dict(sorted(found.items()))


def primitives(rs: ResultSet) -> list[str]:
    present = {r.get("primitive") for r in contended(rs, slots=1)}
    return [p for p in PRIMITIVE_ORDER if p in present]


def slot_counts(rs: ResultSet) -> list[int]:
    return sorted({int(r.get("slots")) for r in contended(rs, primitive="semaphore")
                   if int(r.get("slots", 1)) > 1})


def uncontended(rs: ResultSet, primitive: str) -> Result | None:
    return rs.one(group=NAME, operation="uncontended", primitive=primitive)




PLACEMENT_TEXT: dict[str | None, str] = {  # None: wake-ups written before placements
    "same-cpu": "both on one CPU", "cross-cpu": "on two different CPUs",
    "free": "placed by the scheduler", None: "placed by the scheduler"}
PLACEMENT_STYLE: dict[str | None, str] = {
    "same-cpu": ":", "cross-cpu": "-.", "free": "--", None: "--"}


def pingpong(rs: ResultSet, placement: str = "free") -> Result | None:
    return rs.one(group=NAME, operation="pingpong", placement=placement)


def pingpongs(rs: ResultSet) -> list[tuple[str, Result]]:
    """The semaphore ping-pong floors present, by placement."""
    found = [(p, pingpong(rs, p)) for p in PLACEMENTS]
    return [(p, r) for p, r in found if r is not None]


def wakeup_placements(rs: ResultSet) -> list[str | None]:
    """Placements of the wake-up benchmarks (``None``: files from before they had one)."""
    found = {r.get("placement") for r in rs.where(group=NAME, operation="wakeup")}
    return [p for p in PLACEMENTS + (None,) if p in found]


def wakeups(rs: ResultSet, primitive: str, notify: str,
            placement: str | None = "first") -> dict[int, Result]:
    """W -> wake-up result in one placement (by default the first present)."""
    if placement == "first":
        placement = (wakeup_placements(rs) or [None])[0]
    found = {int(r.get("nprocs")): r for r in rs.where(group=NAME, operation="wakeup",
                                                        primitive=primitive, notify=notify)
             if r.get("placement") == placement}
    return dict(sorted(found.items()))


def infos(rs: ResultSet, result: Result) -> list[dict[str, Any]]:
    """The per-call entries the samples file kept for ``result``."""
    return list(rs.bench_samples(result.name).get("info", []))


def info_median(rs: ResultSet, result: Result, key: str) -> float | None:
    """Median over timed calls of one call statistic (``None`` when never recorded)."""
    values = [entry[key] for entry in infos(rs, result) if entry.get(key) is not None]
    return statistics.median(values) if values else None


def info_max(rs: ResultSet, result: Result, key: str) -> float | None:
    values = [entry[key] for entry in infos(rs, result) if entry.get(key) is not None]
    return max(values) if values else None


def pooled(rs: ResultSet, result: Result, name: str) -> list[float]:
    """A series pooled over every call and worker, sorted."""
    return sorted(rs.bench_samples(result.name).get("series", {}).get(name, []))


def rate(result: Result) -> float:
    """Acquisitions (or operations) per second from the time per operation."""
    return 1.0 / result.mean


def rate_text(result: Result, unit: str = "acquisitions") -> str:
    """``1.94 M acquisitions/s``, ``90.2 k acquisitions/s``."""
    return plot.format_rate(rate(result), unit)


def worker_cpus(rs: ResultSet) -> int | None:
    """CPUs the pyperf workers could use (the machine's usable CPUs when not recorded)."""
    recorded = [int(r.get("worker_cpus")) for r in contended(rs) if r.get("worker_cpus")]
    if recorded:
        return max(recorded)
    cpus = rs.machine.get("mpbench_usable_cpus")
    return int(cpus) if cpus else None


def colour_of(primitive: str) -> str:
    if primitive == THREADS:
        return plot.FLOOR_COLOUR
    order = PRIMITIVE_ORDER + WAKEUP_PRIMITIVES
    return plot.colour(order.index(primitive) if primitive in order else 0)



def busy_measured(rs: ResultSet, result: Result, part: str) -> float | None:
    """Busy work measured (us) in the instrumented passes: median over the calls in the
    samples file, else the set-up's measurement in the metadata (None: not recorded)."""
    found = info_median(rs, result, f"{part}_us_measured")
    return found if found is not None else result.get(f"{part}_us_measured")


def busy_text(rs: ResultSet, result: Result) -> str:
    """``0.98 / 10.1 us`` (inside / between), ``(off)`` when beyond the tolerance."""
    parts = []
    off = False
    for part in ("critical", "think"):
        asked = float(result.get(f"{part}_us", 0.0))
        measured = busy_measured(rs, result, part)
        if measured is None:
            return "-"
        parts.append(f"{measured:.3g}")
        off = off or (asked > 0 and abs(measured / asked - 1) > harness.BUSY_TOLERANCE)
    return " / ".join(parts) + " us" + (" (off)" if off else "")



def headline_primitive(rs: ResultSet) -> str | None:
    """The primitive the headlines speak of: Lock when present."""
    prims = primitives(rs)
    return "lock" if "lock" in prims else (prims[0] if prims else None)
