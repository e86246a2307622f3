"""The ``sync`` part of a report: locks, semaphores, events and conditions under contention.

Figures: acquisitions/s and wait p99 against N per primitive (one panel per
work point, the threads floor and the uncontended acquire drawn in), fairness
against N, hand-off latencies beside the ping-pong floors, Semaphore(k), and
wake-up latencies. Distributions and shares come from the samples file; a
report never re-runs a benchmark.
"""

from __future__ import annotations

import statistics
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mpbench import harness
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds

GROUP = "sync"
PRIMITIVE_ORDER = ("lock", "rlock", "semaphore", "bounded_semaphore")
THREADS = "threading_lock"
LABELS = {"lock": "Lock", "rlock": "RLock", "semaphore": "Semaphore(1)",
          "bounded_semaphore": "BoundedSemaphore(1)", THREADS: "threading.Lock, N threads",
          "event": "Event.set()", "condition": "Condition"}
DEFAULT_POINT = (1.0, 10.0)
LINESTYLES = ("-", "--", ":", "-.")
SLOT_MARKERS = ("o", "s", "^", "D", "v")

WorkPoint = Tuple[float, float]


# -- reading the results ---------------------------------------------------------

def contended(rs: ResultSet, **criteria: Any) -> List[Result]:
    """Contention benchmarks (the threads floor included) matching ``criteria``."""
    return rs.where(group=GROUP, operation="contended", **criteria)


def work_point(result: Result) -> WorkPoint:
    return (float(result.get("critical_us", 0.0)), float(result.get("think_us", 0.0)))


def work_points(rs: ResultSet) -> List[WorkPoint]:
    """Work points present, the default (1 us inside, 10 us between) first."""
    found = {work_point(r) for r in contended(rs)}
    return sorted(found, key=lambda p: (p != DEFAULT_POINT, p))


def point_label(point: WorkPoint) -> str:
    critical, think = point
    if critical == 0 and think == 0:
        return "empty loop (nothing inside, nothing between)"
    return f"{critical:g} us inside, {think:g} us between"


def series(rs: ResultSet, primitive: str, point: WorkPoint, slots: int = 1) -> Dict[int, Result]:
    """N -> result for one primitive (k slots) at one work point."""
    found = {int(r.get("nprocs")): r for r in contended(rs, primitive=primitive, slots=slots)
             if work_point(r) == point}
    return dict(sorted(found.items()))


def primitives(rs: ResultSet) -> List[str]:
    present = {r.get("primitive") for r in contended(rs, slots=1)}
    return [p for p in PRIMITIVE_ORDER if p in present]


def slot_counts(rs: ResultSet) -> List[int]:
    return sorted({int(r.get("slots")) for r in contended(rs, primitive="semaphore")
                   if int(r.get("slots", 1)) > 1})


def uncontended(rs: ResultSet, primitive: str) -> Optional[Result]:
    return rs.one(group=GROUP, operation="uncontended", primitive=primitive)


PLACEMENTS = ("same-cpu", "cross-cpu", "free")
PLACEMENT_TEXT = {"same-cpu": "both on one CPU", "cross-cpu": "on two different CPUs",
                  "free": "placed by the scheduler", None: "placed by the scheduler"}
PLACEMENT_STYLE = {"same-cpu": ":", "cross-cpu": "-.", "free": "--", None: "--"}


def pingpong(rs: ResultSet, placement: str = "free") -> Optional[Result]:
    return rs.one(group=GROUP, operation="pingpong", placement=placement)


def pingpongs(rs: ResultSet) -> List[Tuple[str, Result]]:
    """The semaphore ping-pong floors present, by placement."""
    found = [(p, pingpong(rs, p)) for p in PLACEMENTS]
    return [(p, r) for p, r in found if r is not None]


