"""The ``pool`` part of a single-file report."""

from __future__ import annotations

from mpbench.reporting.data import ResultSet
from mpbench.reporting.pool import data as pd
from mpbench.reporting.pool import figures, headlines, tables
from mpbench.reporting.tables import Section

TITLE = "Pools and executors"
INTRO = ("What Pool and ProcessPoolExecutor cost per start method and worker count W: a "
         "pool's start-up and shutdown, the dispatch cost of each task per API and chunksize "
         "beside a minimal forked pool on raw pipes, and how long a task must be before a pool "
         "beats a plain loop, all measured in the same run. docs/pool.md says what each figure "
         "includes.")


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The pool section, or None when the results hold no pool benchmark."""
    if not pd.has_pool(rs):
        return None
    found = [figures.fig_dispatch(rs, outdir), figures.fig_startup(rs, outdir),
             figures.fig_break_even(rs, outdir)]
    found_tables = [tables.recommendations(rs), tables.dispatch_table(rs),
                    tables.startup_table(rs), tables.break_even_table(rs),
                    tables.payload_table(rs), tables.imap_table(rs), tables.harness_table(rs)]
    return Section("pool", TITLE, INTRO, headlines.headlines(rs),
                   [f for f in found if f], [t for t in found_tables if t])
