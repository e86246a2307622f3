"""``mpbench run`` killed, piped into ``head``, interrupted while it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pyperf
import pytest
from conftest import leftover_processes, mpbench_driver, run_mpbench

ONE = r"process\.os_fork$"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _wait_for(predicate, timeout: float = 60, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def _descendants(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _cmdlines(procs) -> list:
    found = []
    for proc in procs:
        try:
            found.append(" ".join(proc.cmdline()))
        except psutil.Error:
            pass
    return found


def _start_hanging_run(tmp_path) -> subprocess.Popen:
    """A run whose worker waits a minute on a spawn child that hangs: without a
    lifeline, that tree would outlive any check below."""
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "run", "--debug-single-value",
                             "--only", r"process\.start_join\[method=spawn\]$",
                             "--inject-fault", "hang", "--child-timeout", "60", "-o",
                             str(tmp_path / "r.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait for the whole chain: pyperf manager -> worker -> the worker's spawn children.
    _wait_for(lambda: any("--worker" in c and "interpreter_startup" not in c and
                          "multiprocessing" not in c for c in _cmdlines(_descendants(proc.pid)))
              and any("multiprocessing" in c for c in _cmdlines(_descendants(proc.pid))),
              what="a pyperf worker with multiprocessing children")
    return proc


def _all_gone(procs, timeout: float = 15) -> bool:
    def alive(p) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False
    end = time.monotonic() + timeout
    while any(alive(p) for p in procs):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG: Linux")
def test_sigkill_of_run_stops_every_process_and_the_next_run_removes_its_work_folder(tmp_path):
    proc = _start_hanging_run(tmp_path)
    tree = _descendants(proc.pid)
    proc.kill()
    proc.wait()
    assert not leftover_processes(grace=15), "the killed run's processes live on"
    assert _all_gone(tree, timeout=0)
    [stale] = list(tmp_path.glob(".mpbench-run-*"))
    assert not (tmp_path / "r.json").exists()

    again = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o",
                        str(tmp_path / "r2.json"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"removed {stale}" in again.stdout and f"pid {proc.pid}" in again.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r2.json"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG: Linux")
def test_a_worker_whose_manager_is_killed_stops_its_children(tmp_path):
    """mpbench run is frozen (SIGSTOP), so only the worker's own watch can act."""
    proc = _start_hanging_run(tmp_path)
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        [manager] = psutil.Process(proc.pid).children()
        below = manager.children(recursive=True)
        assert any("--worker" in c for c in _cmdlines(below))
        manager.kill()
        assert _all_gone(below), f"outlived their manager: {_cmdlines(below)}"
    finally:
        proc.kill()
        proc.wait()
    assert not leftover_processes()


def test_a_live_runs_work_folder_is_left_alone(tmp_path):
    live = tmp_path / f".mpbench-run-{os.getpid()}-abcdefgh"  # pytest: alive
    live.mkdir()
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert live.is_dir() and "removed" not in proc.stdout


def test_a_stdout_closed_before_the_first_line_does_not_stop_the_run(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before mpbench writes anything
    try:
        proc = subprocess.run([sys.executable, "-m", "mpbench", "run", "--only", ONE,
                               "--debug-single-value", "-o", str(tmp_path / "r.json")],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=100)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "stdout was closed; progress goes on here" in proc.stderr
    assert f"wrote {tmp_path / 'r.json'} (1 benchmarks)" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "r.json")).get_benchmark_names()
    assert names == ["process.os_fork"]


def test_run_piped_into_head_still_writes_its_results(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m mpbench run "
                           f"--only '{ONE}' --debug-single-value -o {out} | head -2"],
                          capture_output=True, text=True, timeout=100)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(proc.stdout.splitlines()) == 2 and proc.stdout.startswith("mpbench ")
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == ["process.os_fork"]
    assert "Traceback" not in proc.stderr


CTRL_C_AT_IMPORT = """
import os, signal, sys

class CtrlC:
    '''Ctrl-C the moment {module} starts to import.'''
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
"""


@pytest.mark.parametrize("module", ["mpbench.arguments", "mpbench.catalogue", "pyperf",
                                    "mpbench.publish", "mpbench.machine"])
def test_ctrl_c_during_start_up_is_one_line_and_exit_130(tmp_path, module):
    out = tmp_path / "out"
    out.mkdir()
    proc = mpbench_driver(tmp_path, CTRL_C_AT_IMPORT.format(module=module), "run", "--only",
                          ONE, "--debug-single-value", "-o", str(out / "r.json"))
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.strip() == "mpbench: interrupted" or \
        ("interrupted" in proc.stdout and not proc.stderr.strip()), proc.stdout + proc.stderr
    assert list(out.iterdir()) == []


def test_a_run_started_with_stdout_closed_writes_its_results(tmp_path):
    """``mpbench run ... >&-``: descriptor 1 is not there at all (not a pipe)."""
    proc = subprocess.run([sys.executable, "-m", "mpbench", "run", "--only", ONE,
                           "--debug-single-value", "-o", str(tmp_path / "r.json")],
                          stderr=subprocess.PIPE, text=True, timeout=100,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert f"wrote {tmp_path / 'r.json'} (1 benchmarks)" in proc.stderr  # progress: stderr
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "r.json")).get_benchmark_names()
    assert names == ["process.os_fork"]


# -- a pyperf worker killed (the OOM killer) --------------------------------------------------

