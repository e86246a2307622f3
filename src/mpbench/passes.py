"""Interleaved passes: the catalogue runs K times over, each pass with its share of the workers.

A machine drifts on a scale of minutes (other load, frequency, caches, the
hypervisor). A benchmark measured in one block of seconds sees one moment of
that drift, and pyperf's spread (worker to worker) says nothing about it. So
``mpbench run`` runs every selected benchmark once per pass, pass after pass,
splitting each benchmark's pyperf worker processes between the passes (the
work does not grow), and merges every pass's runs into one pyperf benchmark,
each run tagged with ``mpbench_pass``. The file then shows how far its passes
disagree (the run-to-run spread), a benchmark and its floor are measured in
the same windows, and ``mpbench compare`` can size its intervals on the pass,
the level where the drift lives.

Pass 1 lets pyperf calibrate the loops of benchmarks that need it; later
passes reuse the calibrated count (``-l``), so every run of a benchmark
times the same number of loops.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from mpbench.errors import UsageError
from mpbench.spec import BenchSpec

if TYPE_CHECKING:  # the command line imports this module; pyperf stays out of it
    import pyperf

PASS_KEY = "mpbench_pass"
PASSES_KEY = "mpbench_passes"
PAIR_KEY = "mpbench_pair"            # ``mpbench ab``: the pair a run's pass belongs to
POSITION_KEY = "mpbench_pair_position"  # 1: ran first in its pair, 2: second
DEFAULT_PASSES = 2
MAX_PASSES = 10


def parse_passes(text: str) -> int:
    """``--passes K``: an integer from 1 to ``MAX_PASSES``."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"bad --passes {text!r}: expected a whole number") from None
    if not 1 <= value <= MAX_PASSES:
        raise UsageError(f"bad --passes {text!r}: must be from 1 to {MAX_PASSES}")
    return value


def default_passes(mode_name: str) -> int:
    """Passes when ``--passes`` is not given: one for ``--debug-single-value``
    (a single value cannot be split), ``DEFAULT_PASSES`` otherwise."""
    return 1 if mode_name == "debug" else DEFAULT_PASSES


def split_workers(total: int, passes: int) -> list[int]:
    """``total`` worker processes shared by ``passes`` passes, earlier passes taking the
    remainder; every pass gets at least one (only then do passes add work)."""
    base, extra = divmod(total, passes)
    return [max(1, base + (1 if index < extra else 0)) for index in range(passes)]


@dataclass(frozen=True)
class Job:
    """One benchmark in one pass: a pyperf manager with ``processes`` workers."""

    pass_no: int  # 1-based
    index: int    # the benchmark's position in the run's selection
    spec: BenchSpec
    processes: int
    side: int = 0      # which interpreter (``mpbench ab``: 0 reference, 1 candidate)
    position: int = 0  # ``mpbench ab``: 1 or 2, its place in the pair (0: not paired)


def _turned(specs: Sequence[BenchSpec]) -> list[int]:
    """Catalogue positions with every reference moved just after the benchmark it
    checks (the catalogue puts it just before)."""
    order = list(range(len(specs)))
    for i in range(len(specs) - 1):
        checks = getattr(specs[i + 1], "reference", None)
        if checks is not None and checks == getattr(specs[i], "name", None) and order[i] == i:
            order[i], order[i + 1] = i + 1, i
    return order


def schedule(specs: Sequence[BenchSpec], passes: int,
             processes_for: Callable[[BenchSpec], int]) -> list[Job]:
    """Every benchmark once per pass, pass after pass, in catalogue order; a harness
    check and its reference run back to back, the reference first in odd passes and
    second in even ones (an order effect cancels in the check's pairs)."""
    shares = [split_workers(processes_for(spec), passes) for spec in specs]
    turned = _turned(specs)
    return [Job(pass_no, index, specs[index], shares[index][pass_no - 1])
            for pass_no in range(1, passes + 1)
            for index in (range(len(specs)) if pass_no % 2 else turned)]


