"""The ``pool`` part of a single-file report."""

from __future__ import annotations

from mpbench.groups import get
from mpbench.groups.pool import figures, headlines, tables
from mpbench.groups.pool import results as pd
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, build_section

TITLE = get("pool").title
INTRO = ("What Pool and ProcessPoolExecutor cost per start method and worker count W: a "
         "pool's start-up and shutdown, the dispatch cost of each task per API and chunksize "
         "beside a minimal forked pool on raw pipes, and how long a task must be before a pool "
         "beats a plain loop, all measured in the same run. docs/pool.md says what each figure "
         "includes.")


FIGURES = (figures.fig_dispatch, figures.fig_startup, figures.fig_break_even)
TABLES = (tables.recommendations, tables.dispatch_table, tables.startup_table,
          tables.break_even_table, tables.payload_table, tables.imap_table,
          tables.harness_table)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The pool section, or None when the results hold no pool benchmark."""
    if not pd.has_pool(rs):
        return None
    return build_section("pool", TITLE, INTRO, rs, outdir, headlines.headlines, FIGURES, TABLES)
