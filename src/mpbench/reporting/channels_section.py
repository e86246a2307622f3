"""The ``channels`` part of a report: throughput and latency against message size,
beside the raw-pipe, socketpair, pickle and memcpy floors.

Rates come from the pyperf values alone: a value is seconds for
``mpbench_messages`` messages of ``mpbench_size`` bytes. Latency percentiles
come from the samples file (one-way stamps of the round-trip benchmarks). The
fixed cost and bandwidth of each transport are fitted here, at report time, to
``time(size) = fixed + size / bandwidth`` over its throughput benchmarks, by
least squares on the relative error (so 1 B and 64 MiB weigh alike); the
table gives the worst relative error of each fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds, format_size

GROUP = "channels"
CHANNELS = ("queue", "simplequeue", "joinablequeue", "pipe", "pipe_simplex", "manager_queue")
RAW = ("os_pipe", "socketpair")
LABELS = {
    "queue": "Queue", "simplequeue": "SimpleQueue", "joinablequeue": "JoinableQueue",
    "pipe": "Pipe()", "pipe_simplex": "Pipe(duplex=False)", "manager_queue": "Manager().Queue()",
    "os_pipe": "raw os.pipe", "socketpair": "raw socketpair", "memcpy": "memcpy",
    "pickle": "pickle dumps+loads", "os_pipe_minimal": "hand-written os.pipe loop",
    "pipe_minimal": "hand-written Pipe() loop", "queue_minimal": "hand-written Queue loop",
    "perf_sched_pipe": "perf bench sched pipe",
}
PLACEMENTS = ("same-cpu", "cross-cpu", "free")
PLACEMENT_TEXT = ("same-cpu: both processes pinned to one CPU; cross-cpu: pinned to two "
                  "different CPUs; free: placed by the scheduler (one CPU or two at its whim: "
                  "scheduler-dependent).")
FLOOR_STYLE = {  # reference lines: colour, line style
    "os_pipe": ("black", "--"), "socketpair": ("#555555", "-."), "memcpy": ("#999999", ":"),
    "pickle": ("#bbbbbb", (0, (1, 3))),
}
PERCENTILES = (50, 90, 99, 99.9)
REFERENCE_SIZE = 2**20  # "how far from the floor" is quoted here when measured


def label(transport: str) -> str:
    return LABELS.get(transport, transport)


def colour(transport: str) -> str:
    order = CHANNELS + RAW
    return plot.colour(order.index(transport)) if transport in order else plot.FLOOR_COLOUR


# -- reading the results ----------------------------------------------------------

def size_of(result: Result) -> int:
    return int(result.get("size"))


def seconds_per_message(result: Result) -> float:
    return result.mean / float(result.get("messages", 1))


def messages_per_second(result: Result) -> float:
    return 1.0 / seconds_per_message(result)


def bytes_per_second(result: Result) -> float:
    return size_of(result) * messages_per_second(result)


def series(rs: ResultSet, transport: str, metric: str = "throughput", payload: str = "bytes",
           producers: int = 1, placement: Optional[str] = None) -> Dict[int, Result]:
    """``{size: result}`` of one transport, sorted by size."""
    found = {}
    for result in rs.where(group=GROUP, transport=transport, metric=metric, payload=payload,
                           producers=producers):
        if placement is None or result.get("placement") in (placement, "in-process"):
            found[size_of(result)] = result
    return dict(sorted(found.items()))


def throughput_placement(rs: ResultSet) -> str:
    """Where the channels' throughput was measured: cross-cpu (the default), else free
    (older files), else whatever ran."""
    found = {r.get("placement") for r in rs.where(group=GROUP, metric="throughput")
             if r.get("transport") in CHANNELS}
    for place in ("cross-cpu", "free"):
        if place in found:
            return place
    return sorted(found)[0] if found else "free"


def placements(rs: ResultSet) -> List[str]:
    found = {r.get("placement") for r in rs.where(group=GROUP, metric="round_trip")}
    return [p for p in PLACEMENTS if p in found]


def present(rs: ResultSet, transports: Sequence[str], **criteria) -> List[str]:
    return [t for t in transports if series(rs, t, **criteria)]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linear between order statistics."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100.0
    low = int(math.floor(pos))
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def one_way(rs: ResultSet, result: Result) -> List[float]:
    """One-way latencies of a round-trip benchmark, in seconds (empty without samples)."""
    kept = rs.bench_samples(result.name).get("series", {}).get("one_way_ns", [])
    return [value / 1e9 for value in kept]


# -- the fit: time(size) = fixed + size / bandwidth ----------------------------------------

@dataclass
class Fit:
    """``time(size) = fixed + size / bandwidth`` fitted over some benchmarks."""

    fixed: float
    bandwidth: float
    worst: float  # largest relative error over the points fitted
    sources: List[str] = field(default_factory=list)

    def at(self, size: int) -> float:
        return self.fixed + size / self.bandwidth

    def describe(self) -> str:
        return f"{format_seconds(self.fixed)} per message plus {format_rate(self.bandwidth)}"


def fit(points: Dict[int, Result], per_message: bool = True) -> Optional[Fit]:
    """Weighted least squares (weights 1/t^2: relative error) of t = fixed + size/bandwidth.

    ``per_message``: fit seconds per message (throughput); else seconds per
    value (a round trip). None with fewer than two sizes or no positive slope.
    """
    if len(points) < 2:
        return None
    xs = [float(size) for size in points]
    ys = [seconds_per_message(r) if per_message else r.mean for r in points.values()]
    ws = [1.0 / (y * y) for y in ys]
    s = sum(ws)
    sx = sum(w * x for w, x in zip(ws, xs))
    sxx = sum(w * x * x for w, x in zip(ws, xs))
    sy = sum(w * y for w, y in zip(ws, ys))
    sxy = sum(w * x * y for w, x, y in zip(ws, xs, ys))
    det = s * sxx - sx * sx
    if det <= 0:
        return None
    fixed = (sxx * sy - sx * sxy) / det
    slope = (s * sxy - sx * sy) / det
    if fixed < 0:  # refit through the origin: a cost cannot be negative
        fixed, slope = 0.0, sxy / sxx
    if slope <= 0:
        return None
    worst = max(abs(fixed + slope * x - y) / y for x, y in zip(xs, ys))
    return Fit(fixed, 1.0 / slope, worst, [r.name for r in points.values()])


def format_rate(bytes_per_s: float) -> str:
    for unit, factor in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if bytes_per_s >= factor:
            return f"{bytes_per_s / factor:.3g} {unit}"
    return f"{bytes_per_s:.3g} B/s"


def format_count_rate(per_s: float) -> str:
    for unit, factor in (("M", 1e6), ("k", 1e3)):
        if per_s >= factor:
            return f"{per_s / factor:.3g}{unit} msg/s"
    return f"{per_s:.3g} msg/s"


# -- figures -----------------------------------------------------------------------

def _size_axis(ax, sizes: Sequence[int]) -> None:
    ax.set_xscale("log", base=2)
    ticks = sorted(set(sizes))
    if len(ticks) > 8:  # every other one, keeping the largest
        ticks = ticks[::-2][::-1]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: format_size(int(round(v)))))
    ax.xaxis.set_minor_formatter(plot.FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("message size")


def _panels(ncols: int, width: float, height: float, legend_rows: float = 0.16):
    """A row of ``ncols`` panels and, below them, a row holding one shared legend."""
    fig, axes = plot.new_figure(width, height, ncols=ncols, nrows=2,
                                gridspec_kw={"height_ratios": [1, legend_rows]})
    axes = list(axes.flat)
    top, bottom = axes[:ncols], axes[ncols:]
    grid = top[0].get_gridspec()
    for ax in bottom:
        ax.remove()
    legend_ax = fig.add_subplot(grid[1, :])
    legend_ax.axis("off")
    return fig, top, legend_ax


def _shared_legend(source, legend_ax, ncol: int) -> None:
    handles, labels = source.get_legend_handles_labels()
    legend_ax.legend(handles, labels, loc="center", ncol=ncol, fontsize=8, frameon=False)


def _fig_throughput(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    place = throughput_placement(rs)
    channels = present(rs, CHANNELS, placement=place)
    if not channels:
        return None
    fig, (ax_bytes, ax_msgs), legend_ax = _panels(2, 13, 6.2)
    sizes: List[int] = []
    for transport in channels + [t for t in RAW + ("memcpy", "pickle")]:
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
        _size_axis(ax, sizes)
        ax.set_yscale("log")
        plot.rate_axis(ax, unit)
        ax.set_title(f"Throughput, {title} (placement: {place})")
    _shared_legend(ax_bytes, legend_ax, ncol=5)
    return plot.save(fig, outdir, "channels_throughput", "Throughput against message size",
                     f"One producer process streaming to one consumer process, placement "
                     f"{place}; bytes payload (send_bytes for Pipe, a bytes object for the "
                     "queues). Dashed and dotted: floors measured in the same run: a raw "
                     "os.pipe and socketpair (no pickling, no framing), memcpy of a bytearray "
                     "and an in-process pickle dumps+loads.")


def _fig_latency(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    places = placements(rs)
    transports = [t for t in CHANNELS + RAW
                  if any(series(rs, t, "round_trip", placement=p) for p in places)]
    if not transports or not any(one_way(rs, r) for t in transports for p in places
                                 for r in series(rs, t, "round_trip", placement=p).values()):
        return None
    fig, axes, legend_ax = _panels(len(places), 6.5 * len(places), 6.2)
    sizes: List[int] = []
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
        _size_axis(ax, sizes)
        ax.set_yscale("log")
        plot.seconds_axis(ax)
        ax.set_title(f"One-way latency (placement: {place})")
    for ax in axes:
        ax.set_ylim(min(lows) / 1.5, max(highs) * 1.5)
    axes[0].set_ylabel("p50 (marker) to p99 (bar top)")
    _shared_legend(axes[0], legend_ax, ncol=4)
    return plot.save(fig, outdir, "channels_latency", "One-way latency against message size",
                     "From the ping-pong benchmarks: each side stamps its sends and receives "
                     "with CLOCK_MONOTONIC (system-wide); a one-way latency is the receiver's "
                     "stamp minus the sender's. Marker: median; bar: from the median up to "
                     "p99 of every kept sample (transports drawn side by side at each size). "
                     + PLACEMENT_TEXT + " Dashed: the raw floors.")


def _fig_round_trip_placement(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
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
    fig, ax = plot.new_figure(12, 5)
    width = 0.8 / len(places)
    for j, place in enumerate(places):
        xs, ys, errs = [], [], []
        for i, (_, found) in enumerate(rows):
            if place in found:
                xs.append(i + (j - (len(places) - 1) / 2) * width)
                ys.append(found[place].mean)
                errs.append(found[place].stdev)
        ax.bar(xs, ys, width, color=plot.colour(j + 7), label=f"placement: {place}", yerr=errs,
               capsize=2, error_kw={"elinewidth": 1, "ecolor": "#333333"})
        for x, y, err in zip(xs, ys, errs):
            ax.annotate(format_seconds(y), (x, y + err), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=6.5, rotation=90)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{label(t).replace(' ', chr(10), 1) if len(label(t)) > 12 else label(t)}"
                        f"\n{format_size(min(size_of(r) for r in found.values()))}"
                        for t, found in rows], fontsize=7)
    ax.margins(y=0.25)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("round trip (two messages)")
    ax.legend(fontsize=8)
    ax.set_title("Round trip of the smallest message, per placement: "
                 + ", ".join(places))
    return plot.save(fig, outdir, "channels_round_trip_placement",
                     "Round trip per placement",
                     "Mean round trip of the smallest message measured, per transport and "
                     "placement. " + PLACEMENT_TEXT + " A wake-up on another CPU costs more "
                     "on a VM. Leftmost: perf bench sched pipe (C) and minimal hand-written "
                     "Python loops (os.pipe, Pipe()), the references of the harness checks.")


def _fig_objects(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    place = throughput_placement(rs)
    channels = present(rs, CHANNELS, payload="object", placement=place)
    if not channels:
        return None
    fig, ax = plot.new_figure(9, 5)
    sizes: List[int] = []
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
    _size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("time per message")
    ax.legend(fontsize=7)
    ax.set_title(f"A Python object against bytes of the same size (placement: {place})")
    return plot.save(fig, outdir, "channels_objects", "Objects against bytes",
                     "Solid: a list of ints whose pickle has the message size; dotted, same "
                     "colour: bytes of that size through the same channel. Dashed: pickling "
                     "and unpickling the list in one process, the serialisation floor.")


def _fig_producers(rs: ResultSet, outdir: str) -> Optional[plot.Figure]:
    place = throughput_placement(rs)
    lines = []
    for transport in CHANNELS:
        many = rs.where(group=GROUP, transport=transport, metric="throughput", payload="bytes")
        sizes = sorted({size_of(r) for r in many if int(r.get("producers")) > 1})
        for size in sizes:
            points = {int(r.get("producers")): r for r in many if size_of(r) == size
                      and r.get("placement") == place}
            if len(points) > 1:
                lines.append((transport, size, dict(sorted(points.items()))))
    if not lines:
        return None
    fig, ax = plot.new_figure(8, 4.8)
    styles = ("-", "--", ":", "-.")
    sizes = sorted({size for _, size, _ in lines})
    for transport, size, points in lines:
        ax.plot(list(points), [messages_per_second(r) for r in points.values()],
                color=colour(transport), ls=styles[sizes.index(size) % len(styles)], marker="o",
                label=f"{label(transport)}, {format_size(size)}")
    ns = sorted({n for _, _, points in lines for n in points})
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns)
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plot.FuncFormatter(lambda v, _: ""))
    rates = [messages_per_second(r) for _, _, points in lines for r in points.values()]
    if plot.spans_decades(rates, 1):
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, max(rates) * 1.15)
    plot.rate_axis(ax, "msg")
    cpus = rs.machine.get("mpbench_usable_cpus")
    if cpus and max(ns) + 1 > cpus:
        edge = max(cpus - 0.5, min(ns) * 1.2)  # first N whose processes outnumber the CPUs
        ax.axvline(edge, color="grey", lw=1, ls=":")
        ax.annotate(f"right: producers + consumer > {cpus} usable CPUs", (edge, ax.get_ylim()[0]),
                    xytext=(3, 5), textcoords="offset points", fontsize=8, color="grey")
    ax.set_xlabel("producer processes N (one consumer)")
    ax.set_ylabel("messages per second, all producers")
    ax.legend(fontsize=8)
    ax.set_title(f"N producers into one queue (placement: {place})")
    return plot.save(fig, outdir, "channels_producers", "N producers into one queue",
                     "N producer processes put into one queue read by one consumer process. "
                     "Right of the dotted line the processes outnumber the usable CPUs: "
                     "the figures measure oversubscription.")


# -- tables ------------------------------------------------------------------------

def fits(rs: ResultSet) -> Dict[str, Fit]:
    """The throughput fit of every transport (bytes payload, one producer)."""
    place = throughput_placement(rs)
    found = {}
    for transport in CHANNELS + RAW + ("memcpy", "pickle"):
        result = fit(series(rs, transport, placement=place))
        if result:
            found[transport] = result
    return found


def _fit_table(rs: ResultSet) -> Optional[Table]:
    found = fits(rs)
    if not found:
        return None
    places = placements(rs)
    rows = []
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


def _throughput_table(rs: ResultSet) -> Optional[Table]:
    place = throughput_placement(rs)
    transports = present(rs, CHANNELS + RAW + ("memcpy", "pickle"), placement=place)
    sizes = sorted({s for t in transports for s in series(rs, t, placement=place)})
    if not transports:
        return None
    rows = []
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
                cell += f" ({100 * floor.mean / result.mean * _messages_ratio(result, floor):.0f}%)"
            row.append(cell)
        rows.append(row)
    return Table(f"Throughput, bytes per second (placement: {place}; in brackets: share of "
                 "the raw floor's throughput at the same size)",
                 ["transport"] + [format_size(s) for s in sizes], rows)


def _messages_ratio(result: Result, floor: Result) -> float:
    return float(result.get("messages", 1)) / float(floor.get("messages", 1))


def _latency_table(rs: ResultSet) -> Optional[Table]:
    rows = []
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


def _memory_table(rs: ResultSet) -> Optional[Table]:
    rows = []
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


def _harness_table(rs: ResultSet) -> Optional[Table]:
    rows = []
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


# -- headlines -------------------------------------------------------------------------

TIE = 1.10  # a runner-up within 10 % is named beside the winner


def _ranges(best: List[Tuple[int, str, Result, Optional[str]]]
            ) -> List[Tuple[int, int, str, List[str], List[str]]]:
    """Merge consecutive sizes with the same winner:
    (first size, last size, winner, sources, runners-up within :data:`TIE`)."""
    merged: List[Tuple[int, int, str, List[str], List[str]]] = []
    for size, winner, result, close in best:
        if merged and merged[-1][2] == winner:
            first, _, _, sources, ties = merged[-1]
            merged[-1] = (first, size, winner, sources + [result.name],
                          ties + ([close] if close and close not in ties else []))
        else:
            merged.append((size, size, winner, [result.name], [close] if close else []))
    return merged


def _span(first: int, last: int) -> str:
    return format_size(first) if first == last else f"{format_size(first)} to {format_size(last)}"


def _fastest(rs: ResultSet, metric: str, place: str, transports: Sequence[str] = CHANNELS
             ) -> List[Tuple[int, str, Result, Optional[str]]]:
    """Per size: (size, fastest transport, its result, a runner-up within TIE or None)."""
    by_size: Dict[int, List[Tuple[float, str, Result]]] = {}
    for transport in transports:
        for size, result in series(rs, transport, metric, placement=place).items():
            by_size.setdefault(size, []).append((result.mean, transport, result))
    found = []
    for size, entries in sorted(by_size.items()):
        if len(entries) < 2:
            continue
        entries.sort(key=lambda entry: entry[0])
        (best_mean, winner, result), (second_mean, second, _) = entries[0], entries[1]
        found.append((size, winner, result, second if second_mean <= best_mean * TIE else None))
    return found


def _ranges_text(ranges) -> str:
    parts = []
    for first, last, winner, _, ties in ranges:
        tie = f" ({' and '.join(label(t) for t in ties)} within 10%)" if ties else ""
        parts.append(f"{label(winner)} at {_span(first, last)}{tie}")
    return "; ".join(parts)


def _crossovers(rs: ResultSet, a: str, b: str, place: str) -> List[Headline]:
    """Where ``a`` and ``b`` change places, each clearly ahead (by more than TIE) on
    either side of the crossing."""
    pa, pb = series(rs, a, placement=place), series(rs, b, placement=place)
    sizes = [s for s in pa if s in pb]
    lines = []
    def clear_winner(size: int) -> Optional[bool]:  # True: a faster by more than TIE
        ratio = pb[size].mean / pa[size].mean
        return True if ratio > TIE else False if ratio < 1 / TIE else None

    for low, high in zip(sizes, sizes[1:]):
        before, after = clear_winner(low), clear_winner(high)
        if before is not None and after is not None and before != after:
            winner, loser = (a, b) if after else (b, a)
            lines.append(Headline(
                f"{label(winner)} overtakes {label(loser)} between {format_size(low)} and "
                f"{format_size(high)} (throughput, placement {place}).",
                [pa[low].name, pb[low].name, pa[high].name, pb[high].name]))
    return lines


CROSSOVER_PAIRS = (("queue", "pipe"), ("queue", "pipe_simplex"), ("queue", "simplequeue"),
                   ("simplequeue", "pipe_simplex"), ("simplequeue", "pipe"),
                   ("pipe", "pipe_simplex"))


def _headlines(rs: ResultSet) -> List[Headline]:
    lines: List[Headline] = []
    place = throughput_placement(rs)
    best = _fastest(rs, "throughput", place)
    if best:
        ranges = _ranges(best)
        lines.append(Headline(f"Fastest channel for streaming bytes (placement {place}): "
                              f"{_ranges_text(ranges)}.",
                              [n for *_, sources, _ in ranges for n in sources]))
    for a, b in CROSSOVER_PAIRS:
        lines += _crossovers(rs, a, b, place)
    for p in placements(rs):
        fastest_rt = _fastest(rs, "round_trip", p)
        if fastest_rt:
            ranges = _ranges(fastest_rt)
            lines.append(Headline(f"Lowest round trip (placement {p}): {_ranges_text(ranges)}.",
                                  [n for *_, sources, _ in ranges for n in sources]))
    lines += _floor_headlines(rs, place)
    found = {t: f for t, f in fits(rs).items() if t in CHANNELS + ("os_pipe",)}
    if found:
        text = "; ".join(f"{label(t)} {f.describe()}" for t, f in found.items())
        lines.append(Headline(f"Cost per message, fitted (time = fixed + size / bandwidth, "
                              f"placement {place}; worst fit error in the table): {text}.",
                              [n for f in found.values() for n in f.sources]))
    lines += _latency_headlines(rs)
    lines += _object_headlines(rs, place)
    cpus = rs.machine.get("mpbench_usable_cpus")
    producers = [int(r.get("producers")) for r in rs.where(group=GROUP, metric="throughput")]
    if cpus and producers and max(producers) + 1 > cpus:
        lines.append(Headline(f"N producers plus the consumer above {cpus} processes (the usable "
                              "CPUs) measure oversubscription."))
    return lines


def _floor_headlines(rs: ResultSet, place: str) -> List[Headline]:
    lines = []
    sizes = sorted({s for t in CHANNELS for s in series(rs, t, placement=place)})
    if not sizes:
        return lines
    chosen = [min(sizes, key=lambda s: abs(math.log(s) - math.log(REFERENCE_SIZE)))]
    if sizes[0] not in chosen:
        chosen.insert(0, sizes[0])
    for size in chosen:
        parts, sources = [], []
        for transport in CHANNELS:
            result = series(rs, transport, placement=place).get(size)
            floor = rs.floor(result) if result else None
            if result is None or floor is None:
                continue
            share = floor.mean / result.mean * _messages_ratio(result, floor)
            floor_label = label(floor.get("transport"))
            parts.append(f"{label(transport)} {100 * share:.0f}% of the {floor_label}")
            sources += [result.name, floor.name]
        if parts:
            lines.append(Headline(f"Distance from the kernel floor at {format_size(size)} "
                                  f"(throughput, placement {place}): " + ", ".join(parts) + ".",
                                  list(dict.fromkeys(sources))))
    return lines


def _latency_headlines(rs: ResultSet) -> List[Headline]:
    lines = []
    for place in placements(rs):
        parts, sources = [], []
        for transport in CHANNELS + RAW:
            points = series(rs, transport, "round_trip", placement=place)
            if not points:
                continue
            result = points[min(points)]
            values = one_way(rs, result)
            if values:
                parts.append(f"{label(transport)} {format_seconds(percentile(values, 50))} "
                             f"(p99 {format_seconds(percentile(values, 99))})")
                sources.append(result.name)
        if parts:
            size = min(size_of(rs.results[n]) for n in sources)
            lines.append(Headline(f"One-way latency of a {format_size(size)} message, median "
                                  f"(placement {place}): " + ", ".join(parts) + ".", sources))
    return lines


def _object_headlines(rs: ResultSet, place: str) -> List[Headline]:
    lines = []
    for transport in ("queue", "pipe"):
        objects = series(rs, transport, payload="object", placement=place)
        plain = series(rs, transport, placement=place)
        common = [s for s in objects if s in plain]
        if not common:
            continue
        size = max(common)
        obj, raw = objects[size], plain[size]
        ratio = seconds_per_message(obj) / seconds_per_message(raw)
        lines.append(Headline(f"Through {label(transport)}, a list of ints of {format_size(size)} "
                              f"takes {ratio:.1f}x as long as bytes of that size "
                              f"({format_seconds(seconds_per_message(obj))} against "
                              f"{format_seconds(seconds_per_message(raw))}): the cost of "
                              "pickling.", [obj.name, raw.name]))
    return lines


def section(rs: ResultSet, outdir: str) -> Optional[Section]:
    """The channels section of a single-file report, or None without channel results."""
    if not rs.where(group=GROUP):
        return None
    figures = [f for f in (_fig_throughput(rs, outdir), _fig_latency(rs, outdir),
                           _fig_round_trip_placement(rs, outdir), _fig_objects(rs, outdir),
                           _fig_producers(rs, outdir)) if f]
    tables = [t for t in (_fit_table(rs), _throughput_table(rs), _latency_table(rs),
                          _harness_table(rs), _memory_table(rs)) if t]
    return Section("channels", "Channels: Queue, Pipe and friends against message size",
                   "Throughput (one producer process streaming to one consumer process) and "
                   "latency (a ping-pong between two processes) of multiprocessing's channels, "
                   "beside the floors measured in the same run: a raw os.pipe and socketpair, "
                   "an in-process pickle and memcpy. Every figure states where the processes "
                   "ran (placement).", _headlines(rs), figures, tables)


# -- comparison ------------------------------------------------------------------------

LINESTYLES = ("-", "--", ":", "-.")


def _fig_compare_throughput(sets: Sequence[ResultSet], outdir: str) -> Optional[plot.Figure]:
    fig, ax = plot.new_figure(10, 5.6)
    sizes: List[int] = []
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
                    ls=LINESTYLES[j % len(LINESTYLES)], marker="o", ms=3,
                    label=f"{label(transport)}, {rs.label} ({place})")
    if not drew:
        plot.plt.close(fig)
        return None
    _size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.rate_axis(ax, "B")
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("Throughput per results file (colour: transport; line style: file)")
    return plot.save(fig, outdir, "compare_channels_throughput", "Throughput per results file",
                     "Bytes per second of one producer streaming to one consumer, each file's "
                     "own placement in the legend; black: each file's raw os.pipe floor.")


def _fig_compare_latency(sets: Sequence[ResultSet], outdir: str) -> Optional[plot.Figure]:
    fig, ax = plot.new_figure(10, 5.2)
    sizes: List[int] = []
    drew = False
    for j, rs in enumerate(sets):
        place = "same-cpu" if "same-cpu" in placements(rs) else (placements(rs) or [None])[0]
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
                    ls=LINESTYLES[j % len(LINESTYLES)], marker="o", ms=3,
                    label=f"{label(transport)}, {rs.label} ({place})")
    if not drew:
        plot.plt.close(fig)
        return None
    _size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("Median one-way latency per results file (placement in the legend)")
    return plot.save(fig, outdir, "compare_channels_latency", "Latency per results file",
                     "Median one-way latency from each file's samples; same-cpu placement "
                     "where measured (the steadier one), else the first measured.")


def compare_section(sets: Sequence[ResultSet], outdir: str) -> Optional[Section]:
    """Channel figures overlaid across results files, and the fits side by side."""
    if not any(rs.where(group=GROUP) for rs in sets):
        return None
    figures = [f for f in (_fig_compare_throughput(sets, outdir),
                           _fig_compare_latency(sets, outdir)) if f]
    all_fits = [fits(rs) for rs in sets]
    rows = []
    for transport in CHANNELS + RAW:
        cells = [found[transport].describe() if transport in found else "-" for found in all_fits]
        if any(c != "-" for c in cells):
            rows.append([label(transport)] + cells)
    tables = [Table("Fixed cost and bandwidth per results file (time = fixed + size / bandwidth)",
                    ["transport"] + [rs.label for rs in sets], rows)] if rows else []
    return Section("channels", "Channels: Queue, Pipe and friends against message size", "", [],
                   figures, tables)
