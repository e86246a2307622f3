"""The results file: pyperf's format, mpbench's metadata, written whole."""

from __future__ import annotations

import subprocess
import sys

import pyperf
import pytest
from conftest import run_mpbench

MACHINE_KEYS = ("mpbench_default_start_method", "mpbench_usable_cpus", "mpbench_mem_total",
                "mpbench_kernel", "mpbench_virtualization", "mpbench_affinity",
                "mpbench_version", "mpbench_mode", "mpbench_results_layout")


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "r.json"
    run_mpbench("run", "--debug-single-value", "--only",
                r"process\.start_join\[method=(fork|spawn)\]$", "-o", str(out), check=True)
    return out


def _metadata(bench: pyperf.Benchmark) -> dict:
    return {**bench.get_runs()[0].get_metadata(), **bench.get_metadata()}


def test_loads_with_pyperf_and_holds_benchmarks_and_floors(results_file):
    suite = pyperf.BenchmarkSuite.load(str(results_file))
    names = suite.get_benchmark_names()
    assert set(names) == {"process.os_fork", "process.interpreter_startup[mode=isolated]",
                          "process.start_join[method=fork]", "process.start_join[method=spawn]",
                          "process.start_join_minimal[method=fork]",
                          "process.start_join_minimal[method=spawn]"}
    for bench in suite:
        assert bench.get_unit() == "second"
        assert all(value > 0 for value in bench.get_values())


def test_carries_the_mpbench_metadata(results_file):
    suite = pyperf.BenchmarkSuite.load(str(results_file))
    for bench in suite:
        md = _metadata(bench)
        assert md["mpbench_group"] == "process"
        assert md["mpbench_metric"] == "start_join"
        assert md["mpbench_nprocs"] == 1
        assert md["mpbench_parent_rss"] > 0
        for key in MACHINE_KEYS:
            assert key in md, key
        if md.get("mpbench_is_floor"):
            assert "mpbench_floor" not in md
        else:
            assert md["mpbench_method"] in ("fork", "spawn")
            assert md["mpbench_floor"] in suite.get_benchmark_names()
            assert md["mpbench_reference"] in suite.get_benchmark_names()


@pytest.mark.parametrize("command", [["show"], ["stats"], ["show", "--metadata"]])
def test_pyperf_cli_reads_it(results_file, command):
    proc = subprocess.run([sys.executable, "-m", "pyperf", *command, str(results_file)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "process.start_join[method=fork]" in proc.stdout


def test_pyperf_compare_to_reads_it(results_file):
    proc = subprocess.run([sys.executable, "-m", "pyperf", "compare_to", str(results_file),
                           str(results_file)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_default_output_goes_under_results(tmp_path):
    run_mpbench("run", "--debug-single-value", "--only", r"process\.os_fork$",
                cwd=tmp_path, check=True)
    files = list((tmp_path / "results").iterdir())
    assert len(files) == 1 and files[0].suffix == ".json"
    assert "-py{}.{}-".format(*sys.version_info[:2]) in files[0].name
    pyperf.BenchmarkSuite.load(str(files[0]))
