"""Where the processes of a channel benchmark run, and how much memory they held.

On a VM a pipe round trip between two CPUs costs several times one between
two processes pinned to the same CPU (the wake-up crosses CPUs), so channel
floors and round trips are measured both ways:

- ``same-cpu``: every process of the benchmark pinned to one CPU;
- ``free``: the scheduler places them (the affinity they inherited).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional

PLACEMENTS = ("same-cpu", "free")


def usable_cpus() -> List[int]:
    """The CPUs this process may run on, sorted."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def cpus_for(placement: str) -> Optional[List[int]]:
    """The CPU set every process is pinned to, or ``None`` for ``free``.

    ``same-cpu`` takes the highest usable CPU: CPU 0 is where housekeeping
    and many interrupts land.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}")
    if placement == "free":
        return None
    return [usable_cpus()[-1]]


@contextmanager
def pinned(cpus: Optional[Iterable[int]]) -> Iterator[None]:
    """Pin this process (and what it starts meanwhile) to ``cpus``; restore afterwards."""
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(cpus))
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _status_bytes(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid or 'self'}/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def rss(pid: int = 0) -> int:
    """Resident memory (``VmRSS``) of process ``pid`` (0: this one) in bytes; 0 if unknown."""
    return _status_bytes(pid, "VmRSS:")


def rss_shmem(pid: int = 0) -> int:
    """Shared-memory pages (``RssShmem``: tmpfs, ``SharedMemory``) in ``pid``'s resident
    memory, bytes (0 if unknown): counted in every process that maps them."""
    return _status_bytes(pid, "RssShmem:")


def peak_rss(pid: int = 0) -> int:
    """Peak resident memory (``VmHWM``) of process ``pid`` (0: this one) in bytes; 0 if unknown."""
    found = _status_bytes(pid, "VmHWM:")
    if found:
        return found
    if not pid:
        import resource  # not Linux: ru_maxrss is KiB on Linux/BSD, bytes on macOS
        import sys

        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return maxrss if sys.platform == "darwin" else maxrss * 1024
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (Linux >= 4.0), so that the
    peak measured later is the workload's, not the set-up's. False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False
