"""The pool section's figures: dispatch per task against chunksize, start-up per method
and W, and the break-even curves with their break-even durations marked; and the
comparison's dispatch curves, one line style per results file."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.typing import FillStyleType

from mpbench.groups.pool import results as pd
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

MARKERS = ("o", "s", "^", "v", "D", "P", "X")
LINESTYLES = ("-", "--", ":", "-.")
# with the line style, one per results file of a comparison
FILLS: tuple[FillStyleType, ...] = ("full", "none", "left", "bottom")
WIDTH = 9.0       # inches: at plotting.DPI the PNG fits the page's figure width unshrunk
LEGEND_PT = 9.0   # the smallest text a figure shows
ROW_IN = 0.34     # inches per row of the other-settings panel
LEGEND_IN = 0.8   # inches a legend below a plot takes


def api_colour(api: str) -> str:
    """One colour per API in every pool figure; the floor has its own grey."""
    if api == "minimal_pool":
        return plot.FLOOR_COLOUR
    return plot.colour(pd.API_ORDER.index(api) if api in pd.API_ORDER else len(pd.API_ORDER))


def api_marker(api: str) -> str:
    return MARKERS[pd.API_ORDER.index(api) % len(MARKERS)] if api in pd.API_ORDER else "."


def log_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high``: 1-2-5 per decade, finer where that
    leaves fewer than three, powers of ten where it crowds."""
    for steps in ((1.0,), (1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
        ticks = [m * 10.0 ** k for k in range(math.floor(math.log10(low)) - 1,
                                               math.ceil(math.log10(high)) + 1)
                 for m in steps if low <= m * 10.0 ** k <= high]
        if len(ticks) >= 3 or steps[-1] == 7:
            return ticks[::-(-len(ticks) // most)]
    return ticks


def chunk_axis(ax: Any, chunks: Sequence[int]) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(chunks)))
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plot.NullFormatter())
    ax.set_xlabel("chunksize (tasks per message)")


def _draw_dispatch(ax: Any, curves: dict[str, dict[int, Result]], floor: dict[int, Result],
                   file: int | None = None, suffix: str = "") -> list[int]:
    """The curves per API and the floor; ``file``: the results file's index in a
    comparison (its line style and marker fill), None: a report's one file."""
    chunks: list[int] = []
    style = LINESTYLES[(file or 0) % len(LINESTYLES)]
    fill = FILLS[(file or 0) % len(FILLS)]
    for api, points in ({**curves, "minimal_pool": floor} if floor else curves).items():
        xs = list(points)
        chunks += xs
        floor_line = api == "minimal_pool"
        ax.errorbar(xs, [r.mean for r in points.values()],
                    None if floor_line else [r.stdev for r in points.values()],
                    marker=api_marker(api), ms=4 if floor_line else 6, fillstyle=fill,
                    ls=style if len(xs) > 1 else "none", lw=1.2 if floor_line else 1.5,
                    capsize=2, color=api_colour(api), label=pd.api_label(api) + suffix)
    return chunks


def _dispatch_axes(ax: Any, chunks: list[int]) -> None:
    chunk_axis(ax, chunks)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("seconds per no-op task")


def fig_dispatch(rs: ResultSet, outdir: str) -> plot.Figure | None:
    setting = pd.main_setting(rs)
    if setting is None:
        return None
    curves = pd.dispatch_curves(rs, setting)
    others = pd.other_settings(rs)
    rows = len({s for _, _, s, _ in others}) + 1
    if others:  # the other settings below, as tall as they need: no half figure for one bar
        upper, lower = 4.0, 0.2 + ROW_IN * rows  # the plots; their labels and legends aside
        fig, (ax, ax_other) = plot.new_figure(WIDTH, upper + lower + 2 * LEGEND_IN + 1.2,
                                              nrows=2,
                                              gridspec_kw={"height_ratios": [upper, lower]})
    else:
        fig, ax = plot.new_figure(WIDTH, 4.8 + LEGEND_IN)
    _dispatch_axes(ax, _draw_dispatch(ax, curves, pd.minimal_curve(rs, setting[1])))
    legends.legend_under(ax)
    ax.set_title(f"Dispatch per task against chunksize ({pd.setting_text(setting)})")
    if others:
        _draw_settings(ax_other, rs, setting, others)
    return plot.save(fig, outdir, "pool_dispatch", "Dispatch cost per task",
                     "Seconds per no-op task, one call over 1024 tasks on a pool that is up, "
                     "against the chunksize (log axes); apply_async and submit send one task a "
                     "message (chunksize 1). Grey: the minimal forked pool on two raw pipes, "
                     "the floor."
                     + (" Below: the same APIs for the other start methods and W, beside the "
                        "sweep's own (first row)." if others else ""))


def _draw_settings(ax: Any, rs: ResultSet, main: pd.Setting, others: Sequence) -> None:
    """One row per (start method, W), the main one first; a dot per API and chunksize."""
    keys = list(dict.fromkeys((a, c) for a, c, _, _ in others))
    keys.sort(key=lambda k: (pd.API_ORDER.index(k[0]) if k[0] in pd.API_ORDER else 99,
                             k[1] or 0))
    settings = sorted({s for _, _, s, _ in others},
                      key=lambda s: (pd.METHOD_ORDER.index(s[0]) if s[0] in pd.METHOD_ORDER
                                     else 9, s[1]))
    settings.insert(0, main)
    values: list[float] = []
    for j, (api, chunk) in enumerate(keys):
        ys, xs = [], []
        for i, setting in enumerate(settings):
            found = (pd.dispatch_at(rs, api, chunk, *main) if setting == main else
                     next((r for a, c, s, r in others if (a, c, s) == (api, chunk, setting)),
                          None))
            if found is not None:
                ys.append(i)
                xs.append(found.mean)
        values += xs
        text = pd.api_label(api) + ("" if chunk is None else f", chunksize {chunk}")
        ax.plot(xs, ys, ls="none", marker=MARKERS[j % len(MARKERS)], ms=8,
                color=api_colour(api), label=text)
    ax.set_yticks(range(len(settings)))
    ax.set_yticklabels([pd.setting_text(s) + (" (above)" if s == main else "")
                        for s in settings])
    ax.set_ylim(len(settings) - 0.5, -0.5)
    ax.set_xscale("log")
    low, high = min(values) / 1.6, max(values) * 1.6
    ax.set_xlim(low, high)
    plot.seconds_axis(ax, "x")
    ax.set_xticks(log_ticks(low, high))
    ax.xaxis.set_minor_formatter(plot.NullFormatter())
    ax.set_xlabel("seconds per no-op task")
    legends.legend_under(ax)
    ax.set_title("Other start methods and worker counts")


def _life_rank(text: str) -> tuple[int, int]:
    """Start-up entries per start method: its lifetime, start-up part, cold server."""
    method = text.split(":")[0].split(",")[0]
    kind = next((i for i, w in enumerate(("lifetime", "part", "cold")) if w in text), 3)
    return (pd.METHOD_ORDER.index(method) if method in pd.METHOD_ORDER else 9), kind


def fig_startup(rs: ResultSet, outdir: str) -> plot.Figure | None:
    kinds = [k for k in pd.KINDS if pd.lifecycle(rs, "lifetime", k)]
    if not kinds:
        return None
    fig, axes = plot.new_figure(WIDTH, 4.8, ncols=len(kinds), squeeze=False, sharey=True)
    for ax, kind in zip(axes[0], kinds):
        lives = pd.lifecycle(rs, "lifetime", kind)
        starts = pd.lifecycle(rs, "startup", kind)
        all_w: list[int] = []
        for method in pd.methods(rs):
            c = plot.colour(pd.METHOD_ORDER.index(method))
            points = pd.workers_of(lives, method)
            if not points:
                continue
            all_w += list(points)
            ax.errorbar(list(points), [r.mean for r in points.values()],
                        [r.stdev for r in points.values()], marker="o", capsize=2, color=c,
                        label=f"{method}: lifetime")
            start = pd.workers_of(starts, method)
            if start:
                ax.plot(list(start), [r.mean for r in start.values()], marker="v", ls="none",
                        color=c, mfc="white", label=f"{method}: start-up part")
        cold = pd.cold_lifetime(rs, kind)
        if cold is not None:
            ax.plot([int(cold.get("workers"))], [cold.mean], marker="*", ms=12, ls="none",
                    color=plot.colour(pd.METHOD_ORDER.index("forkserver")),
                    label="forkserver, server cold")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(set(all_w)) or [1])
        ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(plot.NullFormatter())
        ax.set_xlabel("workers W")
        ax.set_yscale("log")
        plot.seconds_axis(ax)
        ax.set_title(pd.api_label(kind))
    axes[0][0].set_ylabel("one pool's life, start-up to shutdown")
    handles: dict[str, Any] = {}  # the panels share their entries: one legend for both
    for ax in axes[0]:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(text, handle)
    order = sorted(handles, key=_life_rank)
    legends.legend_right(axes[0][-1], [handles[t] for t in order], order)
    return plot.save(fig, outdir, "pool_startup", "Start-up per start method and W",
                     "A pool's whole life (constructor until every worker has run a task, then "
                     "close(); join() or shutdown(wait=True)) per start method and worker count, "
                     "and its start-up part; star: a forkserver that must boot first.")


