"""The sync section of a single-file report."""

from __future__ import annotations

from mpbench.groups import get
from mpbench.groups.sync import figures, tables
from mpbench.groups.sync.headlines import headlines
from mpbench.groups.sync.results import GROUP
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, build_section

TITLE = get("sync").title
INTRO = ("N processes loop acquire -> critical section -> release -> think time on one "
         "primitive; the figure is the time per acquisition of all N together, from a clean "
         "pass (nothing in the loop but the primitive and the busy work; each contender pinned "
         "to one CPU, in turn); waits, hand-offs, shares and the mutual-exclusion check come "
         "from an instrumented pass of the same configuration. Floors: an uncontended acquire, "
         "a semaphore ping-pong (one hand-off) and the same loop in N threads on a "
         "threading.Lock.")
FIGURES = (figures.throughput, figures.wait, figures.fairness, figures.handoff, figures.slots,
           figures.wakeup)
TABLES = (tables.contention_table, tables.wakeup_table, tables.floor_table)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The sync section of a single-file report, or None without sync results."""
    if not rs.where(group=GROUP):
        return None
    return build_section("sync", TITLE, INTRO, rs, outdir, headlines, FIGURES, TABLES)

