"""What ``mpbench compare`` and ``mpbench ab`` print: the rows a person acts on.

As ``pyperf compare_to --table``: a row per benchmark, reference -> candidate
with units, the ratio in words with its interval in the same direction, the
verdict; then the geometric mean per group. A comparison holds over a hundred
benchmarks, most of them neither slower nor faster: the terminal shows the
benchmarks called slower or faster, largest change first, at most
:data:`ROWS` of them (shared among the candidates), and counts the others;
``summary.md`` has every row. Each candidate's summary line (its verdict
counts, what it could have seen, how the intervals were computed) comes last,
next to the prompt. From :data:`fleet.FLEET_FILES` files on, a line per file.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.reporting import fleet
from mpbench.reporting import verdict_section as vs
from mpbench.reporting.verdict import (
    INCONCLUSIVE,
    NO_CHANGE,
    Comparison,
    Side,
    counts,
    ratio_words,
)

ROWS = 20     # called benchmarks shown, shared among the candidates
MIN_ROWS = 5  # each candidate shows at least this many


def _aligned(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """Rows as columns two spaces apart (those in ``right`` right-aligned), indented."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                             for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
            for row in rows]


def candidate_lines(comparison: Comparison, cand: Side, found: vs.Found, limit: int) -> list[str]:
    """One candidate: its called benchmarks (at most ``limit``), what is not shown, the
    geometric mean per group, then its summary line."""
    ref = comparison.reference
    changed = vs.called(found)
    shown = changed[:limit]
    how = vs.level_phrase(list(found.values()))
    if shown:
        head = (f"{cand.label} against {ref.label}: the {len(changed)} benchmark"
                f"{'s' if len(changed) != 1 else ''} called slower or faster"
                f"{', largest change first' if len(changed) > 1 else ''} ({how}):")
    else:
        head = f"{cand.label} against {ref.label}: no benchmark called slower or faster ({how}):"
    rows = [["benchmark", ref.label, "", cand.label, "ratio [interval]", "verdict"]] if shown \
        else []
    rows += [[v.name, vs.format_time(v.ref_mean), "->", vs.format_time(v.cand_mean),
              v.ratio_text(), v.verdict] for v in shown]
    means = vs.group_means(comparison, found)
    rows += [[f"geometric mean, {group} ({count} benchmarks)", "", "", "", ratio_words(mean), ""]
             for group, (mean, count) in means.items()]
    lines = [head] + _aligned(rows, right=(1, 3))
    hidden = [f"{len(changed) - len(shown)} more called"] if len(changed) > len(shown) else []
    n = counts(list(found.values()))
    hidden += [f"{n[kind]} {kind}" for kind in (NO_CHANGE, INCONCLUSIVE) if n[kind]]
    if hidden:
        lines.insert(len(lines) - len(means), f"  not shown: {', '.join(hidden)} "
                     "(summary.md has every benchmark)")
    return lines + [vs.summary_line(comparison, cand, found)]


def fleet_lines(comparison: Comparison) -> list[str]:
    """Many files: a line per file (its geometric mean, verdicts, most changed benchmark)."""
    verdicts = [v for found in comparison.verdicts for v in found.values()]
    lines = [f"{vs.fleet_intro(comparison)} ({vs.level_phrase(verdicts)}, "
             f"min effect {comparison.min_effect:.0%}):"]
    return lines + [f"  {vs.file_line(cand, found)}"
                    for cand, found in zip(comparison.candidates, comparison.verdicts)]


def console_lines(comparison: Comparison) -> list[str]:
    """What ``compare`` prints before the files it wrote."""
    if fleet.is_fleet(comparison):
        lines = fleet_lines(comparison)
    else:
        limit = max(MIN_ROWS, ROWS // len(comparison.candidates))
        lines = [line for cand, found in zip(comparison.candidates, comparison.verdicts)
                 for line in candidate_lines(comparison, cand, found, limit)]
    note = vs.drift_note(comparison)
    return lines + ([note] if note else [])