def fig_break_even(rs: ResultSet, outdir: str) -> plot.Figure | None:
    curves = pd.break_even(rs)
    if not curves:
        return None
    fig, ax = plot.new_figure(WIDTH, 5)
    ratios: list[float] = []
    for i, (workers, points) in enumerate(curves.items()):
        c = plot.colour(i)
        xs = [p.task_us * 1e-6 for p in points]
        ys = [p.speedup for p in points]
        ratios += ys
        ax.plot(xs, ys, marker="o", color=c, label=f"W={workers}")
        ideal = pd.ideal_speedup(rs, workers)
        ratios.append(ideal)
        ax.axhline(ideal, color=c, ls=":", lw=1)
        cross = pd.half_ideal(rs, workers, points)
        if cross is not None and cross.where == "between" and cross.task_us:
            x = cross.task_us * 1e-6
            ax.plot([x], [cross.target], marker="X", ms=10, color=c, ls="none")
            ax.axvline(x, color=c, ls="--", lw=0.8)
            ax.annotate(f"half of ideal ({cross.target:g}x)\nat {format_seconds(x)} tasks",
                        (x, cross.target), xytext=(6, -30 - 26 * i), textcoords="offset points",
                        fontsize=LEGEND_PT, color=c)
    ax.axhline(1.0, color="black", lw=1)
    ax.set_xscale("log")
    plot.seconds_axis(ax, "x")
    plot.tidy_log(ax, "x")
    ax.set_xlabel("task length (busy work per task)")
    plot.ratio_axis_over(ax, ratios, margin=1.25)
    ax.set_ylabel("speed-up over a plain loop")
    legends.legend_right(ax, title="Pool.map,\nchunksize 1", title_fontsize=LEGEND_PT)
    cpus = pd.usable_cpus(rs)
    ax.set_title("Break-even: when a pool beats a plain loop"
                 + (f" ({cpus} usable CPUs)" if cpus else ""))
    return plot.save(fig, outdir, "pool_break_even", "Break-even against task length",
                     "Speed-up of Pool.map (chunksize 1) over the same tasks in a plain loop, "
                     "measured by the same pyperf worker just before its pool started. Dotted: "
                     "the ideal speed-up, min(W, usable CPUs); crosses: where W workers reach "
                     "half of it (interpolated on log scales between the two points around it). "
                     "W above the usable CPUs measures oversubscription.")


