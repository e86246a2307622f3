"""How hard pyperf works in each mode, and how ``mpbench ab`` spends its time.

Standard library only: the command line reads these before it imports pyperf.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mpbench.errors import UsageError
from mpbench.spec import BenchSpec

WORKER_OVERHEAD = 0.2  # seconds to start one pyperf worker (python + pyperf import)
MANAGER_OVERHEAD = 0.2  # seconds to start one pyperf manager (one per benchmark and pass)
@dataclass(frozen=True)
class Mode:
    """How hard pyperf works: worker processes, values per worker, minimum value time."""

    name: str
    processes: int
    values: int
    warmups: int = 1
    min_time: float = 0.1

    def processes_for(self, spec: BenchSpec) -> int:
        return max(3, round(self.processes * spec.weight))

    def pyperf_args(self, spec: BenchSpec, processes: int | None = None,
                    loops: int | None = None) -> list[str]:
        """pyperf's options for ``spec``; ``processes`` and ``loops``: one pass's share
        of the workers and the loops an earlier pass calibrated."""
        if self.name == "debug":
            return ["--debug-single-value"]
        processes = self.processes_for(spec) if processes is None else processes
        args = ["-p", str(processes), "-n", str(self.values),
                "-w", str(self.warmups), "--min-time", str(self.min_time)]
        loops = spec.loops or loops
        if loops:
            args += ["-l", str(loops)]
        return args

    def estimate(self, spec: BenchSpec, processes: int | None = None,
                 calibrate: bool = True) -> float:
        """Rough seconds the benchmark takes (for progress, and its time limit)."""
        if self.name == "debug":
            return MANAGER_OVERHEAD + WORKER_OVERHEAD + spec.cost
        per_value = spec.cost if spec.loops else max(spec.cost, self.min_time)
        workers = self.processes_for(spec) if processes is None else processes
        total = MANAGER_OVERHEAD + workers * (WORKER_OVERHEAD
                                              + (self.warmups + self.values) * per_value)
        if calibrate and not spec.loops:
            total += WORKER_OVERHEAD + 4 * per_value  # pyperf's loop calibration
        return total


# Worker processes and values follow pyperf's own defaults and its --fast and
# --rigorous flags (20 x 3, 10 x 2, 40 x 3). Values last at least 50 ms
# (25 ms with --fast) instead of pyperf's 100 ms outside --rigorous: these
# benchmarks time micro- to milliseconds, far above the timer's resolution,
# and the time is better spent on more worker processes, which is where the
# variance lies. The default mode runs 16 workers, not pyperf's 20: with five
# groups that keeps a default run under 30 minutes on 2 cores, and the run's
# passes (which the comparison's intervals rest on) measure the drift that more
# workers of one pass could not.
# "debug" is pyperf's --debug-single-value: one value, for smoke tests only.
MODES = {
    "fast": Mode("fast", processes=10, values=2, min_time=0.025),
    "default": Mode("default", processes=16, values=3, min_time=0.05),
    "rigorous": Mode("rigorous", processes=40, values=3, min_time=0.1),
    "debug": Mode("debug", processes=1, values=1, warmups=0),
}


MIN_PAIRS, MAX_PAIRS = 2, 100
DETECT_MAX_PAIRS = 40  # ab --detect without --pairs: the most pairs it may grow to


@dataclass(frozen=True)
class Design:
    """How ``ab`` spends its time: pairs, pyperf workers per side in each pair, and
    values per worker (None: the mode's)."""

    pairs: int
    workers: int
    values: int | None = None

    def workers_for(self, spec: BenchSpec) -> int:
        """Worker processes of one side in one pair (slow benchmarks weigh less)."""
        return max(1, round(self.workers * spec.weight))

    def mode(self, mode: Mode) -> Mode:
        """``mode`` with this design's values per worker."""
        return mode if self.values is None or mode.name == "debug" else \
            dataclasses.replace(mode, values=self.values)


# Each pair's spread here is mostly noise the pair does not share: 11 % between two
# 25 ms values of one worker, 9 % between the workers of one job, against ~5 % of drift
# unshared between its two jobs (docs/comparing.md). More pairs and more workers both
# narrow the interval at about the same cost; a job's manager and a worker's start-up
# cost about 0.3 s each, so values per worker stay the mode's. --fast spends at most
# about 2.5 times what 'mpbench run --fast' spends on the same selection.
DESIGNS = {
    "debug": Design(2, 1),
    "fast": Design(5, 2),
    "default": Design(8, 3),
    "rigorous": Design(12, 5),
}


def parse_pairs(text: str) -> int:
    """``--pairs K``: a whole number from :data:`MIN_PAIRS` to :data:`MAX_PAIRS`."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"bad --pairs {text!r}: expected a whole number") from None
    if not MIN_PAIRS <= value <= MAX_PAIRS:
        raise UsageError(f"bad --pairs {text!r}: must be from {MIN_PAIRS} to {MAX_PAIRS}")
    return value
