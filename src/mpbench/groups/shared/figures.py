"""The shared group's figures: hand-over time and payload copies against size, each
method over the raw-pipe floor (where the crossovers show), and the per-operation costs
of Value/Array and Manager proxies beside their floors; in a comparison, hand-overs
overlaid per results file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.shared import results as sd
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

FLOOR_STYLE = {"os_pipe": ("black", "--"), "memcpy": ("#777777", ":"),
               "memcpy_new": ("#999999", "-.")}
MARKERS = {"copy": "o", "view": "s"}
LINESTYLES = ("-", "--", ":", "-.")


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


def fig_handover(rs: ResultSet, outdir: str) -> plot.Figure | None:
    """Time per hand-over against size, and the payload copies held at the largest size."""
    series = sd.handovers(rs)
    if not series:
        return None
    fig, (ax, ax_held) = plot.new_figure(13, 5.4, ncols=2,
                                         gridspec_kw={"width_ratios": [1.6, 1]})
    sizes: list[int] = []
    for method, points in series.items():
        sizes += list(points)
        ax.plot(list(points), [r.mean for r in points.values()], color=colour(method),
                marker=MARKERS[method[1]], ms=5, lw=1.8,
                ls="-" if method[1] == "copy" else (0, (4, 2)), label=sd.method_label(method))
    _floor_lines(ax, rs, sizes)
    size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("one hand-over (sender's start to receiver holding it)")
    ax.set_title("Hand-over time against size (bytes, placed freely)")
    ax.legend(fontsize=7, ncol=2)
    held = [(m, points[max(points)]) for m, points in series.items()
            if sd.held_copies(points[max(points)]) is not None]
    if held:
        bars = ax_held.bar(range(len(held)), [sd.held_copies(r) or 0.0 for _, r in held],
                           color=[colour(m) for m, _ in held])
        plot.label_bars(ax_held, bars, [f"{sd.held_copies(r):g}" for _, r in held])
        ax_held.set_xticks(range(len(held)))
        ax_held.set_xticklabels([sd.method_label(m) for m, _ in held], rotation=30, ha="right",
                                fontsize=8)
        size = sd.size_of(held[0][1])
        ax_held.set_ylabel("payloads held at once, both sides")
        ax_held.set_title(f"Copies held during a {sd.span_text([size])} hand-over")
    else:
        ax_held.axis("off")
        ax_held.text(0.5, 0.5, "no size of 16 MiB or more:\nno copies to count",
                     ha="center", va="center", transform=ax_held.transAxes)
    return plot.save(fig, outdir, "shared_handover", "Hand-over time and copies against size",
                     "Left: seconds per hand-over, from the sender's stamp before it starts to "
                     "the receiver's stamp once it holds a copy (solid) or a view (dashed), "
                     "both processes placed freely; grey: floors measured in the same run. "
                     "Right: peak resident memory of both sides over the payload, shared "
                     "pages counted once, at the largest size measured (from 16 MiB).")


def fig_crossover(rs: ResultSet, outdir: str) -> plot.Figure | None:
    """Each method's time over the raw pipe's at the same size: crossings are crossovers."""
    series = sd.handovers(rs)
    floor = sd.handover(rs, sd.FLOOR_PIPE)
    if not series or not floor:
        return None
    fig, ax = plot.new_figure(9, 5.2)
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
                ls="-" if method[1] == "copy" else (0, (4, 2)), label=sd.method_label(method))
    if not ratios:
        plot.plt.close(fig)
        return None
    ax.axhline(1.0, color="black", lw=1, ls="--", label="raw os.pipe (1x)")
    size_axis(ax, sizes)
    plot.ratio_axis_over(ax, ratios)
    ax.set_ylabel("time over the raw pipe's at the same size (below 1x: faster)")
    ax.set_title("Which method wins at which size (bytes, placed freely)")
    ax.legend(fontsize=7, ncol=2)
    return plot.save(fig, outdir, "shared_crossover", "Each method against the raw pipe",
                     "A hand-over's time divided by a raw os.pipe hand-over of the same size "
                     "measured in the same run (no pickling, no framing): where two lines "
                     "cross, the faster method changes.")


def _bar_panel(ax: Any, rows: list[Result], floors: list[Result | None], names: list[str],
               floor_text: str) -> None:
    xs = range(len(rows))
    objects = list(dict.fromkeys(str(r.get("object")) for r in rows))
    bars = ax.bar(xs, [r.mean for r in rows],
                  color=[plot.colour(objects.index(str(r.get("object")))) for r in rows])
    plot.label_bars(ax, bars, [format_seconds(r.mean) for r in rows])
    marked = [(x, f) for x, f in zip(xs, floors) if f is not None]
    if marked:
        ax.scatter([x for x, _ in marked], [f.mean for _, f in marked], marker="_", s=400,
                   color="black", zorder=3, label=floor_text)
        ax.legend(fontsize=7)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=35, ha="right", fontsize=7)
    if plot.spans_decades([r.mean for r in rows] + [f.mean for _, f in marked], 1):
        ax.set_yscale("log")
    plot.seconds_axis(ax)


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
    fig, axes = plot.new_figure(6.5 * len(panels), 5.4, ncols=len(panels))
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
        ax.set_ylabel("per operation, all clients together")
    return plot.save(fig, outdir, "shared_operations", "Per-operation costs",
                     "Seconds per operation, N clients together (a window over N x loops "
                     "operations); black marks: the floor of each figure, a local object's "
                     "same operation for values and the same-placement Pipe() round trip of "
                     "a 64 B pickled list for proxies.")


# The section's figures, in page order.
FIGURES = (fig_handover, fig_crossover, fig_operations)


def fig_compare_handover(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Hand-over time against size, colour per method, line style per results file."""
    fig, ax = plot.new_figure(10, 5.8)
    sizes: list[int] = []
    for j, rs in enumerate(comparison.sets):
        for method, points in sd.handovers(rs, methods=sd.METHODS + (sd.FLOOR_PIPE,)).items():
            sizes += list(points)
            ax.plot(list(points), [r.mean for r in points.values()],
                    color="black" if method == sd.FLOOR_PIPE else colour(method),
                    marker=MARKERS[method[1]], ms=4, ls=LINESTYLES[j % len(LINESTYLES)],
                    label=f"{sd.method_label(method)}, {rs.label}")
    if not sizes:
        plot.plt.close(fig)
        return None
    size_axis(ax, sizes)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("one hand-over")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title("Hand-overs per results file (colour: method; line style: file)")
    return plot.save(fig, outdir, "compare_shared_handover", "Hand-overs per results file",
                     "Seconds per hand-over of bytes, placed freely, in each file; black: each "
                     "file's raw os.pipe floor.")


# A comparison's figures, in page order.
COMPARE_FIGURES = (fig_compare_handover,)
