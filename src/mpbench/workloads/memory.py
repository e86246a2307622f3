"""Resident memory: make the parent big on purpose, and read what a process holds
(``/proc/<pid>/status``; 0 where unknown). The one place mpbench reads RSS."""

from __future__ import annotations

import os

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def touch_memory(nbytes: int) -> bytearray:
    """Allocate ``nbytes`` and write one byte per page so every page is resident.

    A fresh ``bytearray`` is mapped lazily (zero pages); fork copies page
    tables only for pages that are really there.
    """
    buf = bytearray(nbytes)
    if nbytes:
        buf[::PAGE_SIZE] = b"\x01" * len(range(0, nbytes, PAGE_SIZE))
    return buf


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
