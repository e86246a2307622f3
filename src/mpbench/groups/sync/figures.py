"""The sync figures: acquisitions/s and wait p99 against N per primitive (one panel per
work point, the threads floor and the uncontended acquire drawn in), fairness against
N, hand-off latencies beside the ping-pong floors, Semaphore(k), and wake-up latencies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.sync.results import (
    PLACEMENT_STYLE,
    PLACEMENT_TEXT,
    THREADS,
    colour_of,
    contended,
    info_max,
    info_median,
    label,
    pingpongs,
    point_label,
    pooled,
    primitives,
    rate,
    series,
    slot_counts,
    uncontended,
    wakeup_placements,
    wakeups,
    work_point,
    work_points,
    worker_cpus,
)
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.units import format_seconds

SLOT_MARKERS = ("o", "s", "^", "D", "v")
REFERENCE = "black"  # the floors drawn as lines across a panel: ping-pongs, uncontended
THREADS_LOOK: dict[str, Any] = {"color": "#8a8a8a", "ls": "--", "marker": "s"}


def look(primitive: str) -> dict[str, Any]:
    """Colour, line style and marker of a primitive's series; the threads floor grey and
    dashed, apart from the black reference lines."""
    if primitive == THREADS:
        return dict(THREADS_LOOK)
    return {"color": colour_of(primitive), "ls": "-", "marker": "o"}


def pingpong_line(ax: Any, place: str | None, floor: Any, vertical: bool = False,
                  short: bool = False) -> None:
    """A ping-pong floor (one hand-off) across the panel, its placement in its line style."""
    text = (f"{'ping-pong' if short else 'one hand-off (semaphore ping-pong)'}, "
            f"{PLACEMENT_TEXT[place]}: {format_seconds(floor.mean)}")
    draw = ax.axvline if vertical else ax.axhline
    draw(floor.mean, color=REFERENCE, lw=1.1, ls=PLACEMENT_STYLE[place], label=text)


def n_axis(ax: Any, ns: Sequence[int], cpus: int | None, label: str) -> None:
    """Log2 axis of process counts, the oversubscribed part shaded (labelled in the legend)."""
    plot.count_axis(ax, ns, label)
    if cpus and ns and min(ns) <= cpus < max(ns):
        ax.axvspan(cpus, max(ns) * 1.15, color="#d62728", alpha=0.06, lw=0)
        ax.axvline(cpus, color="#d62728", lw=1, ls=":",
                   label=f"usable CPUs = {cpus} (shaded: oversubscribed)")


def finish(fig: Any, axes: Sequence[Any], title: str, most_columns: int = 2) -> None:
    """The figure's title, and one legend for all its panels, under them."""
    fig.suptitle(title, fontsize=11)
    legends.legend_below(fig, axes, most_columns=most_columns)



