"""Build a report from one results file, or a comparison of several."""

from __future__ import annotations

import os
import shutil
import textwrap
import time
from collections.abc import Sequence
from typing import Callable, Optional

from mpbench.groups import GROUPS
from mpbench.reporting import data, output, page
from mpbench.reporting.tables import Section, Table
from mpbench.units import format_size

# Each returns its section, or None when the results hold nothing of its group.
SectionBuilder = Callable[[data.ResultSet, str], Optional[Section]]

METHOD_NOTES = (
    "Every figure is pyperf's mean over all values of all worker processes; error bars and "
    "'std dev' are pyperf's standard deviation. Run 'python -m pyperf stats FILE' for medians, "
    "percentiles and outliers.",
    "A floor is measured in the same run on the same machine; 'x floor' is a benchmark's mean "
    "over its floor's mean.",
    "A harness check is a benchmark's mean over its reference's, a minimal hand-written loop "
    "measured in the same run: near 1.00x, the harness adds nothing to the figure.",
    "This report reads the results file (and its samples file) only: it never runs a benchmark.",
    "What each benchmark includes and excludes is documented in mpbench's docs, one page per "
    "group: " + ", ".join(group.docs for group in GROUPS) + "; how to read a result: "
    "docs/method.md.",
)


def section_builders() -> list[SectionBuilder]:
    """Single-file sections, in page order (groups without results are skipped)."""
    from mpbench.reporting import trust

    builders: list[SectionBuilder] = [group.report().section for group in GROUPS]
    return builders + [trust.harness_section, trust.drift_section]


def machine_value(key: str, value: object) -> str:
    if key == "mpbench_mem_total" and isinstance(value, int):
        return format_size(value // 2**20 * 2**20) if value >= 2**20 else str(value)
    return str(value)


def machine_table(sets: Sequence[data.ResultSet], only_differences: bool = False) -> Table:
    """Machine and run metadata, one column per results file."""
    keys = [k for k in data.MACHINE_KEYS if any(k in rs.machine for rs in sets)]
    rows: list[Sequence[str]] = []
    for key in keys:
        values = [machine_value(key, rs.machine.get(key, "-")) for rs in sets]
        if only_differences and len(set(values)) == 1:
            continue
        rows.append([key.replace("mpbench_", "")] + values)
    title = "What differs between the machines" if only_differences else "Machine and run"
    columns = ["key"] + ([rs.label or os.path.basename(rs.path) for rs in sets])
    note = "" if rows else "Nothing differs."
    return Table(title, columns, rows, note)


def one_results_file(paths: str | Sequence[str]) -> str:
    """The results file a report is built from: a samples file given beside it (as a glob
    gives it) skipped in one line; a samples file alone, or several results files, refused."""
    from mpbench.errors import UsageError
    from mpbench.samples import results_only, skipped_line

    kept, skipped = results_only([paths] if isinstance(paths, str) else list(paths))
    if len(kept) != 1:
        raise UsageError(f"report reads one results file, not {len(kept)}: compare several "
                         "with 'mpbench compare'")
    if skipped:
        print(skipped_line(skipped))
    return kept[0]


def build_report(path: str | Sequence[str], outdir: str) -> str:
    """Write ``index.html``, ``summary.md`` and figures for ``path`` (a results file, or
    one with its samples file beside it) into ``outdir``."""
    started = time.monotonic()
    path = one_results_file(path)
    rs = data.load(path)
    outdir = output.prepare_outdir(outdir)
    data.label_sets([rs])
    with output.staged(outdir) as tmp:
        sections = [s for s in (build(rs, tmp) for build in section_builders()) if s]
        title = f"mpbench report: {rs.label}"
        subtitle = (f"{os.path.basename(path)}: {len(rs.results)} benchmarks, mode "
                    f"{rs.machine.get('mpbench_mode', '?')}, "
                    f"{rs.machine.get('mpbench_usable_cpus', '?')} usable CPUs, "
                    f"{rs.machine.get('mpbench_virtualization', '?')}")
        machine = machine_table([rs])
        with open(os.path.join(tmp, "summary.md"), "w") as md:
            md.write(page.render_markdown(title, subtitle, sections, machine, METHOD_NOTES))
        with open(os.path.join(tmp, "index.html"), "w") as index:
            index.write(page.render_html(tmp, title, subtitle, sections, machine, METHOD_NOTES))
    print(in_short_text(sections), end="")
    print(f"wrote {os.path.relpath(os.path.join(outdir, 'index.html'))} and summary.md "
          f"({sum(len(s.figures) for s in sections)} figures) in "
          f"{time.monotonic() - started:.1f} s")
    return outdir


def in_short_text(sections: Sequence[Section], width: int | None = None) -> str:
    """The page's "In short" lines for the terminal, each wrapped to its width; empty
    when no section has a headline."""
    leads = page.first_screen(sections)
    if not leads:
        return ""
    width = width or min(max(shutil.get_terminal_size().columns, 60), 120)
    lines = ["In short:"]
    for section in leads:
        lines += textwrap.wrap(section.headlines[0].text, width,
                               initial_indent="- ", subsequent_indent="  ",
                               break_on_hyphens=False)
    return "\n".join(lines) + "\n"
