"""``mpbench compare A.json B.json [C.json ...]`` and ``mpbench compare A1 A2 --vs B1 B2``.

The reference is the first file (or every file before ``--vs``, pooled); each
other file (or every ``--vs`` file, pooled) is a candidate. Each common
benchmark gets a verdict, slower, faster, no change or inconclusive, from an
interval computed at the level the files allow (:mod:`mpbench.reporting.verdict`:
interleaved pairs for ``mpbench ab``'s files, else runs, passes or worker processes);
figures are overlaid per file, and a table lists what differs between the machines.
The verdicts also go to ``comparison.json``, the terminal's rows are
:mod:`compare_console`'s. Benchmarks missing from some files are listed and left
out; files that share nothing are refused; samples files given beside their
results files (``results/*.json``) are skipped, in one line.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence
from typing import Callable, Optional

from mpbench.errors import UsageError
from mpbench.groups import GROUPS
from mpbench.reporting import data, fleet, output, page
from mpbench.reporting import verdict_section as vs
from mpbench.reporting.build import METHOD_NOTES, machine_table
from mpbench.reporting.compare_console import console_lines
from mpbench.reporting.gate import GateResult, gate
from mpbench.reporting.tables import Headline, Section, Table, build_section
from mpbench.reporting.verdict import DEFAULT_MIN_EFFECT, Comparison, common_names
from mpbench.samples import results_only, skipped_line

CompareBuilder = Callable[[Comparison, str], Optional[Section]]
COMPARE_NOTES = METHOD_NOTES + (
    "Verdicts: a change is called slower or faster only when its 95 % interval, computed "
    "over interleaved pairs, runs, passes or (single-pass files) worker processes, never "
    "over values as pyperf's t-test does, lies wholly beyond the minimum effect, and no "
    "change only when it lies wholly within it; docs/comparing.md says how, and why a "
    "verdict may differ from 'pyperf compare_to'.",)


def compare_builders() -> list[CompareBuilder]:
    """Per-group overlay sections, in page order."""
    return [group.report().compare_section for group in GROUPS]


def overview_headlines(comparison: Comparison) -> list[Headline]:
    """The verdicts' lines (the first, on "In short", names every candidate), then the
    start methods' line when the files' defaults differ."""
    method_line = fleet.start_method_headline(comparison)
    return vs.headlines(comparison) + ([method_line] if method_line else [])


def left_out_table(comparison: Comparison) -> Table | None:
    left_out = comparison.left_out()
    if not left_out:
        return None
    return Table("Left out: not in every file", ["file", "benchmarks"],
                 [[f, ", ".join(n)] for f, n in left_out.items()])


def overview(comparison: Comparison, outdir: str) -> Section:
    """The verdicts against the reference: a ratio figure per group (a heatmap for a
    fleet), the fleet's floor table, every common benchmark, what was left out."""
    ref = comparison.reference
    many = fleet.is_fleet(comparison)
    draw = fleet.heatmap if many else vs.ratio_figure
    figures = [functools.partial(draw, group=group) for group in comparison.sets[0].groups()]
    tables = ([fleet.floor_table] if many else []) + [vs.mean_table, vs.verdict_table,
                                                       left_out_table]
    return build_section("changes", "Changes against the reference",
                         f"Reference: {ref.label} "
                         f"({', '.join(os.path.basename(p) for p in ref.paths)}).",
                         comparison, outdir, overview_headlines, figures, tables)


def expand(path: str) -> list[str]:
    """A results file, or a folder of runs (its ``*.json`` results files, samples files
    left out): the files of one side."""
    if not os.path.isdir(path):
        return [path]
    found = sorted(os.path.join(path, name) for name in os.listdir(path)
                   if name.endswith(".json") and not name.endswith(".samples.json")
                   and name != "comparison.json")
    if not found:
        raise UsageError(f"{path}: a folder without results files (*.json)")
    return found


def without_samples(paths: Sequence[str], vs_paths: Sequence[str]
                    ) -> tuple[list[str], list[str], list[str]]:
    """Both sides without the samples files given beside their results files (a glob such
    as ``results/*.json`` picks up both), and those skipped; a samples file alone is
    refused (:func:`mpbench.samples.results_only`)."""
    _, skipped = results_only([*paths, *vs_paths])
    left = set(skipped)
    return ([p for p in paths if p not in left], [p for p in vs_paths if p not in left],
            skipped)


def build_comparison(paths: Sequence[str], outdir: str, vs_paths: Sequence[str] = (),
                     min_effect: float = DEFAULT_MIN_EFFECT,
                     fail_on_slower: float | None = None) -> int:
    """Write a comparison report into ``outdir``; the exit status (1: the
    ``fail_on_slower`` gate tripped)."""
    started = time.monotonic()
    paths, vs_paths, skipped = without_samples(paths, vs_paths)
    if skipped:
        print(skipped_line(skipped))
    grouped = [expand(path) for path in paths]
    files = [path for group in grouped for path in group]
    vs_files = [path for path in vs_paths for path in expand(path)]
    if len(files) + len(vs_files) < 2 or (len(grouped) < 2 and not vs_files):
        raise UsageError("compare needs at least two sides: two results files, a folder of "
                         "runs and a file, or files before and after --vs")
    sets = data.label_sets([data.load(path) for path in [*files, *vs_files]])
    if not common_names(sets):
        raise UsageError("these results files have no benchmark in common: nothing to compare")
    outdir = output.prepare_outdir(outdir)
    groups = None if vs_files or all(len(group) == 1 for group in grouped) else \
        [len(group) for group in grouped]
    comparison = Comparison.of(sets, len(vs_files), min_effect, groups)
    judged: GateResult | None = None
    if fail_on_slower is not None:
        judged = gate(comparison, fail_on_slower)
    with output.staged(outdir) as tmp:
        overlays = [] if len(sets) > fleet.OVERLAY_MAX_FILES else compare_builders()
        sections = [overview(comparison, tmp)]
        sections += [s for s in (b(comparison, tmp) for b in overlays) if s]
        machines = machine_table(sets, only_differences=True)
        sections.append(Section("machines", "What differs between the machines",
                                tables=[machines]))
        title = "mpbench comparison: " + " vs ".join(side.label for side in comparison.sides)
        subtitle = f"{len(comparison.names)} benchmarks in common across {len(sets)} results files"
        everything = machine_table(sets)
        with open(os.path.join(tmp, "summary.md"), "w") as md:
            md.write(page.render_markdown(title, subtitle, sections, everything, COMPARE_NOTES))
        with open(os.path.join(tmp, "index.html"), "w") as index:
            index.write(page.render_html(tmp, title, subtitle, sections, everything,
                                         COMPARE_NOTES))
        vs.write_json(os.path.join(tmp, "comparison.json"),
                      vs.document(comparison, None if judged is None else judged.document()))
    for line in console_lines(comparison):
        print(line)
    print(f"wrote {os.path.relpath(os.path.join(outdir, 'index.html'))}, summary.md and "
          f"comparison.json ({len(comparison.names)} common benchmarks) in "
          f"{time.monotonic() - started:.1f} s")
    if judged is not None:
        for line in judged.lines():
            print(line)
        return 1 if judged.trips else 0
    return 0
