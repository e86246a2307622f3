"""``mpbench ab``: two interpreters interleaved in pairs, refused when they cannot run it,
and ``mpbench selftest aa`` on top of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest
from conftest import run_mpbench

from mpbench import modes, passes
from mpbench.errors import UsageError

ONE = r"process\.start_join\[method=fork\]$"  # with its floor and reference: 3 benchmarks


def fake(directory: Path, name: str, answer: dict | None = None, probe: str = "") -> Path:
    """An executable answering the version query with ``answer`` (then ``probe`` for the
    workload probe: shell commands)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    query = json.dumps(answer) if answer is not None else ""
    path.write_text("#!/bin/sh\n"
                    f'case "$*" in *sys.implementation*) echo \'{query}\' ;; '
                    f"*) {probe or 'exit 1'} ;; esac\n")
    path.chmod(0o755)
    return path


def cpython(version=(3, 12, 1), implementation="cpython") -> dict:
    return {"implementation": implementation, "version": list(version), "free_threaded": False,
            "gil_enabled": True, "executable": "x"}


@pytest.mark.parametrize("kind, expected", [
    ("missing", "no such file"), ("directory", "not an executable file"),
    ("pypy", "not CPython (pypy)"), ("old", "older than 3.9"),
    ("silent", "did not answer the version query"),
    ("no-workloads", "cannot import mpbench's workloads"),
    ("version", "no such interpreter on PATH or under pyenv"),
    ("command", "not found on PATH")])
def test_bad_interpreters_are_one_line_and_exit_2(tmp_path, kind, expected):
    good = sys.executable
    bad = {"missing": str(tmp_path / "nope" / "python"),
           "directory": str(tmp_path),
           "pypy": str(fake(tmp_path, "pypy", cpython(implementation="pypy"))),
           "old": str(fake(tmp_path, "old", cpython((3, 8, 18)))),
           "silent": str(fake(tmp_path, "silent")),
           "no-workloads": str(fake(tmp_path, "bare", cpython(),
                                    "echo \"ModuleNotFoundError: No module named 'mpbench'\" "
                                    ">&2; exit 1")),
           "version": "3.99",
           "command": "no-such-python-here"}[kind]
    out = tmp_path / "out"
    for ref, cand in ((good, bad), (bad, good)):
        proc = run_mpbench("ab", ref, cand, "--debug-single-value", "--only", ONE,
                           "-o", str(out))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        assert expected in proc.stderr
        assert ("REF" if ref == bad else "CAND") in proc.stderr
        assert not out.exists()
    if kind == "no-workloads":
        assert "-m pip install" in proc.stderr


@pytest.mark.parametrize("text", ["1", "101", "x", ""])
def test_bad_pairs_are_refused(text):
    with pytest.raises(UsageError):
        modes.parse_pairs(text)


def test_pairs_put_both_sides_of_a_benchmark_back_to_back_in_abba_order():
    specs = ["a", "b", "c"]
    jobs = passes.schedule_pairs(specs, range(1, 5), lambda spec: 2, seed=7)
    assert len(jobs) == 3 * 2 * 4
    for start in range(0, len(jobs), 2):
        first, second = jobs[start], jobs[start + 1]
        assert first.spec == second.spec and first.pass_no == second.pass_no
        assert {first.side, second.side} == {0, 1}
        assert (first.position, second.position) == (1, 2)
    for spec in specs:
        firsts = [j.side for j in jobs if j.spec == spec and j.position == 1]
        assert firsts[0] != firsts[1] and firsts[2] != firsts[3]  # AB BA: reversed in turn
        assert sorted(firsts) == [0, 0, 1, 1]
    orders = {tuple(j.side for j in jobs if j.spec == spec and j.position == 1)
              for seed in range(20) for spec in specs
              for jobs in [passes.schedule_pairs(specs, range(1, 3), lambda s: 1, seed)]}
    assert orders == {(0, 1), (1, 0)}  # drawn at random


@pytest.mark.parametrize("args", [["--detect", "3"], ["--detect", "5"], ["--detect", "x"],
                                  ["--detect", "8", "--min-effect", "10"]])
