"""The process results: start+join per start method, its parts, N processes, the
parent's memory, and spawn's layers."""

from __future__ import annotations

from typing import Any

from mpbench.groups.process.workloads.start_join import SPLIT_PARTS
from mpbench.reporting.data import Result, ResultSet

NAME = "process"  # the results' mpbench_group
METHOD_ORDER = ("fork", "forkserver", "spawn")  # cheapest first, as they usually rank
PARTS = SPLIT_PARTS  # start(), time to target, join()


def is_plain(result: Result) -> bool:
    """A small parent, a warm forkserver, not a reference loop."""
    return (not result.get("parent_touched") and result.get("forkserver") != "cold"
            and not result.get("is_reference"))


def plain(rs: ResultSet, metric: str, method: str, nprocs: int = 1) -> Result | None:
    """The benchmark of ``metric`` for ``method`` with a small parent and a warm server."""
    return next((r for r in rs.where(group=NAME, metric=metric, method=method, nprocs=nprocs)
                 if is_plain(r)), None)


def methods(rs: ResultSet) -> list[str]:
    present = {r.get("method") for r in rs.where(group=NAME) if r.get("method")}
    return [m for m in METHOD_ORDER if m in present]


def ratio_text(rs: ResultSet, result: Result) -> str:
    ratio = rs.ratio_to_floor(result)
    return f"{ratio:.2f}x" if ratio else "-"


def nprocs_series(rs: ResultSet, method: str) -> dict[int, Result]:
    """N -> start+join of N processes (plain), sorted by N."""
    found = {int(r.get("nprocs")): r
             for r in rs.where(group=NAME, metric="start_join", method=method) if is_plain(r)}
    return dict(sorted(found.items()))


def memory_series(rs: ResultSet, **criteria: Any) -> dict[int, Result]:
    """Parent memory touched (bytes) -> start+join of one process, sorted."""
    found = {int(r.get("parent_touched", 0)): r
             for r in rs.where(group=NAME, metric="start_join", nprocs=1, **criteria)
             if r.get("forkserver") != "cold" and not r.get("is_reference")}
    return dict(sorted(found.items()))


def spawn_breakdown(rs: ResultSet) -> list[tuple[str, float, str]] | None:
    """Spawn's start+join as a sum: (label, seconds, benchmark) per layer."""
    layers = {r.get("startup_mode"): r for r in rs.where(group=NAME, operation="posix_spawn",
                                                          nprocs=1)}
    spawn = plain(rs, "start_join", "spawn")
    if spawn is None or not all(m in layers for m in ("isolated", "site", "import_mp")):
        return None
    parts = [("bare interpreter (-I -S)", layers["isolated"].mean, layers["isolated"].name),
             ("+ site", layers["site"].mean - layers["isolated"].mean, layers["site"].name),
             ("+ multiprocessing imports", layers["import_mp"].mean - layers["site"].mean,
              layers["import_mp"].name),
             ("+ spawn itself (main re-import, unpickling, pipes, join)",
              spawn.mean - layers["import_mp"].mean, spawn.name)]
    return parts