def wakeup_placements(rs: ResultSet) -> List[Optional[str]]:
    """Placements of the wake-up benchmarks (``None``: files from before they had one)."""
    found = {r.get("placement") for r in rs.where(group=GROUP, operation="wakeup")}
    return [p for p in PLACEMENTS + (None,) if p in found]


def wakeups(rs: ResultSet, primitive: str, notify: str,
            placement: Optional[str] = "first") -> Dict[int, Result]:
    """W -> wake-up result in one placement (by default the first present)."""
    if placement == "first":
        placement = (wakeup_placements(rs) or [None])[0]
    found = {int(r.get("nprocs")): r for r in rs.where(group=GROUP, operation="wakeup",
                                                        primitive=primitive, notify=notify)
             if r.get("placement") == placement}
    return dict(sorted(found.items()))


def infos(rs: ResultSet, result: Result) -> List[Dict[str, Any]]:
    """The per-call entries the samples file kept for ``result``."""
    return list(rs.bench_samples(result.name).get("info", []))


def info_median(rs: ResultSet, result: Result, key: str) -> Optional[float]:
    """Median over timed calls of one call statistic (``None`` when never recorded)."""
    values = [entry[key] for entry in infos(rs, result) if entry.get(key) is not None]
    return statistics.median(values) if values else None


def info_max(rs: ResultSet, result: Result, key: str) -> Optional[float]:
    values = [entry[key] for entry in infos(rs, result) if entry.get(key) is not None]
    return max(values) if values else None


def pooled(rs: ResultSet, result: Result, name: str) -> List[float]:
    """A series pooled over every call and worker, sorted."""
    return sorted(rs.bench_samples(result.name).get("series", {}).get(name, []))


def rate(result: Result) -> float:
    """Acquisitions (or operations) per second from the time per operation."""
    return 1.0 / result.mean


def rate_text(result: Result) -> str:
    """``1.94 M acquisitions/s``, ``90.2 k acquisitions/s``."""
    value = rate(result)
    for prefix, factor in (("M ", 1e6), ("k ", 1e3)):
        if value >= factor:
            return f"{value / factor:.3g} {prefix}acquisitions/s"
    return f"{value:.3g} acquisitions/s"


def worker_cpus(rs: ResultSet) -> Optional[int]:
    """CPUs the pyperf workers could use (the machine's usable CPUs when not recorded)."""
    recorded = [int(r.get("worker_cpus")) for r in contended(rs) if r.get("worker_cpus")]
    if recorded:
        return max(recorded)
    cpus = rs.machine.get("mpbench_usable_cpus")
    return int(cpus) if cpus else None


def colour_of(primitive: str) -> str:
    if primitive == THREADS:
        return plot.FLOOR_COLOUR
    order = PRIMITIVE_ORDER + ("event", "condition")
    return plot.colour(order.index(primitive) if primitive in order else 0)


# -- figure helpers ----------------------------------------------------------------

