"""The sync section of a comparison: figures overlaid across results files, and the
benchmarks behind the headlines side by side."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.sync.figures import n_axis
from mpbench.groups.sync.headlines import headlines
from mpbench.groups.sync.results import (
    GROUP,
    THREADS,
    headline_primitive,
    label,
    pingpong,
    point_label,
    rate,
    series,
    wakeups,
    work_points,
    worker_cpus,
)
from mpbench.groups.sync.section import TITLE
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, Table
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds


def throughput(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    points = []
    for rs in sets:
        for point in work_points(rs):
            if point not in points:
                points.append(point)
    points = [p for p in points if any((prim := headline_primitive(rs)) and series(rs, prim, p)
                                       for rs in sets)]
    if not points:
        return None
    fig, axes = plot.panels(len(points))
    for ax, point in zip(axes, points):
        ns: list[int] = []
        values: list[float] = []
        for j, rs in enumerate(sets):
            primitive = headline_primitive(rs)
            for prim, ls in ((primitive, "-"), (THREADS, "--")):
                if not prim:
                    continue
                found = series(rs, prim, point)
                if not found:
                    continue
                xs, ys = list(found), [rate(r) for r in found.values()]
                ax.errorbar(xs, ys, [rate(r) * r.stdev / r.mean for r in found.values()],
                            marker="o" if ls == "-" else "s", capsize=2, ls=ls,
                            color=plot.colour(j), alpha=1.0 if ls == "-" else 0.6,
                            label=f"{label(rs, prim)}, {rs.label}")
                ns += xs
                values += ys
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        n_axis(ax, ns, worker_cpus(sets[0]), "contending processes (threads), N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    plot.legend(axes)
    fig.suptitle("Lock throughput per results file (colour: file; dashed: threads floor)",
                 fontsize=11)
    return plot.save(fig, outdir, "compare_sync_throughput", "Lock throughput per results file",
                     "The same benchmarks in each results file; dashed, each file's own "
                     "threading.Lock floor.")


def wakeup(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    if not any(wakeups(rs, "event", "set") or wakeups(rs, "condition", "all") for rs in sets):
        return None
    fig, ax = plot.new_figure(10.5, 4.8)
    ns: list[int] = []
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
    n_axis(ax, ns, worker_cpus(sets[0]), "waiting processes, W")
    ax.set_ylabel("mean wake-up latency")
    plot.legend([ax])
    ax.set_title("Wake-up latency per results file (dotted: each file's ping-pong floor)")
    return plot.save(fig, outdir, "compare_sync_wakeup", "Wake-ups per results file",
                     "Colour: results file; solid: Event.set(), dashed: Condition.notify_all().")


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Sync figures overlaid across results files, and the headline numbers side by side."""
    sets = comparison.sets
    if not any(rs.where(group=GROUP) for rs in sets):
        return None
    figures = [f for f in (throughput(sets, outdir),
                           wakeup(sets, outdir)) if f]
    names: list[str] = []
    for rs in sets:
        for headline in headlines(rs):
            for name in headline.sources:
                if name not in names and all(name in other.results for other in sets):
                    names.append(name)
    rows: list[Sequence[str]] = []
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
    return Section("sync", TITLE, "", [],
                   figures, tables)
