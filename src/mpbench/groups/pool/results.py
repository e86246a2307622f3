"""The pool group's results as the report reads them: dispatch curves, pool lives,
break-even points and the harness check, picked out of a :class:`ResultSet`, and the
advice they support (which chunksize, or no pool at all).

Everything here reads metadata (``mpbench_metric``, ``mpbench_api``,
``mpbench_chunksize``, ``mpbench_method``, ``mpbench_workers``...), never names.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from mpbench.reporting.data import Result, ResultSet

NAME = "pool"
METHOD_ORDER = ("fork", "forkserver", "spawn")
KINDS = ("pool", "executor")
# Dispatch APIs in figure order; apply_async and submit have no chunksize (one task a message).
API_ORDER = ("map", "imap", "imap_unordered", "apply_async", "apply", "submit", "executor_map")
API_LABELS = {"map": "Pool.map", "imap": "Pool.imap", "imap_unordered": "Pool.imap_unordered",
              "apply_async": "Pool.apply_async", "apply": "Pool.apply",
              "submit": "Executor.submit", "executor_map": "Executor.map",
              "minimal_pool": "minimal pool (floor)", "pool": "Pool",
              "executor": "ProcessPoolExecutor"}

Setting = tuple[str, int]  # (start method, workers W)


def has_pool(rs: ResultSet) -> bool:
    return bool(rs.where(group=NAME))


def api_label(api: str) -> str:
    return API_LABELS.get(api, api)


def methods(rs: ResultSet) -> list[str]:
    present = {r.get("method") for r in rs.where(group=NAME)}
    return [m for m in METHOD_ORDER if m in present]


def usable_cpus(rs: ResultSet) -> int | None:
    cpus = rs.machine.get("mpbench_usable_cpus")
    return int(cpus) if isinstance(cpus, int) and cpus > 0 else None


def ideal_speedup(rs: ResultSet, workers: int) -> int:
    """What W workers can gain at best: W, or the usable CPUs when fewer."""
    cpus = usable_cpus(rs)
    return min(workers, cpus) if cpus else workers


# -- dispatch ------------------------------------------------------------------------

def dispatch_results(rs: ResultSet) -> list[Result]:
    """The per-task dispatch figures of the pools (not the floors, not the reference)."""
    return [r for r in rs.where(group=NAME, metric="dispatch") if not r.is_floor]


def main_setting(rs: ResultSet) -> Setting | None:
    """The (method, W) of the full API x chunksize sweep: the one with most figures."""
    count = Counter((str(r.get("method")), int(r.get("workers"))) for r in dispatch_results(rs))
    return count.most_common(1)[0][0] if count else None


def chunk_key(result: Result) -> tuple[int, bool]:
    """(effective chunksize, chosen by Pool.map itself)."""
    return int(result.get("chunksize", 1)), bool(result.get("chunksize_default"))


def dispatch_curves(rs: ResultSet, setting: Setting) -> dict[str, dict[int, Result]]:
    """Per API, per effective chunksize, the dispatch figure at ``setting``
    (Pool.map's default chunksize counts as the number it chose)."""
    method, workers = setting
    curves: dict[str, dict[int, Result]] = {}
    for r in dispatch_results(rs):
        if (r.get("method"), r.get("workers")) == (method, workers):
            chunk, default = chunk_key(r)
            points = curves.setdefault(str(r.get("api")), {})
            if chunk not in points or not default:  # an explicit chunksize wins a tie
                points[chunk] = r
    order = {api: i for i, api in enumerate(API_ORDER)}
    return {api: dict(sorted(points.items()))
            for api, points in sorted(curves.items(), key=lambda kv: order.get(kv[0], 99))}


def minimal_curve(rs: ResultSet, workers: int) -> dict[int, Result]:
    """The minimal forked pool (floor) per chunksize at W workers."""
    return dict(sorted((int(r.get("chunksize")), r)
                       for r in rs.where(group=NAME, metric="dispatch", api="minimal_pool",
                                         workers=workers)))


def dispatch_at(rs: ResultSet, api: str, chunksize: int | None, method: str,
                workers: int) -> Result | None:
    """One dispatch figure (``chunksize`` None: an API without one)."""
    for r in dispatch_results(rs):
        if (r.get("api"), r.get("method"), r.get("workers")) != (api, method, workers):
            continue
        if chunksize is None or (int(r.get("chunksize", 1)) == chunksize
                                 and not r.get("chunksize_default")):
            return r
    return None


def other_settings(rs: ResultSet) -> list[tuple[str, int | None, Setting, Result]]:
    """Dispatch figures outside the main setting: (api, chunksize, (method, W), result)."""
    main = main_setting(rs)
    found = []
    for r in dispatch_results(rs):
        setting = (str(r.get("method")), int(r.get("workers")))
        if setting != main:
            chunk = int(r.get("chunksize")) if r.get("api") in CHUNKED else None
            found.append((str(r.get("api")), chunk, setting, r))
    return found


CHUNKED = ("map", "imap", "imap_unordered", "executor_map")


# -- start-up and shutdown -------------------------------------------------------------

def lifecycle(rs: ResultSet, metric: str, kind: str) -> dict[Setting, Result]:
    """``lifetime``/``startup``/``shutdown`` of ``kind`` per (method, W), warm server."""
    return {(str(r.get("method")), int(r.get("workers"))): r
            for r in rs.where(group=NAME, metric=metric, api=kind)
            if r.get("forkserver") != "cold"}


def cold_lifetime(rs: ResultSet, kind: str) -> Result | None:
    return rs.one(group=NAME, metric="lifetime", api=kind, forkserver="cold")


def workers_of(points: dict[Setting, Result], method: str) -> dict[int, Result]:
    return dict(sorted((w, r) for (m, w), r in points.items() if m == method))


# -- break-even ------------------------------------------------------------------------

@dataclass(frozen=True)
class EvenPoint:
    """One break-even figure: tasks of ``task_us`` through a pool of W workers."""

    task_us: float
    pool: Result              # seconds per task through Pool.map
    serial_s: float           # seconds per task in a plain loop (same worker, or the floor)
    serial_source: str        # where serial_s comes from

    @property
    def speedup(self) -> float:
        return self.serial_s / self.pool.mean


def serial_seconds(rs: ResultSet, result: Result) -> tuple[float, str]:
    """The plain loop's seconds per task for a break-even figure: measured by the same
    pyperf workers just before their pools started (``mpbench_serial_task_s``), else
    the floor benchmark's mean."""
    here = [run.get_metadata().get("mpbench_serial_task_s") for run in result.bench.get_runs()
            if run.values]
    here = [v for v in here if isinstance(v, (int, float)) and v > 0]
    if here:
        return statistics.mean(here), "the same workers' plain loop"
    floor = rs.floor(result)
    if floor is not None:
        return floor.mean, floor.name
    return math.nan, "none"


def break_even(rs: ResultSet) -> dict[int, list[EvenPoint]]:
    """Per W, the break-even figures in task-length order."""
    curves: dict[int, list[EvenPoint]] = {}
    for r in rs.where(group=NAME, metric="break_even"):
        serial, source = serial_seconds(rs, r)
        if math.isfinite(serial):
            curves.setdefault(int(r.get("workers")), []).append(
                EvenPoint(float(r.get("task_us")), r, serial, source))
    return {w: sorted(points, key=lambda p: p.task_us) for w, points in sorted(curves.items())}


@dataclass(frozen=True)
class Crossing:
    """Where a speed-up curve reaches ``target``: the task length (us), interpolated on
    log scales between the two points it rests on; ``below``/``above`` when the curve is
    already past the target at its first point, or never reaches it."""

    target: float
    task_us: float | None
    points: tuple[EvenPoint, ...]
    where: str  # "between", "below" (reached at the shortest task), "above" (never)


def crossing(points: Sequence[EvenPoint], target: float) -> Crossing | None:
    """The first task length at which the speed-up reaches ``target``."""
    if not points:
        return None
    if points[0].speedup >= target:
        return Crossing(target, points[0].task_us, (points[0],), "below")
    for lo, hi in zip(points, points[1:]):
        if lo.speedup < target <= hi.speedup:
            x0, x1 = math.log(lo.task_us), math.log(hi.task_us)
            y0, y1 = math.log(lo.speedup), math.log(hi.speedup)
            x = x0 + (math.log(target) - y0) * (x1 - x0) / (y1 - y0)
            return Crossing(target, math.exp(x), (lo, hi), "between")
    return Crossing(target, None, (points[-1],), "above")


def half_ideal(rs: ResultSet, workers: int, points: Sequence[EvenPoint]) -> Crossing | None:
    """Where W workers reach half of their ideal speed-up."""
    return crossing(points, ideal_speedup(rs, workers) / 2)


# -- the harness check, payload, concurrent_imap ---------------------------------------------

def harness_pairs(rs: ResultSet) -> list[tuple[Result, Result]]:
    """(benchmark, its same-run minimal reference) for each ``mpbench_reference``."""
    pairs = []
    for r in rs.where(group=NAME):
        ref_name = r.get("reference")
        if ref_name and str(ref_name) in rs.results:
            pairs.append((r, rs.results[str(ref_name)]))
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    return sorted(pairs, key=lambda p: order.get(str(p[0].get("method")), 9))


def payload_results(rs: ResultSet) -> list[Result]:
    return sorted((r for r in rs.where(group=NAME, metric="payload") if not r.is_floor),
                  key=lambda r: (str(r.get("api")), int(r.get("chunksize", 1)),
                                 int(r.get("size"))))


def concurrent_imap(rs: ResultSet) -> dict[str, Result]:
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    found = {str(r.get("method")): r for r in rs.where(group=NAME, metric="concurrent_imap")}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], 9)))


