"""The harness checks in reports: every group's line in summary.md and index.html, for old
results files (no reference recorded) and for files with references and busy work."""

from __future__ import annotations

import html

import pyperf
import pytest
from conftest import run_mpbench

RUN_MD = {"mpbench_results_layout": 1, "mpbench_mode": "fast", "mpbench_usable_cpus": 2,
          "mpbench_python": "CPython 3.11.7", "hostname": "vm", "mpbench_version": "0.1.0"}


def test_old_files_say_they_hold_no_harness_check_for_process_and_sync(fixture_report):
    summary = (fixture_report / "summary.md").read_text()
    index = (fixture_report / "index.html").read_text()
    for group in ("process", "sync"):
        line = (f"Harness check, {group}: no harness check in this file (no benchmark of the "
                "group names a same-run minimal reference)")
        assert line in summary and html.escape(line) in index
    assert "Harness check, channels: 2 benchmark(s)" in summary  # the raw pipe's own check


def bench(name: str, values, **md) -> pyperf.Benchmark:
    metadata = {"name": name, "unit": "second", "loops": 1, **RUN_MD,
                **{f"mpbench_{k}": v for k, v in md.items()}}
    runs = [pyperf.Run(values[i:i + 2], warmups=None, metadata=metadata, collect_metadata=False)
            for i in range(0, len(values), 2)]
    return pyperf.Benchmark(runs)


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    """A results file written with pyperf's API: one checked benchmark per group kind,
    and busy work that measured 30% short in one of two workers' runs."""
    out = tmp_path_factory.mktemp("harness")
    process = dict(group="process", metric="start_join", method="fork", nprocs=1,
                   parent_touched=0, parent_rss=2**24)
    reference = bench("process.start_join_minimal[method=fork]", [1.0e-3, 1.1e-3, 0.9e-3, 1.0e-3],
                      operation="Process (bare loop)", is_floor=1, is_reference=1, **process)
    checked = bench("process.start_join[method=fork]", [1.6e-3, 1.5e-3, 1.7e-3, 1.6e-3],
                    operation="Process", reference=reference.get_name(), **process)
    busy = bench("sync.contended[primitive=lock,nprocs=2]", [5e-6, 5.2e-6, 5.1e-6, 5e-6],
                 group="sync", metric="acquire", operation="contended", primitive="lock",
                 nprocs=2, slots=1, ops=2, critical_us=1.0, think_us=10.0,
                 critical_us_measured=0.7, think_us_measured=10.1)
    path = out / "r.json"
    pyperf.BenchmarkSuite([reference, checked, busy]).dump(str(path))
    run_mpbench("report", str(path), "-o", str(out / "report"), check=True)
    return out / "report"


def test_a_check_outside_its_target_is_stated_with_both_figures(synthetic_report):
    summary = (synthetic_report / "summary.md").read_text()
    assert ("Harness check, process: 1 benchmark(s) / their same-run minimal loops = 1.60x "
            "(target within 1.10x either way: 1 outside: process.start_join[method=fork] "
            "1.60x)") in summary
    assert ("| process | process.start_join[method=fork] | 1.60x | outside target (1.10x) | "
            "1.6 ms | process.start_join_minimal[method=fork] | 1 ms |") in summary
    assert "Harness check, sync: no harness check in this file" in summary


def test_busy_work_off_what_was_asked_is_flagged(synthetic_report):
    summary = (synthetic_report / "summary.md").read_text()
    assert ("Busy work off by more than 10% of what was asked in 1 benchmark(s): "
            "sync.contended[primitive=lock,nprocs=2]: 0.7 us measured inside the critical "
            "section, 1 us asked (-30%)") in summary
    assert "0.7 / 10.1 us (off)" in summary  # the contention table's row
    index = (synthetic_report / "index.html").read_text()
    assert "Harness checks" in index and "0.7 / 10.1 us (off)" in index
