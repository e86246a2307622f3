"""The process group's report: its headlines and table, its section of a report and of
a comparison, and its row of a fleet comparison.

Headlines: the cheapest start method, each against its floor, spawn layer by layer, fork
against the parent's memory, a cold forkserver, oversubscription.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.process import GROUP as PROCESS
from mpbench.groups.process import figures
from mpbench.groups.process.results import (
    METHOD_ORDER,
    NAME,
    PARTS,
    memory_series,
    methods,
    plain,
    ratio_text,
    spawn_breakdown,
)
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table, build_section
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size

__all__ = ["compare_section", "fleet_row", "section"]

INTRO = ("What Process.start() and join() cost per start method, beside the floor the kernel "
         "and interpreter impose, measured in the same run.")


def headlines(rs: ResultSet) -> list[Headline]:
    lines: list[Headline] = []
    ranked = sorted((r.mean, m, r) for m in methods(rs) if (r := plain(rs, "start_join", m)))
    if ranked:
        best_mean, best, best_r = ranked[0]
        others = ", ".join(f"{m} {format_seconds(mean)} ({mean / best_mean:.1f}x)"
                           for mean, m, _ in ranked[1:])
        lines.append(Headline(f"Cheapest start method: {best}, {format_seconds(best_mean)} per "
                              f"process start+join" + (f"; {others}" if others else "") + ".",
                              [r.name for _, _, r in ranked]))
        for mean, method, result in ranked:
            floor = rs.floor(result)
            if floor:
                lines.append(Headline(f"{method} costs {mean / floor.mean:.2f}x its floor "
                                      f"({format_seconds(floor.mean)}).",
                                      [result.name, floor.name]))
    parts = spawn_breakdown(rs)
    if parts:
        text = "; ".join(f"{label} {format_seconds(seconds)}" for label, seconds, _ in parts)
        lines.append(Headline(f"Spawn, layer by layer: {text}.", [p[2] for p in parts]))
    memory = memory_series(rs, method="fork")
    if len(memory) >= 2:
        (m0, r0), (m1, r1) = list(memory.items())[0], list(memory.items())[-1]
        per_gib = (r1.mean - r0.mean) / ((m1 - m0) / 2**30)
        lines.append(Headline(f"fork with {format_size(m1)} of touched parent memory takes "
                              f"{format_seconds(r1.mean)} ({r1.mean / r0.mean:.1f}x a small "
                              f"parent): about {format_seconds(per_gib)} per GiB.",
                              [r0.name, r1.name]))
    cold = rs.one(group=NAME, forkserver="cold")
    warm = plain(rs, "start_join", "forkserver")
    if cold and warm:
        lines.append(Headline(f"A program's first forkserver process pays "
                              f"{format_seconds(cold.mean)} (the server boots) against "
                              f"{format_seconds(warm.mean)} once it runs.", [cold.name, warm.name]))
    cpus = rs.machine.get("mpbench_usable_cpus")
    top = max((int(r.get("nprocs")) for r in rs.where(group=NAME, metric="start_join")),
              default=0)
    if cpus and top > cpus:
        lines.append(Headline(f"N above {cpus} (the usable CPUs) measures oversubscription."))
    return lines


def methods_table(rs: ResultSet) -> Table | None:
    """Start+join per start method, its parts and its floor."""
    rows: list[Sequence[str]] = []
    for method in methods(rs):
        whole = plain(rs, "start_join", method)
        if whole is None:
            continue
        floor = rs.floor(whole)
        parts = [plain(rs, part, method) for part in PARTS]
        cold = next((r for r in rs.where(group=NAME, method=method, forkserver="cold")), None)
        rows.append([method, format_seconds(whole.mean), format_seconds(whole.stdev),
                     floor.name if floor else "-", ratio_text(rs, whole)]
                    + [format_seconds(p.mean) if p else "-" for p in parts]
                    + [format_seconds(cold.mean) if cold else "-"])
    if not rows:
        return None
    return Table("Start+join per start method",
                 ["method", "start+join", "std dev", "floor", "x floor", "start()",
                  "time to target", "join()", "cold server"], rows)


FIGURES = (figures.start_join, figures.split, figures.nprocs, figures.memory, figures.spawn)
TABLES = (methods_table,)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The process section of a single-file report, or None without process results."""
    if not rs.where(group=NAME):
        return None
    return build_section("process", PROCESS.title, INTRO, rs, outdir, headlines, FIGURES,
                         TABLES)


def compare_headlines(comparison: Comparison) -> list[Headline]:
    """None: the figures and the table side by side say it."""
    return []


def compare_methods_table(comparison: Comparison) -> Table | None:
    """Start+join per start method in each results file, against that file's own floor."""
    sets = comparison.sets
    rows: list[Sequence[str]] = []
    for method in METHOD_ORDER:
        cells = []
        for rs in sets:
            result = plain(rs, "start_join", method)
            cells.append(f"{format_seconds(result.mean)} ({ratio_text(rs, result)} floor)"
                         if result else "-")
        if any(c != "-" for c in cells):
            rows.append([method] + cells)
    if not rows:
        return None
    return Table("Start+join per start method (x its own floor)",
                 ["method"] + [rs.label for rs in sets], rows)


COMPARE_FIGURES = (figures.compare_start_join, figures.compare_nprocs)
COMPARE_TABLES = (compare_methods_table,)


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Process figures overlaid across results files, or None when no file has any."""
    if not any(rs.where(group=NAME) for rs in comparison.sets):
        return None
    return build_section("process", PROCESS.title, "", comparison, outdir, compare_headlines,
                         COMPARE_FIGURES, COMPARE_TABLES)


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The row a fleet comparison shows: one process started and joined, per method."""
    return (result.metric == "start_join" and result.get("nprocs") == 1
            and not result.get("parent_touched") and not result.get("forkserver"))
