"""The shared group's figures: hand-over time and payload copies against size, each
method over the raw-pipe floor (where the crossovers show), and the per-operation costs
of Value/Array and Manager proxies beside their floors; in a comparison, hand-overs
overlaid per results file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.typing import FillStyleType

from mpbench.groups.shared import results as sd
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

FLOOR_STYLE = {"os_pipe": ("black", "--"), "memcpy": ("#777777", ":"),
               "memcpy_new": ("#999999", "-.")}
MARKERS = {"copy": "o", "view": "s"}
RECEIVER_STYLE = {"copy": "-", "view": "--"}
LINESTYLES = ("-", "--", ":", "-.")
# with the line style, one per results file of a comparison
FILLS: tuple[FillStyleType, ...] = ("full", "none", "left", "bottom")
WIDTH = 9.0       # inches: at plotting.DPI the PNG fits the page's figure width unshrunk
LEGEND_PT = 9.0   # the smallest text a figure shows
ROW_IN = 0.3      # inches per bar of a horizontal bar chart
LEGEND_IN = 1.0   # inches a legend below a plot takes


def colour(method: sd.Method) -> str:
    transfers = [m[0] for m in sd.METHODS]
    return plot.colour(transfers.index(method[0]))


def size_axis(ax: Any, sizes: Sequence[int]) -> None:
    """The payload-size axis: :func:`mpbench.reporting.plotting.size_axis`."""
    plot.size_axis(ax, sizes, "payload size")


def _floor_lines(ax: Any, rs: ResultSet, sizes: list[int]) -> None:
    for key, points, text in (("os_pipe", sd.handover(rs, sd.FLOOR_PIPE), "floor: raw os.pipe"),
                              ("memcpy", sd.memcpy(rs), "floor: memcpy into a buffer"),
                              ("memcpy_new", sd.memcpy(rs, "new"),
                               "floor: memcpy into a new object")):
        if points:
            col, style = FLOOR_STYLE[key]
            sizes += list(points)
            ax.plot(list(points), [r.mean for r in points.values()], color=col, ls=style,
                    lw=1.5, marker=".", label=text)


def _hbars(ax: Any, values: Sequence[float], names: Sequence[str], colours: Sequence[str],
           texts: Sequence[str], log: bool, marks: Sequence[float] = ()) -> None:
    """Horizontal bars, a name per row left of the axes and its value, level, in a
    column right of them (clear of the bars and of ``marks`` drawn on them)."""
    rows = range(len(values))
    ax.barh(rows, values, color=colours, height=0.7)
    ax.set_yticks(list(rows))
    ax.set_yticklabels(names)
    ax.set_ylim(len(values) - 0.5, -0.5)
    for y, text in zip(rows, texts):
        ax.annotate(text, (1.0, y), xycoords=("axes fraction", "data"), xytext=(6, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=LEGEND_PT)
    ax.grid(False, axis="y")
    shown = [v for v in list(values) + list(marks) if v > 0] or [1.0]
    if log:
        ax.set_xscale("log")
        ax.set_xlim(min(shown) / 2, max(shown) * 1.5)
    else:
        ax.set_xlim(0, max(shown) * 1.1)


def fig_handover(rs: ResultSet, outdir: str) -> plot.Figure | None:
    """Time per hand-over against size, and the payload copies held at the largest size."""
    series = sd.handovers(rs)
    if not series:
        return None
    held = [(m, points[max(points)]) for m, points in series.items()
            if sd.held_copies(points[max(points)]) is not None]
    lower = 0.9 + ROW_IN * len(held) if held else 0.0
    upper = 5.2 + LEGEND_IN  # the plot and its legend below
    fig, axes = plot.new_figure(WIDTH, upper + (0.6 + lower if held else 0.0),
                                nrows=2 if held else 1,
                                gridspec_kw={"height_ratios": [upper, lower]} if held else None)
    ax, ax_held = (axes[0], axes[1]) if held else (axes, None)
    sizes: list[int] = []
    for method, points in series.items():
        sizes += list(points)
        ax.plot(list(points), [r.mean for r in points.values()], color=colour(method),
                marker=MARKERS[method[1]], ms=5, lw=1.8, ls=RECEIVER_STYLE[method[1]],
                label=sd.method_label(method))
    _floor_lines(ax, rs, sizes)
    size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    plot.tidy_log(ax)
    ax.set_ylabel("one hand-over, sender's start\nto receiver holding it")
    ax.set_title("Hand-over time against size (bytes, placed freely)")
    legends.legend_under(ax)
    if ax_held is not None:
        copies = [sd.held_copies(r) or 0.0 for _, r in held]
        _hbars(ax_held, copies, [sd.method_label(m) for m, _ in held],
               [colour(m) for m, _ in held], [f"{c:g}" for c in copies], log=False)
        ax_held.set_xlabel("payloads held at once, both sides")
        ax_held.set_title(f"Copies held during a {sd.span_text([sd.size_of(held[0][1])])} "
                          "hand-over")
    return plot.save(fig, outdir, "shared_handover", "Hand-over time and copies against size",
                     "Top: seconds per hand-over, from the sender's stamp before it starts to "
                     "the receiver's stamp once it holds a copy (solid) or a view (dashed), "
                     "both processes placed freely; grey and black: floors measured in the same "
                     "run. Below: peak resident memory of both sides over the payload, shared "
                     "pages counted once, at the largest size measured (from 16 MiB; none "
                     "below it).")


def fig_crossover(rs: ResultSet, outdir: str) -> plot.Figure | None:
    """Each method's time over the raw pipe's at the same size: crossings are crossovers."""
    series = sd.handovers(rs)
    floor = sd.handover(rs, sd.FLOOR_PIPE)
    if not series or not floor:
        return None
    fig, ax = plot.new_figure(WIDTH, 5.2 + LEGEND_IN)
    sizes: list[int] = []
    ratios: list[float] = []
    for method, points in series.items():
        common = [s for s in points if s in floor]
        if not common:
            continue
        values = [points[s].mean / floor[s].mean for s in common]
        sizes += common
        ratios += values
        ax.plot(common, values, color=colour(method), marker=MARKERS[method[1]], ms=5, lw=1.8,
                ls=RECEIVER_STYLE[method[1]], label=sd.method_label(method))
    if not ratios:
        plot.plt.close(fig)
        return None
    ax.axhline(1.0, color="black", lw=1, ls=":", label="raw os.pipe (1x)")
    size_axis(ax, sizes)
    plot.ratio_axis_over(ax, ratios)
    ax.set_ylabel("time over the raw pipe's at the same size\n(below 1x: faster)")
    ax.set_title("Which method wins at which size (bytes, placed freely)")
    legends.legend_under(ax)
    return plot.save(fig, outdir, "shared_crossover", "Each method against the raw pipe",
                     "A hand-over's time divided by a raw os.pipe hand-over of the same size "
                     "measured in the same run (no pickling, no framing): where two lines "
                     "cross, the faster method changes.")


def _bar_panel(ax: Any, rows: list[Result], floors: list[Result | None], names: list[str],
               floor_text: str) -> None:
    objects = list(dict.fromkeys(str(r.get("object")) for r in rows))
    values = [r.mean for r in rows]
    marked = [(y, f.mean) for y, f in enumerate(floors) if f is not None]
    _hbars(ax, values, names, [plot.colour(objects.index(str(r.get("object")))) for r in rows],
           [format_seconds(v) for v in values],
           plot.spans_decades(values + [m for _, m in marked], 1), [m for _, m in marked])
    if marked:
        ax.plot([m for _, m in marked], [y for y, _ in marked], ls="none", marker="|", ms=16,
                mew=2.5, color="black", zorder=3, label=floor_text)
    plot.seconds_axis(ax, "x")


def _op_name(result: Result) -> str:
    clients = int(result.get("clients", 1))
    size = sd.size_of(result)
    extra = [sd.span_text([size])] if size else []
    extra += [f"{clients} clients"] if clients > 1 else []
    extra += ["pinned"] if result.get("placement") == "same-cpu" else []
    return f"{result.get('object')} {result.get('op')}" + (f" ({', '.join(extra)})"
                                                           if extra else "")


def fig_operations(rs: ResultSet, outdir: str) -> plot.Figure | None:
    """Value/Array per operation beside a local object; proxies beside a Pipe round trip."""
    values = [r for r in sd.operations(rs, sd.VALUE_OBJECTS) if not sd.size_of(r)]
    proxies = sd.operations(rs, sd.PROXY_OBJECTS)
    panels = [(rows, kind) for rows, kind in ((values, "value"), (proxies, "proxy")) if rows]
    if not panels:
        return None
    heights = [0.9 + ROW_IN * len(rows) for rows, _ in panels]
    fig, axes = plot.new_figure(WIDTH, sum(heights) + 0.6 * len(panels), nrows=len(panels),
                                gridspec_kw={"height_ratios": heights})
    axes = list(axes.flat) if hasattr(axes, "flat") else [axes]
    for ax, (rows, kind) in zip(axes, panels):
        if kind == "value":
            _bar_panel(ax, rows, [sd.local_of(rs, r) for r in rows],
                       [_op_name(r) for r in rows], "the same on a local object")
            ax.set_title("Value, Array, SharedMemory+struct: one element")
        else:
            _bar_panel(ax, rows, [rs.floor(r) for r in rows], [_op_name(r) for r in rows],
                       "floor: one Pipe round trip")
            ax.set_title("Manager proxies: one operation")
        ax.set_xlabel("per operation, all clients together")
        if ax.get_legend_handles_labels()[0]:
            legends.legend_under(ax)
    return plot.save(fig, outdir, "shared_operations", "Per-operation costs",
                     "Seconds per operation, N clients together (a window over N x loops "
                     "operations); black ticks: the floor of each figure, a local object's "
                     "same operation for values and the same-placement Pipe() round trip of "
                     "a 64 B pickled list for proxies.")


# The section's figures, in page order.
FIGURES = (fig_handover, fig_crossover, fig_operations)


def fig_compare_handover(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Hand-over time against size, colour per method, line style per results file."""
    fig, ax = plot.new_figure(WIDTH, 5.2 + LEGEND_IN)
    sizes: list[int] = []
    methods: dict[sd.Method, None] = {}
    for j, rs in enumerate(comparison.sets):
        for method, points in sd.handovers(rs, methods=sd.METHODS + (sd.FLOOR_PIPE,)).items():
            methods[method] = None
            sizes += list(points)
            ax.plot(list(points), [r.mean for r in points.values()], color=_compare_colour(method),
                    marker=MARKERS[method[1]], ms=5, ls=LINESTYLES[j % len(LINESTYLES)],
                    fillstyle=FILLS[j % len(FILLS)])
    if not sizes:
        plot.plt.close(fig)
        return None
    size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    plot.tidy_log(ax)
    ax.set_ylabel("one hand-over")
    # the key apart: colour and marker name the method, line style and fill the file
    handles = [Line2D([], [], color=_compare_colour(m), marker=MARKERS[m[1]], ls="-")
               for m in methods]
    handles += [Line2D([], [], color="#888888", marker="o", ls=LINESTYLES[j % len(LINESTYLES)],
                       fillstyle=FILLS[j % len(FILLS)]) for j in range(len(comparison.sets))]
    legends.legend_under(ax, handles, [sd.method_label(m) for m in methods]
                         + [rs.label for rs in comparison.sets])
    ax.set_title("Hand-overs per results file")
    return plot.save(fig, outdir, "compare_shared_handover", "Hand-overs per results file",
                     "Seconds per hand-over of bytes, placed freely, in each file; colour and "
                     "marker: method (square: a view), line style and marker fill: file; "
                     "black: each file's raw os.pipe floor.")


def _compare_colour(method: sd.Method) -> str:
    return "black" if method == sd.FLOOR_PIPE else colour(method)


# A comparison's figures, in page order.
COMPARE_FIGURES = (fig_compare_handover,)
