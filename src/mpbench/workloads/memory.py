"""Resident memory: make the parent big on purpose, and read what it holds."""

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


def current_rss() -> int:
    """Resident set size of this process in bytes."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except OSError:
        import psutil  # not Linux: fall back to the portable (slower) reader

        return psutil.Process().memory_info().rss
