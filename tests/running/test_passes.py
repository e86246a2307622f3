"""Interleaved passes: the schedule, the merged pyperf file, and ``mpbench selftest aa``."""

from __future__ import annotations

import re
import subprocess
import sys

import pyperf
import pytest
from conftest import run_mpbench

from mpbench import passes
from mpbench.errors import UsageError
from mpbench.selftest import run_argv

pytestmark = pytest.mark.slow  # mpbench run / selftest in subprocesses


@pytest.mark.parametrize("total, npasses, shares", [
    (10, 2, [5, 5]), (5, 2, [3, 2]), (3, 2, [2, 1]), (10, 3, [4, 3, 3]), (10, 1, [10]),
    (2, 3, [1, 1, 1])])  # the last: more passes than workers, one worker each
def test_passes_split_the_workers(total, npasses, shares):
    assert passes.split_workers(total, npasses) == shares


def test_schedule_runs_every_benchmark_once_per_pass_pass_after_pass():
    specs = ["a", "b", "c"]
    jobs = passes.schedule(specs, 2, lambda spec: {"a": 10, "b": 5, "c": 3}[spec])
    assert [(j.pass_no, j.spec, j.processes) for j in jobs] == [
        (1, "a", 5), (1, "b", 3), (1, "c", 2), (2, "a", 5), (2, "b", 2), (2, "c", 1)]
    assert [j.index for j in jobs] == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize("text", ["0", "11", "-1", "two", "1.5", ""])
def test_bad_passes_are_refused(text):
    with pytest.raises(UsageError):
        passes.parse_passes(text)


def test_debug_mode_runs_one_pass_unless_asked():
    assert passes.default_passes("debug") == 1
    assert passes.default_passes("fast") == passes.default_passes("default") == 2


@pytest.mark.parametrize("value", ["0", "x", "99"])
def test_run_refuses_bad_passes_in_one_line(tmp_path, value):
    out = tmp_path / "r.json"
    proc = run_mpbench("run", "--debug-single-value", "--passes", value, "-o", str(out))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "--passes" in proc.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def two_pass_run(tmp_path_factory):
    """``--fast`` on one calibrated benchmark (os.fork) and one with fixed loops, two passes."""
    out = tmp_path_factory.mktemp("passes") / "r.json"
    proc = run_mpbench("run", "--fast", "--passes", "2", "--nprocs", "1", "--only",
                       r"process\.(os_fork|start\[method=fork\])$", "-o", str(out),
                       check=True, timeout=200)
    return out, proc.stdout


def test_every_run_records_its_pass_and_both_passes_share_the_workers(two_pass_run):
    out, _ = two_pass_run
    for bench in pyperf.BenchmarkSuite.load(str(out)):
        value_runs = [run for run in bench.get_runs() if run.values]
        by_pass = [run.get_metadata()["mpbench_pass"] for run in value_runs]
        assert by_pass == sorted(by_pass) and set(by_pass) == {1, 2}
        assert len(value_runs) == 10  # --fast: 10 worker processes in all, 5 per pass
        assert bench.get_metadata()["mpbench_passes"] == 2


def test_later_passes_reuse_the_loops_pass_1_calibrated(two_pass_run):
    out, _ = two_pass_run
    bench = pyperf.BenchmarkSuite.load(str(out)).get_benchmark("process.os_fork")
    calibration = [run for run in bench.get_runs() if not run.values]
    assert len(calibration) == 1 and calibration[0].get_metadata()["mpbench_pass"] == 1
    assert len({run.get_loops() for run in bench.get_runs() if run.values}) == 1


def test_progress_names_the_pass_and_ends_with_the_run_to_run_spread(two_pass_run):
    _, stdout = two_pass_run
    assert re.search(r"\[1/4\] process\.os_fork \(pass 1/2; ", stdout)
    assert re.search(r"\[4/4\] process\.start\[method=fork\] \(pass 2/2; ", stdout)
    assert len(re.findall(r"run-to-run spread \d+\.\d%", stdout)) == 2
    assert "run-to-run spread (pass means, largest - smallest): median" in stdout


@pytest.mark.parametrize("command", [["show"], ["stats"], ["dump"]])
def test_pyperf_reads_the_merged_passes(two_pass_run, command):
    out, _ = two_pass_run
    proc = subprocess.run([sys.executable, "-m", "pyperf", *command, str(out)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "process.os_fork" in proc.stdout


def test_report_shows_the_spread_of_a_two_pass_file(two_pass_run, tmp_path):
    out, _ = two_pass_run
    run_mpbench("report", str(out), "-o", str(tmp_path), check=True)
    summary = (tmp_path / "summary.md").read_text()
    assert "Run-to-run spread between the 2 passes: median" in summary
    assert "| process.os_fork |" in summary


def test_report_of_a_single_pass_file_says_the_spread_is_unknown(fixture_report):
    summary = (fixture_report / "summary.md").read_text()
    assert "Run-to-run spread: unknown (one pass per benchmark)." in summary


def test_selftest_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    proc = run_mpbench("selftest", "aa", "--debug-single-value", "-o", str(tmp_path))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_selftest_records_the_ab_arguments_only():
    assert run_argv(["aa", "--fast", "--min-effect", "3", "-o", "x", "--only", "y"]) == \
        ["--fast", "--min-effect", "3", "--only", "y"]
