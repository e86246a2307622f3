"""``time(size) = fixed + size / bandwidth`` fitted per transport at report time.

Least squares on the relative error (so 1 B and 64 MiB weigh alike) over a
transport's throughput benchmarks; the fit keeps its worst relative error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mpbench.groups.channels.results import (
    CHANNELS,
    IN_PROCESS,
    RAW,
    seconds_per_message,
    series,
    throughput_placement,
)
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.plotting import format_rate
from mpbench.units import format_seconds


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
        return f"{format_seconds(self.fixed)} per message plus {format_rate(self.bandwidth)}"


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