def schedule_pairs(specs: Sequence[BenchSpec], pairs: Sequence[int],
                   processes_for: Callable[[BenchSpec], int], seed: int) -> list[Job]:
    """``mpbench ab``: every benchmark once per side in each pair, its two sides back to
    back (seconds apart, so the machine's drift is shared by both), pair after pair.

    The order within a pair is drawn at random for the first pair of every two and
    reversed in the next (AB BA, or BA AB): each side runs first equally often, and an
    order effect (a warm cache for the second) cancels instead of biasing the ratio.
    """
    rng = random.Random(seed)
    jobs: list[Job] = []
    order: dict[int, tuple[int, int]] = {}
    for count, pair in enumerate(pairs):
        for index, spec in enumerate(specs):
            if count % 2 == 0:
                order[index] = (0, 1) if rng.random() < 0.5 else (1, 0)
            else:
                order[index] = (order[index][1], order[index][0])
            jobs += [Job(pair, index, spec, processes_for(spec), side, position)
                     for position, side in enumerate(order[index], 1)]
    return jobs


def tag(bench: pyperf.Benchmark, pass_no: int, position: int = 0) -> pyperf.Benchmark:
    """Mark every run of ``bench`` (one pass's result) with its pass number (and, paired,
    its pair and its place in the pair)."""
    extra = {PAIR_KEY: pass_no, POSITION_KEY: position} if position else {}
    bench.update_metadata({PASS_KEY: pass_no, **extra})
    return bench


def merge(benches: Sequence[pyperf.Benchmark]) -> pyperf.Benchmark:
    """One pyperf benchmark holding the runs of every pass, in pass order."""
    merged = benches[0]
    for bench in benches[1:]:
        merged.add_runs(bench)
    return merged


def calibrated_loops(bench: pyperf.Benchmark) -> int | None:
    """The loops pyperf settled on in a pass (None if the runs disagree)."""
    loops = {run.get_loops() for run in bench.get_runs() if run.values}
    return loops.pop() if len(loops) == 1 else None


def pass_of(run: pyperf.Run) -> int:
    """The pass a run belongs to (1 in files written before passes existed)."""
    value = run.get_metadata().get(PASS_KEY, 1)
    return value if isinstance(value, int) else 1


def pass_workers(bench: pyperf.Benchmark) -> dict[int, list[list[float]]]:
    """Values by pass, then by worker process (calibration runs left out)."""
    found: dict[int, list[list[float]]] = {}
    for run in bench.get_runs():
        if run.values:
            found.setdefault(pass_of(run), []).append(list(run.values))
    return dict(sorted(found.items()))


def pass_means(bench: pyperf.Benchmark) -> dict[int, float]:
    """Mean of every value of each pass."""
    return {number: statistics.mean(v for worker in workers for v in worker)
            for number, workers in pass_workers(bench).items()}


def spread(bench: pyperf.Benchmark) -> float | None:
    """Run-to-run spread: (largest - smallest pass mean) / mean of the pass means;
    None when the benchmark has a single pass (its drift is unknown)."""
    means = list(pass_means(bench).values())
    if len(means) < 2:
        return None
    return (max(means) - min(means)) / statistics.mean(means)


def format_spread(value: float | None) -> str:
    """``3.1%``, or ``unknown`` for a single-pass benchmark."""
    return "unknown" if value is None else f"{100 * value:.1f}%"


def spread_summary(benches: Sequence[pyperf.Benchmark], largest: int = 3) -> list[str]:
    """The lines ``mpbench run`` ends with: how far its passes disagreed."""
    known = {bench.get_name(): spread(bench) for bench in benches}
    found = sorted(((value, name) for name, value in known.items() if value is not None),
                   reverse=True)
    if not found:
        return []
    median = statistics.median(value for value, _ in found)
    worst = ", ".join(f"{name} {format_spread(value)}" for value, name in found[:largest])
    return [f"run-to-run spread (pass means, largest - smallest): median "
            f"{format_spread(median)} over {len(found)} benchmarks; largest: {worst}"]
