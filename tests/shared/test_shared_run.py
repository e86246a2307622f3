"""The shared group end to end: a tiny run, a receiver killed mid-transfer, Ctrl-C;
nothing left in /dev/shm, no process left, no resource-tracker warning anywhere."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pyperf
import pytest
from conftest import leftover_processes, run_mpbench, shm_segments

from mpbench.results import bench_metadata

pytestmark = pytest.mark.slow  # mpbench run in subprocesses

TRACKER_WORDS = ("resource_tracker", "leaked shared_memory", "Traceback")


def _assert_quiet(text: str) -> None:
    for words in TRACKER_WORDS:
        assert words not in text, text


@pytest.mark.timeout(110)
def test_a_tiny_run_writes_the_metadata_and_leaves_nothing(tmp_path):
    before = shm_segments()
    out = tmp_path / "r.json"
    only = (r"shared\.(handover(_minimal)?\[(transfer=(shared_memory,receiver=copy|pickle5),)?"
            r"size=4KiB(,placement=same-cpu)?\]|value\[object=value,op=increment,clients=2\]"
            r"|proxy\[object=list,op=append,clients=2\]|shm\[op=register\])$")
    proc = run_mpbench("run", "--debug-single-value", "--only", only, "--shared-sizes", "4KiB",
                       "-o", str(out), timeout=100)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _assert_quiet(proc.stdout + proc.stderr)
    md = {b.get_name(): bench_metadata(b) for b in pyperf.BenchmarkSuite.load(str(out))}
    checked = md["shared.handover[transfer=shared_memory,receiver=copy,size=4KiB,"
                 "placement=same-cpu]"]
    reference = "shared.handover_minimal[size=4KiB,placement=same-cpu]"
    assert checked["mpbench_reference"] == reference
    assert checked["mpbench_floor"] == "shared.memcpy[size=4KiB]"
    assert checked["mpbench_held_bytes"] >= 0 and checked["mpbench_processes"] == 2
    assert checked["mpbench_cpu"] == md[reference]["mpbench_cpu"]
    assert md[reference]["mpbench_cycle_seconds"] > 0
    pickle5 = md["shared.handover[transfer=pickle5,size=4KiB]"]
    assert pickle5["mpbench_floor"] == "shared.handover[transfer=os_pipe,size=4KiB]"
    assert pickle5["mpbench_floor"] in md  # the floor came along
    assert md["shared.value[object=value,op=increment,clients=2]"]["mpbench_clients"] == 2
    assert "shared.pipe_round_trip" in md
    assert shm_segments() <= before


@pytest.mark.timeout(110)
def test_a_receiver_killed_mid_transfer_fails_its_benchmark_only(tmp_path):
    before = shm_segments()
    out = tmp_path / "r.json"
    only = r"shared\.(handover\[transfer=shared_memory,receiver=copy,size=1MiB\]|memcpy.*)$"
    proc = run_mpbench("run", "--debug-single-value", "--only", only, "--shared-sizes", "1MiB",
                       "--inject-fault", "receiver-dies", "-o", str(out), timeout=100)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [line for line in proc.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "receiver ended with killed by SIGKILL" in failed[0], failed
    _assert_quiet(proc.stdout + proc.stderr)
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == [
        "shared.memcpy[size=1MiB]"]
    assert shm_segments() <= before


@pytest.mark.timeout(60)
def test_ctrl_c_during_a_hand_over_unlinks_its_segment(tmp_path):
    before = shm_segments()
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "run", "--fast", "--only",
                             r"shared\.handover\[transfer=shared_memory,receiver=copy,size=64MiB",
                             "--transfers", "shared_memory", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not shm_segments() - before and time.monotonic() < deadline:
        time.sleep(0.05)  # until a segment exists: the benchmark is under way
    assert shm_segments() - before, "no segment appeared"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, output
    assert "interrupted" in output
    _assert_quiet(output)
    assert list(tmp_path.iterdir()) == []
    assert not leftover_processes()
    assert shm_segments() <= before


SIGTERM_SCRIPT = """
import multiprocessing, sys, time
from mpbench.groups.shared.workloads.handover import HandOverRun
from mpbench.groups.shared.workloads.segments import terminate_raises
if __name__ == "__main__":
    with terminate_raises(), HandOverRun(multiprocessing.get_context("fork"), "shared_memory",
                                         2**20, "bytes", "copy") as run:
        run.check(1)
        print(run.crew.procs[0].pid, flush=True)
        time.sleep(60)
"""


@pytest.mark.timeout(60)
def test_sigterm_unlinks_the_segment_before_the_tracker_has_to(tmp_path):
    """How mpbench run stops a worker: SIGTERM. The worker unlinks its own segment,
    so the resource tracker finds nothing to clean up and prints no warning."""
    before = shm_segments()
    script = tmp_path / "hold.py"
    script.write_text(SIGTERM_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip().isdigit()
    assert shm_segments() - before
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)  # the tracker shares stderr: it has ended too
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "resource_tracker" not in err and "leaked" not in err, err
    assert shm_segments() <= before
