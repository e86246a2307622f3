"""The ``pool`` part of ``mpbench compare``: per-task dispatch and start-up, file against
file, with the comparison's own verdicts (:func:`mpbench.reporting.verdict.compare_sides`:
intervals over passes, the default minimum effect)."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.reporting import plotting as plot
from mpbench.reporting.compare_build import common_names
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.pool import data as pd
from mpbench.reporting.pool.figures import LINESTYLES, _draw_dispatch, chunk_axis
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.reporting.verdict import Side, Verdict, compare_sides
from mpbench.units import format_seconds

TITLE = "Pools and executors"


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


def verdicts(sets: Sequence[ResultSet]) -> list[dict[str, Verdict]]:
    """Per candidate file, the verdicts of every benchmark common to all files, computed
    as the overview computes them (the moderation pools the variance over the compared
    benchmarks, so the same set of names gives the same verdicts)."""
    names = common_names(sets)
    if not any(r.name in names for r in key_benchmarks(sets[0]).values()):
        return []
    ref = Side(sets[0].label, [sets[0]])
    return [compare_sides(ref, Side(rs.label, [rs]), names) for rs in sets[1:]]


def delta_table(sets: Sequence[ResultSet], found: list[dict[str, Verdict]]) -> Table | None:
    if not found:
        return None
    rows: list[Sequence[str]] = []
    for label, r in key_benchmarks(sets[0]).items():
        if r.name not in found[0]:
            continue
        rows.append([label, format_seconds(r.mean)]
                    + [f"{format_seconds(v[r.name].cand_mean)} ({v[r.name].describe()})"
                       for v in found])
    return Table("Per-task dispatch and pool lifetime against the reference",
                 ["figure", sets[0].label] + [rs.label for rs in sets[1:]], rows,
                 "Verdicts as in the overview: a 95 % interval of the ratio over passes, "
                 "slower or faster only when it lies wholly beyond the minimum effect; here "
                 "each file is its own side and the minimum effect is the default (5 %): with "
                 "--vs or --min-effect, the overview's table is the one to read.")


def headline(sets: Sequence[ResultSet], found: list[dict[str, Verdict]]) -> Headline | None:
    setting = pd.main_setting(sets[0])
    if not found or setting is None:
        return None
    one = pd.dispatch_at(sets[0], "map", 1, *setting)
    if one is None or one.name not in found[0]:
        return None
    parts = [f"{rs.label} {v[one.name].describe()}" for rs, v in zip(sets[1:], found)]
    return Headline(f"Pool.map per task at chunksize 1 ({pd.setting_text(setting)}), against "
                    f"{sets[0].label} ({format_seconds(one.mean)}): " + "; ".join(parts) + ".",
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


def compare_section(sets: Sequence[ResultSet], outdir: str) -> Section | None:
    """Pool figures across results files, with verdicts on the key figures."""
    if not any(pd.has_pool(rs) for rs in sets):
        return None
    found = verdicts(sets) if pd.has_pool(sets[0]) else []
    line = headline(sets, found)
    figures = [f for f in (fig_compare_dispatch(sets, outdir),) if f]
    tables = [t for t in (delta_table(sets, found),) if t]
    return Section("pool", TITLE, "", [line] if line else [], figures, tables)
