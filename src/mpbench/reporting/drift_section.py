"""The single-file report's note on drift: how far each benchmark's passes disagree."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from mpbench import passes
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds

SHOWN = 20
NOTABLE = 0.10


def spreads(rs: ResultSet) -> list[tuple[float, str]]:
    """(spread, name) of every benchmark with two passes or more, largest first."""
    found = [(passes.spread(result.bench), name) for name, result in rs.results.items()]
    return sorted(((s, n) for s, n in found if s is not None), reverse=True)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """Run-to-run spread per benchmark, or a note that this file cannot show it."""
    found = spreads(rs)
    title = "Run-to-run spread"
    if not found:
        return Section("drift", title, "", [Headline(
            "Run-to-run spread: unknown (one pass per benchmark)."), Headline(
            "This file holds a single pass per benchmark (written "
            "before 'mpbench run --passes', or with --passes 1), so it cannot show how far the "
            "machine drifted while it ran; 'mpbench compare' sizes its intervals on worker "
            "processes alone for such files.")])
    npasses = max(len(passes.pass_means(rs.results[name].bench)) for _, name in found)
    notable = [name for s, name in found if s > NOTABLE]
    headline = (f"Run-to-run spread between the {npasses} passes: median "
                f"{passes.format_spread(statistics.median(s for s, _ in found))} over "
                f"{len(found)} benchmarks; {len(notable)} above {NOTABLE:.0%}")
    rows: list[Sequence[str]] = []
    for spread, name in found[:SHOWN]:
        means = passes.pass_means(rs.results[name].bench)
        rows.append([name, ", ".join(format_seconds(m) for m in means.values()),
                     passes.format_spread(spread)])
    table = Table(f"The {min(SHOWN, len(found))} largest run-to-run spreads",
                  ["benchmark", "mean of each pass", "spread"], rows,
                  "Spread: (largest - smallest pass mean) / mean of the pass means. Each pass "
                  "runs every benchmark with its share of the worker processes, minutes apart "
                  "from the next, so the spread shows the machine's drift (plus the noise of "
                  "the fewer workers in a pass) that pyperf's standard deviation cannot.")
    return Section("drift", title,
                   "How far the passes of this run disagree: the drift a comparison with "
                   "another run must allow for ('mpbench compare' sizes its intervals on it).",
                   [Headline(headline + ".", notable[:5])], [], [table])
