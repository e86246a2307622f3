"""The pool part of reports, built from a committed real ``--fast`` run of the group:

    mpbench run --fast --only '^pool\\.|^process\\.(terminate|os_kill)' --workers 1,2 \\
        --methods fork,forkserver -o tests/data/pool-py311.json

Numbers the report states are recomputed here from the fixture with pyperf; the
comparison is checked against a perturbed copy (one benchmark 1.5x slower) and an
identical copy (A/A: nothing called).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyperf
import pytest
from conftest import ROOT, run_mpbench

from mpbench.groups.pool import report as pool_report
from mpbench.groups.pool import results as pd
from mpbench.reporting import data
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

pytestmark = pytest.mark.timeout(120)

FIXTURE = ROOT / "tests" / "data" / "pool-py311.json"
FIGURES = ("pool_dispatch", "pool_startup", "pool_break_even")
MAP_1 = "pool.dispatch[api=map,chunksize=1,method=fork,workers=2]"


@pytest.fixture(scope="module")
def means() -> dict[str, float]:
    return {b.get_name(): b.mean() for b in pyperf.BenchmarkSuite.load(str(FIXTURE))}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pool-report")
    run_mpbench("report", str(FIXTURE), "-o", str(out), check=True)
    return out


def perturbed(tmp_path: Path, factor: float, name: str = MAP_1) -> Path:
    """A copy of the fixture with every value of ``name`` times ``factor``."""
    doc = json.loads(FIXTURE.read_text())
    for bench in doc["benchmarks"]:
        if bench["metadata"]["name"] == name:
            for run in bench["runs"]:
                if "values" in run:
                    run["values"] = [v * factor for v in run["values"]]
    path = tmp_path / f"copy-x{factor:g}.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.slow
def test_report_has_the_figures_and_the_first_screen_line(report, means):
    for stem in FIGURES:
        assert (report / "figures" / f"{stem}.png").stat().st_size > 10_000, stem
        assert (report / "figures" / f"{stem}.svg").exists(), stem
    summary = (report / "summary.md").read_text()
    in_short = summary.split("## In short", 1)[1].split("\n## ", 1)[0]
    pool_lines = [line for line in in_short.splitlines() if line.startswith("- Pools: ")]
    assert len(pool_lines) == 1
    first = pool_lines[0]
    # the first pool headline, with the benchmarks it comes from
    assert first.startswith(f"- Pools: Pool.map costs {format_seconds(means[MAP_1])} per task "
                            "at chunksize 1")
    assert first.endswith("([Pools and executors](#pools-and-executors))")  # links its section
    section = summary.split("## Pools and executors", 1)[1].split("\n## ", 1)[0]
    assert any(line.startswith("- Pools: Pool.map costs") and f"`{MAP_1}`" in line
               for line in section.splitlines())  # the sources, in the section
    life = means["pool.lifetime[api=pool,method=forkserver,workers=2]"]
    assert f"{format_seconds(life)} with forkserver" in first
    index = (report / "index.html").read_text()
    assert all(f"figures/{stem}.svg" in index for stem in FIGURES)
    assert index.index("Pools: Pool.map costs") < index.index("<figure")


@pytest.mark.slow
def test_harness_check_line_is_the_same_run_ratio(report, means):
    summary = (report / "summary.md").read_text()
    fork = means[MAP_1] / means["pool.map_bare[method=fork,workers=2]"]
    server = (means["pool.dispatch[api=map,chunksize=1,method=forkserver,workers=2]"]
              / means["pool.map_bare[method=forkserver,workers=2]"])
    assert (f"Harness check, pool: Pool.map chunksize 1 is {fork:.2f}x (fork), "
            f"{server:.2f}x (forkserver) a bare Pool.map loop") in summary


@pytest.mark.slow
def test_recommendations_table_covers_every_task_length(report):
    summary = (report / "summary.md").read_text()
    table = summary.split("**Recommendations: which chunksize for which task length**", 1)[1]
    rows = [line for line in table.split("\n\n", 2)[1].splitlines()[2:]]
    assert "and longer | any chunksize" in rows[0]
    assert rows[-1].startswith("| below ") and "do it serially" in rows[-1]


def test_rules_are_contiguous_and_follow_the_model():
    rs = data.load(str(FIXTURE))
    found = pd.advise(rs)
    assert found is not None and found.setting == ("fork", 2) and found.ideal == 2
    rules = pd.rules(found)
    for upper, lower in zip(rules, rules[1:]):
        assert lower.high == upper.low  # no gap, no overlap
    for rule in rules[:-1]:
        chunk = rule.chunk
        assert chunk is not None
        assert math.isclose(rule.low, found.scale * found.ideal * chunk.dispatch.mean)
    assert [r.chunk.chunksize for r in rules[:-1]] == sorted(r.chunk.chunksize for r in rules[:-1])
    # calibrated on the measured break-even: the chunksize-1 threshold is the measured point
    assert found.measured is not None and found.measured.where == "between"
    assert math.isclose(rules[0].low, found.measured.task_us * 1e-6)


class _Pool:
    mean = 1.0


def test_crossing_interpolates_on_log_scales():
    points = [pd.EvenPoint(t, _Pool(), s, "test")  # type: ignore[arg-type]
              for t, s in ((1, 0.1), (10, 0.5), (100, 2.0), (1000, 2.0))]
    cross = pd.crossing(points, 1.0)
    assert cross is not None and cross.where == "between"
    assert math.isclose(cross.task_us, math.sqrt(10 * 100))  # halfway in log(0.5)..log(2)
    assert [p.task_us for p in cross.points] == [10, 100]
    assert pd.crossing(points, 0.05).where == "below"
    never = pd.crossing(points, 3.0)
    assert never.where == "above" and never.task_us is None


def test_compare_calls_the_perturbed_benchmark_slower_and_nothing_else(tmp_path):
    sets = data.label_sets([data.load(str(FIXTURE)), data.load(str(perturbed(tmp_path, 1.5)))])
    comparison = Comparison.of(sets)
    found = comparison.verdicts
    assert found[0][MAP_1].verdict == "slower"
    assert [n for n, v in found[0].items() if v.verdict in ("slower", "faster")] == [MAP_1]
    section = pool_report.compare_section(comparison, str(tmp_path))
    assert section is not None and (tmp_path / "figures" / "compare_pool_dispatch.png").exists()
    rows = {row[0]: row[2] for row in section.tables[0].rows}
    assert "slower" in rows["Pool.map chunksize 1, per task (fork, W=2)"]
    assert all("slower" not in cell and "faster" not in cell for label, cell in rows.items()
               if label != "Pool.map chunksize 1, per task (fork, W=2)")
    assert "1.50x slower" in section.headlines[0].text


def test_the_section_follows_the_overview_min_effect_and_sides(tmp_path):
    sets = data.label_sets([data.load(str(FIXTURE)), data.load(str(perturbed(tmp_path, 1.5)))])
    comparison = Comparison.of(sets, vs_count=1, min_effect=0.6)  # 1.5x is below 60 %
    section = pool_report.compare_section(comparison, str(tmp_path))
    assert section is not None
    rows = {row[0]: row[2] for row in section.tables[0].rows}
    assert "inconclusive (1.50x" in rows["Pool.map chunksize 1, per task (fork, W=2)"]
    assert "(60%)" in section.tables[0].note


def test_compare_of_identical_files_calls_nothing(tmp_path):
    sets = data.label_sets([data.load(str(FIXTURE)), data.load(str(perturbed(tmp_path, 1.0)))])
    found = Comparison.of(sets).verdicts
    assert {v.verdict for v in found[0].values()} <= {"no change", "inconclusive"}
    assert all(v.ratio == pytest.approx(1.0) for v in found[0].values())


@pytest.mark.slow
def test_compare_command_agrees_with_the_pool_table(tmp_path):
    out = tmp_path / "cmp"
    run_mpbench("compare", str(FIXTURE), str(perturbed(tmp_path, 1.5)), "-o", str(out),
                check=True)
    doc = json.loads((out / "comparison.json").read_text())
    called = {r["benchmark"]: r["verdict"] for r in doc["results"]}
    assert called[MAP_1] == "slower"
    summary = (out / "summary.md").read_text()
    assert "**Per-task dispatch and pool lifetime against the reference**" in summary
    assert "compare_pool_dispatch" in summary


@pytest.mark.slow
def test_report_without_pool_benchmarks_still_works(fixture_report):
    summary = (fixture_report / "summary.md").read_text()
    assert "## In short" in summary
    assert "Pools and executors" not in summary and "Pools:" not in summary
    assert not (fixture_report / "figures" / "pool_dispatch.png").exists()
