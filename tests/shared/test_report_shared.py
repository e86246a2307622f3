"""The shared group's report and comparison sections, from a committed --fast run
(``tests/data/shared-py311.json``, made with ``mpbench run --fast --only shared``).

Timings are never asserted: only what the report does with the numbers it is given
(which method it names as the winner, which ratios it prints, which verdicts it calls).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyperf
import pytest
from conftest import FIXTURE_RESULTS, ROOT, run_mpbench

from mpbench.groups.shared import results as sd
from mpbench.groups.shared.report import COPY_METHODS, TITLE, compare_section, first_screen, section
from mpbench.reporting import data
from mpbench.reporting.verdict import Comparison

pytestmark = pytest.mark.timeout(120)

SHARED = ROOT / "tests" / "data" / "shared-py311.json"
SLOWER = "shared.handover[transfer=shared_memory,receiver=copy,size=64MiB]"
FASTER = "shared.handover[transfer=fork_cow,receiver=view,size=64MiB]"
FIGURES = ("shared_handover", "shared_crossover", "shared_operations")


@pytest.fixture(scope="module")
def results() -> data.ResultSet:
    rs = data.load(str(SHARED))
    data.label_sets([rs])
    return rs


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shared-report")
    run_mpbench("report", str(SHARED), "-o", str(out), check=True)
    return out


def scaled_copy(dst: Path, scale: dict[str, float]) -> Path:
    """The fixture with the values of the benchmarks in ``scale`` multiplied."""
    benches = []
    for bench in pyperf.BenchmarkSuite.load(str(SHARED)):
        factor = scale.get(bench.get_name(), 1.0)
        benches.append(pyperf.Benchmark([
            pyperf.Run([v * factor for v in run.values], warmups=run.warmups,
                       metadata=run.get_metadata(), collect_metadata=False)
            for run in bench.get_runs()]))
    pyperf.BenchmarkSuite(benches).dump(str(dst))
    return dst


@pytest.mark.slow
def test_report_has_the_section_its_figures_and_the_first_screen_line_first(report):
    page = (report / "index.html").read_text()
    summary = (report / "summary.md").read_text()
    assert f"<h2 id='shared'>{TITLE}</h2>" in page
    in_short = summary.split("## In short", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in in_short.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- Fastest way to hand a copy of a buffer to another process")
    assert len([line for line in lines if "Fastest way to hand a copy" in line]) == 1
    section = summary.split(f"## {TITLE}", 1)[1].split("\n## ", 1)[0]
    assert any(line.startswith("- Harness check: the SharedMemory hand-over")
               for line in section.splitlines())
    for stem in FIGURES:
        for ext in ("png", "svg"):
            assert (report / "figures" / f"{stem}.{ext}").stat().st_size > 1000
        assert f"id='{stem}'" in page
    for title in ("Value, Array and SharedMemory+struct per operation",
                  "Manager proxies per operation", "SharedMemory's own costs",
                  "Harness check: benchmark against a hand-written minimal loop"):
        assert f"**{title}**" in summary


def test_first_screen_names_the_fastest_copy_at_each_size(results):
    line = first_screen(results)
    assert line is not None
    for size in (2**12, 2**20, 2**26):
        timed = {m: sd.handover(results, m)[size] for m in COPY_METHODS}
        best = min(timed, key=lambda m: timed[m].mean)
        assert timed[best].name in line.sources  # one sentence, naming where it comes from
        others = [m for m in timed if m != best]
        assert all(timed[m].name not in line.sources or m[0] in sd.CHANNEL_TRANSFERS
                   for m in others)
    assert all(name in results.results for name in line.sources)


@pytest.mark.slow
def test_tables_carry_each_ratio_to_its_floor(results, tmp_path):
    built = section(results, str(tmp_path))
    assert built is not None
    proxies = next(t for t in built.tables if t.title == "Manager proxies per operation")
    row = next(r for r in proxies.rows if r[:5] == ["dict", "set", "-", "1", "same-cpu"])
    result = results.results["shared.proxy[object=dict,op=set,placement=same-cpu]"]
    floor = results.results["shared.pipe_round_trip[placement=same-cpu]"]
    assert row[6] == f"{result.mean / floor.mean:.2f}x" and row[7] == floor.name
    harness = next(t for t in built.tables if t.title.startswith("Harness check"))
    assert {r[0] for r in harness.rows} == {
        "shared.handover[transfer=shared_memory,receiver=copy,size=4KiB,placement=same-cpu]",
        "shared.handover[transfer=shared_memory,receiver=copy,size=64MiB]"}
    for row in harness.rows:
        bench, ref = results.results[row[0]], results.results[row[2]]
        assert row[4] == f"{bench.mean / ref.mean:.2f}x"


def test_compare_against_a_perturbed_copy_calls_exactly_the_changed_figures(tmp_path):
    candidate = scaled_copy(tmp_path / "changed.json", {SLOWER: 2.0, FASTER: 0.5})
    sets = data.label_sets([data.load(str(SHARED)), data.load(str(candidate))])
    built = compare_section(Comparison.of(sets), str(tmp_path))
    assert built is not None and (tmp_path / "figures" / "compare_shared_handover.png").exists()
    grid = next(t for t in built.tables if t.title.startswith("Hand-overs:"))
    cells = {(row[0], column): cell for row in grid.rows
             for column, cell in zip(grid.columns[1:], row[1:])}
    assert cells["SharedMemory (copy), bytes, free", "64MiB"].startswith("2.00x slower")
    assert cells["fork-COW (view), bytes, free", "64MiB"].startswith("2.00x faster")
    called = [key for key, cell in cells.items() if "slower" in cell or "faster" in cell]
    assert len(called) == 2
    assert all(cell.startswith(("no change (1.00x", "inconclusive (1.00x")) or cell == "-"
               for key, cell in cells.items() if key not in called)


@pytest.mark.slow
def test_compare_command_with_the_section(tmp_path):
    candidate = scaled_copy(tmp_path / "changed.json", {SLOWER: 2.0})
    out = tmp_path / "cmp"
    run_mpbench("compare", str(SHARED), str(candidate), "-o", str(out), check=True)
    summary = (out / "summary.md").read_text()
    assert "**Hand-overs: changed against shared-py311**" in summary
    verdicts = {r["benchmark"]: r["verdict"]
                for r in json.loads((out / "comparison.json").read_text())["results"]}
    assert verdicts[SLOWER] == "slower"
    assert sum(v in ("slower", "faster") for v in verdicts.values()) == 1


@pytest.mark.slow
def test_a_results_file_without_shared_benchmarks_still_reports(tmp_path):
    rs = data.load(str(FIXTURE_RESULTS[0]))
    assert not rs.where(group="shared")
    assert section(rs, str(tmp_path)) is None
    assert compare_section(Comparison.of([rs, rs]), str(tmp_path)) is None
    out = tmp_path / "report"
    run_mpbench("report", str(FIXTURE_RESULTS[0]), "-o", str(out), check=True)
    page = (out / "index.html").read_text()
    assert "Starting and joining processes" in page and TITLE not in page
    assert not list((out / "figures").glob("shared_*"))
