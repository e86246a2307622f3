"""The process figures: start+join per method beside its floor, where a start+join goes,
N processes, fork against the parent's memory, spawn's layers; and, across the results
files of a comparison, start+join per method and N processes."""

from __future__ import annotations

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
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds


def start_join(rs: ResultSet, outdir: str) -> plot.Figure | None:
    rows = [(m, r) for m in methods(rs) if (r := plain(rs, "start_join", m))]
    if not rows:
        return None
    fig, ax = plot.new_figure(7.5, 4.6)
    width = 0.38
    for i, (method, result) in enumerate(rows):
        bars = ax.bar(i - width / 2, result.mean, width, yerr=result.stdev, capsize=3,
                      color=plot.colour(METHOD_ORDER.index(method)), label=None)
        plot.label_bars(ax, bars, [format_seconds(result.mean)])
        floor = rs.floor(result)
        if floor:
            fbars = ax.bar(i + width / 2, floor.mean, width, yerr=floor.stdev, capsize=3,
                           color="white", edgecolor=plot.FLOOR_COLOUR, hatch="//")
            plot.label_bars(ax, fbars, [f"floor\n{format_seconds(floor.mean)}"])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{m}\n({ratio_text(rs, r)} floor)" for m, r in rows])
    if plot.spans_decades([r.mean for _, r in rows], 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start + join of one process")
    ax.set_title("Process start+join per start method (hatched: its floor)")
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
    ax.legend(fontsize=8)
    ax.set_title("Where a start+join goes (log scale)")
    return plot.save(fig, outdir, "process_split", "start(), time to target, join()",
                     "start(): the call alone. Time to target: from just before start() to "
                     "the child's first line, stamped in the child with CLOCK_MONOTONIC. "
                     "join(): the call once the child has exited.")


def nprocs(rs: ResultSet, outdir: str) -> plot.Figure | None:
    series = {m: nprocs_series(rs, m) for m in methods(rs)}
    series = {m: s for m, s in series.items() if len(s) > 1}
    if not series:
        return None
    fig, (ax, ax2) = plot.new_figure(11, 4.6, ncols=2)
    drawn_floors: set[str] = set()
    for method, points in series.items():
        c = plot.colour(METHOD_ORDER.index(method))
        ns = list(points)
        ax.errorbar(ns, [p.mean for p in points.values()], [p.stdev for p in points.values()],
                    marker="o", color=c, label=method, capsize=3)
        ax2.plot(ns, [p.mean / n for n, p in points.items()], marker="o", color=c, label=method)
        floors = [(n, f) for n, p in points.items() if (f := rs.floor(p))]
        kind = str(floors[0][1].get("operation")) if floors else ""
        if floors and kind not in drawn_floors:  # fork and forkserver share os.fork's
            drawn_floors.add(kind)
            ax.plot([n for n, _ in floors], [f.mean for _, f in floors], ls="--",
                    color=plot.FLOOR_COLOUR, alpha=0.8, label=f"floor: {kind} x N")
    cpus = rs.machine.get("mpbench_usable_cpus")
    for axis in (ax, ax2):
        axis.set_xscale("log", base=2)
        axis.set_xticks(sorted({n for s in series.values() for n in s}))
        axis.get_xaxis().set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_xlabel("processes started together, then joined (N)")
        axis.set_yscale("log")
        plot.seconds_axis(axis)
        if cpus:
            axis.axvline(cpus, color="grey", lw=1, ls=":")
            axis.annotate(f"usable CPUs = {cpus}", (cpus, axis.get_ylim()[0]),
                          xytext=(3, 5), textcoords="offset points", fontsize=8, color="grey")
    ax.set_ylabel("start N + join N")
    ax2.set_ylabel("per process")
    ax.legend(fontsize=8)
    ax.set_title("N processes: total (dashed: floors at the same N)")
    ax2.set_title("N processes: cost per process")
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
    ax.legend(fontsize=8)
    ax.set_title("fork copies the parent's page tables")
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
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
    ax.set_title("Where spawn's time goes")
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
                          label="its floor" if (i == 0 and j == 0) else None)
    ax.set_xticks(range(len(all_methods)))
    ax.set_xticklabels(all_methods)
    if plot.spans_decades(means, 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start + join of one process")
    ax.legend(fontsize=8)
    ax.set_title("Start+join per start method, per results file (black: floor)")
    return plot.save(fig, outdir, "compare_process_start_join", "Start+join per results file",
                     "The same benchmark in each results file, with each file's own floor "
                     "(black line): a machine that is slower at fork is also slower at its "
                     "floor; the ratio to the floor is what multiprocessing adds.")


def compare_nprocs(comparison: Comparison, outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(8, 4.8)
    drew = False
    for j, rs in enumerate(comparison.sets):
        for method in methods(rs):
            points = nprocs_series(rs, method)
            if len(points) < 2:
                continue
            drew = True
            ax.errorbar(list(points), [p.mean for p in points.values()],
                        [p.stdev for p in points.values()], marker="o", capsize=2,
                        color=plot.colour(METHOD_ORDER.index(method)),
                        ls=plot.linestyle(j), label=f"{method}, {rs.label}")
    if not drew:
        plot.plt.close(fig)
        return None
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_xlabel("processes started together, then joined (N)")
    ax.set_ylabel("start N + join N")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("N processes, per results file (line style: file)")
    return plot.save(fig, outdir, "compare_process_nprocs", "N processes per results file",
                     "Colour: start method; line style: results file.")
