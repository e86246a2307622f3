"""Calibrated busy work: a fixed amount of CPU work standing for "1 us of work".

Critical sections and think times are busy loops, not sleeps: a sleep gives
the CPU away (and lasts at least the timer slack, ~50 us), while real work
keeps it. The loop is a fixed number of iterations, calibrated once in the
parent: if the process is preempted inside it, the work takes longer, as real
work would (a loop spinning on the clock would instead finish on time,
having done less).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from itertools import repeat

SMALL, LARGE = 100, 10_000  # iterations of the two calibration points
TRIALS = 11


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
    """Fit ``call_ns + iteration_ns * n`` from two loop sizes (medians of ``trials``
    interleaved measurements; about 0.1 s)."""
    spin(LARGE)  # warm up
    smalls, larges = [], []
    for _ in range(trials):
        smalls.append(_per_call_ns(SMALL, 2000))
        larges.append(_per_call_ns(LARGE, 40))
    small, large = statistics.median(smalls), statistics.median(larges)
    iteration_ns = max((large - small) / (LARGE - SMALL), 1e-3)
    call_ns = max(small - iteration_ns * SMALL, 0.0)
    return Calibration(call_ns, iteration_ns)