def setting_text(setting: Setting) -> str:
    return f"{setting[0]}, W={setting[1]}"


# -- advice: which chunksize, or no pool at all ------------------------------------------
#
# The model is deliberately plain and stated on the page: W workers spend T / ideal
# seconds per task of T seconds of work (ideal = min(W, usable CPUs)), plus the
# parent's dispatch cost d(C) per task at chunksize C, which the dispatch figures
# measure with no-op tasks. Then a pool
#
# - beats a plain loop when T / ideal + d(C) < T, i.e. T > d(C) ideal / (ideal - 1);
# - reaches half of its ideal speed-up when T >= ideal d(C).
#
# That is optimistic: the parent's handler threads and the workers share the same
# CPUs (here the measured break-even came ~3x later than the model said). The
# measured break-even curve (chunksize 1, busy tasks) calibrates it: the model's
# task lengths are scaled by k = measured / modelled half-ideal point at C = 1
# (never below 1), assuming what the model misses scales with d(C) too.


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
    setting: Setting
    ideal: int
    chunks: list[ChunkAdvice]
    measured: Crossing | None  # the break-even curve's half-ideal point (chunksize 1)
    scale: float               # k (1: the model is not calibrated)


def advise(rs: ResultSet) -> Advice | None:
    """Pool.map's chunksizes at the main setting, with the task lengths each needs."""
    setting = main_setting(rs)
    if setting is None:
        return None
    points = dispatch_curves(rs, setting).get("map", {})
    if not points:
        return None
    ideal = ideal_speedup(rs, setting[1])
    curves = break_even(rs)
    measured = (half_ideal(rs, setting[1], curves[setting[1]])
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
