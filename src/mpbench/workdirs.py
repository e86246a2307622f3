"""Work folders that say who owns them, so a killed run's leftovers can be cleaned.

``mpbench run`` works in ``.mpbench-run-<pid>-<random>/`` beside its results
file, ``mpbench trace`` in ``mpbench-trace-<pid>-<random>/`` under the temporary
directory; both are removed at the end, Ctrl-C included. Only SIGKILL (or a
crash of the machine) leaves one behind: the next run finds it, checks that
its owner is gone (the pid in its name no longer runs, or runs a process
started after the folder was made: pid reuse), says so and removes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass
from typing import Callable

import psutil

OWNER_FILE = "owner.json"
RUN_PREFIX = ".mpbench-run-"
TRACE_PREFIX = "mpbench-trace-"


def _start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def create(parent: str, prefix: str) -> str:
    """A new work folder ``<parent>/<prefix><pid>-<random>`` recording its owner."""
    path = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)
    owner = {"pid": os.getpid(), "started": _start_time(os.getpid()),
             "host": socket.gethostname()}
    with open(os.path.join(path, OWNER_FILE), "w") as handle:
        json.dump(owner, handle)
    return path


@dataclass
class Stale:
    """A work folder whose owner is gone."""

    path: str
    pid: int


def _owner_alive(path: str, pid: int) -> bool:
    """True unless we can tell that the folder's owner no longer runs."""
    try:
        with open(os.path.join(path, OWNER_FILE)) as handle:
            owner = json.load(handle)
    except (OSError, ValueError, RecursionError):
        owner = {}
    if not isinstance(owner, dict):
        owner = {}
    if owner.get("host", socket.gethostname()) != socket.gethostname():
        return True  # a shared folder: that host's pids are not ours to judge
    started = _start_time(pid)
    if started is None:
        return False
    recorded = owner.get("started")
    if isinstance(recorded, (int, float)) and abs(recorded - started) > 1.0:
        return False  # the pid now belongs to a newer process
    return True


def find_stale(parent: str, prefix: str) -> list[Stale]:
    """Work folders in ``parent`` named ``<prefix><pid>-...`` whose owner is gone
    (only ours: folders of other users are left alone)."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    found = []
    try:
        entries = sorted(os.listdir(parent))
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry)
        path = os.path.join(parent, entry)
        if not match or os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            if os.stat(path).st_uid != os.geteuid():
                continue
        except OSError:
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and not _owner_alive(path, pid):
            found.append(Stale(path, pid))
    return found


def remove_stale(parent: str, prefix: str) -> list[Stale]:
    """Remove the stale work folders of ``parent``; those removed."""
    removed = []
    for stale in find_stale(parent, prefix):
        shutil.rmtree(stale.path, ignore_errors=True)
        if not os.path.exists(stale.path):
            removed.append(stale)
    return removed


def fresh(parent: str, prefix: str, say: Callable[[str], None]) -> str:
    """Remove (and report) the stale work folders of ``parent``, then create ours."""
    for stale in remove_stale(parent, prefix):
        say(f"removed {stale.path}: left by a killed mpbench (pid {stale.pid}, gone)")
    return create(parent, prefix)


class Anchor:
    """A work folder held open, to tell where it is now: a folder renamed during a run
    (``mv results elsewhere``) is found again, one removed is known gone."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)
        info = os.fstat(self.fd)
        self.ident = (info.st_dev, info.st_ino)

    def _is_ours(self, path: str) -> bool:
        try:
            info = os.stat(path)
        except OSError:
            return False
        return (info.st_dev, info.st_ino) == self.ident

    def where(self) -> str | None:
        """Its path now (``None``: removed, or moved where we cannot tell)."""
        if self._is_ours(self.path):
            return self.path
        try:  # Linux: the kernel knows the folder's current path
            now = os.readlink(f"/proc/self/fd/{self.fd}")
        except OSError:
            return None
        return now if self._is_ours(now) else None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
