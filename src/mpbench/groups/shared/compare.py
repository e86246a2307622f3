"""The shared section of a comparison (``Group.compare``): hand-over time against size
overlaid per results file, and the verdicts of the shared figures laid out by method and
size, from :mod:`mpbench.reporting.verdict` (the statistics of the overview, not new ones)."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.shared import results as sd
from mpbench.groups.shared.figures import MARKERS, colour, size_axis
from mpbench.groups.shared.section import KEY, TITLE
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, Table
from mpbench.reporting.verdict import Comparison, Verdict
from mpbench.units import format_seconds, format_size

LINESTYLES = ("-", "--", ":", "-.")


def fig_compare_handover(sets: Sequence[ResultSet], outdir: str) -> plot.Figure | None:
    """Hand-over time against size, colour per method, line style per results file."""
    fig, ax = plot.new_figure(10, 5.8)
    sizes: list[int] = []
    for j, rs in enumerate(sets):
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


def _short(verdict: Verdict | None) -> str:
    return "-" if verdict is None else verdict.describe()


def handover_verdicts(comparison: Comparison, found: dict[str, Verdict],
                      label: str) -> Table | None:
    """Method x size, each cell the candidate's verdict against the reference."""
    rs = comparison.sets[0]
    rows, sizes = [], set()
    for payload in ("bytes", "ndarray"):
        for placement in ("free", "same-cpu"):
            series = sd.handovers(rs, payload, placement, sd.METHODS + (sd.FLOOR_PIPE,))
            for method, points in series.items():
                cells = {s: found.get(r.name) for s, r in points.items()}
                if any(cells.values()):
                    sizes |= set(points)
                    rows.append((f"{sd.method_label(method)}, {payload}, {placement}", cells))
    if not rows:
        return None
    ordered = sorted(sizes)
    return Table(f"Hand-overs: {label} against {comparison.reference.label}",
                 ["method, payload, placement"] + [format_size(s) for s in ordered],
                 [[name] + [_short(cells.get(s)) for s in ordered] for name, cells in rows],
                 f"The overview's verdicts (95 % interval over passes, minimum effect "
                 f"{comparison.min_effect:.0%}).")


def operation_verdicts(comparison: Comparison, found: dict[str, Verdict],
                       label: str) -> Table | None:
    """Value/Array, proxies and SharedMemory operations: both means and the verdict."""
    rs, reference = comparison.sets[0], comparison.reference.label
    chosen = (sd.operations(rs, sd.VALUE_OBJECTS) + sd.operations(rs, sd.PROXY_OBJECTS)
              + sd.shm_ops(rs))
    rows: list[Sequence[str]] = [[r.name, format_seconds(found[r.name].ref_mean),
             format_seconds(found[r.name].cand_mean), found[r.name].describe()]
            for r in chosen if r.name in found]
    if not rows:
        return None
    return Table(f"Per-operation figures: {label} against {reference}",
                 ["benchmark", reference, label, "verdict"], rows)


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Shared figures overlaid across results files, and the overview's verdicts by method
    and size."""
    sets = comparison.sets
    if not any(rs.where(group=sd.GROUP) for rs in sets):
        return None
    figures = [f for f in (fig_compare_handover(sets, outdir),) if f]
    tables: list[Table] = []
    if sets[0].where(group=sd.GROUP):
        for side, found in zip(comparison.candidates, comparison.verdicts):
            tables += [t for t in (handover_verdicts(comparison, found, side.label),
                                   operation_verdicts(comparison, found, side.label)) if t]
    return Section(KEY, TITLE, "", [], figures, tables)
