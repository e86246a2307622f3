"""The channels figures: throughput and latency against message size, round trips
per placement, objects against bytes, N producers; and, in a comparison, throughput and
latency overlaid across results files."""

from __future__ import annotations

import math
from typing import Any

from mpbench.groups.channels.results import (
    CHANNELS,
    IN_PROCESS,
    NAME,
    PLACEMENT_TEXT,
    RAW,
    bytes_per_second,
    colour,
    label,
    messages_per_second,
    one_way,
    placements,
    present,
    seconds_per_message,
    series,
    size_of,
    throughput_placement,
)
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size
from mpbench.workloads.stats import percentile

FLOOR_STYLE = {  # reference lines: colour, line style
    "os_pipe": ("black", "--"), "socketpair": ("#555555", "-."), "memcpy": ("#999999", ":"),
    "pickle": ("#bbbbbb", (0, (1, 3))),
}


def throughput(rs: ResultSet, outdir: str) -> plot.Figure | None:
    place = throughput_placement(rs)
    channels = present(rs, CHANNELS, placement=place)
    if not channels:
        return None
    fig, (ax_bytes, ax_msgs) = plot.grid(2, 4.2)
    sizes: list[int] = []
    for transport in channels + list(RAW + IN_PROCESS):
        points = series(rs, transport, placement=place)
        if not points:
            continue
        sizes += list(points)
        if transport in FLOOR_STYLE:
            col, style = FLOOR_STYLE[transport]
            kwargs = dict(color=col, ls=style, lw=1.6, label=f"floor: {label(transport)}")
        else:
            kwargs = dict(color=colour(transport), marker="o", ms=4, lw=1.8,
                          label=label(transport))
        ax_bytes.plot(list(points), [bytes_per_second(r) for r in points.values()], **kwargs)
        ax_msgs.plot(list(points), [messages_per_second(r) for r in points.values()], **kwargs)
    for ax, unit, title in ((ax_bytes, "B", "bytes per second"),
                            (ax_msgs, "msg", "messages per second")):
        plot.size_axis(ax, sizes)
        ax.set_yscale("log")
        plot.rate_axis(ax, unit)
        ax.set_title(title.capitalize(), fontsize=10)
    fig.suptitle(f"Throughput against message size (placement: {place})", fontsize=11)
    legends.legend_below(fig, [ax_bytes], most_columns=3)
    return plot.save(fig, outdir, "channels_throughput", "Throughput against message size",
                     f"One producer process streaming to one consumer process, placement "
                     f"{place}; bytes payload (send_bytes for Pipe, a bytes object for the "
                     "queues). Dashed and dotted: floors measured in the same run: a raw "
                     "os.pipe and socketpair (no pickling, no framing), memcpy of a bytearray "
                     "and an in-process pickle dumps+loads.")


def latency(rs: ResultSet, outdir: str) -> plot.Figure | None:
    places = placements(rs)
    transports = [t for t in CHANNELS + RAW
                  if any(series(rs, t, "round_trip", placement=p) for p in places)]
    if not transports or not any(one_way(rs, r) for t in transports for p in places
                                 for r in series(rs, t, "round_trip", placement=p).values()):
        return None
    fig, axes = plot.grid(len(places), 4.2)
    sizes: list[int] = []
    lows, highs = [], []
    measured = sorted({size_of(r) for t in transports for p in places
                       for r in series(rs, t, "round_trip", placement=p).values()})
    gaps = [math.log2(b / a) for a, b in zip(measured, measured[1:])] or [4.0]
    step = min(0.4, 0.6 * min(gaps) / len(transports))  # octaves between neighbours
    for ax, place in zip(axes, places):
        for k, transport in enumerate(transports):
            points = [(size, one_way(rs, r)) for size, r in
                      series(rs, transport, "round_trip", placement=place).items()]
            points = [(size, values) for size, values in points if values]
            if not points:
                continue
            sizes += [size for size, _ in points]
            dodge = 2 ** ((k - (len(transports) - 1) / 2) * step)  # side by side, log axis
            xs = [size * dodge for size, _ in points]
            p50 = [percentile(v, 50) for _, v in points]
            p99 = [percentile(v, 99) for _, v in points]
            lows += p50
            highs += p99
            col = "black" if transport == "os_pipe" else colour(transport)
            ax.errorbar(xs, p50, yerr=[[0.0] * len(p50), [b - a for a, b in zip(p50, p99)]],
                        color=col, ls="--" if transport in RAW else "-", marker="o", ms=4,
                        capsize=2, elinewidth=3, alpha=0.85, label=label(transport))
        plot.size_axis(ax, sizes)
        ax.set_yscale("log")
        plot.seconds_axis(ax)
        ax.set_title(f"placement: {place}", fontsize=10)
    for ax in axes:
        ax.set_ylim(min(lows) / 1.5, max(highs) * 1.5)
    axes[0].set_ylabel("p50 (marker) to p99 (bar top)")
    fig.suptitle("One-way latency against message size", fontsize=11)
    legends.legend_below(fig, axes)
    return plot.save(fig, outdir, "channels_latency", "One-way latency against message size",
                     "From the ping-pong benchmarks: each side stamps its sends and receives "
                     "with CLOCK_MONOTONIC (system-wide); a one-way latency is the receiver's "
                     "stamp minus the sender's. Marker: median; bar: from the median up to "
                     "p99 of every kept sample (transports drawn side by side at each size). "
                     + PLACEMENT_TEXT + " Dashed: the raw floors.")


