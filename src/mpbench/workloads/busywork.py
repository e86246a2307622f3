"""Calibrated busy work: a fixed amount of CPU work standing for "1 us of work".

Critical sections and think times are busy loops, not sleeps: a sleep gives
the CPU away (and lasts at least the timer slack, ~50 us), while real work
keeps it. The loop is a fixed number of iterations: if the process is
preempted inside it, the work takes longer, as real work would (a loop
spinning on the clock would instead finish on time, having done less).

The calibration runs in the process that spins, just before it spins, and
keeps the *fastest* of several short trials: preemption and a busy
neighbour only ever make a trial slower, so the fastest is the loop's own
cost (a median of longer trials taken in a busy moment read 7.15 ns per
turn here against 4.9 quiet, and "1 us" became 0.7). What the spin then
really took is measured where it runs (:func:`measured_spin`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Callable

SMALL, LARGE = 50, 5_000       # iterations of the two calibration points
SMALL_CALLS, LARGE_CALLS = 100, 2  # calls per trial: each trial lasts ~25-50 us
TRIALS = 25


def spin(iterations: int) -> None:
    """Burn CPU for ``iterations`` empty loop turns (~5 ns each on CPython 3.11 here).

    ``itertools.repeat`` rather than ``range``: ``range`` allocates an int
    object per turn above 256, which made the cost per turn depend on the count.
    """
    for _ in repeat(None, iterations):
        pass


@dataclass(frozen=True)
class Calibration:
    """What :func:`spin` costs in this process: a fixed part per call and a part per turn."""

    call_ns: float
    iteration_ns: float

    def iterations_for(self, microseconds: float) -> int:
        """Spin iterations standing for ``microseconds`` of work (0 for none, at least 1 else)."""
        if microseconds <= 0:
            return 0
        return max(1, round((microseconds * 1000 - self.call_ns) / self.iteration_ns))


def _per_call_ns(iterations: int, calls: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in repeat(None, calls):
        spin(iterations)
    return (time.perf_counter_ns() - t0) / calls


def calibrate(trials: int = TRIALS) -> Calibration:
    """Fit ``call_ns + iteration_ns * n`` from two loop sizes, each the fastest of
    ``trials`` short interleaved trials (about 2 ms in all)."""
    spin(LARGE)  # warm up
    small = min(_per_call_ns(SMALL, SMALL_CALLS) for _ in range(trials))
    large = min(_per_call_ns(LARGE, LARGE_CALLS) for _ in range(trials))
    iteration_ns = max((large - small) / (LARGE - SMALL), 1e-3)
    call_ns = max(small - iteration_ns * SMALL, 0.0)
    return Calibration(call_ns, iteration_ns)


def clock_gap_ns(clock: Callable[[], int] = time.monotonic_ns, calls: int = 201) -> int:
    """The smallest gap between two consecutive ``clock()`` calls: what a pair of
    stamps around a piece of work adds to it."""
    stamps = [clock() for _ in range(calls)]
    return min(b - a for a, b in zip(stamps, stamps[1:]))


def measured_spin(durations_ns: Sequence[int], gap_ns: int) -> float:
    """Median of stamped spin durations less one clock gap, in microseconds (0: none)."""
    if not durations_ns:
        return 0.0
    ordered: list[int] = sorted(durations_ns)
    middle = len(ordered) // 2
    median = (ordered[middle] if len(ordered) % 2
              else (ordered[middle - 1] + ordered[middle]) / 2)
    return max(median - gap_ns, 0) / 1000
