"""The process section of a single-file report."""

from __future__ import annotations

from mpbench.groups import get
from mpbench.groups.process import figures, tables
from mpbench.groups.process.headlines import headlines
from mpbench.groups.process.results import GROUP
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, build_section

TITLE = get("process").title
INTRO = ("What Process.start() and join() cost per start method, beside the floor the kernel "
         "and interpreter impose, measured in the same run.")
FIGURES = (figures.start_join, figures.split, figures.nprocs, figures.memory, figures.spawn)
TABLES = (tables.methods_table,)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The process section of a single-file report, or None without process results."""
    if not rs.where(group=GROUP):
        return None
    return build_section("process", TITLE, INTRO, rs, outdir, headlines, FIGURES, TABLES)

