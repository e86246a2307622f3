"""The instrumented pass of a sync benchmark, merged: waits, hand-offs, shares, exclusion.

Standard library only (the contenders return :class:`Stamps`, which they
import from here). Everything is in ``time.monotonic_ns()`` nanoseconds
(system-wide), turned into seconds only for the samples file.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from statistics import median
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.workloads import stats
from mpbench.workloads.busywork import measured_spin

# Samples kept per timed call and series (evenly spaced order statistics): enough for
# a distribution once the calls of all workers are pooled, small enough for the file.
SAMPLES_PER_CALL = 24


def ns_to_seconds(value: float) -> float:
    """Nanoseconds -> seconds, rounded to the nanosecond (short in JSON)."""
    return round(value / 1e9, 9)


def seconds_summary(sorted_ns: Sequence[int], prefix: str) -> dict[str, Any]:
    """:func:`stats.summary` of nanosecond values, in seconds (counts stay counts)."""
    return {key: value if key.endswith("_count") else ns_to_seconds(value)
            for key, value in stats.summary(sorted_ns, prefix).items()}


@dataclass
class Stamps:
    """One contender's record of one instrumented pass, ``monotonic_ns`` stamps.

    ``wait_from[i]``: just before ``acquire()``; ``acquired[i]``: just after
    it returned; ``released[i]``: just before ``release()``. ``start`` and
    ``end`` bracket the whole loop. ``critical_ns`` / ``think_ns``: how long
    each busy-work spin took (stamped around the spin; empty without busy
    work), ``gap_ns`` the smallest gap between two clock reads in that
    process, ``critical_iters`` / ``think_iters`` the spin lengths it used.
    """

    member: int
    start: int
    end: int
    wait_from: array = field(default_factory=lambda: array("q"))
    acquired: array = field(default_factory=lambda: array("q"))
    released: array = field(default_factory=lambda: array("q"))
    critical_ns: array = field(default_factory=lambda: array("q"))
    think_ns: array = field(default_factory=lambda: array("q"))
    gap_ns: int = 0
    critical_iters: int = 0
    think_iters: int = 0

    @property
    def count(self) -> int:
        return len(self.acquired)


# -- analysis ------------------------------------------------------------------

INSTRUMENTED = "instrumented"


@dataclass
class CallStats:
    """What one instrumented pass of N contenders gives (nanoseconds, busy work in us)."""

    elapsed_ns: int
    shares: list[int]
    waits: list[int]      # sorted: acquire() call to its return, every acquisition
    handoffs: list[int]   # sorted: release stamp -> next holder's acquire return, when it waited
    max_holders: int
    critical_us_measured: float = 0.0  # median spin inside, less one clock gap (0: no spin)
    think_us_measured: float = 0.0     # the same for the think time
    critical_iters: int = 0            # median over contenders of the spin lengths used
    think_iters: int = 0

    @property
    def ops(self) -> int:
        return sum(self.shares)

    def sample_call(self, keep: int = SAMPLES_PER_CALL, **info: Any) -> dict[str, Any]:
        """This call as a samples-file entry: thinned series in seconds, exact summaries."""
        series = {"wait": self.waits, "handoff": self.handoffs}
        max_min = stats.max_min_ratio(self.shares)
        entry_info: dict[str, Any] = {
            "ops": self.ops, "elapsed": ns_to_seconds(self.elapsed_ns), "shares": self.shares,
            "jain": round(stats.jain_index(self.shares), 4),
            "max_min_share": None if max_min is None else round(max_min, 3),
            "starved": sum(1 for share in self.shares if share == 0),
            "max_holders": self.max_holders, "pass": INSTRUMENTED,
            "critical_us_measured": round(self.critical_us_measured, 4),
            "think_us_measured": round(self.think_us_measured, 4),
            "critical_iters": self.critical_iters, "think_iters": self.think_iters}
        for name, values in series.items():
            entry_info.update(seconds_summary(values, name))
        entry_info.update(info)
        return {"series": {name: [ns_to_seconds(v) for v in stats.thin_sorted(values, keep)]
                           for name, values in series.items()},
                "info": entry_info}


def analyse(records: Sequence[Stamps], slots: int = 1) -> CallStats:
    """Merge the contenders' stamps of one instrumented pass.

    Holding intervals ``[acquired, released]`` sorted by acquisition give the
    true order of holders (the stamps are taken inside the critical section,
    so two intervals overlap only if two processes really held it together).
    A hand-off is counted when the next holder is another process that was
    already waiting when the previous holder released.
    """
    start = min(r.start for r in records)
    end = max(r.end for r in records)
    shares = [r.count for r in records]
    acquired: list[int] = []
    released: list[int] = []
    waited: list[int] = []
    members: list[int] = []
    for r in records:
        acquired.extend(r.acquired)
        released.extend(r.released)
        waited.extend(r.wait_from)
        members.extend([r.member] * r.count)
    waits = sorted(map(int.__sub__, acquired, waited))
    order = sorted(range(len(acquired)), key=acquired.__getitem__)
    handoffs: list[int] = []
    if slots == 1:
        max_holders = 1 if order else 0
        for prev, turn in zip(order, order[1:]):
            prev_release = released[prev]
            if acquired[turn] <= prev_release:
                max_holders = 2  # two holders at once
            elif members[turn] != members[prev] and waited[turn] < prev_release:
                handoffs.append(acquired[turn] - prev_release)
        handoffs.sort()
    else:
        # holders just after the i-th acquisition (in time order): i + 1 acquisitions so
        # far, minus the releases stamped before it
        starts, ends = sorted(acquired), sorted(released)
        released_before = map(bisect_left, repeat(ends), starts)
        max_holders = max(map(int.__sub__, range(1, len(starts) + 1), released_before),
                          default=0)
    gap = round(median(r.gap_ns for r in records))
    return CallStats(end - start, shares, waits, handoffs, max_holders,
                     measured_spin([d for r in records for d in r.critical_ns], gap),
                     measured_spin([d for r in records for d in r.think_ns], gap),
                     round(median(r.critical_iters for r in records)),
                     round(median(r.think_iters for r in records)))


def handoff_pairs(records: Sequence[Stamps]) -> list[tuple[int, int, int, int]]:
    """Every hand-off of one run as ``(from_member, released_ns, to_member, acquired_ns)``.

    The same rule as :func:`analyse`: consecutive holders in acquisition
    order, different members, the next one already waiting at the release.
    """
    turns = sorted((a, rel, w, r.member) for r in records
                   for w, a, rel in zip(r.wait_from, r.acquired, r.released))
    return [(prev_member, prev_rel, member, acq)
            for (_, prev_rel, _, prev_member), (acq, _, waited, member) in zip(turns, turns[1:])
            if member != prev_member and waited < prev_rel < acq]


def check_exclusion(call: CallStats, counter: int | None, total: int, slots: int,
                    what: str) -> None:
    """Raise :class:`BenchmarkFailed` unless the primitive kept its promise.

    One slot: the shared counter, updated non-atomically inside the critical
    section, must end at exactly ``total``, equal to the acquisitions the
    contenders counted, and no two holding intervals may overlap. k slots:
    never more than k holders at once, ``total`` acquisitions in all.
    """
    if slots == 1 and (counter != total or call.ops != total):
        raise BenchmarkFailed(f"{what}: shared counter ended at {counter} after {call.ops} "
                              f"counted acquisitions, {total} expected (lost updates: "
                              "mutual exclusion violated)")
    if call.max_holders > slots:
        violated = "mutual exclusion violated" if slots == 1 else "exclusion violated"
        raise BenchmarkFailed(f"{what}: at least {call.max_holders} holders at once, the "
                              f"primitive allows {slots}: {violated}")
    if call.ops != total:
        raise BenchmarkFailed(f"{what}: {call.ops} acquisitions counted, {total} expected")