def test_a_detect_at_or_below_the_minimum_effect_is_refused(tmp_path, args):
    out = tmp_path / "out"
    proc = run_mpbench("ab", sys.executable, sys.executable, "--debug-single-value", "--only",
                       ONE, *args, "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "--detect" in proc.stderr and not out.exists()


@pytest.mark.slow
def test_detect_adds_pairs_until_the_median_sees_it_or_pairs_is_reached(tmp_path):
    short = tmp_path / "short"
    proc = run_mpbench("ab", sys.executable, sys.executable, "--debug-single-value", "--only",
                       ONE, "--detect", "5.5", "--pairs", "3", "-o", str(short), timeout=200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "after 2 pairs; adding pair 3" in proc.stdout
    assert "after 3 pairs, the most --pairs allows: stopped short of it" in proc.stdout
    for side in ("ref", "cand"):
        for bench in pyperf.BenchmarkSuite.load(str(short / f"{side}.json")):
            assert bench.get_metadata()["mpbench_ab_pairs"] == 3
            runs = [run.get_metadata() for run in bench.get_runs() if run.values]
            assert sorted(r["mpbench_pair"] for r in runs) == [1, 2, 3]
            assert not any(r.get("mpbench_confirm") for r in runs)
    doc = json.loads((short / "comparison.json").read_text())
    assert all(r["units"] == [3, 3] for r in doc["results"])
    reached = tmp_path / "reached"
    proc = run_mpbench("ab", sys.executable, sys.executable, "--debug-single-value", "--only",
                       ONE, "--detect", "1000", "-o", str(reached), timeout=200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "could see" in proc.stdout and "after 2 pairs\n" in proc.stdout
    assert "adding" not in proc.stdout


@pytest.fixture(scope="module")
def ab_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ab") / "cmp"
    proc = run_mpbench("ab", sys.executable, sys.executable, "--debug-single-value",
                       "--pairs", "2", "--only", ONE, "-o", str(out), timeout=200)
    return out, proc


@pytest.mark.slow
def test_ab_writes_two_pyperf_files_tagged_by_pair_and_a_paired_comparison(ab_run):
    out, proc = ab_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("ref.json", "cand.json", "comparison.json", "index.html", "summary.md"):
        assert (out / name).exists(), name
    ids = set()
    for side in ("ref", "cand"):
        suite = pyperf.BenchmarkSuite.load(str(out / f"{side}.json"))
        assert len(suite) == 3
        for bench in suite:
            md = bench.get_metadata()
            assert md["mpbench_ab_side"] == side and md["mpbench_ab_pairs"] == 2
            assert md["mpbench_command"].startswith("mpbench ab ")
            ids.add(md["mpbench_ab"])
            runs = [run.get_metadata() for run in bench.get_runs() if run.values]
            assert sorted(r["mpbench_pair"] for r in runs) == [1, 2]
            assert [r["mpbench_pass"] for r in runs] == [r["mpbench_pair"] for r in runs]
    assert len(ids) == 1
    doc = json.loads((out / "comparison.json").read_text())
    assert {r["level"] for r in doc["results"]} == {"pair"}
    assert all(r["drift_known"] and r["units"] == [2, 2] for r in doc["results"])
    assert "interleaved pairs" in proc.stdout.splitlines()[-2]


@pytest.mark.slow
def test_pyperf_compare_to_reads_the_ab_files(ab_run):
    out, _ = ab_run
    proc = subprocess.run([sys.executable, "-m", "pyperf", "compare_to", str(out / "ref.json"),
                           str(out / "cand.json")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "process.os_fork" in proc.stdout


@pytest.mark.slow
def test_compare_of_the_two_ab_files_judges_them_in_pairs(ab_run, tmp_path):
    out, _ = ab_run
    proc = run_mpbench("compare", str(out / "ref.json"), str(out / "cand.json"),
                       "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    mine = json.loads((tmp_path / "comparison.json").read_text())["results"]
    theirs = json.loads((out / "comparison.json").read_text())["results"]
    assert [(r["benchmark"], r["ratio"], r["level"]) for r in mine] == \
        [(r["benchmark"], r["ratio"], r["level"]) for r in theirs]


@pytest.mark.slow
def test_selftest_aa_reports_false_alarms_the_gate_and_what_it_could_see(tmp_path):
    out = tmp_path / "aa"
    proc = run_mpbench("selftest", "aa", "--debug-single-value", "--pairs", "3", "--only", ONE,
                       "-o", str(out), timeout=200)
    doc = json.loads((out / "comparison.json").read_text())
    called = sum(r["verdict"] in ("slower", "faster") for r in doc["results"])
    assert f"A/A self-test: {called} of 3 benchmarks called slower or faster" in proc.stdout
    assert "the smallest change each benchmark could have called: median" in proc.stdout
    assert "the gate at --fail-on-slower 10%" in proc.stdout
    assert doc["gate"]["threshold"] == pytest.approx(0.10)
    assert proc.returncode == (0 if called == 0 and not doc["gate"]["tripped"] else 1)
