"""Is a change real? pyperf's own test, as ``pyperf compare_to`` applies it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import pyperf

try:  # the function pyperf compare_to calls (private module, stable since pyperf 1.x)
    from pyperf._compare import is_significant_benchs as _pyperf_is_significant
except ImportError:  # pragma: no cover - a pyperf that moved it
    _pyperf_is_significant = None


@dataclass(frozen=True)
class Change:
    """How benchmark B compares with the same benchmark A."""

    ratio: float            # mean(B) / mean(A): above 1 is slower
    spread: float           # standard deviation of the ratio, first-order
    significant: bool
    t_score: Optional[float]

    def describe(self) -> str:
        if not self.significant:
            return "not significant"
        if self.ratio >= 1:
            return f"{self.ratio:.2f}x slower"
        return f"{1 / self.ratio:.2f}x faster"


def compare(a: pyperf.Benchmark, b: pyperf.Benchmark) -> Change:
    """Ratio of means and pyperf's two-sample t-test (95 %), as compare_to does it."""
    mean_a, mean_b = a.mean(), b.mean()
    ratio = mean_b / mean_a
    rel_a = a.stdev() / mean_a if a.get_nvalue() >= 2 else 0.0
    rel_b = b.stdev() / mean_b if b.get_nvalue() >= 2 else 0.0
    spread = ratio * math.sqrt(rel_a ** 2 + rel_b ** 2)
    if _pyperf_is_significant is not None:
        significant, t_score = _pyperf_is_significant(a, b)
    else:  # pragma: no cover
        significant, t_score = True, None
    return Change(ratio, spread, bool(significant), t_score)
