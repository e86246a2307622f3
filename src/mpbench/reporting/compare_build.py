"""``mpbench compare A.json B.json [C.json ...]``: the same benchmarks across results files.

A is the reference: every other file is shown as a ratio to it (B/A, C/A)
with pyperf's significance test, figures are overlaid per file, and a table
lists what differs between the machines. Benchmarks missing from some files
are listed and left out; files that share nothing are refused.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Dict, List, Optional, Sequence

from mpbench.errors import UsageError
from mpbench.reporting import data, output, page, plotting as plot
from mpbench.reporting.build import METHOD_NOTES, machine_table
from mpbench.reporting.significance import Change, compare
from mpbench.reporting.tables import Headline, Section, Table
from mpbench.units import format_seconds

CompareBuilder = Callable[[Sequence[data.ResultSet], str], Optional[Section]]


def common_names(sets: Sequence[data.ResultSet]) -> List[str]:
    """Benchmarks present in every file, in the reference file's order."""
    return [name for name in sets[0].results if all(name in rs.results for rs in sets[1:])]


def changes(sets: Sequence[data.ResultSet], names: Sequence[str]) -> Dict[str, List[Change]]:
    """For each benchmark, its change in every file after the reference."""
    ref = sets[0]
    return {name: [compare(ref.results[name].bench, rs.results[name].bench) for rs in sets[1:]]
            for name in names}


def _ratio_figure(sets, names, found, group: str, outdir: str) -> Optional[plot.Figure]:
    names = [n for n in names if sets[0].results[n].group == group]
    if not names:
        return None
    height = max(2.5, 0.22 * len(names) + 1.2)
    fig, ax = plot.new_figure(10, height)
    offsets = [(i - (len(sets) - 2) / 2) * 0.3 for i in range(len(sets) - 1)]
    for j, rs in enumerate(sets[1:]):
        ys = [k + offsets[j] for k in range(len(names))]
        xs = [found[n][j].ratio for n in names]
        errs = [found[n][j].spread for n in names]
        sig = [found[n][j].significant for n in names]
        c = plot.colour(j + 1)
        ax.errorbar(xs, ys, xerr=errs, fmt="none", ecolor=c, alpha=0.6, capsize=2)
        for significant, fill, note in ((True, c, "significant"),
                                        (False, "white", "not significant")):
            points = [(x, y) for x, y, s in zip(xs, ys, sig) if s == significant]
            if points:
                ax.scatter([x for x, _ in points], [y for _, y in points], facecolors=fill,
                           edgecolors=c, marker="o", zorder=3,
                           label=f"{rs.label} / {sets[0].label} ({note})")
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(plot.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(plot.FuncFormatter(lambda v, _: ""))
    ax.set_xlabel(f"mean relative to {sets[0].label} (right: slower; bars: +-1 std dev)")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"{group}: ratio to the reference")
    return plot.save(fig, outdir, f"compare_ratio_{group}", f"{group}: ratios to the reference",
                     "Each benchmark's mean in a file over its mean in the reference file; "
                     "filled: significant by pyperf's two-sample t-test (95 %), as pyperf "
                     "compare_to marks it; hollow: not significant. Bars: first-order spread "
                     "of the ratio from both standard deviations.")


def _significance_table(sets, names, found) -> Table:
    columns = ["benchmark", sets[0].label] + [f"{rs.label}" for rs in sets[1:]]
    rows = []
    for name in names:
        row = [name, format_seconds(sets[0].results[name].mean)]
        for rs, change in zip(sets[1:], found[name]):
            row.append(f"{format_seconds(rs.results[name].mean)} ({change.describe()})")
        rows.append(row)
    return Table("Every common benchmark (mean; change against the reference)", columns, rows,
                 "Significance: pyperf's two-sample t-test at 95 %, the test pyperf "
                 "compare_to applies; the same benchmarks are marked.")


def _headlines(sets, names, found) -> List[Headline]:
    lines = []
    for j, rs in enumerate(sets[1:]):
        sig = [(n, found[n][j]) for n in names if found[n][j].significant]
        slower = [(n, c) for n, c in sig if c.ratio > 1]
        faster = [(n, c) for n, c in sig if c.ratio < 1]
        text = (f"{rs.label} against {sets[0].label}: {len(slower)} significantly slower, "
                f"{len(faster)} significantly faster, {len(names) - len(sig)} not significant "
                f"of {len(names)} common benchmarks")
        extremes = []
        if slower:
            n, c = max(slower, key=lambda item: item[1].ratio)
            extremes.append(f"most slower: {n} {c.ratio:.2f}x")
        if faster:
            n, c = min(faster, key=lambda item: item[1].ratio)
            extremes.append(f"most faster: {n} {1 / c.ratio:.2f}x")
        lines.append(Headline(text + (f" ({'; '.join(extremes)})" if extremes else "") + "."))
    return lines


def compare_builders() -> List[CompareBuilder]:
    """Per-group overlay sections, in page order."""
    from mpbench.reporting import channels_section, process_section, sync_section

    return [process_section.compare_section, channels_section.compare_section,
            sync_section.compare_section]


def build_comparison(paths: Sequence[str], outdir: str) -> str:
    """Write a comparison report of ``paths`` (the first is the reference) into ``outdir``."""
    started = time.monotonic()
    if len(paths) < 2:
        raise UsageError("compare needs at least two results files")
    sets = data.label_sets([data.load(path) for path in paths])
    names = common_names(sets)
    if not names:
        raise UsageError("these results files have no benchmark in common: nothing to compare")
    outdir = output.prepare_outdir(outdir)
    found = changes(sets, names)
    missing = [[rs.label, ", ".join(sorted(set(rs.results) - set(names)))]
               for rs in sets if set(rs.results) - set(names)]
    with output.staged(outdir) as tmp:
        overview = Section("changes", "Changes against the reference",
                           f"Reference: {sets[0].label} ({os.path.basename(sets[0].path)}).",
                           _headlines(sets, names, found))
        overview.figures = [f for f in (_ratio_figure(sets, names, found, g, tmp)
                                        for g in sets[0].groups()) if f]
        overview.tables = [_significance_table(sets, names, found)]
        if missing:
            overview.tables.append(Table("Left out: not in every file", ["file", "benchmarks"],
                                         missing))
        sections = [overview] + [s for s in (b(sets, tmp) for b in compare_builders()) if s]
        machines = machine_table(sets, only_differences=True)
        sections.append(Section("machines", "What differs between the machines",
                                tables=[machines]))
        title = "mpbench comparison: " + " vs ".join(rs.label for rs in sets)
        subtitle = f"{len(names)} benchmarks in common across {len(sets)} results files"
        everything = machine_table(sets)
        with open(os.path.join(tmp, "summary.md"), "w") as md:
            md.write(page.render_markdown(title, subtitle, sections, everything, METHOD_NOTES))
        with open(os.path.join(tmp, "index.html"), "w") as index:
            index.write(page.render_html(tmp, title, subtitle, sections, everything,
                                         METHOD_NOTES))
    print(f"wrote {os.path.relpath(os.path.join(outdir, 'index.html'))} and summary.md "
          f"({len(names)} common benchmarks) in {time.monotonic() - started:.1f} s")
    return outdir
