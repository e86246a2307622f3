"""Comparing a fleet: many results files (machines, VMs, Python versions) at once.

With :data:`FLEET_FILES` files or more, one line per file stops being
readable. The comparison then adds a heatmap per group (benchmarks x files,
the colour the ratio to the reference file, the mark the verdict) and a table
of each file's ratios *to its own floors* (fork against its own ``os.fork``,
a Queue against its own raw pipe...), which is what makes a VM comparable
with bare metal: the absolute figures differ by the machine, the ratios by
what multiprocessing adds on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.font_manager import FontProperties

from mpbench.groups import get
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Table
from mpbench.reporting.verdict import FASTER, INCONCLUSIVE, SLOWER, Comparison

FLEET_FILES = 4       # from this many files on, the fleet views replace one line per file
OVERLAY_MAX_FILES = 6  # per-group overlays (one line per file) up to this many files
HEATMAP_ROWS = 60     # a group's heatmap shows at most this many benchmarks
CLIP = math.log2(2.0)  # colours saturate at 0.5x and 2x
MARKS = {SLOWER: "\u25b2", FASTER: "\u25bc", INCONCLUSIVE: "?"}  # after the cell's ratio
HEATMAP_WIDTH = 9.0   # inches at most: at plotting.DPI the PNG fits the page's figure width
CELL_IN = (0.66, 0.27)  # inches a cell takes (width, height): its 9 pt ratio and mark fit
BAR_IN = 1.3          # inches the colour bar and its labels take
HEATMAP_PT = 9.0      # the smallest text of the heatmap
OTHER_GROUP_ROWS = 6  # groups without a choice above: their first benchmarks with a floor


def is_fleet(comparison: Comparison) -> bool:
    """A comparison of one file with many others, each its own side (no side pools
    several files, as ``--vs`` and folders of runs do)."""
    return (len(comparison.sets) >= FLEET_FILES
            and all(len(side.sets) == 1 for side in comparison.sides))


def fleet_row(group: str) -> Callable[[Result, ResultSet], bool] | None:
    """A group's choice of its floor-ratio rows (its report's ``fleet_row``), the few
    figures a reader compares machines by; None: its first benchmarks with a floor."""
    try:
        return getattr(get(group).report(), "fleet_row", None)
    except KeyError:
        return None


def floor_rows(ref: ResultSet, names: Sequence[str]) -> list[str]:
    """The benchmarks whose ratio to their own floor the fleet table shows."""
    rows: list[str] = []
    others: dict[str, int] = {}
    for name in names:
        result = ref.results[name]
        if result.is_floor or not result.floor_name or result.floor_name not in names:
            continue
        choose = fleet_row(result.group)
        if choose is not None:
            if choose(result, ref):
                rows.append(name)
        elif others.get(result.group, 0) < OTHER_GROUP_ROWS:
            others[result.group] = others.get(result.group, 0) + 1
            rows.append(name)
    return rows


def floor_table(comparison: Comparison) -> Table | None:
    """Each file's ratio of a benchmark to its own floor, measured in the same run."""
    sets = comparison.sets
    rows: list[Sequence[str]] = []
    for name in floor_rows(sets[0], comparison.names):
        floor = sets[0].results[name].floor_name
        cells = []
        for rs in sets:
            ratio = rs.ratio_to_floor(rs.results[name])
            cells.append(f"{ratio:.2f}x" if ratio else "-")
        rows.append([name, str(floor)] + cells)
    if not rows:
        return None
    return Table("Each file against its own floors (benchmark / floor, same run)",
                 ["benchmark", "floor"] + [rs.label for rs in sets], rows,
                 "What multiprocessing adds to what the machine's kernel and interpreter make "
                 "unavoidable: comparable across machines, VMs and containers where absolute "
                 "times are not.")


def _group_rows(comparison: Comparison, group: str) -> list[str]:
    """The group's benchmarks, floors left out."""
    ref = comparison.reference.sets[0]
    return [n for n in comparison.names
            if ref.results[n].group == group and not ref.results[n].is_floor]


def _rows_for(comparison: Comparison, group: str) -> list[str]:
    rows = _group_rows(comparison, group)
    if len(rows) <= HEATMAP_ROWS:
        return rows
    moved = {n: max(abs(math.log(f[n].ratio)) for f in comparison.verdicts) for n in rows}
    keep = set(sorted(rows, key=lambda n: -moved[n])[:HEATMAP_ROWS])
    return [n for n in rows if n in keep]


def ratio_text(ratio: float) -> str:
    """A cell's ratio: ``0.61x``, ``1.38x``, ``12x``."""
    if ratio >= 9.995:
        return f"{ratio:.0f}x"
    return f"{ratio:.2f}x" if ratio >= 0.005 else "<0.01x"


