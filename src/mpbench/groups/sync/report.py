"""The sync group's report: its section of a report and of a comparison."""

from __future__ import annotations

from mpbench.groups.sync.compare import compare_section
from mpbench.groups.sync.section import section
from mpbench.reporting.data import Result, ResultSet

__all__ = ["compare_section", "fleet_row", "section"]


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The rows a fleet comparison shows: a Lock between two processes, one Event wake-up."""
    return ((result.metric == "acquire" and result.get("primitive") == "lock"
             and result.get("nprocs") == 2)
            or (result.metric == "wakeup" and result.get("primitive") == "event"
                and result.get("nprocs") == 1))
