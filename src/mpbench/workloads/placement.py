"""Where the processes of a benchmark run.

On a VM a cross-process wake-up between two CPUs costs several times one
between two processes sharing a CPU (the waker must get an idle, possibly
halted, virtual CPU running), so round trips, their floors and the wake-ups
are measured with a placement chosen on purpose:

- ``same-cpu``: every process of the benchmark pinned to one CPU;
- ``cross-cpu``: the two ends pinned to two different CPUs (end 0 on one CPU,
  every other end on another; with more CPUs, the other ends take the
  remaining CPUs in turn);
- ``free``: the scheduler places them (the affinity they inherited): one CPU
  or two at the scheduler's whim, so the figures are scheduler-dependent.

N contenders for a lock are ``spread`` (:func:`spread_cpus`): each pinned to
one CPU, in turn, so two share a CPU only when N exceeds the CPUs. Left free,
two contenders on a 2-CPU VM ran either on one CPU (each making its
acquisitions in its own time slice, ~35 ns apiece) or on two (real
contention, ~200 ns): a bimodal figure no reference can check.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Optional

PLACEMENTS = ("same-cpu", "cross-cpu", "free")
DEFAULT_PLACEMENTS = ("same-cpu", "cross-cpu")
SCHEDULER_DEPENDENT = "free"

CPUs = Optional[list[int]]


def usable_cpus() -> list[int]:
    """The CPUs this process may run on, sorted."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def cross_cpu_unavailable() -> str | None:
    """Why ``cross-cpu`` cannot run here (``None`` when it can)."""
    if not hasattr(os, "sched_setaffinity"):
        return "this platform cannot pin processes to CPUs"
    cpus = usable_cpus()
    if len(cpus) < 2:
        return f"this process may use one CPU only (affinity {cpus})"
    return None


def _check(placement: str) -> None:
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}")


def cpus_for(placement: str) -> CPUs:
    """The CPUs the benchmark's processes may use together, or ``None`` for ``free``.

    ``same-cpu`` takes the highest usable CPU (CPU 0 is where housekeeping
    and many interrupts land); ``cross-cpu`` the two highest.
    """
    _check(placement)
    if placement == "free":
        return None
    cpus = usable_cpus()
    if placement == "same-cpu":
        return cpus[-1:]
    if len(cpus) < 2:
        raise ValueError(f"cross-cpu placement: {cross_cpu_unavailable()}")
    return cpus[-2:]


def end_cpus(placement: str, ends: int) -> list[CPUs]:
    """The CPUs of each of ``ends`` processes: end 0 and the others.

    ``same-cpu``: all on the highest usable CPU; ``cross-cpu``: end 0 on the
    highest, end 1 on the next one down, further ends on the CPUs below in
    turn (never on end 0's); ``free``: ``None`` each.
    """
    _check(placement)
    if placement == "free":
        return [None] * ends
    if placement == "same-cpu":
        return [cpus_for(placement)] * ends
    cpus = usable_cpus()
    if len(cpus) < 2:
        raise ValueError(f"cross-cpu placement: {cross_cpu_unavailable()}")
    first, others = cpus[-1], cpus[-2::-1]
    placed: list[CPUs] = [[first]]
    placed.extend([others[i % len(others)]] for i in range(ends - 1))
    return placed


def spread_cpus(count: int) -> list[list[int]]:
    """One CPU for each of ``count`` processes (or threads), the usable CPUs in turn
    from the highest down."""
    cpus = usable_cpus()[::-1]
    return [[cpus[i % len(cpus)]] for i in range(count)]


@contextmanager
def pinned(cpus: Iterable[int] | None) -> Iterator[None]:
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
