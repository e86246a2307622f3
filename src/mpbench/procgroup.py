"""Run a command tree in its own session and make sure none of it outlives us.

Each pyperf manager runs in a new session: a terminal's Ctrl-C reaches only
``mpbench``, which then stops the whole tree (manager, workers, their
multiprocessing children, forkservers) itself. SIGTERM comes first because
multiprocessing's resource tracker ignores it: the tracker outlives the
others, sees them gone and unlinks any shared memory or semaphore they left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import IO, List, Optional, Sequence

import psutil

TERM_GRACE = 3.0


def start_session(cmd: Sequence[str], log: IO, env: Optional[dict] = None) -> subprocess.Popen:
    """Start ``cmd`` as the leader of a new session, output into ``log``."""
    return subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=env)


def live_members(pgid: int) -> List[int]:
    """Pids of processes still alive (not zombies) in process group ``pgid``."""
    pids = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                pids.append(proc.pid)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    return pids


def stop_group(pgid: int, leader: Optional[subprocess.Popen] = None,
               grace: float = TERM_GRACE) -> None:
    """SIGTERM the group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        end = time.monotonic() + (grace if sig == signal.SIGTERM else 1.0)
        while time.monotonic() < end:
            if leader is not None:
                leader.poll()
            if not live_members(pgid):
                break
            time.sleep(0.05)
        else:
            continue
        break
    if leader is not None:
        try:
            leader.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
