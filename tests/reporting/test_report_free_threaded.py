"""A free-threaded run is labelled wherever the threading floor appears."""

from __future__ import annotations

from conftest import ROOT

from mpbench.groups.sync import report, tables
from mpbench.groups.sync.results import GIL_OFF, THREADS, label
from mpbench.reporting import data

FIXTURE = ROOT / "tests" / "data" / "suite-py311.json"


def _texts(rs: data.ResultSet) -> str:
    lines = [h.text for h in report.headlines(rs)]
    found = [tables.contention_table(rs), tables.floor_table(rs)]
    cells = [str(cell) for table in found if table for row in table.rows for cell in row]
    return "\n".join(lines + cells)


def test_threading_floor_is_labelled_only_when_the_gil_was_off():
    rs = data.load(str(FIXTURE))
    assert GIL_OFF not in _texts(rs) and label(rs, THREADS) == "threading.Lock, N threads"
    for result in rs.results.values():  # as a free-threaded build's run records it
        result.md["mpbench_gil_disabled"] = 1
    texts = _texts(rs)
    assert f"threading.Lock, N threads{GIL_OFF}" in texts  # the tables' rows
    assert "threading.Lock (" in texts and GIL_OFF + "." in texts  # the crossing headline
    assert label(rs, "lock") == "Lock"
