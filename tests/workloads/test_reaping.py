"""Stopping children: SIGTERM gets its grace, SIGKILL follows, every child is reaped."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from mpbench.workloads.reaping import stop_pids, stop_popen, stop_processes

pytestmark = pytest.mark.timeout(60)
CTX = multiprocessing.get_context("fork")
GRACEFUL_EXIT = 3


def _graceful(ready) -> None:
    """Exit with GRACEFUL_EXIT on SIGTERM (as viztracer saves and exits)."""
    signal.signal(signal.SIGTERM, lambda *_: os._exit(GRACEFUL_EXIT))
    ready.set()
    while True:
        time.sleep(60)


def _deaf(ready) -> None:
    """Ignore SIGTERM: only SIGKILL ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    while True:
        time.sleep(60)


def _started(target):
    ready = CTX.Event()
    proc = CTX.Process(target=target, args=(ready,))
    proc.start()
    assert ready.wait(10)
    return proc


def test_grace_lets_a_child_end_on_sigterm_then_kills_the_deaf_one():
    graceful, deaf = _started(_graceful), _started(_deaf)
    stop_processes([graceful, deaf], grace=0.5)
    assert graceful.exitcode == GRACEFUL_EXIT
    assert deaf.exitcode == -signal.SIGKILL


def test_without_grace_every_child_is_killed_at_once():
    graceful = _started(_graceful)
    stop_processes([graceful])
    assert graceful.exitcode == -signal.SIGKILL


def test_ended_and_unstarted_processes_are_left_alone():
    ended = CTX.Process(target=os._exit, args=(5,))
    ended.start()
    ended.join()
    never = CTX.Process(target=os._exit, args=(0,))
    stop_processes([ended, never], grace=0.1)
    assert ended.exitcode == 5
    assert never.exitcode is None and never.pid is None


def test_popen_gets_sigterm_then_sigkill():
    code = "import signal, sys, time; {}; print('ready', flush=True); time.sleep(60)"
    polite = subprocess.Popen([sys.executable, "-c", code.format("pass")],
                              stdout=subprocess.PIPE, text=True)
    deaf = subprocess.Popen([sys.executable, "-c",
                             code.format("signal.signal(signal.SIGTERM, signal.SIG_IGN)")],
                            stdout=subprocess.PIPE, text=True)
    for proc in (polite, deaf):
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    stop_popen(polite, grace=5)
    stop_popen(deaf, grace=0.2)
    for proc in (polite, deaf):
        proc.stdout.close()
    assert polite.returncode == -signal.SIGTERM
    assert deaf.returncode == -signal.SIGKILL


def test_raw_children_are_killed_and_reaped():
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            time.sleep(60)
        finally:
            os._exit(0)
    stop_pids([pid])
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    stop_pids([pid])  # already gone: no error