def _n_axis(ax: Any, ns: Sequence[int], cpus: Optional[int], label: str) -> None:
    """Log2 axis of process counts, the oversubscribed part shaded (labelled in the legend)."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(ns)))
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plot.NullFormatter())
    ax.set_xlabel(label)
    if cpus and ns and min(ns) <= cpus < max(ns):
        ax.axvspan(cpus, max(ns) * 1.15, color="#d62728", alpha=0.06, lw=0)
        ax.axvline(cpus, color="#d62728", lw=1, ls=":",
                   label=f"usable CPUs = {cpus} (shaded: oversubscribed)")


def _tidy_log(ax: Any, axis: str = "y") -> None:
    """Drop the 2x/5x minor labels of a log axis spanning many decades (they collide)."""
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if low > 0 and high / low > 1e3:
        (ax.yaxis if axis == "y" else ax.xaxis).set_minor_formatter(plot.NullFormatter())


def _panels(count: int, height: float = 4.4):
    """``count`` panels side by side, room on the right for one shared legend."""
    width = 5.2 * count + 2.8
    fig, axes = plot.new_figure(width, height, ncols=count, squeeze=False)
    return fig, list(axes[0])


def _hline(ax: Any, y: float, text: str, colour: str = plot.FLOOR_COLOUR, ls: str = "-.") -> None:
    """A floor as a horizontal line, named in the legend."""
    ax.axhline(y, color=colour, lw=1.1, ls=ls, alpha=0.9, label=text)


def _legend(axes: Sequence[Any]) -> None:
    """One legend for every panel (labels gathered and deduplicated), right of the last."""
    handles: Dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:
        axes[-1].legend(list(handles.values()), list(handles), loc="upper left",
                        bbox_to_anchor=(1.03, 1.0), borderaxespad=0, fontsize=7.5)


# -- figures -------------------------------------------------------------------------

def _fig_throughput(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    points = work_points(rs)
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = _panels(len(points))
    for ax, point in zip(axes, points):
        ns: List[int] = []
        values: List[float] = []
        for primitive in prims + [THREADS]:
            points_n = series(rs, primitive, point)
            if not points_n:
                continue
            xs = list(points_n)
            ys = [rate(r) for r in points_n.values()]
            errs = [rate(r) * r.stdev / r.mean for r in points_n.values()]
            floor = primitive == THREADS
            ax.errorbar(xs, ys, errs, marker="s" if floor else "o", capsize=2,
                        color=colour_of(primitive), ls="--" if floor else "-",
                        label=LABELS[primitive] + (" (floor)" if floor else ""))
            ns += xs
            values += ys
        if point == (0.0, 0.0):
            base = uncontended(rs, "lock")
            if base:
                _hline(ax, rate(base), f"uncontended Lock, one process, no stamps: "
                       f"{rate(base) / 1e6:.3g} M/s")
                values.append(rate(base))
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        _n_axis(ax, ns, cpus, "contending processes (threads for the floor), N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    _legend(axes)
    fig.suptitle("Lock throughput against the number of contenders (higher is better)",
                 fontsize=11)
    return plot.save(fig, outdir, "sync_throughput", "Acquisitions per second against N",
                     "1 / pyperf's mean time per acquisition: the contention window over the "
                     "acquisitions all N processes made (error bars: +-1 std dev). Grey dashed: "
                     "the same loop in N threads of one process on a threading.Lock (the floor: "
                     "what crossing processes adds; with the GIL the threads do not run in "
                     "parallel). Shaded: more contenders than usable CPUs, oversubscription.")


def _fig_wait(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    points = [p for p in work_points(rs)
              if any(info_median(rs, r, "wait_p99") for r in contended(rs) if work_point(r) == p)]
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = _panels(len(points))
    base = uncontended(rs, "lock")
    for ax, point in zip(axes, points):
        ns: List[int] = []
        for primitive in prims + [THREADS]:
            found = [(n, r) for n, r in series(rs, primitive, point).items()
                     if info_median(rs, r, "wait_p99") is not None]
            if not found:
                continue
            xs = [n for n, _ in found]
            c = colour_of(primitive)
            ax.plot(xs, [info_median(rs, r, "wait_p99") for _, r in found], marker="o",
                    color=c, ls="--" if primitive == THREADS else "-",
                    label=f"{LABELS[primitive]}: p99")
            ax.plot(xs, [info_max(rs, r, "wait_max") for _, r in found], marker="x", ls="none",
                    color=c, alpha=0.55, label=f"{LABELS[primitive]}: longest")
            ns += xs
        ax.set_yscale("log")
        for place, floor in pingpongs(rs):
            _hline(ax, floor.mean, f"one hand-off (semaphore ping-pong), "
                   f"{PLACEMENT_TEXT[place]}: {format_seconds(floor.mean)}",
                   ls=PLACEMENT_STYLE[place])
        if base:
            _hline(ax, base.mean, f"uncontended acquire+release: {format_seconds(base.mean)}",
                   colour="#2ca02c", ls=":")
        plot.seconds_axis(ax)
        _tidy_log(ax)
        _n_axis(ax, ns, cpus, "contending processes, N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("wait for the lock (acquire() call)")
    _legend(axes)
    fig.suptitle("How long an acquire() waits: p99 (lines) and the longest (x)", fontsize=11)
    return plot.save(fig, outdir, "sync_wait", "Wait p99 against N",
                     "Each timed call's exact 99th percentile of the acquire() call over every "
                     "acquisition, median over calls; x: the longest wait seen in any call. A "
                     "wait of milliseconds is a time slice: the holder was preempted, or the "
                     "waiter was not scheduled. Horizontal lines: the floors measured in the "
                     "same run.")


def _fig_fairness(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    points = work_points(rs)
    prims = primitives(rs)
    if not points or not prims:
        return None
    cpus = worker_cpus(rs)
    fig, axes = _panels(len(points), 4.0)
    drew = False
    for ax, point in zip(axes, points):
        ns: List[int] = []
        for primitive in prims + [THREADS]:
            found = [(n, r) for n, r in series(rs, primitive, point).items()
                     if n > 1 and info_median(rs, r, "jain") is not None]
            if not found:
                continue
            drew = True
            xs = [n for n, _ in found]
            ax.plot(xs, [info_median(rs, r, "jain") for _, r in found], marker="o",
                    color=colour_of(primitive), ls="--" if primitive == THREADS else "-",
                    label=LABELS[primitive])
            ns += xs
        if ns:
            grid = sorted(set(ns))
            ax.plot(grid, [1 / n for n in grid], color="black", lw=0.8, ls=":",
                    label="1/N: one contender got everything")
        ax.set_ylim(0, 1.05)
        _n_axis(ax, ns, cpus, "contending processes, N")
        ax.set_title(point_label(point), fontsize=10)
    if not drew:
        plot.plt.close(fig)
        return None
    axes[0].set_ylabel("Jain's fairness index (1 = equal shares)")
    _legend(axes)
    fig.suptitle("Fairness: how evenly the acquisitions were shared", fontsize=11)
    return plot.save(fig, outdir, "sync_fairness", "Fairness against N",
                     "Jain's index of the acquisitions each contender made in a timed call, "
                     "(sum x)^2 / (N sum x^2), median over calls: 1 when all got the same share, "
                     "1/N when one got them all. The table gives the max/min share.")


def _fig_handoff(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
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
    fig, axes = _panels(len(panels), 4.2)
    floors = [(floor, f"ping-pong, {PLACEMENT_TEXT[place]}", PLACEMENT_STYLE[place])
              for place, floor in pingpongs(rs)]
    for ax, (point, curves) in zip(axes, panels):
        for primitive, n, _, values in curves:
            ys = [(i + 1) / len(values) for i in range(len(values))]
            ax.step(values, ys, where="post", color=colour_of(primitive),
                    ls="--" if primitive == THREADS else "-",
                    label=f"{LABELS[primitive]}, N={n}")
        for floor, text, ls in floors:
            if floor:
                ax.axvline(floor.mean, color=plot.FLOOR_COLOUR, ls=ls, lw=1.1,
                           label=f"{text}: {format_seconds(floor.mean)}")
        ax.set_xscale("log")
        plot.seconds_axis(ax, "x")
        _tidy_log(ax, "x")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("release in one process -> acquire() returns in another")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("fraction of hand-offs at most this long")
    _legend(axes)
    fig.suptitle("Hand-off latency at the largest N (cumulative distribution)", fontsize=11)
    return plot.save(fig, outdir, "sync_handoff", "Hand-off latency",
                     "From the releasing process's stamp just before release() to the next "
                     "holder's stamp as acquire() returned, when that holder was another "
                     "process already waiting; samples pooled over every call. A waiter that "
                     "had not yet gone to sleep takes the lock within a microsecond or two; one "
                     "asleep needs a wake-up, which the ping-pong floors price.")


def _fig_slots(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    ks = slot_counts(rs)
    points = [p for p in work_points(rs) if any(series(rs, "semaphore", p, k) for k in ks)]
    if not ks or not points:
        return None
    cpus = worker_cpus(rs)
    fig, axes = _panels(len(points), 4.2)
    for ax, point in zip(axes, points):
        ns: List[int] = []
        values: List[float] = []
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
        _n_axis(ax, ns, cpus, "processes sharing the semaphore, N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    _legend(axes)
    fig.suptitle("A pool of k slots: Semaphore(k) shared by N processes", fontsize=11)
    return plot.save(fig, outdir, "sync_slots", "Semaphore(k)",
                     "N processes each acquire a slot, work, release, think, the same number of "
                     "times each; k holders at once at most (checked from the stamps on every "
                     "call). Semaphore(1) is the mutual-exclusion case of the first figure.")


def _fig_wakeup(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    variants = [("event", "set"), ("condition", "all"), ("condition", "one")]
    places = wakeup_placements(rs)
    found = [(p, n, wakeups(rs, p, n, place)) for p, n in variants for place in places]
    found = [(p, n, s) for p, n, s in found if s]
    if not found:
        return None
    fig, axes = _panels(len(places), 4.8)
    for ax, place in zip(axes, places):
        ns: List[int] = []
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
                _hline(ax, floor.mean, f"one hand-off (semaphore ping-pong), "
                       f"{PLACEMENT_TEXT[floor_place]}: {format_seconds(floor.mean)}",
                       ls=PLACEMENT_STYLE[floor_place])
        ax.set_yscale("log")
        plot.seconds_axis(ax)
        _n_axis(ax, ns, worker_cpus(rs), "waiting processes, W")
        ax.set_title(f"placement {place}" if place else "placed by the scheduler",
                     fontsize=10)
    axes[0].set_ylabel("set()/notify() -> wait() returns")
    _legend(axes)
    fig.suptitle("Wake-up latency (lower is better)", fontsize=11)
    return plot.save(fig, outdir, "sync_wakeup", "Wake-up latency",
                     "From the waker's stamp just before set() / notify*() to each waiter's "
                     "stamp as wait() returns, with every waiter asleep beforehand. Mean: "
                     "pyperf's value (error bars +-1 std dev); p99: each call's exact p99, "
                     "median over calls. multiprocessing's notify() waits inside for every "
                     "woken waiter, and each must re-take the condition's lock: W waiters wake "
                     "one after the other.")


# -- tables ------------------------------------------------------------------------------

def _fmt(seconds: Optional[float]) -> str:
    return format_seconds(seconds) if seconds is not None else "-"


def _contention_table(rs: ResultSet) -> Optional[Table]:
    rows = []
    for point in work_points(rs):
        for primitive in primitives(rs) + [THREADS]:
            for k in [1] + (slot_counts(rs) if primitive == "semaphore" else []):
                for n, r in series(rs, primitive, point, k).items():
                    floor = rs.floor(r)
                    max_min = info_median(rs, r, "max_min_share")
                    starved = info_max(rs, r, "starved")
                    rows.append([
                        point_label(point) if point != (0.0, 0.0) else "empty loop",
                        LABELS[primitive] if k == 1 else f"Semaphore({k})", str(n),
                        f"{format_seconds(r.mean)} +- {format_seconds(r.stdev)}",
                        rate_text(r).replace(" acquisitions", ""),
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
                        busy_text(rs, r),
                        "yes" if r.get("oversubscribed") else "no"])
    if not rows:
        return None
    return Table("Contention: every point",
                 ["work", "primitive", "N", "per acquisition", "acquisitions", "x threads",
                  "wait p50", "wait p99", "wait max", "hand-off p50", "hand-off p99", "Jain",
                  "max/min share", "busy work measured", "oversubscribed"], rows,
                 "Per acquisition: pyperf's mean and std dev (the contention window of the clean "
                 "pass over its acquisitions). x threads: over the same loop in N threads of one "
                 "process. Waits, hand-offs, shares and busy work come from the instrumented pass "
                 "of each call (untimed): percentiles are the median over calls of each call's "
                 "exact value; max: over all calls. Busy work measured: inside / between, "
                 f"flagged '(off)' beyond {harness.BUSY_TOLERANCE:.0%} of what was asked. "
                 "Rows with N above the usable CPUs measure oversubscription.")


def busy_measured(rs: ResultSet, result: Result, part: str) -> Optional[float]:
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


def _wakeup_table(rs: ResultSet) -> Optional[Table]:
    rows = []
    for place in wakeup_placements(rs):
        for primitive, notify in (("event", "set"), ("condition", "all"), ("condition", "one")):
            for n, r in wakeups(rs, primitive, notify, place).items():
                floor = rs.floor(r)
                rows.append([LABELS[primitive], notify, str(n), place or "free",
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


def _floor_table(rs: ResultSet) -> Optional[Table]:
    rows = []
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


# -- headlines -----------------------------------------------------------------------------

def headline_primitive(rs: ResultSet) -> Optional[str]:
    """The primitive the headlines speak of: Lock when present."""
    prims = primitives(rs)
    return "lock" if "lock" in prims else (prims[0] if prims else None)


def _headlines(rs: ResultSet) -> List[Headline]:
    lines: List[Headline] = []
    base, tbase = uncontended(rs, "lock"), uncontended(rs, THREADS)
    if base:
        text = (f"Uncontended, a multiprocessing Lock acquire()+release() takes "
                f"{format_seconds(base.mean)} in one process")
        sources = [base.name]
        if tbase:
            text += f" (threading.Lock: {format_seconds(tbase.mean)})"
            sources.append(tbase.name)
        lines.append(Headline(text + ".", sources))
    primitive = headline_primitive(rs)
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
        text = (f"{LABELS[primitive]}, {point_label(point)}: {format_seconds(r0.mean)} per "
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
                    f"Crossing processes, {point_label(point)}, N={n}: {LABELS[primitive]} takes "
                    f"{format_seconds(r.mean)} per acquisition, {r.mean / floor.mean:.2f}x the "
                    f"same loop in {n} threads on a threading.Lock ({format_seconds(floor.mean)}).",
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
    return lines


def section(rs: ResultSet, outdir: str) -> Optional[Section]:
    """The sync section of a single-file report, or None without sync results."""
    if not rs.where(group=GROUP):
        return None
    figures = [f for f in (_fig_throughput(rs, outdir), _fig_wait(rs, outdir),
                           _fig_fairness(rs, outdir), _fig_handoff(rs, outdir),
                           _fig_slots(rs, outdir), _fig_wakeup(rs, outdir)) if f]
    tables = [t for t in (_contention_table(rs), _wakeup_table(rs), _floor_table(rs)) if t]
    return Section("sync", "Locks, semaphores, events and conditions under contention",
                   "N processes loop acquire -> critical section -> release -> think time on "
                   "one primitive; the figure is the time per acquisition of all N together, "
                   "from a clean pass (nothing in the loop but the primitive and the busy work; "
                   "each contender pinned to one CPU, in turn); waits, hand-offs, shares and "
                   "the mutual-exclusion check come from an instrumented pass of the same "
                   "configuration. Floors: an uncontended acquire, a semaphore ping-pong (one "
                   "hand-off) and the same loop in N threads on a threading.Lock.",
                   _headlines(rs), figures, tables)


# -- comparison ------------------------------------------------------------------------------

def _fig_compare_throughput(sets: Sequence[ResultSet], outdir: str) -> Optional[plot.Figure]:
    points = []
    for rs in sets:
        for point in work_points(rs):
            if point not in points:
                points.append(point)
    points = [p for p in points if any(headline_primitive(rs) and
                                       series(rs, headline_primitive(rs), p) for rs in sets)]
    if not points:
        return None
    fig, axes = _panels(len(points))
    for ax, point in zip(axes, points):
        ns: List[int] = []
        values: List[float] = []
        for j, rs in enumerate(sets):
            primitive = headline_primitive(rs)
            for prim, ls in ((primitive, "-"), (THREADS, "--")):
                found = series(rs, prim, point) if prim else {}
                if not found:
                    continue
                xs, ys = list(found), [rate(r) for r in found.values()]
                ax.errorbar(xs, ys, [rate(r) * r.stdev / r.mean for r in found.values()],
                            marker="o" if ls == "-" else "s", capsize=2, ls=ls,
                            color=plot.colour(j), alpha=1.0 if ls == "-" else 0.6,
                            label=f"{LABELS[prim]}, {rs.label}")
                ns += xs
                values += ys
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        _n_axis(ax, ns, worker_cpus(sets[0]), "contending processes (threads), N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    _legend(axes)
    fig.suptitle("Lock throughput per results file (colour: file; dashed: threads floor)",
                 fontsize=11)
    return plot.save(fig, outdir, "compare_sync_throughput", "Lock throughput per results file",
                     "The same benchmarks in each results file; dashed, each file's own "
                     "threading.Lock floor.")


def _fig_compare_wakeup(sets: Sequence[ResultSet], outdir: str) -> Optional[plot.Figure]:
    if not any(wakeups(rs, "event", "set") or wakeups(rs, "condition", "all") for rs in sets):
        return None
    fig, ax = plot.new_figure(10.5, 4.8)
    ns: List[int] = []
    for j, rs in enumerate(sets):
        for (primitive, notify), ls in ((("event", "set"), "-"), (("condition", "all"), "--")):
            found = wakeups(rs, primitive, notify)
            if found:
                ax.errorbar(list(found), [r.mean for r in found.values()],
                            [r.stdev for r in found.values()], marker="o", capsize=2, ls=ls,
                            color=plot.colour(j),
                            label=f"{'Event.set()' if notify == 'set' else 'notify_all()'}, "
                                  f"{rs.label}")
                ns += list(found)
        floor = pingpong(rs)
        if floor:
            ax.axhline(floor.mean, color=plot.colour(j), lw=1, ls=":", alpha=0.8)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    _n_axis(ax, ns, worker_cpus(sets[0]), "waiting processes, W")
    ax.set_ylabel("mean wake-up latency")
    _legend([ax])
    ax.set_title("Wake-up latency per results file (dotted: each file's ping-pong floor)")
    return plot.save(fig, outdir, "compare_sync_wakeup", "Wake-ups per results file",
                     "Colour: results file; solid: Event.set(), dashed: Condition.notify_all().")


def compare_section(sets: Sequence[ResultSet], outdir: str) -> Optional[Section]:
    """Sync figures overlaid across results files, and the headline numbers side by side."""
    if not any(rs.where(group=GROUP) for rs in sets):
        return None
    figures = [f for f in (_fig_compare_throughput(sets, outdir),
                           _fig_compare_wakeup(sets, outdir)) if f]
    names: List[str] = []
    for rs in sets:
        for headline in _headlines(rs):
            for name in headline.sources:
                if name not in names and all(name in other.results for other in sets):
                    names.append(name)
    rows = []
    for name in names:
        cells = [name]
        ref = sets[0].results[name].mean
        for rs in sets:
            mean = rs.results[name].mean
            cells.append(format_seconds(mean) + ("" if rs is sets[0] else f" ({mean / ref:.2f}x)"))
        rows.append(cells)
    tables = [Table("The benchmarks behind the sync headlines, per results file",
                    ["benchmark"] + [rs.label for rs in sets], rows,
                    "Mean time per operation; in brackets, the ratio to the first file.")] \
        if rows else []
    return Section("sync", "Locks, semaphores, events and conditions under contention", "", [],
                   figures, tables)