def round_trip_placement(rs: ResultSet, outdir: str) -> plot.Figure | None:
    places = placements(rs)
    rows = []
    for transport in ("perf_sched_pipe", "os_pipe_minimal", "pipe_minimal") + RAW + CHANNELS:
        found = {}
        for place in places:
            points = series(rs, transport, "round_trip", placement=place)
            if points:
                found[place] = points[min(points)]
        if found:
            rows.append((transport, found))
    if not rows or not places:
        return None
    fig, ax = plot.new_figure(8.5, 1.2 + 0.32 * len(places) * len(rows))
    height = 0.8 / len(places)
    ends = []
    for j, place in enumerate(places):
        ys, xs, errs = [], [], []
        for i, (_, found) in enumerate(rows):
            if place in found:
                ys.append(i + (j - (len(places) - 1) / 2) * height)
                xs.append(found[place].mean)
                errs.append(found[place].stdev)
        ax.barh(ys, xs, height, color=plot.colour(j + 7), label=f"placement: {place}",
                xerr=errs, capsize=2, error_kw={"elinewidth": 1, "ecolor": "#333333"})
        plot.label_values(ax, [x + e for x, e in zip(xs, errs)], ys,
                          [format_seconds(x) for x in xs], right=True)
        ends += [x + e for x, e in zip(xs, errs)]
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{label(t)}, {format_size(min(size_of(r) for r in found.values()))}"
                        for t, found in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(right=max(ends) * 3)  # room for the last value label
    plot.seconds_axis(ax, "x")
    plot.tidy_log(ax, "x")
    ax.set_xlabel("round trip (two messages), log scale")
    ax.set_title("Round trip of the smallest message, per placement")
    legends.legend_below(fig, [ax])
    return plot.save(fig, outdir, "channels_round_trip_placement",
                     "Round trip per placement",
                     "Mean round trip of the smallest message measured, per transport and "
                     "placement. " + PLACEMENT_TEXT + " A wake-up on another CPU costs more "
                     "on a VM. Top rows: perf bench sched pipe (C) and minimal hand-written "
                     "Python loops (os.pipe, Pipe()), the references of the harness checks.")


def objects(rs: ResultSet, outdir: str) -> plot.Figure | None:
    place = throughput_placement(rs)
    channels = present(rs, CHANNELS, payload="object", placement=place)
    if not channels:
        return None
    fig, ax = plot.new_figure(8.5, 4.8)
    sizes: list[int] = []
    for transport in channels:
        objects = series(rs, transport, payload="object", placement=place)
        plain = {s: r for s, r in series(rs, transport, placement=place).items() if s in objects}
        sizes += list(objects)
        ax.plot(list(objects), [seconds_per_message(r) for r in objects.values()],
                color=colour(transport), marker="o", ms=4,
                label=f"{label(transport)}: list of ints")
        if plain:
            ax.plot(list(plain), [seconds_per_message(r) for r in plain.values()],
                    color=colour(transport), ls=":", alpha=0.7)
    ax.plot([], [], color="grey", ls=":", label="dotted: bytes of the same size, same channel")
    floor = series(rs, "pickle", payload="object")
    if floor:
        ax.plot(list(floor), [seconds_per_message(r) for r in floor.values()], color="black",
                ls="--", lw=1.6, label="floor: pickle dumps+loads of the list")
    plot.size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("time per message")
    ax.set_title(f"A Python object against bytes of the same size (placement: {place})",
                 fontsize=11)
    legends.legend_below(fig, [ax], most_columns=2)
    return plot.save(fig, outdir, "channels_objects", "Objects against bytes",
                     "Solid: a list of ints whose pickle has the message size; dotted, same "
                     "colour: bytes of that size through the same channel. Dashed: pickling "
                     "and unpickling the list in one process, the serialisation floor.")


