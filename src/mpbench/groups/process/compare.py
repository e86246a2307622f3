"""The process section of a comparison: figures overlaid across results files, and
start+join per start method side by side."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.process.results import (
    GROUP,
    METHOD_ORDER,
    methods,
    nprocs_series,
    plain,
    ratio_text,
)
from mpbench.groups.process.section import TITLE
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, Table
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds


def start_join(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
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


def nprocs(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(8, 4.8)
    drew = False
    for j, rs in enumerate(sets):
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


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Process figures overlaid across results files."""
    sets = comparison.sets
    if not any(rs.where(group=GROUP) for rs in sets):
        return None
    figures = [f for f in (start_join(sets, outdir), nprocs(sets, outdir))
               if f]
    rows: list[Sequence[str]] = []
    for method in METHOD_ORDER:
        cells = []
        for rs in sets:
            result = plain(rs, "start_join", method)
            cells.append(f"{format_seconds(result.mean)} ({ratio_text(rs, result)} floor)"
                         if result else "-")
        if any(c != "-" for c in cells):
            rows.append([method] + cells)
    tables = [Table("Start+join per start method (x its own floor)",
                    ["method"] + [rs.label for rs in sets], rows)] if rows else []
    return Section("process", TITLE, "", [], figures, tables)
