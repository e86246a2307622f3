"""The process table: start+join per start method, its parts and its floor."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.process.results import GROUP, PARTS, methods, plain, ratio_text
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Table
from mpbench.units import format_seconds


def methods_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for method in methods(rs):
        whole = plain(rs, "start_join", method)
        if whole is None:
            continue
        floor = rs.floor(whole)
        parts = [plain(rs, part, method) for part in PARTS]
        cold = next((r for r in rs.where(group=GROUP, method=method, forkserver="cold")), None)
        rows.append([method, format_seconds(whole.mean), format_seconds(whole.stdev),
                     floor.name if floor else "-", ratio_text(rs, whole)]
                    + [format_seconds(p.mean) if p else "-" for p in parts]
                    + [format_seconds(cold.mean) if cold else "-"])
    if not rows:
        return None
    return Table("Start+join per start method",
                 ["method", "start+join", "std dev", "floor", "x floor", "start()",
                  "time to target", "join()", "cold server"], rows)
