"""The ``process`` part of a report: start/join cost per start method beside its floors."""

from __future__ import annotations

from typing import Dict, List, Optional

from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds, format_size

METHOD_ORDER = ("fork", "forkserver", "spawn")
PARTS = ("start", "time_to_target", "join")


def plain(rs: ResultSet, metric: str, method: str, nprocs: int = 1) -> Optional[Result]:
    """The benchmark of ``metric`` for ``method`` with a small parent and a warm server."""
    for result in rs.where(group="process", metric=metric, method=method, nprocs=nprocs):
        if (not result.get("parent_touched") and result.get("forkserver") != "cold"
                and not result.get("is_reference")):
            return result
    return None


def methods(rs: ResultSet) -> List[str]:
    present = {r.get("method") for r in rs.where(group="process") if r.get("method")}
    return [m for m in METHOD_ORDER if m in present]


def _ratio_text(rs: ResultSet, result: Result) -> str:
    ratio = rs.ratio_to_floor(result)
    return f"{ratio:.2f}x" if ratio else "-"


def _fig_methods(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    rows = [(m, plain(rs, "start_join", m)) for m in methods(rs)]
    rows = [(m, r) for m, r in rows if r]
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
    ax.set_xticklabels([f"{m}\n({_ratio_text(rs, r)} floor)" for m, r in rows])
    if plot.spans_decades([r.mean for _, r in rows], 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("start + join of one process")
    ax.set_title("Process start+join per start method (hatched: its floor)")
    return plot.save(fig, outdir, "process_start_join", "Start+join per start method",
                     "Mean and standard deviation of Process(target=noop).start(); join(), "
                     "beside the floor measured in the same run: bare os.fork for fork and "
                     "forkserver, posix_spawn of python -I -S -c pass for spawn.")


def _fig_split(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
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
            if parts[j]:
                xs.append(i + (j - 1.5) * width)
                ys.append(parts[j].mean)
                errs.append(parts[j].stdev)
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


def _nprocs_series(rs: ResultSet, method: str) -> Dict[int, Result]:
    series = {}
    for result in rs.where(group="process", metric="start_join", method=method):
        if (not result.get("parent_touched") and result.get("forkserver") != "cold"
                and not result.get("is_reference")):
            series[int(result.get("nprocs"))] = result
    return dict(sorted(series.items()))


def _fig_nprocs(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    series = {m: _nprocs_series(rs, m) for m in methods(rs)}
    series = {m: s for m, s in series.items() if len(s) > 1}
    if not series:
        return None
    fig, (ax, ax2) = plot.new_figure(11, 4.6, ncols=2)
    drawn_floors: set = set()
    for method, points in series.items():
        c = plot.colour(METHOD_ORDER.index(method))
        ns = list(points)
        ax.errorbar(ns, [p.mean for p in points.values()], [p.stdev for p in points.values()],
                    marker="o", color=c, label=method, capsize=3)
        ax2.plot(ns, [p.mean / n for n, p in points.items()], marker="o", color=c, label=method)
        floors = [(n, rs.floor(p)) for n, p in points.items() if rs.floor(p)]
        kind = floors[0][1].get("operation") if floors else None
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


def _memory_series(rs: ResultSet, **criteria) -> Dict[int, Result]:
    return dict(sorted((int(r.get("parent_touched", 0)), r)
                       for r in rs.where(group="process", metric="start_join", nprocs=1, **criteria)
                       if r.get("forkserver") != "cold" and not r.get("is_reference")))


def _fig_memory(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    process = _memory_series(rs, method="fork")
    floor = _memory_series(rs, operation="os.fork")
    if len(process) < 2:
        return None
    fig, ax = plot.new_figure(7.5, 4.6)
    for label, points, style in (("Process (fork)", process, "-"), ("bare os.fork floor", floor, "--")):
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


def spawn_breakdown(rs: ResultSet) -> Optional[List[tuple]]:
    """Spawn's start+join as a sum: (label, seconds, benchmark) per layer."""
    layers = {r.get("startup_mode"): r for r in rs.where(group="process", operation="posix_spawn",
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


def _fig_spawn(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
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


def _table(rs: ResultSet) -> Optional[Table]:
    rows = []
    for method in methods(rs):
        whole = plain(rs, "start_join", method)
        if whole is None:
            continue
        floor = rs.floor(whole)
        parts = [plain(rs, part, method) for part in PARTS]
        cold = next((r for r in rs.where(group="process", method=method, forkserver="cold")), None)
        rows.append([method, format_seconds(whole.mean), format_seconds(whole.stdev),
                     floor.name if floor else "-", _ratio_text(rs, whole)]
                    + [format_seconds(p.mean) if p else "-" for p in parts]
                    + [format_seconds(cold.mean) if cold else "-"])
    if not rows:
        return None
    return Table("Start+join per start method",
                 ["method", "start+join", "std dev", "floor", "x floor", "start()",
                  "time to target", "join()", "cold server"], rows)


def _headlines(rs: ResultSet) -> List[Headline]:
    lines: List[Headline] = []
    ranked = sorted((r.mean, m, r) for m in methods(rs) if (r := plain(rs, "start_join", m)))
    if ranked:
        best_mean, best, best_r = ranked[0]
        others = ", ".join(f"{m} {format_seconds(mean)} ({mean / best_mean:.1f}x)"
                           for mean, m, _ in ranked[1:])
        lines.append(Headline(f"Cheapest start method: {best}, {format_seconds(best_mean)} per "
                              f"process start+join" + (f"; {others}" if others else "") + ".",
                              [r.name for _, _, r in ranked]))
        for mean, method, result in ranked:
            floor = rs.floor(result)
            if floor:
                lines.append(Headline(f"{method} costs {mean / floor.mean:.2f}x its floor "
                                      f"({format_seconds(floor.mean)}).", [result.name, floor.name]))
    parts = spawn_breakdown(rs)
    if parts:
        text = "; ".join(f"{label} {format_seconds(seconds)}" for label, seconds, _ in parts)
        lines.append(Headline(f"Spawn, layer by layer: {text}.", [p[2] for p in parts]))
    memory = _memory_series(rs, method="fork")
    if len(memory) >= 2:
        (m0, r0), (m1, r1) = list(memory.items())[0], list(memory.items())[-1]
        per_gib = (r1.mean - r0.mean) / ((m1 - m0) / 2**30)
        lines.append(Headline(f"fork with {format_size(m1)} of touched parent memory takes "
                              f"{format_seconds(r1.mean)} ({r1.mean / r0.mean:.1f}x a small "
                              f"parent): about {format_seconds(per_gib)} per GiB.",
                              [r0.name, r1.name]))
    cold = rs.one(group="process", forkserver="cold")
    warm = plain(rs, "start_join", "forkserver")
    if cold and warm:
        lines.append(Headline(f"A program's first forkserver process pays "
                              f"{format_seconds(cold.mean)} (the server boots) against "
                              f"{format_seconds(warm.mean)} once it runs.", [cold.name, warm.name]))
    cpus = rs.machine.get("mpbench_usable_cpus")
    top = max((int(r.get("nprocs")) for r in rs.where(group="process", metric="start_join")),
              default=0)
    if cpus and top > cpus:
        lines.append(Headline(f"N above {cpus} (the usable CPUs) measures oversubscription."))
    return lines


def section(rs: ResultSet, outdir: str) -> Optional[Section]:
    """The process section of a single-file report, or None without process results."""
    if not rs.where(group="process"):
        return None
    figures = [f for f in (_fig_methods(rs, outdir), _fig_split(rs, outdir),
                           _fig_nprocs(rs, outdir), _fig_memory(rs, outdir),
                           _fig_spawn(rs, outdir)) if f]
    tables = [t for t in (_table(rs),) if t]
    return Section("process", "Starting and joining processes",
                   "What Process.start() and join() cost per start method, beside the floor "
                   "the kernel and interpreter impose, measured in the same run.",
                   _headlines(rs), figures, tables)


LINESTYLES = ("-", "--", ":", "-.")


def _fig_compare_methods(sets, outdir: str) -> Optional[plot.Figure]:
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


def _fig_compare_nprocs(sets, outdir: str) -> Optional[plot.Figure]:
    fig, ax = plot.new_figure(8, 4.8)
    drew = False
    for j, rs in enumerate(sets):
        for method in methods(rs):
            points = _nprocs_series(rs, method)
            if len(points) < 2:
                continue
            drew = True
            ax.errorbar(list(points), [p.mean for p in points.values()],
                        [p.stdev for p in points.values()], marker="o", capsize=2,
                        color=plot.colour(METHOD_ORDER.index(method)),
                        ls=LINESTYLES[j % len(LINESTYLES)], label=f"{method}, {rs.label}")
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


def compare_section(sets, outdir: str) -> Optional[Section]:
    """Process figures overlaid across results files."""
    if not any(rs.where(group="process") for rs in sets):
        return None
    figures = [f for f in (_fig_compare_methods(sets, outdir), _fig_compare_nprocs(sets, outdir))
               if f]
    rows = []
    for method in METHOD_ORDER:
        cells = []
        for rs in sets:
            result = plain(rs, "start_join", method)
            cells.append(f"{format_seconds(result.mean)} ({_ratio_text(rs, result)} floor)"
                         if result else "-")
        if any(c != "-" for c in cells):
            rows.append([method] + cells)
    tables = [Table("Start+join per start method (x its own floor)",
                    ["method"] + [rs.label for rs in sets], rows)] if rows else []
    return Section("process", "Starting and joining processes", "", [], figures, tables)
