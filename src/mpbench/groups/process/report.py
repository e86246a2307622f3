"""The process group's report: its section of a report and of a comparison."""

from __future__ import annotations

from mpbench.groups.process.compare import compare_section
from mpbench.groups.process.section import section
from mpbench.reporting.data import Result, ResultSet

__all__ = ["compare_section", "fleet_row", "section"]


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The row a fleet comparison shows: one process started and joined, per method."""
    return (result.metric == "start_join" and result.get("nprocs") == 1
            and not result.get("parent_touched") and not result.get("forkserver"))
