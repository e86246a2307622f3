"""Is there memory enough for a benchmark? Checked before it starts, not after the OOM killer.

A benchmark that needs a lot of memory (the ``shared`` group's 256 MiB
hand-overs hold several copies at once) says so in its metadata,
``mpbench_memory_needed`` (bytes); ``mpbench run`` skips it with a line when
the machine has less available, and its set-up checks again in the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mpbench.units import format_size

NEEDED_KEY = "mpbench_memory_needed"


def available_memory() -> int | None:
    """``MemAvailable`` in bytes (Linux), or psutil's estimate elsewhere; None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        return None


def _mib(nbytes: int) -> str:
    return format_size(-(-nbytes // 2**20) * 2**20)


def shortfall(needed: int, available: int | None = None) -> str | None:
    """Why ``needed`` bytes cannot be had now (None: they can, or nobody knows)."""
    available = available_memory() if available is None else available
    if available is None or available >= needed:
        return None
    return f"needs {_mib(needed)} of free memory, {_mib(available)} available"


def spec_shortfall(metadata: Mapping[str, Any], available: int | None = None) -> str | None:
    """:func:`shortfall` of a benchmark whose metadata says what it needs."""
    needed = metadata.get(NEEDED_KEY)
    return shortfall(int(needed), available) if needed else None
