"""The ``pool`` part of ``mpbench compare``: per-task dispatch and start-up, file against
file, with the comparison's own verdicts (:func:`mpbench.reporting.verdict.compare_sides`:
intervals over passes, the default minimum effect)."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.pool import results as pd
from mpbench.groups.pool.figures import LINESTYLES, _draw_dispatch, chunk_axis
from mpbench.groups.pool.section import TITLE
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds


def key_benchmarks(rs: ResultSet) -> dict[str, Result]:
    """What a user compares: every dispatch figure and every warm pool lifetime,
    by a readable label."""
    found: dict[str, Result] = {}
    for r in pd.dispatch_results(rs):
        chunk = (f" chunksize {r.get('chunksize')}" + (" (default)" if r.get("chunksize_default")
                                                       else "")
                 if r.get("api") in pd.CHUNKED else "")
        found[f"{pd.api_label(str(r.get('api')))}{chunk}, per task "
              f"({r.get('method')}, W={r.get('workers')})"] = r
    for kind in pd.KINDS:
        for (method, workers), r in pd.lifecycle(rs, "lifetime", kind).items():
            found[f"{pd.api_label(kind)} lifetime ({method}, W={workers})"] = r
    return found


def delta_table(comparison: Comparison) -> Table | None:
    sets, found = comparison.sets, comparison.verdicts
    if not found:
        return None
    rows: list[Sequence[str]] = []
    for label, r in key_benchmarks(sets[0]).items():
        if r.name not in found[0]:
            continue
        rows.append([label, format_seconds(found[0][r.name].ref_mean)]
                    + [f"{format_seconds(v[r.name].cand_mean)} ({v[r.name].describe()})"
                       for v in found])
    return Table("Per-task dispatch and pool lifetime against the reference",
                 ["figure", comparison.reference.label]
                 + [side.label for side in comparison.candidates], rows,
                 "The overview's verdicts: a 95 % interval of the ratio over passes, slower "
                 "or faster only when it lies wholly beyond the minimum effect "
                 f"({comparison.min_effect:.0%}).")


def headline(comparison: Comparison) -> Headline | None:
    sets, found = comparison.sets, comparison.verdicts
    setting = pd.main_setting(sets[0])
    if not found or setting is None:
        return None
    one = pd.dispatch_at(sets[0], "map", 1, *setting)
    if one is None or one.name not in found[0]:
        return None
    parts = [f"{side.label} {v[one.name].describe()}"
             for side, v in zip(comparison.candidates, found)]
    return Headline(f"Pool.map per task at chunksize 1 ({pd.setting_text(setting)}), against "
                    f"{comparison.reference.label} ({format_seconds(found[0][one.name].ref_mean)})"
                    ": " + "; ".join(parts) + ".",
                    [one.name])


def fig_compare_dispatch(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    fig, ax = plot.new_figure(9, 5)
    chunks: list[int] = []
    for j, rs in enumerate(sets):
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


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Pool figures across results files, with the overview's verdicts on the key figures."""
    sets = comparison.sets
    if not any(pd.has_pool(rs) for rs in sets):
        return None
    line = headline(comparison) if pd.has_pool(sets[0]) else None
    figures = [f for f in (fig_compare_dispatch(sets, outdir),) if f]
    tables = [t for t in (delta_table(comparison),) if t] if pd.has_pool(sets[0]) else []
    return Section("pool", TITLE, "", [line] if line else [], figures, tables)
