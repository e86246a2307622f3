"""The channels section of a comparison: figures overlaid across results files, and
the fits side by side."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.channels.fits import fits
from mpbench.groups.channels.results import (
    CHANNELS,
    GROUP,
    RAW,
    bytes_per_second,
    colour,
    label,
    one_way,
    placements,
    series,
    throughput_placement,
)
from mpbench.groups.channels.section import TITLE
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, Table
from mpbench.reporting.verdict import Comparison
from mpbench.workloads.stats import percentile


def throughput(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(10, 5.6)
    sizes: list[int] = []
    drew = False
    for j, rs in enumerate(sets):
        place = throughput_placement(rs)
        for transport in CHANNELS + ("os_pipe",):
            points = series(rs, transport, placement=place)
            if not points:
                continue
            drew = True
            sizes += list(points)
            ax.plot(list(points), [bytes_per_second(r) for r in points.values()],
                    color="black" if transport == "os_pipe" else colour(transport),
                    ls=plot.linestyle(j), marker="o", ms=3,
                    label=f"{label(transport)}, {rs.label} ({place})")
    if not drew:
        plot.plt.close(fig)
        return None
    plot.size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.rate_axis(ax, "B")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("Throughput per results file (colour: transport; line style: file)")
    return plot.save(fig, outdir, "compare_channels_throughput", "Throughput per results file",
                     "Bytes per second of one producer streaming to one consumer, each file's "
                     "own placement in the legend; black: each file's raw os.pipe floor.")


def latency(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(10, 5.2)
    sizes: list[int] = []
    drew = False
    for j, rs in enumerate(sets):
        found = placements(rs)
        place = "same-cpu" if "same-cpu" in found else (found[0] if found else None)
        for transport in CHANNELS + ("os_pipe",):
            points = [(s, one_way(rs, r)) for s, r in
                      series(rs, transport, "round_trip", placement=place).items()]
            points = [(s, v) for s, v in points if v]
            if not points:
                continue
            drew = True
            sizes += [s for s, _ in points]
            ax.plot([s for s, _ in points], [percentile(v, 50) for _, v in points],
                    color="black" if transport == "os_pipe" else colour(transport),
                    ls=plot.linestyle(j), marker="o", ms=3,
                    label=f"{label(transport)}, {rs.label} ({place})")
    if not drew:
        plot.plt.close(fig)
        return None
    plot.size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("Median one-way latency per results file (placement in the legend)")
    return plot.save(fig, outdir, "compare_channels_latency", "Latency per results file",
                     "Median one-way latency from each file's samples; same-cpu placement "
                     "where measured (the steadier one), else the first measured.")


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Channel figures overlaid across results files, and the fits side by side."""
    sets = comparison.sets
    if not any(rs.where(group=GROUP) for rs in sets):
        return None
    figures = [f for f in (throughput(sets, outdir),
                           latency(sets, outdir)) if f]
    all_fits = [fits(rs) for rs in sets]
    rows: list[Sequence[str]] = []
    for transport in CHANNELS + RAW:
        cells = [found[transport].describe() if transport in found else "-" for found in all_fits]
        if any(c != "-" for c in cells):
            rows.append([label(transport)] + cells)
    tables = [Table("Fixed cost and bandwidth per results file (time = fixed + size / bandwidth)",
                    ["transport"] + [rs.label for rs in sets], rows)] if rows else []
    return Section("channels", TITLE, "", [],
                   figures, tables)
