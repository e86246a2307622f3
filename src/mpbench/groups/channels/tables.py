"""The channels tables: fits, throughput, latency percentiles, memory, the harness's cost;
and, in a comparison, the fits side by side."""

from __future__ import annotations

import math
from collections.abc import Sequence

from mpbench.groups.channels.results import (
    CHANNELS,
    IN_PROCESS,
    RAW,
    bytes_per_second,
    fit,
    fits,
    label,
    messages_ratio,
    one_way,
    placements,
    present,
    series,
    size_of,
    throughput_placement,
)
from mpbench.reporting.data import ResultSet
from mpbench.reporting.plotting import format_rate
from mpbench.reporting.tables import Table
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size
from mpbench.workloads.stats import percentile

PERCENTILES = (50, 90, 99, 99.9)


def fit_table(rs: ResultSet) -> Table | None:
    found = fits(rs)
    if not found:
        return None
    places = placements(rs)
    rows: list[Sequence[str]] = []
    for transport, result in found.items():
        largest = rs.results[result.sources[-1]]
        row = [label(transport), format_seconds(result.fixed), format_rate(result.bandwidth),
               f"{result.worst * 100:.0f}%", str(len(result.sources)),
               f"{format_rate(bytes_per_second(largest))} at {format_size(size_of(largest))}"]
        for place in places:
            rt = fit(series(rs, transport, "round_trip", placement=place), per_message=False)
            row.append(f"{format_seconds(rt.fixed)} + size / {format_rate(rt.bandwidth)}"
                       if rt else "-")
        rows.append(row)
    return Table(f"Fixed cost and bandwidth: time(size) = fixed + size / bandwidth "
                 f"(throughput placement: {throughput_placement(rs)})",
                 ["transport", "fixed per message", "bandwidth", "worst fit error", "sizes",
                  "measured, largest message"] + [f"round trip ({p})" for p in places], rows,
                 "Fitted at report time by least squares on the relative error over every "
                 "size measured; 'worst fit error' is the largest gap between the fit and a "
                 "measured point. The round-trip columns fit the round trip the same way.")


def throughput_table(rs: ResultSet) -> Table | None:
    place = throughput_placement(rs)
    transports = present(rs, CHANNELS + RAW + IN_PROCESS, placement=place)
    sizes = sorted({s for t in transports for s in series(rs, t, placement=place)})
    if not transports:
        return None
    rows: list[Sequence[str]] = []
    for transport in transports:
        points = series(rs, transport, placement=place)
        row = [label(transport)]
        for size in sizes:
            result = points.get(size)
            if result is None:
                row.append("-")
                continue
            cell = format_rate(bytes_per_second(result))
            floor = rs.floor(result)
            if floor is not None and transport in CHANNELS:
                cell += f" ({100 * floor.mean / result.mean * messages_ratio(result, floor):.0f}%)"
            row.append(cell)
        rows.append(row)
    return Table(f"Throughput, bytes per second (placement: {place}; in brackets: share of "
                 "the raw floor's throughput at the same size)",
                 ["transport"] + [format_size(s) for s in sizes], rows)


def latency_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for place in placements(rs):
        for transport in CHANNELS + RAW:
            for size, result in series(rs, transport, "round_trip", placement=place).items():
                values = one_way(rs, result)
                if not values:
                    continue
                rows.append([label(transport), place, format_size(size)]
                            + [format_seconds(percentile(values, q)) for q in PERCENTILES]
                            + [str(len(values)), format_seconds(result.mean)])
    if not rows:
        return None
    return Table("One-way latency percentiles (from the samples file) and mean round trip",
                 ["transport", "placement", "size"] + [f"p{q:g}" for q in PERCENTILES]
                 + ["samples", "round trip (mean)"], rows,
                 "A percentile needs enough samples: with n samples, p99.9 rests on the "
                 "n/1000 slowest (fewer than 10 below n = 10000).")


def memory_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    place = throughput_placement(rs)
    for transport in CHANNELS + RAW:
        points = series(rs, transport, placement=place)
        if not points:
            continue
        size, result = list(points.items())[-1]
        peak, base = result.get("peak_rss"), result.get("base_rss")
        if not peak:
            continue
        extra = (peak - base) / size if base else math.nan
        rows.append([label(transport), format_size(size), format_size(int(peak)),
                     format_size(int(base)) if base else "-", f"{extra:.1f}x",
                     str(result.get("processes", "-"))])
    if not rows:
        return None
    return Table("Peak memory at the largest message (throughput, all processes together)",
                 ["transport", "message", "peak RSS", "before the first message",
                  "(peak - before) / message", "processes"], rows,
                 "Sum over the benchmark's processes of their peak resident memory (VmHWM) "
                 "after a priming stream, measured in one pyperf worker; shared pages count "
                 "once per process, so the sum is an upper bound.")


def harness_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for place in placements(rs):
        minimal = series(rs, "os_pipe_minimal", "round_trip", placement=place)
        raw = series(rs, "os_pipe", "round_trip", placement=place)
        perf = series(rs, "perf_sched_pipe", "round_trip", placement=place)
        if not minimal or not raw:
            continue
        m, r = minimal[min(minimal)], raw[min(raw)]
        p = perf[min(perf)] if perf else None
        rows.append([place, format_seconds(r.mean), format_seconds(m.mean),
                     f"{r.mean / m.mean:.2f}x", format_seconds(p.mean) if p else "not installed"])
    if not rows:
        return None
    return Table("The harness's own cost: raw-pipe round trip against a minimal hand-written "
                 "loop",
                 ["placement", "os_pipe round trip (harness)", "hand-written loop",
                  "harness / hand-written", "perf bench sched pipe (C)"], rows,
                 "Same run, same message (1 byte): what the harness adds to the figure it "
                 "reports, and how far Python is from C on the same ping-pong.")


def compare_fit_table(comparison: Comparison) -> Table | None:
    """Each transport's fixed cost and bandwidth, one column per results file."""
    sets = comparison.sets
    all_fits = [fits(rs) for rs in sets]
    rows: list[Sequence[str]] = []
    for transport in CHANNELS + RAW:
        cells = [found[transport].describe() if transport in found else "-" for found in all_fits]
        if any(c != "-" for c in cells):
            rows.append([label(transport)] + cells)
    if not rows:
        return None
    return Table("Fixed cost and bandwidth per results file (time = fixed + size / bandwidth)",
                 ["transport"] + [rs.label for rs in sets], rows)
