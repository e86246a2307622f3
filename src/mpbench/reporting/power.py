"""What a design can see: the verdicts' and the gate's behaviour, by simulation.

Given each benchmark's spread of pair log ratios (measured on this machine by
an A/A ``mpbench ab``), :func:`simulate` replays the whole procedure many
times: ``pairs`` pairs a benchmark, 95 % paired t intervals, the four
verdicts at the minimum effect, and the two-stage gate
(:mod:`mpbench.reporting.gate`: confirmation pairs for what the first stage
flags, one-sided ``1 - ALPHA / k`` bound). It reports

- on an unchanged selection: the share of benchmarks called slower or faster,
  and the share of comparisons whose gate trips (at most ``ALPHA`` wanted);
- for one benchmark really slower by each ``effect``: how often its verdict is
  *slower*, and how often the gate trips.

Pairs are drawn normal, or Student t with ``tail_df`` degrees of freedom
(heavier tails: a pair now and then far off, as this VM gives).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from mpbench.reporting.gate import ALPHA


@dataclass
class Simulation:
    """The outcome of :func:`simulate`."""

    benchmarks: int
    pairs: int
    confirm_pairs: int
    trials: int
    false_calls: float = 0.0   # share of benchmarks called slower or faster (A/A)
    false_trips: float = 0.0   # share of A/A comparisons whose gate trips
    called: dict[float, float] = field(default_factory=dict)   # effect -> P(slower)
    tripped: dict[float, float] = field(default_factory=dict)  # effect -> P(gate trips)

    def lines(self) -> list[str]:
        out = [f"simulated {self.trials} comparisons of {self.benchmarks} benchmarks, "
               f"{self.pairs} pairs ({self.confirm_pairs} confirmation pairs): on an "
               f"unchanged selection {self.false_calls:.2%} of benchmarks called, the gate "
               f"tripped in {self.false_trips:.1%} of comparisons"]
        for effect in self.called:
            out.append(f"  one benchmark {effect:.0%} slower: called slower "
                       f"{self.called[effect]:.0%} of the time, the gate tripped "
                       f"{self.tripped[effect]:.0%}")
        return out


def _draw(rng: np.random.Generator, shape: tuple[int, ...], tail_df: float | None) -> np.ndarray:
    if tail_df is None:
        return rng.standard_normal(shape)
    # scaled to unit variance, so that ``sds`` keep their meaning
    return rng.standard_t(tail_df, shape) / math.sqrt(tail_df / (tail_df - 2))


def _paired(diffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over the last axis."""
    n = diffs.shape[-1]
    return diffs.mean(axis=-1), diffs.std(axis=-1, ddof=1) / math.sqrt(n)


def _one(sds: np.ndarray, shift: np.ndarray, pairs: int, confirm: int, min_effect: float,
         threshold: float, rng: np.random.Generator, tail_df: float | None
         ) -> tuple[np.ndarray, np.ndarray]:
    """(verdict slower, verdict faster) per trial and benchmark, and gate trips per trial."""
    trials, m = shift.shape
    diffs = shift[..., None] + sds[None, :, None] * _draw(rng, (trials, m, pairs), tail_df)
    est, se = _paired(diffs)
    half = special.stdtrit(pairs - 1, 0.975) * se
    edge = math.log1p(min_effect)
    slower, faster = est - half > edge, est + half < -edge
    flagged = est - half > math.log1p(max(threshold, min_effect))
    more = shift[..., None] + sds[None, :, None] * _draw(rng, (trials, m, confirm), tail_df)
    est2, se2 = _paired(more)
    k = np.maximum(flagged.sum(axis=1, keepdims=True), 1)
    bound = est2 - special.stdtrit(confirm - 1, 1 - ALPHA / k) * se2
    trips = (flagged & (bound > math.log1p(max(threshold, min_effect)))).any(axis=1)
    return np.stack([slower, faster]), trips


def simulate(sds: Sequence[float], pairs: int, confirm_pairs: int, min_effect: float = 0.05,
             threshold: float = 0.10, effects: Sequence[float] = (0.05, 0.10, 0.20, 0.30),
             trials: int = 4000, seed: int = 1, tail_df: float | None = None) -> Simulation:
    """Replay the verdicts and the gate on simulated pairs (see the module's text)."""
    rng = np.random.default_rng(seed)
    spread = np.asarray(sds, dtype=float)
    m = len(spread)
    result = Simulation(m, pairs, confirm_pairs, trials)
    calls, trips = _one(spread, np.zeros((trials, m)), pairs, confirm_pairs, min_effect,
                        threshold, rng, tail_df)
    result.false_calls = float((calls[0] | calls[1]).mean())
    result.false_trips = float(trips.mean())
    which = np.arange(trials) % m  # each benchmark slowed in turn
    for effect in effects:
        shift = np.zeros((trials, m))
        shift[np.arange(trials), which] = math.log1p(effect)
        calls, trips = _one(spread, shift, pairs, confirm_pairs, min_effect, threshold, rng,
                            tail_df)
        result.called[effect] = float(calls[0][np.arange(trials), which].mean())
        result.tripped[effect] = float(trips.mean())
    return result
