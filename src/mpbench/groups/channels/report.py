"""The channels group's report: its section of a report and of a comparison."""

from __future__ import annotations

from mpbench.groups.channels.compare import compare_section
from mpbench.groups.channels.section import section
from mpbench.reporting.data import Result, ResultSet

__all__ = ["compare_section", "fleet_row", "section"]


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The rows a fleet comparison shows: Queue and Pipe at 1 MiB, and their smallest
    same-CPU round trip."""
    if result.get("payload", "bytes") != "bytes" or result.get("producers", 1) != 1:
        return False
    if result.get("transport") not in ("queue", "pipe"):
        return False
    if result.metric == "throughput":
        return result.get("size") == 2**20
    return (result.metric == "round_trip" and result.get("placement") == "same-cpu"
            and result.get("size") == min(x.get("size") for x in rs.where(
                group="channels", metric="round_trip")))
