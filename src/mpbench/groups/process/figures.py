"""The process figures: start+join per method beside its floor, where a start+join goes,
N processes, fork against the parent's memory, spawn's layers; and, across the results
files of a comparison, start+join per method and N processes."""

from __future__ import annotations

from typing import Any

from matplotlib.patches import Patch

from mpbench.groups.process.results import (
    METHOD_ORDER,
    PARTS,
    memory_series,
    methods,
    nprocs_series,
    plain,
    ratio_text,
    spawn_breakdown,
)
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

CPUS_COLOUR = "#d62728"  # the usable-CPUs line, as in the sync figures


def start_join(rs: ResultSet, outdir: str) -> plot.Figure | None:
    rows = [(m, r) for m in methods(rs) if (r := plain(rs, "start_join", m))]
    if not rows:
        return None
    fig, ax = plot.new_figure(7.5, 4.6)
    width = 0.38
    floor_look: dict[str, Any] = {"facecolor": "white", "edgecolor": plot.FLOOR_COLOUR,
                                  "hatch": "//"}
    for i, (method, result) in enumerate(rows):
        ax.bar(i - width / 2, result.mean, width, yerr=result.stdev, capsize=3,
               color=plot.colour(METHOD_ORDER.index(method)))
        plot.label_values(ax, [i - width / 2], [result.mean + result.stdev],
                          [format_seconds(result.mean)])
        floor = rs.floor(result)
        if floor:
            ax.bar(i + width / 2, floor.mean, width, yerr=floor.stdev, capsize=3, **floor_look)
            plot.label_values(ax, [i + width / 2], [floor.mean + floor.stdev],
                              [format_seconds(floor.mean)])
    ax.margins(y=0.12)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{m}\n({ratio_text(rs, r)} floor)" for m, r in rows])
    if plot.spans_decades([r.mean for _, r in rows], 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start + join of one process")
    ax.set_title("Process start+join per start method, beside its floor")
    legends.legend_below(fig, handles=[Patch(**floor_look)],
                         labels=["floor, same run: bare os.fork (fork, forkserver), "
                                 "posix_spawn of python (spawn)"])
    return plot.save(fig, outdir, "process_start_join", "Start+join per start method",
                     "Mean and standard deviation of Process(target=noop).start(); join(), "
                     "beside the floor measured in the same run: bare os.fork for fork and "
                     "forkserver, posix_spawn of python -I -S -c pass for spawn.")


def split(rs: ResultSet, outdir: str) -> plot.Figure | None:
    found = {m: [plain(rs, part, m) for part in PARTS + ("start_join",)] for m in methods(rs)}
    found = {m: parts for m, parts in found.items() if any(parts)}
    if not found:
        return None
    fig, ax = plot.new_figure(8, 4.6)
    labels = ("start()", "time to target", "join()", "start+join")
    width = 0.8 / len(labels)
    for j, label in enumerate(labels):
        xs, ys, errs = [], [], []
        for i, parts in enumerate(found.values()):
            part = parts[j]
            if part:
                xs.append(i + (j - 1.5) * width)
                ys.append(part.mean)
                errs.append(part.stdev)
        ax.bar(xs, ys, width, yerr=errs, capsize=2, label=label, color=plot.colour(j + 4))
    ax.set_xticks(range(len(found)))
    ax.set_xticklabels(list(found))
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_title("Where a start+join goes (log scale)")
    legends.legend_below(fig, [ax])
    return plot.save(fig, outdir, "process_split", "start(), time to target, join()",
                     "start(): the call alone. Time to target: from just before start() to "
                     "the child's first line, stamped in the child with CLOCK_MONOTONIC. "
                     "join(): the call once the child has exited.")


def nprocs(rs: ResultSet, outdir: str) -> plot.Figure | None:
    series = {m: nprocs_series(rs, m) for m in methods(rs)}
    series = {m: s for m, s in series.items() if len(s) > 1}
    if not series:
        return None
    fig, (ax, ax2) = plot.grid(2, 3.8)
    floors: dict[str, tuple[list[str], dict]] = {}  # fork and forkserver share os.fork's
    for method, points in series.items():
        c = plot.colour(METHOD_ORDER.index(method))
        ns = list(points)
        ax.errorbar(ns, [p.mean for p in points.values()], [p.stdev for p in points.values()],
                    marker="o", color=c, label=method, capsize=3)
        ax2.plot(ns, [p.mean / n for n, p in points.items()], marker="o", color=c, label=method)
        found = {n: f for n, p in points.items() if (f := rs.floor(p))}
        if found:
            kind = str(next(iter(found.values())).get("operation"))
            floors.setdefault(kind, ([], found))[0].append(method)
    for k, (kind, (users, found)) in enumerate(floors.items()):
        look = {"color": plot.FLOOR_COLOUR, "ls": ("--", ":", "-.")[k % 3], "lw": 1.4,
                "label": f"floor of {', '.join(users)}: {kind}"}
        ax.plot(list(found), [f.mean for f in found.values()], **look)
        ax2.plot(list(found), [f.mean / n for n, f in found.items()], **look)
    cpus = rs.machine.get("mpbench_usable_cpus")
    for axis in (ax, ax2):
        plot.count_axis(axis, sorted({n for s in series.values() for n in s}),
                        "processes started together, then joined (N)")
        axis.set_yscale("log")
        plot.seconds_axis(axis)
        if cpus:
            axis.axvline(cpus, color=CPUS_COLOUR, lw=1, ls=":",
                         label=f"usable CPUs = {cpus} (right: oversubscribed)")
    ax.set_ylabel("start N + join N")
    ax2.set_ylabel("(start N + join N) / N")
    ax.set_title("All N together", fontsize=10)
    ax2.set_title("Per process", fontsize=10)
    fig.suptitle("N processes, beside the floors at the same N", fontsize=11)
    legends.legend_below(fig, [ax2])  # its lines in order: methods, floors, CPUs
    return plot.save(fig, outdir, "process_nprocs", "N processes started together",
                     "N processes started one after the other, then all joined. Right of the "
                     "dotted line there are more processes than usable CPUs: the figures "
                     "measure oversubscription.")


def memory(rs: ResultSet, outdir: str) -> plot.Figure | None:
    process = memory_series(rs, method="fork")
    floor = memory_series(rs, operation="os.fork")
    if len(process) < 2:
        return None
    fig, ax = plot.new_figure(7.5, 4.6)
    for label, points, style in (("Process (fork)", process, "-"),
                                 ("bare os.fork floor", floor, "--")):
        if points:
            mib = [m / 2**20 for m in points]
            ax.errorbar(mib, [p.mean for p in points.values()], [p.stdev for p in points.values()],
                        marker="o", ls=style, label=label, capsize=3,
                        color=plot.colour(0) if style == "-" else plot.FLOOR_COLOUR)
    ax.set_xlabel("memory the parent touched before forking (MiB)")
    ax.set_ylabel("start + join of one process")
    plot.seconds_axis(ax)
    ax.set_title("fork copies the parent's page tables")
    legends.legend_below(fig, [ax])
    return plot.save(fig, outdir, "process_fork_memory", "fork against the parent's memory",
                     "Start+join with the parent holding touched memory: fork copies page "
                     "tables (and the kernel must later tear them down), so the cost grows "
                     "with the parent's resident set. spawn and forkserver do not depend on it.")


def spawn(rs: ResultSet, outdir: str) -> plot.Figure | None:
    parts = spawn_breakdown(rs)
    if not parts:
        return None
    fig, ax = plot.new_figure(8, 2.8)
    left = 0.0
    for i, (label, seconds, _) in enumerate(parts):
        width = max(seconds, 0.0)
        ax.barh([0], [width], left=left, color=plot.colour(i + 2),
                label=f"{label}: {format_seconds(seconds)}")
        left += width
    ax.set_yticks([])
    plot.seconds_axis(ax, "x")
    ax.set_xlabel("cumulative time of one spawn start+join")
    ax.set_title("Where spawn's time goes")
    legends.legend_below(fig, [ax], most_columns=2)
    return plot.save(fig, outdir, "process_spawn_breakdown", "Where spawn's time goes",
                     "Differences between interpreter start-up references measured in the "
                     "same run: python -I -S -c pass, python -c pass (site), python importing "
                     "multiprocessing's spawn modules, and the full spawn start+join.")


def compare_start_join(comparison: Comparison, outdir: str) -> plot.Figure | None:
    sets = comparison.sets
    all_methods = [m for m in METHOD_ORDER if any(plain(rs, "start_join", m) for rs in sets)]
    if not all_methods:
        return None
    fig, ax = plot.new_figure(8, 4.6)
    width = 0.8 / len(sets)
    means = []
    for j, rs in enumerate(sets):
        for i, method in enumerate(all_methods):
            result = plain(rs, "start_join", method)
            if result is None:
                continue
            x = i + (j - (len(sets) - 1) / 2) * width
            ax.bar(x, result.mean, width, yerr=result.stdev, capsize=3, color=plot.colour(j),
                   label=rs.label if i == 0 else None)
            means.append(result.mean)
            floor = rs.floor(result)
            if floor:
                ax.hlines(floor.mean, x - width / 2, x + width / 2, colors="black", lw=2,
                          label="each file's floor" if (i == 0 and j == 0) else None)
    ax.set_xticks(range(len(all_methods)))
    ax.set_xticklabels(all_methods)
    if plot.spans_decades(means, 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start + join of one process")
    ax.set_title("Start+join per start method, per results file")
    legends.legend_below(fig, [ax])
    return plot.save(fig, outdir, "compare_process_start_join", "Start+join per results file",
                     "The same benchmark in each results file, with each file's own floor "
                     "(black line): a machine that is slower at fork is also slower at its "
                     "floor; the ratio to the floor is what multiprocessing adds.")


def compare_nprocs(comparison: Comparison, outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(8, 4.8)
    drew: dict[str, int] = {}  # results file label -> its index (its line style)
    shown: set[str] = set()
    for j, rs in enumerate(comparison.sets):
        for method in methods(rs):
            points = nprocs_series(rs, method)
            if len(points) < 2:
                continue
            drew[rs.label] = j
            shown.add(method)
            ax.errorbar(list(points), [p.mean for p in points.values()],
                        [p.stdev for p in points.values()], capsize=2,
                        color=plot.colour(METHOD_ORDER.index(method)), **plot.series_style(j))
    if not drew:
        plot.plt.close(fig)
        return None
    plot.count_axis(ax, sorted({n for line in ax.lines for n in line.get_xdata()}),
                    "processes started together, then joined (N)")
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start N + join N")
    ax.set_title("N processes, per results file")
    legends.factored_legend(fig, [(m, plot.colour(METHOD_ORDER.index(m)))
                                  for m in METHOD_ORDER if m in shown],
                            [(text, plot.series_style(j)) for text, j in drew.items()])
    return plot.save(fig, outdir, "compare_process_nprocs", "N processes per results file",
                     "Colour: start method; line style and marker: results file.")
