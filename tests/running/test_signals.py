"""SIGTERM and SIGHUP end every command the way Ctrl-C does: one line, exit status 130,
nothing left behind (no process, no scratch or staging folder), start-up included."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from conftest import FIXTURE_RESULTS, leftover_processes, mpbench_driver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
ONE = r"process\.os_fork$"
SIGNALS = [signal.SIGTERM, signal.SIGHUP]

SIGNAL_AT_IMPORT = """
import os, sys

class Signal:
    '''Signal {signum} the moment {module} starts to import.'''
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), {signum})
        return None

sys.meta_path.insert(0, Signal())
"""


def _interrupted(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "interrupted" in proc.stdout + proc.stderr


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("command, module", [
    (["run", "--only", ONE, "--debug-single-value"], "mpbench.catalogue"),
    (["run", "--only", ONE, "--debug-single-value"], "pyperf"),
    (["run", "--only", ONE, "--debug-single-value"], "mpbench.machine"),
    (["selftest", "aa", "--only", ONE, "--debug-single-value"], "mpbench.catalogue"),
])
def test_a_signal_during_start_up_is_one_line_and_exit_130(tmp_path, signum, command, module):
    out = tmp_path / "out"
    out.mkdir()
    proc = mpbench_driver(tmp_path, SIGNAL_AT_IMPORT.format(module=module, signum=int(signum)),
                          *command, "-o", str(out / "r.json"))
    _interrupted(proc)
    assert list(out.iterdir()) == []


STAGED_THEN_SIGNAL = """
import os
from contextlib import contextmanager
from mpbench.reporting import output

_staged = output.staged

@contextmanager
def staged(outdir):
    with _staged(outdir) as tmp:
        os.kill(os.getpid(), {signum})  # mid-build, the staging folder there
        yield tmp

output.staged = staged
"""


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_signal_mid_report_leaves_no_staging_folder(tmp_path, signum, command):
    out = tmp_path / "out"
    files = [str(FIXTURE_RESULTS[0])] * (1 if command == "report" else 2)
    proc = mpbench_driver(tmp_path, STAGED_THEN_SIGNAL.format(signum=int(signum)), command,
                          *files, "-o", str(out))
    _interrupted(proc)
    assert list(out.iterdir()) == []


def _wait_for(predicate, what: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="scenario timing: Linux")
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_signal_mid_trace_stops_it_and_removes_its_scratch_folder(tmp_path, signum):
    scratch_parent = tmp_path / "tmp"
    scratch_parent.mkdir()
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "trace", "process", "--method",
                             "fork", "--count", "100000", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch_parent)})
    try:
        _wait_for(lambda: any(scratch_parent.glob("mpbench-trace-*/viztracer.log")),
                  "the traced scenario to start")
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "Traceback" not in stdout + stderr
    assert not list(scratch_parent.glob("mpbench-trace-*"))
    assert not leftover_processes()


TRACE = '{"traceEvents": [{"ph": "X", "name": "w", "ts": 0, "dur": 1, "pid": 1, "tid": 1}]}'


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("what", ["file", "folder"])
def test_view_stopped_by_a_signal_exits_130(tmp_path, signum, what):
    trace = tmp_path / "t.json"
    trace.write_text(TRACE)
    target = trace if what == "file" else tmp_path
    proc = subprocess.Popen([sys.executable, "-m", "mpbench", "view", str(target),
                             "--no-browser", "--port", str(_free_port())],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if re.search(r"http://\S+", line):
                break
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "mpbench: interrupted"
    assert not leftover_processes()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_signal_handler_stays_behind_in_a_caller():
    """Tests (and other callers) run main() in-process: their handlers come back."""
    from mpbench.cli import main

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM,
                                                       signal.SIGHUP)}
    assert main(["list", "--only", ONE]) == 0
    assert {sig: signal.getsignal(sig) for sig in before} == before
