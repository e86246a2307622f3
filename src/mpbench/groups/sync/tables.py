"""The sync tables: every contention point, the wake-ups, the floors."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench import harness
from mpbench.groups.sync.results import (
    PLACEMENT_TEXT,
    PRIMITIVE_ORDER,
    THREADS,
    busy_text,
    info_max,
    info_median,
    label,
    pingpongs,
    point_label,
    primitives,
    rate_text,
    series,
    slot_counts,
    uncontended,
    wakeup_placements,
    wakeups,
    work_points,
)
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Table
from mpbench.units import format_seconds


def _fmt(seconds: float | None) -> str:
    return format_seconds(seconds) if seconds is not None else "-"


def contention_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for point in work_points(rs):
        for primitive in primitives(rs) + [THREADS]:
            for k in [1] + (slot_counts(rs) if primitive == "semaphore" else []):
                for n, r in series(rs, primitive, point, k).items():
                    floor = rs.floor(r)
                    max_min = info_median(rs, r, "max_min_share")
                    starved = info_max(rs, r, "starved")
                    rows.append([
                        point_label(point) if point != (0.0, 0.0) else "empty loop",
                        label(rs, primitive) if k == 1 else f"Semaphore({k})", str(n),
                        "yes" if r.get("oversubscribed") else "no",
                        f"{format_seconds(r.mean)} +- {format_seconds(r.stdev)}",
                        rate_text(r, unit=""),
                        f"{r.mean / floor.mean:.2f}x" if floor else "-",
                        _fmt(info_median(rs, r, "wait_p50")), _fmt(info_median(rs, r, "wait_p99")),
                        _fmt(info_max(rs, r, "wait_max")),
                        _fmt(info_median(rs, r, "handoff_p50")),
                        _fmt(info_median(rs, r, "handoff_p99")),
                        f"{info_median(rs, r, 'jain'):.3f}"
                        if info_median(rs, r, "jain") and k == 1 else "-",
                        ((f"{max_min:.2f}" if max_min else "-")
                         + (f" ({int(starved)} starved)" if starved else "")) if k == 1
                        else "equal by design",
                        busy_text(rs, r)])
    if not rows:
        return None
    return Table("Contention: every point",
                 ["work", "primitive", "N", "oversubscribed", "per acquisition",
                  "acquisitions", "x threads", "wait p50", "wait p99", "wait max",
                  "hand-off p50", "hand-off p99", "Jain", "max/min share",
                  "busy work measured"], rows,
                 "Per acquisition: pyperf's mean and std dev (the contention window of the clean "
                 "pass over its acquisitions). x threads: over the same loop in N threads of one "
                 "process. Waits, hand-offs, shares and busy work come from the instrumented pass "
                 "of each call (untimed): percentiles are the median over calls of each call's "
                 "exact value; max: over all calls. Busy work measured: inside / between, "
                 f"flagged '(off)' beyond {harness.BUSY_TOLERANCE:.0%} of what was asked. "
                 "Rows with N above the usable CPUs measure oversubscription.")


def wakeup_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for place in wakeup_placements(rs):
        for primitive, notify in (("event", "set"), ("condition", "all"), ("condition", "one")):
            for n, r in wakeups(rs, primitive, notify, place).items():
                floor = rs.floor(r)
                rows.append([label(rs, primitive), notify, str(n), place or "free",
                             f"{format_seconds(r.mean)} +- {format_seconds(r.stdev)}",
                             _fmt(info_median(rs, r, "wakeup_p50")),
                             _fmt(info_median(rs, r, "wakeup_p99")),
                             _fmt(info_max(rs, r, "wakeup_max")),
                             _fmt(info_median(rs, r, "wakeup_last_p50")),
                             f"{r.mean / floor.mean:.1f}x" if floor else "-"])
    if not rows:
        return None
    return Table("Wake-ups", ["primitive", "notify", "waiters", "placement", "mean", "p50",
                              "p99", "max", "last waiter p50", "x ping-pong"], rows,
                 "Latency from just before set()/notify*() to wait() returning; 'last waiter': "
                 "per round, the latest of the W waiters.")


def floor_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for primitive in PRIMITIVE_ORDER + (THREADS,):
        r = uncontended(rs, primitive)
        if r:
            rows.append([r.name, "acquire() + release() in one process",
                         f"{format_seconds(r.mean)} +- {format_seconds(r.stdev)}"])
    for placement, r in pingpongs(rs):
        rows.append([r.name, f"one hand-off between two processes, {PLACEMENT_TEXT[placement]}",
                     f"{format_seconds(r.mean)} +- {format_seconds(r.stdev)}"])
    if not rows:
        return None
    return Table("Floors", ["benchmark", "what", "time"], rows)
