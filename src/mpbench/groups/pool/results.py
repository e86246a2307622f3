"""The pool group's results as the report reads them: dispatch curves, pool lives,
break-even points and the harness check, picked out of a :class:`ResultSet`.

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

GROUP = "pool"
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
    return bool(rs.where(group=GROUP))


def api_label(api: str) -> str:
    return API_LABELS.get(api, api)


def methods(rs: ResultSet) -> list[str]:
    present = {r.get("method") for r in rs.where(group=GROUP)}
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
    return [r for r in rs.where(group=GROUP, metric="dispatch") if not r.is_floor]


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
                       for r in rs.where(group=GROUP, metric="dispatch", api="minimal_pool",
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
            for r in rs.where(group=GROUP, metric=metric, api=kind)
            if r.get("forkserver") != "cold"}


def cold_lifetime(rs: ResultSet, kind: str) -> Result | None:
    return rs.one(group=GROUP, metric="lifetime", api=kind, forkserver="cold")


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
    for r in rs.where(group=GROUP, metric="break_even"):
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
    for r in rs.where(group=GROUP):
        ref_name = r.get("reference")
        if ref_name and str(ref_name) in rs.results:
            pairs.append((r, rs.results[str(ref_name)]))
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    return sorted(pairs, key=lambda p: order.get(str(p[0].get("method")), 9))


def payload_results(rs: ResultSet) -> list[Result]:
    return sorted((r for r in rs.where(group=GROUP, metric="payload") if not r.is_floor),
                  key=lambda r: (str(r.get("api")), int(r.get("chunksize", 1)),
                                 int(r.get("size"))))


def concurrent_imap(rs: ResultSet) -> dict[str, Result]:
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    found = {str(r.get("method")): r for r in rs.where(group=GROUP, metric="concurrent_imap")}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], 9)))


def setting_text(setting: Setting) -> str:
    return f"{setting[0]}, W={setting[1]}"
