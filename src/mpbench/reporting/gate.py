"""``--fail-on-slower PCT``: a CI gate that trips on a real slowdown, not on noise.

Called over a whole selection, a per-benchmark 95 % verdict trips on an
unchanged suite most of the time (224 benchmarks, one false call each 1 in
50...). The gate is family-wise: on an unchanged selection it trips at most
:data:`ALPHA` (5 %) of the time, counted over the selection as a whole.

- Only verdicts whose drift is known (``pair`` and ``run`` levels) can trip it;
  inconclusive verdicts never do, nor those judged on one file a side.
- ``mpbench ab`` runs the gate in two stages: a benchmark called slower beyond
  PCT in the first pairs is measured again in as many confirmation pairs, and
  trips the gate only if the confirmation pairs alone put its one-sided
  ``1 - ALPHA / k`` bound above 1 + PCT (``k``: benchmarks confirmed). The
  confirmation data are new, so noise that flagged a benchmark once must
  repeat itself to trip the gate.
- Otherwise (``compare``, or benchmarks without confirmation pairs) a
  Bonferroni bound over the ``m`` eligible benchmarks: one-sided
  ``1 - ALPHA / m``.

PCT below the minimum effect acts as the minimum effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from mpbench.reporting.verdict import INCONCLUSIVE, SLOWER, Comparison, Verdict

ALPHA = 0.05


def margin(threshold: float, min_effect: float) -> float:
    """The log-ratio a bound must clear: the larger of PCT and the minimum effect."""
    return math.log1p(max(threshold, min_effect))


def flagged(verdicts: Sequence[Verdict], threshold: float) -> list[Verdict]:
    """Verdicts called slower beyond ``threshold`` with the drift known: what the first
    stage hands to the confirmation pairs."""
    return [v for v in verdicts if v.drift_known and v.verdict == SLOWER
            and math.log(v.low) > margin(threshold, v.min_effect)]


@dataclass
class GateResult:
    """What the gate decided, and why."""

    threshold: float
    tripped: list[tuple[str, Verdict, float]] = field(default_factory=list)  # label, v, bound
    eligible: int = 0
    unknown_drift: int = 0
    inconclusive: int = 0
    confirmed: int = 0

    @property
    def trips(self) -> bool:
        return bool(self.tripped)

    def document(self) -> dict:
        """The gate in ``comparison.json``."""
        return {"threshold": self.threshold, "alpha": ALPHA, "tripped": self.trips,
                "benchmarks": [{"candidate": label, "benchmark": v.name, "bound": bound}
                               for label, v, bound in self.tripped],
                "eligible": self.eligible, "confirmed": self.confirmed,
                "unknown_drift": self.unknown_drift, "inconclusive": self.inconclusive}

    def lines(self) -> list[str]:
        """What ``compare`` and ``ab`` print about the gate."""
        head = f"--fail-on-slower {self.threshold:.0%}:"
        out = [f"{head} {label}: {v.name} {v.describe()}, family-wise bound {bound:.2f}x"
               for label, v, bound in self.tripped]
        notes = []
        if self.unknown_drift:
            notes.append(f"{self.unknown_drift} verdict(s) with unknown run-level drift "
                         "cannot trip it (one results file a side: use 'mpbench ab', or "
                         "several runs a side with --vs)")
        if self.inconclusive:
            notes.append(f"{self.inconclusive} inconclusive verdict(s) cannot trip it")
        state = "TRIPPED" if self.tripped else "passed"
        how = (f"{self.confirmed} benchmark(s) re-measured in confirmation pairs"
               if self.confirmed else f"Bonferroni over {self.eligible} benchmark(s)")
        out.append(f"{head} {state} ({how}; false-trip rate at most {ALPHA:.0%} over the "
                   f"selection)" + ("; " + "; ".join(notes) if notes else ""))
        return out


def gate(comparison: Comparison, threshold: float, alpha: float = ALPHA) -> GateResult:
    """Judge every candidate's verdicts together (one family)."""
    result = GateResult(threshold)
    judged: list[tuple[str, Verdict]] = []
    for cand, verdicts in zip(comparison.candidates, comparison.verdicts):
        for v in verdicts.values():
            if not v.drift_known:
                result.unknown_drift += 1
            elif v.verdict == INCONCLUSIVE:
                result.inconclusive += 1
                result.eligible += 1
            else:
                result.eligible += 1
                judged.append((cand.label, v))
    confirmed = [(label, v) for label, v in judged if v.confirmation is not None]
    result.confirmed = len(confirmed)
    for label, v in judged:
        if v.verdict != SLOWER:
            continue
        if v.confirmation is not None:
            estimate, family = v.confirmation, len(confirmed)
        else:
            estimate, family = v.estimate, max(1, result.eligible)
        bound = estimate.diff - estimate.half(1 - alpha / family, one_sided=True)
        if bound > margin(threshold, v.min_effect):
            result.tripped.append((label, v, math.exp(bound)))
    return result