def producers(rs: ResultSet, outdir: str) -> plot.Figure | None:
    place = throughput_placement(rs)
    lines = []
    for transport in CHANNELS:
        many = rs.where(group=NAME, transport=transport, metric="throughput", payload="bytes")
        sizes = sorted({size_of(r) for r in many if int(r.get("producers")) > 1})
        for size in sizes:
            points = {int(r.get("producers")): r for r in many if size_of(r) == size
                      and r.get("placement") == place}
            if len(points) > 1:
                lines.append((transport, size, dict(sorted(points.items()))))
    if not lines:
        return None
    fig, ax = plot.new_figure(8, 4.8)
    sizes = sorted({size for _, size, _ in lines})
    for transport, size, points in lines:
        ax.plot(list(points), [messages_per_second(r) for r in points.values()],
                color=colour(transport), **plot.series_style(sizes.index(size)),
                label=f"{label(transport)}, {format_size(size)}")
    ns = sorted({n for _, _, points in lines for n in points})
    plot.count_axis(ax, ns, "producer processes N (one consumer)")
    rates = [messages_per_second(r) for _, _, points in lines for r in points.values()]
    if plot.spans_decades(rates, 1):
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, max(rates) * 1.15)
    plot.rate_axis(ax, "msg")
    cpus = rs.machine.get("mpbench_usable_cpus")
    if cpus and max(ns) + 1 > cpus:
        edge = max(cpus - 0.5, min(ns) * 1.2)  # first N whose processes outnumber the CPUs
        ax.axvline(edge, color="#d62728", lw=1, ls=":",
                   label=f"right: producers + consumer > {cpus} usable CPUs")
    ax.set_ylabel("messages per second, all producers")
    ax.set_title(f"N producers into one queue (placement: {place})")
    legends.legend_below(fig, [ax], most_columns=3)
    return plot.save(fig, outdir, "channels_producers", "N producers into one queue",
                     "N producer processes put into one queue read by one consumer process. "
                     "Right of the dotted line the processes outnumber the usable CPUs: "
                     "the figures measure oversubscription.")


# -- a comparison: one line per transport and results file ---------------------------

def _file_legend(fig: Any, ax: Any, transports: list[str], files: dict[str, int],
                 title: str) -> None:
    """Colour: transport; line style and marker: results file (with its placement)."""
    legends.factored_legend(fig, [(label(t), "black" if t == "os_pipe" else colour(t))
                                  for t in transports],
                            [(text, plot.series_style(j)) for text, j in files.items()])
    ax.set_title(title, fontsize=11)


def compare_throughput(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Throughput per results file, each at its own placement, over each one's os.pipe."""
    fig, ax = plot.new_figure(8.5, 4.8)
    sizes: list[int] = []
    transports: list[str] = []
    files: dict[str, int] = {}
    for j, rs in enumerate(comparison.sets):
        place = throughput_placement(rs)
        for transport in CHANNELS + ("os_pipe",):
            points = series(rs, transport, placement=place)
            if not points:
                continue
            files[f"{rs.label} ({place})"] = j
            transports += [] if transport in transports else [transport]
            sizes += list(points)
            ax.plot(list(points), [bytes_per_second(r) for r in points.values()],
                    color="black" if transport == "os_pipe" else colour(transport),
                    ms=4, **plot.series_style(j))
    if not files:
        plot.plt.close(fig)
        return None
    plot.size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.rate_axis(ax, "B")
    _file_legend(fig, ax, transports, files, "Throughput per results file")
    return plot.save(fig, outdir, "compare_channels_throughput", "Throughput per results file",
                     "Bytes per second of one producer streaming to one consumer, each file's "
                     "own placement in the legend; colour: transport (black: each file's raw "
                     "os.pipe floor); line style and marker: results file.")


def compare_latency(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Median one-way latency per results file."""
    fig, ax = plot.new_figure(8.5, 4.8)
    sizes: list[int] = []
    transports: list[str] = []
    files: dict[str, int] = {}
    for j, rs in enumerate(comparison.sets):
        found = placements(rs)
        place = "same-cpu" if "same-cpu" in found else (found[0] if found else None)
        for transport in CHANNELS + ("os_pipe",):
            points = [(s, one_way(rs, r)) for s, r in
                      series(rs, transport, "round_trip", placement=place).items()]
            points = [(s, v) for s, v in points if v]
            if not points:
                continue
            files[f"{rs.label} ({place})"] = j
            transports += [] if transport in transports else [transport]
            sizes += [s for s, _ in points]
            ax.plot([s for s, _ in points], [percentile(v, 50) for _, v in points],
                    color="black" if transport == "os_pipe" else colour(transport),
                    ms=4, **plot.series_style(j))
    if not files:
        plot.plt.close(fig)
        return None
    plot.size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("median one-way latency")
    _file_legend(fig, ax, transports, files, "Median one-way latency per results file")
    return plot.save(fig, outdir, "compare_channels_latency", "Latency per results file",
                     "Median one-way latency from each file's samples; same-cpu placement "
                     "where measured (the steadier one), else the first measured; colour: "
                     "transport; line style and marker: results file (placement beside it).")