HANDOVER_64MIB = r"shared\.handover\[transfer=shared_memory,receiver=copy,size=64MiB\]$"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG: Linux")
def test_a_worker_killed_mid_handover_fails_its_benchmark_and_leaves_nothing(tmp_path):
    """The worker is killed after the receiver got its command, before the sender did:
    the receiver would wait for ever on a notice, the sender on a command."""
    from conftest import shm_segments

    before = shm_segments()
    proc = run_mpbench("run", "--only", HANDOVER_64MIB, "--debug-single-value",
                       "--child-timeout", "5", "--inject-fault", "worker-dies",
                       "-o", str(tmp_path / "r.json"), timeout=100)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED: the pyperf worker (pid " in proc.stdout
    assert "was killed by SIGKILL" in proc.stdout and "Timed out" not in proc.stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "r.json")).get_benchmark_names()
    assert len(names) == 2 and not any("transfer=shared_memory" in n for n in names)
    assert not leftover_processes()
    assert shm_segments() <= before, "the 64 MiB segment outlived the run"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="waitid(WNOWAIT): Linux")
def test_a_killed_workers_forked_children_do_not_keep_pyperf_waiting(tmp_path):
    """A fork child (not a crew member: nothing ties it to the worker) holds pyperf's
    pipe; the manager stops it after --child-timeout, not pyperf's minute-long timeout."""
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "run", "--debug-single-value",
                             "--only", r"process\.start_join\[method=fork\]$",
                             "--inject-fault", "hang", "--child-timeout", "3", "-o",
                             str(tmp_path / "r.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def worker_with_a_child():
            """The hanging benchmark's worker, once its fork child is there (same
            command line; its resource tracker does not hold the pipe)."""
            for child in _descendants(proc.pid):
                try:
                    forked = [c for c in child.children()
                              if c.cmdline() == child.cmdline()]
                    line = " ".join(child.cmdline())
                    # not the floors' workers (os_fork forks too): the hanging benchmark's
                    if "--worker" in line and "start_join[method=fork]" in line and forked:
                        return child
                except psutil.Error:
                    continue
            return None
        _wait_for(lambda: worker_with_a_child() is not None, what="a worker with a fork child")
        worker = worker_with_a_child()
        orphans = worker.children(recursive=True)
        worker.kill()
        stdout, stderr = proc.communicate(timeout=100)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, stdout + stderr
    assert f"the pyperf worker (pid {worker.pid}) was killed by SIGKILL" in stdout
    assert "left behind kept pyperf waiting 3 s: stopped" in stdout
    assert "Timed out" not in stdout
    assert _all_gone(orphans, timeout=0)
    assert not leftover_processes()


# -- the output folder removed, moved or full during a run -------------------------------------

THREE = r"process\.(os_fork|os_kill\[state=sleeping\]|interpreter_startup\[mode=site\])$"

DURING_THIRD = """
import os, shutil
import mpbench.runner as runner

_start = runner.start_session
calls = []

def start_session(cmd, log, env=None):
    proc = _start(cmd, log, env)
    calls.append(proc)
    if len(calls) == 3:  # during the third of three benchmarks
        {action}
    return proc

runner.start_session = start_session
"""


@pytest.mark.parametrize("action", ["removed", "moved"])
def test_output_folder_gone_during_the_third_benchmark_keeps_the_first_two(tmp_path, action):
    out = tmp_path / "out"
    out.mkdir()
    rescue = tmp_path / "tmp"
    rescue.mkdir()
    moved = tmp_path / "moved"
    code = (f"shutil.rmtree({str(out)!r})" if action == "removed"
            else f"os.rename({str(out)!r}, {str(moved)!r})")
    proc = mpbench_driver(tmp_path, DURING_THIRD.format(action=code), "run", "--only", THREE,
                          "--debug-single-value", "-o", str(out / "r.json"),
                          env={**os.environ, "TMPDIR": str(rescue)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    said = f"the output folder {out} was " + ("removed" if action == "removed"
                                               else f"moved to {moved}")
    assert f"stopped: {said}" in proc.stdout, proc.stdout
    [rescued] = list(rescue.glob("mpbench-rescued-*/r.json"))
    names = pyperf.BenchmarkSuite.load(str(rescued)).get_benchmark_names()
    assert len(names) == 2, names
    assert f"results written to {rescued}" in proc.stdout
    if action == "moved":  # the work folder went with it, and was removed there
        assert sorted(p.name for p in moved.iterdir()) == []
    assert not leftover_processes()


FILL_FIRST = """
import os
import mpbench.runner as runner

_run_one = runner.SuiteRun._run_one

def _run_one_on_a_full_disk(self, *args):
    fd = os.open(os.path.join(os.path.dirname(self.plan.output), "ballast"),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while os.write(fd, bytes(4096)):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return _run_one(self, *args)

runner.SuiteRun._run_one = _run_one_on_a_full_disk
"""


def test_a_disk_filled_early_is_named_as_the_cause(tmp_path, small_tmpfs):
    disk = small_tmpfs(size="512k")
    rescue = tmp_path / "tmp"
    rescue.mkdir()
    proc = mpbench_driver(tmp_path, FILL_FIRST, "run", "--only", THREE, "--debug-single-value",
                          "-o", str(disk / "r.json"), env={**os.environ, "TMPDIR": str(rescue)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "(no output)" not in proc.stdout
    assert f"stopped: no space left on device in {disk}; nothing more is run" in proc.stdout
    assert f"FAILED: no space left on device in {disk}" in proc.stdout
    assert sorted(p.name for p in disk.iterdir()) == ["ballast"]
    assert not leftover_processes()
