"""The pool section's figures: dispatch per task against chunksize, start-up per method
and W, and the break-even curves with their break-even durations marked; and the
comparison's dispatch curves, one line style per results file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.pool import results as pd
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

MARKERS = ("o", "s", "^", "v", "D", "P", "X")
LINESTYLES = ("-", "--", ":", "-.")


def chunk_axis(ax: Any, chunks: Sequence[int]) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(chunks)))
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plot.NullFormatter())
    ax.set_xlabel("chunksize (tasks per message)")


def _draw_dispatch(ax: Any, curves: dict[str, dict[int, Result]], floor: dict[int, Result],
                   style: str = "-", suffix: str = "") -> list[int]:
    chunks: list[int] = []
    for i, (api, points) in enumerate(curves.items()):
        xs = list(points)
        chunks += xs
        ax.errorbar(xs, [r.mean for r in points.values()], [r.stdev for r in points.values()],
                    marker=MARKERS[i % len(MARKERS)], ls=style if len(xs) > 1 else "none",
                    capsize=2, color=plot.colour(i), label=pd.api_label(api) + suffix)
    if floor:
        chunks += list(floor)
        ax.plot(list(floor), [r.mean for r in floor.values()], ls="--", marker=".",
                color=plot.FLOOR_COLOUR, label=pd.api_label("minimal_pool") + suffix)
    return chunks


def fig_dispatch(rs: ResultSet, outdir: str) -> plot.Figure | None:
    setting = pd.main_setting(rs)
    if setting is None:
        return None
    curves = pd.dispatch_curves(rs, setting)
    others = pd.other_settings(rs)
    fig, axes = plot.new_figure(12 if others else 8, 4.8, ncols=2 if others else 1)
    ax = axes[0] if others else axes
    chunks = _draw_dispatch(ax, curves, pd.minimal_curve(rs, setting[1]))
    chunk_axis(ax, chunks)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("seconds per no-op task")
    ax.legend(fontsize=7)
    ax.set_title(f"Dispatch per task against chunksize ({pd.setting_text(setting)})")
    if others:
        _draw_settings(axes[1], others)
    return plot.save(fig, outdir, "pool_dispatch", "Dispatch cost per task",
                     "Seconds per no-op task, one call over 1024 tasks on a pool that is up, "
                     "against the chunksize (log axes); apply_async and submit send one task a "
                     "message (chunksize 1). Dashed: the minimal forked pool on two raw pipes, "
                     "the floor. Right: the same APIs for the other start methods and W.")


def _draw_settings(ax: Any, others: Sequence) -> None:
    labels = sorted({f"{a}|{c}" for a, c, _, _ in others})
    settings = sorted({s for _, _, s, _ in others},
                      key=lambda s: (pd.METHOD_ORDER.index(s[0]) if s[0] in pd.METHOD_ORDER
                                     else 9, s[1]))
    width = 0.8 / max(len(labels), 1)
    for j, key in enumerate(labels):
        api, chunk = key.split("|")
        xs, ys = [], []
        for i, setting in enumerate(settings):
            for a, c, s, r in others:
                if (a, str(c), s) == (api, chunk, setting):
                    xs.append(i + (j - (len(labels) - 1) / 2) * width)
                    ys.append(r.mean)
        text = pd.api_label(api) + ("" if chunk == "None" else f" chunksize {chunk}")
        ax.bar(xs, ys, width, color=plot.colour(j + 3), label=text)
    ax.set_xticks(range(len(settings)))
    ax.set_xticklabels([pd.setting_text(s) for s in settings], fontsize=8)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.legend(fontsize=7)
    ax.set_title("Other start methods and worker counts")


def fig_startup(rs: ResultSet, outdir: str) -> plot.Figure | None:
    kinds = [k for k in pd.KINDS if pd.lifecycle(rs, "lifetime", k)]
    if not kinds:
        return None
    fig, axes = plot.new_figure(6 * len(kinds), 4.8, ncols=len(kinds), squeeze=False)
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
        ax.set_ylabel("one pool's life")
        ax.legend(fontsize=7)
        ax.set_title(f"{pd.api_label(kind)}: start-up and shutdown")
    return plot.save(fig, outdir, "pool_startup", "Start-up per start method and W",
                     "A pool's whole life (constructor until every worker has run a task, then "
                     "close(); join() or shutdown(wait=True)) per start method and worker count, "
                     "and its start-up part; star: a forkserver that must boot first.")


def fig_break_even(rs: ResultSet, outdir: str) -> plot.Figure | None:
    curves = pd.break_even(rs)
    if not curves:
        return None
    fig, ax = plot.new_figure(8.5, 5)
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
                        (x, cross.target), xytext=(6, -28 - 14 * i), textcoords="offset points",
                        fontsize=8, color=c)
    ax.axhline(1.0, color="black", lw=1)
    ax.set_xscale("log")
    plot.seconds_axis(ax, "x")
    ax.set_xlabel("task length (busy work per task)")
    plot.ratio_axis_over(ax, ratios, margin=1.25)
    ax.set_ylabel("speed-up over a plain loop")
    ax.legend(fontsize=8, title="Pool.map, chunksize 1")
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
    fig, ax = plot.new_figure(9, 5)
    chunks: list[int] = []
    for j, rs in enumerate(comparison.sets):
        setting = pd.main_setting(rs)
        if setting is None:
            continue
        curves = pd.dispatch_curves(rs, setting)
        chunks += _draw_dispatch(ax, curves, pd.minimal_curve(rs, setting[1]),
                                 LINESTYLES[j % len(LINESTYLES)], f", {rs.label}")
    if not chunks:
        plot.plt.close(fig)
        return None
    chunk_axis(ax, chunks)
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    ax.set_ylabel("seconds per no-op task")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title("Dispatch per task against chunksize, per results file (line style: file)")
    return plot.save(fig, outdir, "compare_pool_dispatch", "Dispatch per task per results file",
                     "Each file's main setting (method and W of its full sweep); colour: API, "
                     "dashed grey: each file's minimal-pool floor.")