def fig_compare_dispatch(comparison: Comparison, outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(WIDTH, 5.0 + LEGEND_IN)
    chunks: list[int] = []
    apis: dict[str, None] = {}
    files: list[tuple[int, str]] = []
    for j, rs in enumerate(comparison.sets):
        setting = pd.main_setting(rs)
        if setting is None:
            continue
        curves = pd.dispatch_curves(rs, setting)
        floor = pd.minimal_curve(rs, setting[1])
        apis.update(dict.fromkeys([*curves, *(["minimal_pool"] if floor else [])]))
        files.append((j, rs.label))
        chunks += _draw_dispatch(ax, curves, floor, j)
    if not chunks:
        plot.plt.close(fig)
        return None
    _dispatch_axes(ax, chunks)
    # the key apart: colour and marker name the API, line style and fill the file
    handles = [Line2D([], [], color=api_colour(a), marker=api_marker(a), ls="-")
               for a in apis]
    handles += [Line2D([], [], color="black", marker="o", ls=LINESTYLES[j % len(LINESTYLES)],
                       fillstyle=FILLS[j % len(FILLS)]) for j, _ in files]
    legends.legend_under(ax, handles,
                         [pd.api_label(a) for a in apis] + [label for _, label in files])
    ax.set_title("Dispatch per task against chunksize, per results file")
    return plot.save(fig, outdir, "compare_pool_dispatch", "Dispatch per task per results file",
                     "Each file's main setting (method and W of its full sweep); colour and "
                     "marker: API, line style and marker fill: file; grey: each file's "
                     "minimal-pool floor.")
