"""Run a command tree in its own session and make sure none of it outlives us.

Each pyperf manager runs in a new session: a terminal's Ctrl-C reaches only
``mpbench``, which then stops the whole tree (manager, workers, their
multiprocessing children, forkservers) itself. SIGTERM comes first; then
SIGKILL for what is left, except multiprocessing's resource trackers: a
tracker unlinks the semaphores and shared memory its users leave once the last
of them is gone (it reads EOF on its pipe), so it is given time to do that and
killed only if it does not finish.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import IO, Callable

import psutil

TERM_GRACE = 3.0
KILL_WAIT = 2.0
TRACKER_GRACE = 5.0


def start_session(cmd: Sequence[str], log: IO, env: dict | None = None) -> subprocess.Popen:
    """Start ``cmd`` as the leader of a new session, output into ``log``."""
    return subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=env)


def live_members(pgid: int) -> list[int]:
    """Pids of processes still alive (not zombies) in process group ``pgid``."""
    pids = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                pids.append(proc.pid)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    return pids


def is_resource_tracker(pid: int) -> bool:
    """True for multiprocessing's resource tracker process."""
    try:
        return any("resource_tracker" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def _signal(pids: Sequence[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_until(done: Callable[[], bool], seconds: float,
                leader: subprocess.Popen | None) -> bool:
    end = time.monotonic() + seconds
    while True:
        if leader is not None:
            leader.poll()  # reap it, or it stays a zombie member
        if done():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)


def stop_group(pgid: int, leader: subprocess.Popen | None = None,
               grace: float = TERM_GRACE, term: bool = True) -> None:
    """Stop every process of group ``pgid`` (but the caller, if it is one of them).

    ``term``: SIGTERM first and up to ``grace`` seconds to exit (a process
    traced by viztracer saves its timeline on SIGTERM); then SIGKILL for the
    rest, the resource trackers last, after they had their chance to unlink
    what the others left behind.
    """
    me = os.getpid()

    def others(trackers: bool) -> list[int]:
        return [pid for pid in live_members(pgid)
                if pid != me and (trackers or not is_resource_tracker(pid))]

    if term:
        if os.getpgid(0) == pgid:
            _signal(others(trackers=True), signal.SIGTERM)
        else:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        _wait_until(lambda: not others(trackers=False), grace, leader)
    # Kill in rounds: a member may fork between listing and killing.
    end = time.monotonic() + KILL_WAIT
    while time.monotonic() < end:
        left = others(trackers=False)
        if not left:
            break
        _signal(left, signal.SIGKILL)
        _wait_until(lambda: not others(trackers=False), 0.2, leader)
    if not _wait_until(lambda: not others(trackers=True), TRACKER_GRACE, leader):
        _signal(others(trackers=True), signal.SIGKILL)
        _wait_until(lambda: not others(trackers=True), KILL_WAIT, leader)
    if leader is not None:
        try:
            leader.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
