"""The channels section of a single-file report."""

from __future__ import annotations

from mpbench.groups import get
from mpbench.groups.channels import figures, tables
from mpbench.groups.channels.headlines import headlines
from mpbench.groups.channels.results import GROUP
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, build_section

TITLE = get("channels").title
INTRO = ("Throughput (one producer process streaming to one consumer process) and latency (a "
         "ping-pong between two processes) of multiprocessing's channels, beside the floors "
         "measured in the same run: a raw os.pipe and socketpair, an in-process pickle and "
         "memcpy. Every figure states where the processes ran (placement).")
FIGURES = (figures.throughput, figures.latency, figures.round_trip_placement, figures.objects,
           figures.producers)
TABLES = (tables.fit_table, tables.throughput_table, tables.latency_table,
          tables.harness_table, tables.memory_table)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The channels section of a single-file report, or None without channel results."""
    if not rs.where(group=GROUP):
        return None
    return build_section("channels", TITLE, INTRO, rs, outdir, headlines, FIGURES, TABLES)
