"""``mpbench list`` and ``mpbench run``: bad input, faults, interruption."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import leftover_processes, run_mpbench, shm_entries

from mpbench import cli

FORK_ONLY = r"process\.start_join\[method=fork\]$"


def _assert_one_line_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_list_prints_one_line_per_benchmark_with_parameters():
    proc = run_mpbench("list", "--only", "process", check=True)
    lines = proc.stdout.strip().splitlines()
    assert any(line.startswith("process.start_join[method=fork] ") and "nprocs=1" in line
               for line in lines)
    assert len(lines) == len({line.split()[0] for line in lines})


@pytest.mark.parametrize("args, fragment", [
    (["--methods", "vfork"], "unknown start method 'vfork'"),
    (["--methods", "fork,fork"], "duplicate"),
    (["--only", "no-such-benchmark"], "matches no benchmark"),
    (["--only", "start_join["], "bad --only pattern"),
    (["--nprocs", "0"], "must be at least 1"),
    (["--nprocs", "two"], "expected a whole number"),
    (["--parent-mem", "12XB"], "bad size"),
    (["--child-timeout", "-1"], "must be a finite number >= 0"),
    (["--child-timeout", "1e300"], "from 0.1 to 86400 seconds"),
    (["--child-timeout", "1e-300"], "from 0.1 to 86400 seconds"),
    (["--child-timeout", "1e-7"], "from 0.1 to 86400 seconds"),
    (["--child-timeout", "nan"], "must be a finite number >= 0"),
    (["--child-timeout", "inf"], "must be a finite number >= 0"),
    (["--fast", "--rigorous"], "not allowed with"),
    (["--inject-fault", "nonsense"], "unknown fault"),
    (["--sizes", "0"], "at least 1 byte"),
    (["--sizes", "12XB"], "bad size '12XB'"),
    (["--sizes", "1025MiB"], "at most 1GiB"),
    (["--placement", "same-core"], "unknown placement 'same-core'"),
    (["--transports", "queue,carrier-pigeon"], "unknown transport 'carrier-pigeon'"),
    (["--primitives", "mutex"], "unknown primitive 'mutex'"),
    (["--primitives", "lock,lock"], "duplicate"),
    (["--critical-us", "-1"], "must be a finite number >= 0"),
    (["--think-us", "ten"], "expected a number"),
    (["--slots", "1"], "at least 2"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, fragment):
    out = tmp_path / "r.json"
    proc = run_mpbench("run", *args, "-o", str(out), cwd=tmp_path)
    _assert_one_line_error(proc, fragment)
    assert list(tmp_path.iterdir()) == []


def test_bad_output_paths_are_refused(tmp_path):
    existing = tmp_path / "exists.json"
    existing.write_text("{}")
    for target, fragment in [(tmp_path / "missing" / "r.json", "does not exist"),
                             (existing, "already exists"),
                             (tmp_path, "is a directory")]:
        proc = run_mpbench("run", "--only", FORK_ONLY, "-o", str(target))
        _assert_one_line_error(proc, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.json"]
    assert existing.read_text() == "{}"


def test_unwritable_output_directory(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = run_mpbench("run", "--only", FORK_ONLY, "-o", str(locked / "r.json"))
    _assert_one_line_error(proc, "not writable")


def test_start_method_missing_from_the_platform(monkeypatch, capsys):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "--methods", "forkserver", "-o", "never.json"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'forkserver' is not available on this platform" in err[0]
    assert not os.path.exists("never.json")


@pytest.mark.slow
@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_crashing_child_fails_only_its_benchmark(tmp_path):
    out = tmp_path / "r.json"
    proc = run_mpbench("run", "--debug-single-value", "--only", FORK_ONLY,
                       "--inject-fault", "crash", "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED" in proc.stdout and "exit code 70" in proc.stdout
    import pyperf

    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    # the run went on with the floor and the reference (a bare loop of its own)
    assert names == ["process.os_fork", "process.start_join_minimal[method=fork]"]
    assert "Harness check, process: no harness check in this run" in proc.stdout


@pytest.mark.slow
def test_hanging_child_fails_within_the_child_timeout(tmp_path):
    out = tmp_path / "r.json"
    t0 = time.monotonic()
    proc = run_mpbench("run", "--debug-single-value", "--only",
                       r"process\.start_join\[method=spawn\]$", "--inject-fault", "hang",
                       "--child-timeout", "2", "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no result within 2 s" in proc.stdout
    assert time.monotonic() - t0 < 60


@pytest.mark.slow
def test_spawned_child_does_not_import_the_harness(tmp_path):
    """The child runs a probe that exits 71 if pyperf or the harness was imported."""
    out = tmp_path / "r.json"
    proc = run_mpbench("run", "--debug-single-value", "--only",
                       r"process\.start_join\[method=(spawn|forkserver)\]$",
                       "--inject-fault", "check-imports", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_import_probe_can_fail(tmp_path):
    """Negative control: a __main__ importing pyperf at top level makes the probe fail."""
    script = tmp_path / "heavy_main.py"
    script.write_text(
        "import multiprocessing, pyperf\n"
        "from mpbench.workloads.faults import check_imports\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.get_context('spawn').Process(target=check_imports)\n"
        "    p.start(); p.join(); raise SystemExit(p.exitcode)\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 71, proc.stderr


@pytest.mark.slow
def test_ctrl_c_stops_everything_and_writes_nothing(tmp_path):
    shm_before = shm_entries()
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "run", "--fast", "--only",
                             r"start_join\[method=spawn", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # wait until the first benchmark is under way
    first = proc.stdout.readline()
    assert first.startswith("mpbench"), first
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, output
    assert "interrupted" in output
    assert list(tmp_path.iterdir()) == []
    assert not leftover_processes()
    assert shm_entries() <= shm_before
