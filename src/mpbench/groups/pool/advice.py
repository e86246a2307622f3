"""What the data supports saying to a user: which chunksize, or no pool at all.

The model is deliberately plain and stated on the page: W workers spend T / ideal
seconds per task of T seconds of work (ideal = min(W, usable CPUs)), plus the
parent's dispatch cost d(C) per task at chunksize C, which the dispatch figures
measure with no-op tasks. Then a pool

- beats a plain loop when T / ideal + d(C) < T, i.e. T > d(C) ideal / (ideal - 1);
- reaches half of its ideal speed-up when T >= ideal d(C).

That is optimistic: the parent's handler threads and the workers share the same
CPUs (here the measured break-even came ~3x later than the model said). The
measured break-even curve (chunksize 1, busy tasks) calibrates it: the model's
task lengths are scaled by k = measured / modelled half-ideal point at C = 1
(never below 1), assuming what the model misses scales with d(C) too.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpbench.groups.pool import results as pd
from mpbench.reporting.data import Result, ResultSet


@dataclass(frozen=True)
class ChunkAdvice:
    """Pool.map at one chunksize, and the task lengths (seconds) it needs."""

    chunksize: int
    default: bool            # the chunksize Pool.map chose itself
    dispatch: Result         # per-task cost of a no-op task at this chunksize
    ideal: int
    scale: float = 1.0       # k, from the measured break-even at chunksize 1

    @property
    def gains_from(self) -> float | None:
        """Task length above which W workers beat a plain loop (None: never)."""
        if self.ideal <= 1:
            return None
        return self.scale * self.dispatch.mean * self.ideal / (self.ideal - 1)

    @property
    def half_from(self) -> float:
        """Task length from which W workers reach half of their ideal speed-up."""
        return self.scale * self.dispatch.mean * self.ideal


@dataclass(frozen=True)
class Advice:
    setting: pd.Setting
    ideal: int
    chunks: list[ChunkAdvice]
    measured: pd.Crossing | None  # the break-even curve's half-ideal point (chunksize 1)
    scale: float                     # k (1: the model is not calibrated)


def advise(rs: ResultSet) -> Advice | None:
    """Pool.map's chunksizes at the main setting, with the task lengths each needs."""
    setting = pd.main_setting(rs)
    if setting is None:
        return None
    points = pd.dispatch_curves(rs, setting).get("map", {})
    if not points:
        return None
    ideal = pd.ideal_speedup(rs, setting[1])
    curves = pd.break_even(rs)
    measured = (pd.half_ideal(rs, setting[1], curves[setting[1]])
                if setting[1] in curves else None)
    scale = 1.0
    if 1 in points and measured is not None and measured.where == "between" \
            and measured.task_us:
        scale = max(1.0, measured.task_us * 1e-6 / (ideal * points[1].mean))
    chunks = [ChunkAdvice(c, bool(r.get("chunksize_default")), r, ideal, scale)
              for c, r in points.items()]
    return Advice(setting, ideal, chunks, measured, scale)


@dataclass(frozen=True)
class Rule:
    """One line of advice: tasks from ``low`` to ``high`` seconds (None: open) -> what."""

    low: float | None
    high: float | None
    what: str
    chunk: ChunkAdvice | None


def rules(advice: Advice) -> list[Rule]:
    """Task-length ranges, longest tasks first: the smallest chunksize that reaches
    half of the ideal speed-up in each; below every threshold, serial. A larger
    chunksize is listed only where it lowers the threshold (noise can make d(C)
    non-monotonic)."""
    if advice.ideal <= 1:
        return [Rule(None, None, f"do it serially: with {advice.ideal} usable worker a pool "
                                 "never beats a plain loop (use one for isolation only)", None)]
    useful: list[ChunkAdvice] = []
    for chunk in sorted(advice.chunks, key=lambda c: c.chunksize):
        if not useful or chunk.half_from < useful[-1].half_from:
            useful.append(chunk)
    found: list[Rule] = []
    upper: float | None = None
    for i, chunk in enumerate(useful):
        what = ("any chunksize (1 balances uneven tasks best)" if i == 0
                else f"chunksize >= {chunk.chunksize}")
        found.append(Rule(chunk.half_from, upper, what, chunk))
        upper = chunk.half_from
    found.append(Rule(None, upper, "do it serially, or batch tasks into longer ones: no "
                                   "chunksize measured reaches half the ideal speed-up", None))
    return found
