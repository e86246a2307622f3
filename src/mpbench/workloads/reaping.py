"""Stopping children for good: "terminate, wait, then kill", and reap, written once.

For ``multiprocessing.Process`` objects, ``subprocess.Popen`` objects and raw pids
(``os.fork``, ``posix_spawn``). Every function tolerates children that already
ended, were never started or were reaped elsewhere. And the other way round: a
child that must not outlive its parent (:func:`die_with_parent`). Standard library
only: children import it too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

REAP_WAIT = 5.0  # seconds to wait for a killed child to be reaped
PR_SET_PDEATHSIG = 1


def set_pdeathsig(sig: int) -> bool:
    """Ask the kernel for ``sig`` when this process's parent exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent() -> bool:
    """For a child of a benchmark's process (a crew member): be killed (SIGKILL) the
    moment the process that started it is, as the OOM killer would kill a pyperf
    worker. Without it the child waits for ever on a peer or a command that never
    comes, holding its segments and pyperf's result pipe. Linux only; call it
    first thing, outside anything timed."""
    before = os.getppid()
    if not set_pdeathsig(signal.SIGKILL):
        return False
    import multiprocessing

    parent = multiprocessing.parent_process()
    if os.getppid() != before or (parent is not None and not parent.is_alive()):
        os._exit(1)  # it died before we asked: nobody is left to command us
    return True


def stop_processes(procs: Iterable[Any], grace: float = 0.0) -> None:
    """Stop every started, still-running ``multiprocessing.Process`` and reap it.

    ``grace`` > 0: SIGTERM first and up to ``grace`` seconds (for them all
    together) to exit, for a child that saves something on SIGTERM (viztracer
    saves its timeline); then SIGKILL for the rest.
    """
    procs = [p for p in procs if p.pid is not None]
    if grace > 0:
        running = _signal_running(procs, "terminate")
        end = time.monotonic() + grace
        for proc in running:
            _join(proc, max(end - time.monotonic(), 0.01))
    _signal_running(procs, "kill")
    for proc in procs:
        _join(proc, REAP_WAIT)


def _signal_running(procs: list[Any], how: str) -> list[Any]:
    """``proc.terminate()`` or ``proc.kill()`` on each of ``procs`` still running."""
    running = [p for p in procs if p.exitcode is None]
    for proc in running:
        try:
            getattr(proc, how)()
        except (OSError, ValueError):
            pass
    return running


def _join(proc: Any, timeout: float) -> None:
    try:
        proc.join(timeout)
    except (OSError, ValueError, AssertionError):
        pass


def stop_popen(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM a ``subprocess.Popen`` child, up to ``grace`` seconds to exit, then
    SIGKILL; reaped either way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_pids(pids: Iterable[int]) -> None:
    """SIGKILL and reap raw children (from ``os.fork`` or ``posix_spawn``)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
