"""An interrupted, timed-out or killed ``mpbench trace`` leaves no semaphore, process or scratch
folder behind.

The semaphores watched are the ones the trace's own processes map
(``/proc/PID/maps``), so other programs using ``/dev/shm`` meanwhile do not
matter.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, leftover_processes

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180),
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads /proc/PID/maps and /dev/shm")]


def mapped_semaphores(pid: int) -> set[str]:
    """``sem.mp-*`` files under /dev/shm mapped by ``pid``'s descendants."""
    found: set[str] = set()
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return found
    for child in children:
        try:
            found |= set(re.findall(r"/dev/shm/(sem\.mp-\S+)",
                                    Path(f"/proc/{child.pid}/maps").read_text()))
        except OSError:
            continue
    return found


def start_long_spawn_trace(scenario: str, tmp_path: Path) -> subprocess.Popen:
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "mpbench", "trace", scenario, "--method",
                             "spawn", "--count", "200000", "-o", str(tmp_path / "traces")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})


def wait_for_semaphores(proc: subprocess.Popen, timeout: float = 90) -> set[str]:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        found = mapped_semaphores(proc.pid)
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"the traced scenario never created a semaphore ({proc.poll()})")


@pytest.mark.parametrize("scenario", ["queue", "lock"])
def test_interrupted_spawn_trace_leaves_no_semaphore(tmp_path, scenario):
    proc = start_long_spawn_trace(scenario, tmp_path)
    semaphores = wait_for_semaphores(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert err.strip() == "mpbench: interrupted", err
    assert not leftover_processes()
    left = [name for name in semaphores if os.path.exists(f"/dev/shm/{name}")]
    assert not left, f"semaphores left in /dev/shm: {left}"
    assert list((tmp_path / "tmp").iterdir()) == []  # scratch removed
    assert not (tmp_path / "traces").exists() or not list((tmp_path / "traces").glob("*.json"))


def test_timed_out_spawn_trace_leaves_no_semaphore(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "trace", "queue", "--method",
                             "spawn", "--count", "200000", "--timeout", "4", "-o",
                             str(tmp_path / "traces")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "TMPDIR": str(scratch)})
    semaphores: set[str] = set()
    while proc.poll() is None:  # every semaphore its processes map, until it ends
        semaphores |= mapped_semaphores(proc.pid)
        time.sleep(0.05)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1 and "timed out after 4 s" in out, out
    if not semaphores:
        pytest.skip("the scenario was stopped before it made a semaphore (a slow machine)")
    left = [name for name in semaphores if os.path.exists(f"/dev/shm/{name}")]
    assert not left, f"semaphores left in /dev/shm: {left}"
    assert not leftover_processes()
    assert list(scratch.iterdir()) == []


def test_sigkilled_trace_stops_its_session_and_the_next_trace_cleans_its_scratch(tmp_path):
    proc = start_long_spawn_trace("queue", tmp_path)
    semaphores = wait_for_semaphores(proc)
    proc.kill()
    proc.communicate(timeout=30)
    assert not leftover_processes(grace=15), "the killed trace's processes live on"
    left = [name for name in semaphores if os.path.exists(f"/dev/shm/{name}")]
    assert not left, f"semaphores left in /dev/shm: {left}"
    [stale] = list((tmp_path / "tmp").glob("mpbench-trace-*"))

    again = subprocess.run([sys.executable, "-m", "mpbench", "trace", "process", "--method",
                            "fork", "--count", "1", "-o", str(tmp_path / "traces")],
                           cwd=ROOT, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"removed {stale}" in again.stdout and f"pid {proc.pid}" in again.stdout
    assert list((tmp_path / "tmp").iterdir()) == []