def throughput(rs: ResultSet, outdir: str) -> plot.Figure | None:
    points = work_points(rs)
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = plot.grid(len(points), 3.6)
    for ax, point in zip(axes, points):
        ns: list[int] = []
        values: list[float] = []
        for primitive in prims + [THREADS]:
            points_n = series(rs, primitive, point)
            if not points_n:
                continue
            xs = list(points_n)
            ys = [rate(r) for r in points_n.values()]
            errs = [rate(r) * r.stdev / r.mean for r in points_n.values()]
            floor = primitive == THREADS
            ax.errorbar(xs, ys, errs, capsize=2, **look(primitive),
                        label=label(rs, primitive) + (" (floor)" if floor else ""))
            ns += xs
            values += ys
        if point == (0.0, 0.0):
            base = uncontended(rs, "lock")
            if base:
                plot.hline(ax, rate(base), f"uncontended Lock, one process, no stamps: "
                           f"{rate(base) / 1e6:.3g} M/s", colour=REFERENCE)
                values.append(rate(base))
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        n_axis(ax, ns, cpus, "contending processes (threads for the floor), N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    finish(fig, axes, "Lock throughput against the number of contenders (higher is better)")
    return plot.save(fig, outdir, "sync_throughput", "Acquisitions per second against N",
                     "1 / pyperf's mean time per acquisition: the contention window over the "
                     "acquisitions all N processes made (error bars: +-1 std dev). Grey dashed: "
                     "the same loop in N threads of one process on a threading.Lock (the floor: "
                     "what crossing processes adds; with the GIL the threads do not run in "
                     "parallel). Shaded: more contenders than usable CPUs, oversubscription.")


def wait(rs: ResultSet, outdir: str) -> plot.Figure | None:
    points = [p for p in work_points(rs)
              if any(info_median(rs, r, "wait_p99") for r in contended(rs) if work_point(r) == p)]
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = plot.grid(len(points), 3.6)
    base = uncontended(rs, "lock")
    for ax, point in zip(axes, points):
        ns: list[int] = []
        for primitive in prims + [THREADS]:
            found = [(n, r) for n, r in series(rs, primitive, point).items()
                     if info_median(rs, r, "wait_p99") is not None]
            if not found:
                continue
            xs = [n for n, _ in found]
            series_look = look(primitive)
            ax.plot(xs, [info_median(rs, r, "wait_p99") for _, r in found], **series_look,
                    label=f"{label(rs, primitive)}: p99")
            ax.plot(xs, [info_max(rs, r, "wait_max") for _, r in found], marker="x", ls="none",
                    color=series_look["color"], alpha=0.55,
                    label=f"{label(rs, primitive)}: longest")
            ns += xs
        ax.set_yscale("log")
        for place, floor in pingpongs(rs):
            pingpong_line(ax, place, floor)
        if base:
            plot.hline(ax, base.mean, f"uncontended acquire+release: {format_seconds(base.mean)}",
                       colour=REFERENCE, ls="-")
        plot.seconds_axis(ax)
        plot.tidy_log(ax)
        n_axis(ax, ns, cpus, "contending processes, N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("wait for the lock (acquire() call)")
    finish(fig, axes, "How long an acquire() waits: p99 (lines) and the longest (x)")
    return plot.save(fig, outdir, "sync_wait", "Wait p99 against N",
                     "Each timed call's exact 99th percentile of the acquire() call over every "
                     "acquisition, median over calls; x: the longest wait seen in any call. A "
                     "wait of milliseconds is a time slice: the holder was preempted, or the "
                     "waiter was not scheduled. Horizontal lines: the floors measured in the "
                     "same run.")


def fairness(rs: ResultSet, outdir: str) -> plot.Figure | None:
    points = work_points(rs)
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = plot.grid(len(points), 3.4)
    drew = False
    for ax, point in zip(axes, points):
        ns: list[int] = []
        for primitive in prims + [THREADS]:
            found = [(n, r) for n, r in series(rs, primitive, point).items()
                     if n > 1 and info_median(rs, r, "jain") is not None]
            if not found:
                continue
            drew = True
            xs = [n for n, _ in found]
            ax.plot(xs, [info_median(rs, r, "jain") for _, r in found], **look(primitive),
                    label=label(rs, primitive))
            ns += xs
        if ns:
            grid = sorted(set(ns))
            ax.plot(grid, [1 / n for n in grid], color=REFERENCE, lw=1, ls=":",
                    label="1/N: one contender got everything")
        ax.set_ylim(0, 1.05)
        n_axis(ax, ns, cpus, "contending processes, N")
        ax.set_title(point_label(point), fontsize=10)
    if not drew:
        plot.plt.close(fig)
        return None
    axes[0].set_ylabel("Jain's fairness index (1 = equal shares)")
    finish(fig, axes, "Fairness: how evenly the acquisitions were shared")
    return plot.save(fig, outdir, "sync_fairness", "Fairness against N",
                     "Jain's index of the acquisitions each contender made in a timed call, "
                     "(sum x)^2 / (N sum x^2), median over calls: 1 when all got the same share, "
                     "1/N when one got them all. The table gives the max/min share.")


def handoff(rs: ResultSet, outdir: str) -> plot.Figure | None:
    points = work_points(rs)
    prims = primitives(rs)
    panels = []
    for point in points:
        curves = []
        for primitive in prims + [THREADS]:
            found = series(rs, primitive, point)
            if not found:
                continue
            n, result = list(found.items())[-1]
            values = pooled(rs, result, "handoff")
            if len(values) >= 5:
                curves.append((primitive, n, result, values))
        if curves:
            panels.append((point, curves))
    if not panels:
        return None
    fig, axes = plot.grid(len(panels), 3.6)
    for ax, (point, curves) in zip(axes, panels):
        for primitive, n, _, values in curves:
            ys = [(i + 1) / len(values) for i in range(len(values))]
            series_look = look(primitive)
            ax.step(values, ys, where="post", color=series_look["color"], ls=series_look["ls"],
                    lw=2.0 if primitive == THREADS else 1.5,
                    label=f"{label(rs, primitive)}, N={n}")
        for place, floor in pingpongs(rs):
            pingpong_line(ax, place, floor, vertical=True, short=True)
        ax.set_xscale("log")
        plot.seconds_axis(ax, "x")
        plot.tidy_log(ax, "x")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("release -> acquire() returns in another process")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("fraction of hand-offs at most this long")
    finish(fig, axes, "Hand-off latency at the largest N (cumulative distribution)")
    return plot.save(fig, outdir, "sync_handoff", "Hand-off latency",
                     "From the releasing process's stamp just before release() to the next "
                     "holder's stamp as acquire() returned, when that holder was another "
                     "process already waiting; samples pooled over every call. A waiter that "
                     "had not yet gone to sleep takes the lock within a microsecond or two; one "
                     "asleep needs a wake-up, which the ping-pong floors price.")


def slots(rs: ResultSet, outdir: str) -> plot.Figure | None:
    ks = slot_counts(rs)
    points = [p for p in work_points(rs) if any(series(rs, "semaphore", p, k) for k in ks)]
    if not ks or not points:
        return None
    cpus = worker_cpus(rs)
    fig, axes = plot.grid(len(points), 3.6)
    for ax, point in zip(axes, points):
        ns: list[int] = []
        values: list[float] = []
        for i, k in enumerate([1] + ks):
            found = series(rs, "semaphore", point, k)
            if not found:
                continue
            xs = list(found)
            ys = [rate(r) for r in found.values()]
            ax.errorbar(xs, ys, [rate(r) * r.stdev / r.mean for r in found.values()],
                        marker=SLOT_MARKERS[i % len(SLOT_MARKERS)], capsize=2,
                        color=plot.colour(i + 2), label=f"Semaphore({k})")
            ns += xs
            values += ys
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        n_axis(ax, ns, cpus, "processes sharing the semaphore, N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    finish(fig, axes, "A pool of k slots: Semaphore(k) shared by N processes", 3)
    return plot.save(fig, outdir, "sync_slots", "Semaphore(k)",
                     "N processes each acquire a slot, work, release, think, the same number of "
                     "times each; k holders at once at most (checked from the stamps on every "
                     "call). Semaphore(1) is the mutual-exclusion case of the first figure.")


def wakeup(rs: ResultSet, outdir: str) -> plot.Figure | None:
    variants = [("event", "set"), ("condition", "all"), ("condition", "one")]
    places = wakeup_placements(rs)
    found = [(p, n, wakeups(rs, p, n, place)) for p, n in variants for place in places]
    found = [(p, n, s) for p, n, s in found if s]
    if not found:
        return None
    fig, axes = plot.grid(len(places), 4.0)
    for ax, place in zip(axes, places):
        ns: list[int] = []
        for i, (primitive, notify) in enumerate(variants):
            points = wakeups(rs, primitive, notify, place)
            if not points:
                continue
            label = {"set": "Event.set()", "all": "Condition.notify_all()",
                     "one": "Condition.notify(), one of W"}[notify]
            c = plot.colour(4 + i)
            xs = list(points)
            ax.errorbar(xs, [r.mean for r in points.values()],
                        [r.stdev for r in points.values()],
                        marker="o", capsize=3, color=c, label=f"{label}: mean")
            p99 = [(n, info_median(rs, r, "wakeup_p99")) for n, r in points.items()]
            p99 = [(n, v) for n, v in p99 if v is not None]
            if p99:
                ax.plot([n for n, _ in p99], [v for _, v in p99], color=c, ls=":", marker=".",
                        label=f"{label}: p99")
            ns += xs
        for floor_place, floor in pingpongs(rs):
            if floor_place == place or place is None:
                pingpong_line(ax, floor_place, floor)
        ax.set_yscale("log")
        plot.seconds_axis(ax)
        n_axis(ax, ns, worker_cpus(rs), "waiting processes, W")
        ax.set_title(f"placement {place}" if place else "placed by the scheduler",
                     fontsize=10)
    axes[0].set_ylabel("set()/notify() -> wait() returns")
    finish(fig, axes, "Wake-up latency (lower is better)")
    return plot.save(fig, outdir, "sync_wakeup", "Wake-up latency",
                     "From the waker's stamp just before set() / notify*() to each waiter's "
                     "stamp as wait() returns, with every waiter asleep beforehand. Mean: "
                     "pyperf's value (error bars +-1 std dev); p99: each call's exact p99, "
                     "median over calls. multiprocessing's notify() waits inside for every "
                     "woken waiter, and each must re-take the condition's lock: W waiters wake "
                     "one after the other.")
