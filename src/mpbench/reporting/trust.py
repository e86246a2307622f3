"""How far a single-file report's figures can be trusted: its two sections that are no
group's own.

- Harness checks: each group's figures against their same-run minimal loops, and busy
  work against what was asked (:mod:`mpbench.harness`). One headline per group present
  (also when the file holds no check for it, e.g. results written before references
  existed), one table of every check, one of busy work measured more than 10% off.
- Run-to-run spread: how far each benchmark's passes disagree (the drift a comparison
  with another run must allow for).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from mpbench import harness, passes
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds

SHOWN = 20        # rows of the drift table
NOTABLE = 0.10    # a spread above this is counted in the drift headline
INTRO = ("Each group has a minimal hand-written loop measured in the same run (its "
         "reference: the smallest code that does what a benchmark claims to measure, with "
         "nothing of the harness). A benchmark's mean over its reference's mean is the harness "
         "check: near 1.00x the harness adds nothing to the figure. Target: within "
         f"{harness.DEFAULT_TARGET:.2f}x either way" + "".join(f" ({name}: within {target:.2f}x)"
                                                     for name, target in harness.TARGETS.items())
         + ".")


def entries(rs: ResultSet):
    """The report's results as :class:`mpbench.harness.Entry` s (run medians included)."""
    return {name: harness.entry_of(result.bench, rs.samples)
            for name, result in rs.results.items()}


def _check_table(checks: list[harness.Check]) -> Table | None:
    if not checks:
        return None
    # the answer (ratio, within target) right after the benchmark's name, the means after
    rows: list[Sequence[str]] = [[c.group, c.name, f"{c.ratio:.2f}x{c.interval_text()}",
             (f"{c.state} ({c.target:.2f}x)") if c.held else "oversubscribed: not held",
             format_seconds(c.mean), c.reference, format_seconds(c.reference_mean)]
             for c in checks]
    return Table("Harness checks: each benchmark against its same-run minimal loop",
                 ["group", "benchmark", "benchmark / reference [95 % interval]",
                  "within target", "mean", "reference (minimal loop)", "its mean"], rows,
                 "The ratio is the geometric mean of each pass's ratio (benchmark and "
                 "reference run back to back in every pass); its interval is sized on the "
                 "passes. Within target: the interval lies inside the target; outside: it "
                 "lies wholly beyond it; inconclusive: it straddles an edge. What the "
                 "documentation says about a ratio away from 1.00x: what the benchmark adds "
                 "on purpose (docs/<group>.md).")


def _busy_table(flags: list[harness.BusyFlag]) -> Table | None:
    if not flags:
        return None
    rows: list[Sequence[str]] = [[f.name, dict(harness.BUSY_PARTS)[f.part], f"{f.asked_us:g} us",
             f"{f.measured_us:.3g} us", f"{f.measured_us / f.asked_us - 1:+.0%}"] for f in flags]
    return Table("Busy work measured off what was asked (more than "
                 f"{harness.BUSY_TOLERANCE:.0%})",
                 ["benchmark", "where", "asked", "measured", "off by"], rows,
                 "Measured in each worker's instrumented pass (spins stamped where they ran, "
                 "median), median over workers: these figures are not at the work point "
                 "their names say.")


def _lead(found: Mapping[str, harness.Entry], checks: list[harness.Check]) -> Headline | None:
    """The first screen's line: every group's check range in one sentence."""
    parts: list[str] = []
    outside = unsure = 0
    for group in harness.groups(found):
        mine = [c for c in checks if c.group == group]
        held = [c for c in mine if c.held] or mine
        if not held:
            parts.append(f"{group} none")
            continue
        low, high = min(c.ratio for c in held), max(c.ratio for c in held)
        parts.append(f"{group} {low:.2f}x" if low == high else f"{group} {low:.2f}-{high:.2f}x")
        outside += sum(c.state == harness.OUTSIDE for c in held)
        unsure += sum(c.state == harness.INCONCLUSIVE for c in held)
    if not checks:
        return None
    said = [f"{outside} outside target"] if outside else []
    said += [f"{unsure} inconclusive"] if unsure else []
    verdict = ", ".join(said) + ": see the table" if said else "all within target"
    return Headline("Harness checks (benchmark / its same-run minimal loop): "
                    + ", ".join(parts) + f"; {verdict}.", [])


def harness_section(rs: ResultSet, outdir: str) -> Section | None:
    """The harness checks of a single-file report (None for an empty file)."""
    found = entries(rs)
    if not found:
        return None
    checks = harness.checks(found)
    flags = harness.busy_flags(found)
    lines = [Headline(harness.group_summary(group, [c for c in checks if c.group == group])
                      + ".", [n for c in checks if c.group == group
                              for n in (c.name, c.reference)])
             for group in harness.groups(found)]
    if flags:
        lines.append(Headline(f"Busy work off by more than {harness.BUSY_TOLERANCE:.0%} of "
                              f"what was asked in {len(flags)} benchmark(s): "
                              + "; ".join(f.text() for f in flags[:3])
                              + ("; ..." if len(flags) > 3 else "") + ".",
                              [f.name for f in flags]))
    lead = _lead(found, checks)
    if lead:
        lines.insert(0, lead)
    tables = [t for t in (_check_table(checks), _busy_table(flags)) if t]
    return Section("harness", "Harness checks", INTRO, lines, [], tables)


def spreads(rs: ResultSet) -> list[tuple[float, str]]:
    """(spread, name) of every benchmark with two passes or more, largest first."""
    found = [(passes.spread(result.bench), name) for name, result in rs.results.items()]
    return sorted(((s, n) for s, n in found if s is not None), reverse=True)


def drift_section(rs: ResultSet, outdir: str) -> Section | None:
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
