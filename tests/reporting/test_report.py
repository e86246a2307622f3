"""Reports and comparisons built from committed fixture results (real --fast runs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyperf
import pytest
from conftest import FIXTURE_RESULTS, ROOT, run_mpbench

from mpbench.units import format_seconds

DATA = ROOT / "tests" / "data"
FIXTURES = FIXTURE_RESULTS


def _metadata(bench):
    return {**bench.get_runs()[0].get_metadata(), **bench.get_metadata()}


@pytest.fixture(scope="module")
def report_dir(fixture_report):
    return fixture_report


SECTION_TITLES = ("Starting and joining processes",
                  "Channels: Queue, Pipe and friends against message size",
                  "Locks, semaphores, events and conditions under contention")


@pytest.mark.browser
def test_index_renders_in_a_browser_with_every_section_and_figure(report_dir):
    """The page as a person sees it: every section, every figure decoded, a screenshot kept."""
    from browser import artifact, browser_page, require_browser, wait_for_text

    require_browser()
    with browser_page(viewport={"width": 1280, "height": 900}) as page:
        page.goto((report_dir / "index.html").as_uri())
        wait_for_text(page, "In short", *SECTION_TITLES, "Machine", "Method")
        images = page.evaluate("() => Array.from(document.images).map("
                               "i => [i.alt, i.complete && i.naturalWidth > 0])")
        page.screenshot(path=artifact("report-index.png"))
        page.screenshot(path=artifact("report-index-full.png"), full_page=True)
    figures = list((report_dir / "figures").glob("*.png"))
    assert len(images) == len(figures)
    assert all(ok for _, ok in images), [alt for alt, ok in images if not ok]


def test_fixtures_are_small_real_fast_runs_of_every_group_under_two_pythons():
    """Made once with (then committed with their samples files):

        mpbench run --fast --nprocs 1,2,4 --parent-mem 0,256MiB --sizes 64B,4KiB,1MiB \
            --transports queue,pipe --primitives lock,semaphore,event,condition

    under CPython 3.11 and 3.12.
    """
    versions = set()
    for path in FIXTURES:
        samples = path.with_name(path.stem + ".samples.json")
        assert path.stat().st_size + samples.stat().st_size < 600_000, path
        suite = pyperf.BenchmarkSuite.load(str(path))
        mds = [_metadata(b) for b in suite]
        assert all(md.get("mpbench_results_layout") == 1 for md in mds)
        assert {md["mpbench_mode"] for md in mds} == {"fast"}
        assert {md["mpbench_group"] for md in mds} == {"process", "channels", "sync"}
        assert json.loads(samples.read_text())["benchmarks"]
        versions.add(mds[0]["python_version"][:4])
    assert versions == {"3.11", "3.12"}


def test_report_writes_page_summary_and_every_figure_twice(report_dir):
    index = (report_dir / "index.html").read_text()
    summary = (report_dir / "summary.md").read_text()
    pngs = sorted(p.stem for p in (report_dir / "figures").glob("*.png"))
    svgs = sorted(p.stem for p in (report_dir / "figures").glob("*.svg"))
    assert pngs and pngs == svgs
    for stem in pngs:
        assert f"figures/{stem}.svg" in index
        assert f"figures/{stem}.png" in summary
    assert "data:image/png;base64," in index
    assert not re.search(r"""(src|href)=['"]https?://""", index), "page must work offline"
    assert not list(report_dir.glob(".report-*")), "temporary folder left behind"


def test_summary_numbers_are_the_fixtures_own(report_dir):
    suite = pyperf.BenchmarkSuite.load(str(FIXTURES[0]))
    by_name = {b.get_name(): b for b in suite}
    summary = (report_dir / "summary.md").read_text()
    plain = {}
    for bench in suite:
        md = _metadata(bench)
        if (md.get("mpbench_metric") == "start_join" and md.get("mpbench_method")
                and md.get("mpbench_nprocs") == 1 and not md.get("mpbench_parent_touched")
                and md.get("mpbench_forkserver") != "cold"):
            plain[md["mpbench_method"]] = bench
    best = min(plain, key=lambda m: plain[m].mean())
    assert (f"Cheapest start method: {best}, {format_seconds(plain[best].mean())}"
            in summary)
    for method, bench in plain.items():
        floor = by_name[_metadata(bench)["mpbench_floor"]]
        ratio = bench.mean() / floor.mean()
        assert f"{method} costs {ratio:.2f}x its floor" in summary
        assert f"`{bench.get_name()}`" in summary  # traceable to the benchmark


@pytest.mark.slow
def test_old_single_pass_files_still_compare_and_say_the_drift_is_unknown(fixture_comparison):
    """The fixtures predate passes: verdicts fall back to worker processes, and say so."""
    summary = (fixture_comparison / "summary.md").read_text()
    assert "Drift unknown: suite-py311.json, suite-py312.json hold a single pass" in summary
    doc = json.loads((fixture_comparison / "comparison.json").read_text())
    assert doc["results"] and all(r["level"] == "worker" and r["drift_known"] is False
                                  and r["reference_spread"] is None for r in doc["results"])
    rows = [line for line in summary.splitlines() if line.startswith("| process.os_fork |")]
    assert len(rows) == 1 and "unknown" not in rows[0]  # no spread column: nothing to show
    assert "No run-to-run spread: every file holds a single pass." in summary
    assert "What differs between the machines" in summary


@pytest.mark.slow
def test_compare_of_mismatched_sets_compares_what_is_common(tmp_path):
    suite = pyperf.BenchmarkSuite.load(str(FIXTURES[1]))
    names = suite.get_benchmark_names()
    dropped = names[-1]
    suite._convert_exclude_benchmark([dropped])
    partial = tmp_path / "partial.json"
    suite.dump(str(partial))
    out = tmp_path / "cmp"
    run_mpbench("compare", str(FIXTURES[0]), str(partial), "-o", str(out), check=True)
    summary = (out / "summary.md").read_text()
    assert "Left out: not in every file" in summary and dropped in summary


def _bad_inputs(tmp_path: Path):
    fixture = json.loads(FIXTURES[0].read_text())
    old = json.loads(FIXTURES[0].read_text())
    old.get("metadata", {}).pop("mpbench_results_layout", None)
    for bench in old["benchmarks"]:
        bench.get("metadata", {}).pop("mpbench_results_layout", None)
        for run in bench["runs"]:
            run.get("metadata", {}).pop("mpbench_results_layout", None)
    other_pyperf = json.loads(FIXTURES[0].read_text())
    for holder in [other_pyperf.get("metadata", {})] + [b.get("metadata", {})
                                                         for b in other_pyperf["benchmarks"]]:
        for key in [k for k in holder if k.startswith("mpbench_")]:
            del holder[key]
    cases = {
        "missing.json": None,
        "empty.json": "",
        "garbage.json": "this is not json {",
        "trace.json": json.dumps({"traceEvents": [], "displayTimeUnit": "ns"}),
        "list.json": "[1, 2, 3]",
        "not-mpbench.json": json.dumps(other_pyperf),
        "old-layout.json": json.dumps(old),
    }
    assert fixture  # the fixture itself is fine
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        yield path


@pytest.mark.slow
def test_bad_inputs_are_one_line_exit_2_and_write_nothing(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in _bad_inputs(inputs):
        for args in (["report", str(path)], ["compare", str(FIXTURES[0]), str(path)]):
            out = tmp_path / "out"
            proc = run_mpbench(*args, "-o", str(out))
            assert proc.returncode == 2, (path.name, proc.stdout, proc.stderr)
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in proc.stderr, (path.name, proc.stderr)
            assert not out.exists(), path.name


def test_compare_needs_two_files_with_something_in_common(tmp_path):
    proc = run_mpbench("compare", str(FIXTURES[0]), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "at least two" in proc.stderr
