"""The sync headlines: the uncontended cost, what each extra contender costs, crossing
processes against threads, fairness, one hand-off, wake-ups, oversubscription."""

from __future__ import annotations

from mpbench.groups.sync.results import (
    GIL_OFF,
    GROUP,
    PLACEMENT_TEXT,
    THREADS,
    gil_off,
    headline_primitive,
    info_median,
    label,
    pingpongs,
    point_label,
    rate_text,
    series,
    uncontended,
    wakeup_placements,
    wakeups,
    work_points,
    worker_cpus,
)
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Headline
from mpbench.units import format_seconds


def headlines(rs: ResultSet) -> list[Headline]:
    lines: list[Headline] = []
    uncontended_lines: list[Headline] = []  # after the first contention line: it opens
    base, tbase = uncontended(rs, "lock"), uncontended(rs, THREADS)
    if base:
        text = (f"Uncontended, a multiprocessing Lock acquire()+release() takes "
                f"{format_seconds(base.mean)} in one process")
        sources = [base.name]
        if tbase:
            text += f" (threading.Lock: {format_seconds(tbase.mean)})"
            sources.append(tbase.name)
        uncontended_lines.append(Headline(text + ".", sources))
    primitive = headline_primitive(rs) or ""  # "": no primitive, no lines below
    cpus = worker_cpus(rs)
    for point in (work_points(rs) if primitive else []):
        points = series(rs, primitive, point)
        if len(points) < 2:
            continue
        (n0, r0), (n1, r1) = list(points.items())[0], list(points.items())[-1]
        per_extra = (r1.mean - r0.mean) / (n1 - n0)
        if per_extra >= 0:
            cost = f"each extra process adds {format_seconds(per_extra)} per acquisition"
        else:
            cost = (f"each extra process takes {format_seconds(-per_extra)} off each "
                    "acquisition (the work between acquisitions runs in parallel)")
        text = (f"{label(rs, primitive)}, {point_label(point)}: {format_seconds(r0.mean)} per "
                f"acquisition with N={n0} ({rate_text(r0)}), {format_seconds(r1.mean)} "
                f"with N={n1} ({rate_text(r1)}): {cost}")
        p99 = info_median(rs, r1, "wait_p99")
        if p99 is not None:
            text += f"; wait p99 at N={n1}: {format_seconds(p99)}"
        if cpus and n1 > cpus:
            text += f" (N={n1} is oversubscribed: {cpus} usable CPUs)"
        lines.append(Headline(text + ".", [r0.name, r1.name]))
        # crossing processes vs threads, at the smallest N > 1
        for n, r in points.items():
            floor = rs.floor(r)
            if n > 1 and floor:
                lines.append(Headline(
                    f"Crossing processes, {point_label(point)}, N={n}: "
                    f"{label(rs, primitive)} takes "
                    f"{format_seconds(r.mean)} per acquisition, {r.mean / floor.mean:.2f}x the "
                    f"same loop in {n} threads on a threading.Lock ({format_seconds(floor.mean)})"
                    + (GIL_OFF if gil_off(rs) else "") + ".",
                    [r.name, floor.name]))
                break
        jain = info_median(rs, r1, "jain")
        if jain is not None:
            max_min = info_median(rs, r1, "max_min_share")
            lines.append(Headline(
                f"Fairness, {point_label(point)}, N={n1}: Jain's index {jain:.3f}"
                + (f", the busiest contender made {max_min:.2f}x the acquisitions of the least busy"
                   if max_min else ", some contender starved") + ".", [r1.name]))
    floors = pingpongs(rs)
    if floors:
        text = ("One cross-process hand-off (semaphore ping-pong) takes "
                + ", ".join(f"{format_seconds(r.mean)} {PLACEMENT_TEXT[p]}" for p, r in floors))
        lines.append(Headline(text + ".", [r.name for _, r in floors]))
    for place in wakeup_placements(rs):
        events = wakeups(rs, "event", "set", place)
        if not events:
            continue
        (w0, e0), (w1, e1) = list(events.items())[0], list(events.items())[-1]
        text = (f"Event.set() wakes {w0} waiter in {format_seconds(e0.mean)} on average"
                + (f" ({PLACEMENT_TEXT[place]})" if place else ""))
        if w1 != w0:
            text += f", each of {w1} waiters in {format_seconds(e1.mean)}"
        lines.append(Headline(text + ".", [e0.name] + ([e1.name] if w1 != w0 else [])))
    oversubscribed = [r for r in rs.where(group=GROUP) if r.get("oversubscribed")]
    if oversubscribed and cpus:
        lines.append(Headline(f"{len(oversubscribed)} sync benchmarks ran more processes than "
                              f"the {cpus} usable CPUs: they measure oversubscription (time "
                              "slices, preempted lock holders) as much as the primitive."))
    return lines[:1] + uncontended_lines + lines[1:]
