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

from mpbench.groups import get
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Table
from mpbench.reporting.verdict import FASTER, INCONCLUSIVE, SLOWER, Comparison

FLEET_FILES = 4       # from this many files on, the fleet views replace one line per file
OVERLAY_MAX_FILES = 6  # per-group overlays (one line per file) up to this many files
HEATMAP_ROWS = 60     # a group's heatmap shows at most this many benchmarks
CLIP = math.log2(2.0)  # colours saturate at 0.5x and 2x
MARKS = {SLOWER: "+", FASTER: "-", INCONCLUSIVE: "?"}
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


def heatmap(comparison: Comparison, outdir: str, group: str) -> plot.Figure | None:
    """Benchmarks x files: colour = ratio to the reference, mark = verdict."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    rows = _rows_for(comparison, group)
    if not rows:
        return None
    ratios = np.array([[f[n].ratio for f in found] for n in rows])
    colours = np.clip(np.log2(ratios), -CLIP, CLIP)
    width = min(24.0, 4.5 + 0.42 * len(cands))
    fig, ax = plot.new_figure(width, 1.6 + 0.17 * len(rows))
    ax.grid(False)
    image = ax.imshow(colours, cmap="RdBu_r", vmin=-CLIP, vmax=CLIP, aspect="auto",
                      interpolation="nearest")
    for i, name in enumerate(rows):
        for j, verdicts in enumerate(found):
            mark = MARKS.get(verdicts[name].verdict)
            if mark:
                ax.text(j, i, mark, ha="center", va="center", fontsize=7, fontweight="bold",
                        color="black")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([n[len(group) + 1:] if n.startswith(group + ".") else n for n in rows],
                       fontsize=6)
    ax.set_xticks(range(len(cands)))
    ax.set_xticklabels([c.label for c in cands], fontsize=7, rotation=45, ha="right")
    ticks = plot.ratio_ticks(2 ** -CLIP, 2 ** CLIP)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, ticks=[math.log2(t) for t in ticks])
    bar.ax.set_yticklabels([plot.ratio_label(t) for t in ticks], fontsize=7)
    bar.set_label(f"ratio to {ref.label} (red: slower)", fontsize=8)
    shown = "" if len(rows) == len(_group_rows(comparison, group)) else \
        f", the {len(rows)} that move most"
    ax.set_title(f"{group}: every file against {ref.label}{shown}", fontsize=9)
    return plot.save(fig, outdir, f"fleet_heatmap_{group}", f"{group}: the fleet at a glance",
                     "Each cell: a benchmark's mean in a file over its mean in the reference "
                     "file (colour saturates at 0.5x and 2x); '+' called slower, '-' called "
                     "faster, '?' inconclusive, no mark: no change (the verdicts of the table "
                     "above). Floors are in the floor table, not here.")


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