def _luminance(rgba: Sequence[float]) -> float:
    """WCAG relative luminance of an sRGB colour."""
    return float(sum(weight * (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
                     for weight, c in zip((0.2126, 0.7152, 0.0722), rgba[:3])))


def ink(rgba: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with a cell of colour ``rgba``."""
    lum = _luminance(rgba)
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def _width_in(texts: Sequence[str]) -> float:
    """The widest line of ``texts`` at the heatmap's size, in inches."""
    renderer = FigureCanvasAgg(MplFigure()).get_renderer()
    font = FontProperties(size=HEATMAP_PT)
    return max(renderer.get_text_width_height_descent(line, font, ismath=False)[0]
               for t in texts for line in t.split("\n")) / renderer.dpi


def _wrap(name: str, width: int = 40) -> str:
    """A long name over two lines, broken after a comma or bracket."""
    cut = max(name.rfind(",", 0, width), name.rfind("[", 0, width))
    return name if len(name) <= width or cut < 1 else f"{name[:cut + 1]}\n{name[cut + 1:]}"


def _layout(names: list[str], files: int) -> tuple[list[str], float, list[list[int]]]:
    """The row names (long ones over two lines, in taller rows, where they would take half
    the width), the row height and the files of each panel: as many as the width holds,
    the panels evenly filled."""
    row_in = CELL_IN[1]
    if _width_in(names) > HEATMAP_WIDTH / 2.5:
        names, row_in = [_wrap(n) for n in names], 1.6 * CELL_IN[1]
    fits = max(2, int((HEATMAP_WIDTH - _width_in(names) - BAR_IN) // CELL_IN[0]))
    per_panel = -(-files // -(-files // fits))
    return names, row_in, [list(range(k, min(k + per_panel, files)))
                           for k in range(0, files, per_panel)]


def heatmap(comparison: Comparison, outdir: str, group: str) -> plot.Figure | None:
    """Benchmarks x files: colour = ratio to the reference, text = the ratio and the
    verdict's mark; past the files :data:`HEATMAP_WIDTH` holds, the next in a panel below."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    rows = _rows_for(comparison, group)
    if not rows:
        return None
    names, row_in, parts = _layout([n[len(group) + 1:] if n.startswith(group + ".") else n
                                    for n in rows], len(cands))
    height = row_in * len(rows) + 1.9  # the cells, the files' names below, a title
    names_in = _width_in(names)
    fig, axes = plot.new_figure(names_in + CELL_IN[0] * len(parts[0]) + BAR_IN,
                                height * len(parts), nrows=len(parts), squeeze=False)
    ticks = plot.ratio_ticks(2 ** -CLIP, 2 ** CLIP)
    for k, (ax, columns) in enumerate(zip(axes[:, 0], parts)):
        ax.grid(False)
        ratios = np.array([[found[j][n].ratio for j in columns] for n in rows])
        image = ax.imshow(np.clip(np.log2(ratios), -CLIP, CLIP), cmap="RdBu_r", vmin=-CLIP,
                          vmax=CLIP, aspect="auto", interpolation="nearest")
        for i, name in enumerate(rows):
            for c, j in enumerate(columns):
                verdict = found[j][name]
                mark = MARKS.get(verdict.verdict)
                ax.text(c, i, ratio_text(verdict.ratio) + (f" {mark}" if mark else ""),
                        ha="center", va="center", fontsize=HEATMAP_PT,
                        color=ink(image.to_rgba(image.get_array()[i, c])))
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(names, fontsize=HEATMAP_PT)
        ax.set_xticks(range(len(columns)))
        ax.set_xticklabels([cands[j].label for j in columns], fontsize=HEATMAP_PT, rotation=30,
                           ha="right", rotation_mode="anchor")
        # every panel keeps a colour bar's room, so the columns line up; the first shows it
        bar = fig.colorbar(image, ax=ax, fraction=0.2 / (CELL_IN[0] * len(parts[0])),
                           pad=0.2 / (CELL_IN[0] * len(parts[0])),
                           aspect=max(8.0, row_in * len(rows) / 0.2),
                           ticks=[math.log2(t) for t in ticks])
        bar.ax.set_yticklabels([plot.ratio_label(t) for t in ticks], fontsize=HEATMAP_PT)
        bar.set_label(f"ratio to {ref.label} (red: slower)", fontsize=HEATMAP_PT)
        bar.ax.set_visible(k == 0)
        ax.set_xlim(-0.5, len(parts[0]) - 0.5)
    shown = "" if len(rows) == len(_group_rows(comparison, group)) else \
        f", the {len(rows)} that move most"
    axes[0, 0].set_title(f"{group}: every file against {ref.label}{shown}", fontsize=11)
    return plot.save(fig, outdir, f"fleet_heatmap_{group}", f"{group}: the fleet at a glance",
                     "Each cell: a benchmark's mean in a file over its mean in the reference "
                     "file, written in the cell and coloured (the colour saturates at 0.5x and "
                     f"2x); {MARKS[SLOWER]} called slower, {MARKS[FASTER]} called faster, "
                     f"{MARKS[INCONCLUSIVE]} inconclusive, no mark: no change (the verdicts of "
                     "the table above). Floors are in the floor table, not here."
                     + (f" {len(parts[0])} files a panel." if len(parts) > 1 else ""))


def start_method_headline(comparison: Comparison) -> Headline | None:
    """When the files' default start methods differ, say so: a program that does not
    choose one pays another start-up on each (3.14 made forkserver Linux's default)."""
    by_method: dict[str, list[str]] = {}
    for rs in comparison.sets:
        method = str(rs.machine.get("mpbench_default_start_method", "?"))
        by_method.setdefault(method, []).append(rs.label)
    if len(by_method) < 2:
        return None
    parts = "; ".join(f"{method} on {', '.join(labels)}" for method, labels in by_method.items())
    return Headline(f"The default start method differs between these files ({parts}): a "
                    "program that does not choose one pays a different start-up on each; "
                    "compare the process benchmarks of the same method.")
