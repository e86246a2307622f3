"""Is a change real? Verdicts sized on the pass, the level where a machine's drift lives.

A results file holds values within worker processes, worker processes within
passes (one pyperf manager each, minutes apart), and files run at other
times. pyperf's t-test treats every value as independent: its confidence
grows with the number of values while the drift between passes and runs
stays, so two identical runs "differ significantly". Here the unit is the
pass: each pass's mean is one observation (a side pooling several files has
all their passes), the verdict compares the two sides' pass means on a log
scale with a two-sample t interval, and the between-pass variance is
moderated across the comparison's benchmarks (:mod:`moderation`) because two
passes alone give it too few degrees of freedom.

A change is called only when its interval excludes the minimum effect:
``slower`` when the whole interval lies above 1 + min_effect, ``faster``
when it lies below 1 / (1 + min_effect), ``within noise`` otherwise.

Files written before passes existed (one pass per benchmark) cannot show
their drift; when neither side has two passes, the unit falls back to the
worker process and the verdict says the drift is unknown.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mpbench import passes
from mpbench.reporting import moderation
from mpbench.reporting.data import ResultSet

SLOWER, FASTER, WITHIN_NOISE = "slower", "faster", "within noise"
VERDICTS = (SLOWER, FASTER, WITHIN_NOISE)
PASS_LEVEL, WORKER_LEVEL = "pass", "worker"
DEFAULT_MIN_EFFECT = 0.05
CONFIDENCE = 0.95


@dataclass
class Side:
    """One side of a comparison: a results file, or several pooled."""

    label: str
    sets: list[ResultSet]

    @property
    def paths(self) -> list[str]:
        return [rs.path for rs in self.sets]

    def worker_means(self, name: str) -> list[list[float]]:
        """The mean of each worker process, grouped by pass (every pass of every file)."""
        return [[statistics.mean(worker) for worker in workers]
                for rs in self.sets
                for workers in passes.pass_workers(rs.results[name].bench).values()]

    def unit_means(self, name: str, level: str) -> list[float]:
        """Mean of each pass (``pass``) or each worker process (``worker``) of every file
        (pyperf gives every worker the same number of values)."""
        groups = self.worker_means(name)
        if level == PASS_LEVEL:
            return [statistics.mean(group) for group in groups]
        return [mean for group in groups for mean in group]

    def mean(self, name: str) -> float:
        """Mean of every value of every file (pyperf's mean for a single file)."""
        return statistics.mean(v for rs in self.sets for v in rs.results[name].values)

    def spread(self, name: str) -> float | None:
        """Run-to-run spread of the side's passes (None: a single pass, drift unknown)."""
        means = self.unit_means(name, PASS_LEVEL)
        if len(means) < 2:
            return None
        return (max(means) - min(means)) / statistics.mean(means)


@dataclass(frozen=True)
class Verdict:
    """How a benchmark in the candidate compares with the reference."""

    name: str
    ratio: float            # candidate / reference (geometric mean of unit means): >1 slower
    low: float              # the ratio's confidence interval
    high: float
    verdict: str            # SLOWER, FASTER or WITHIN_NOISE
    level: str              # PASS_LEVEL, or WORKER_LEVEL when the drift is unknown
    units: tuple[int, int]  # passes (or workers) on each side
    df: float               # degrees of freedom of the interval (after moderation)
    ref_mean: float
    cand_mean: float
    ref_spread: float | None
    cand_spread: float | None

    @property
    def drift_known(self) -> bool:
        return self.level == PASS_LEVEL

    def describe(self) -> str:
        """``1.31x slower [1.22, 1.41]``, ``within noise (0.98x [0.91, 1.06])``."""
        interval = f"[{self.low:.2f}, {self.high:.2f}]" if math.isfinite(self.high) else "[?]"
        if self.verdict == SLOWER:
            return f"{self.ratio:.2f}x slower {interval}"
        if self.verdict == FASTER:
            return f"{1 / self.ratio:.2f}x faster {interval}"
        return f"within noise ({self.ratio:.2f}x {interval})"


def level_for(ref: Side, cand: Side, name: str) -> str:
    """Pass level when the passes leave a degree of freedom, else worker level."""
    n_ref, n_cand = (len(side.unit_means(name, PASS_LEVEL)) for side in (ref, cand))
    return PASS_LEVEL if n_ref + n_cand - 2 >= 1 else WORKER_LEVEL


def _log_stats(ref: list[float], cand: list[float]) -> tuple[float, float, int, float]:
    """Difference of mean logs, pooled variance, its degrees of freedom, 1/n1 + 1/n2."""
    la, lb = [math.log(v) for v in ref], [math.log(v) for v in cand]
    diff = statistics.mean(lb) - statistics.mean(la)
    df = len(la) + len(lb) - 2
    squares = sum((x - statistics.mean(la)) ** 2 for x in la) + \
        sum((x - statistics.mean(lb)) ** 2 for x in lb)
    return diff, (squares / df if df > 0 else 0.0), df, 1 / len(la) + 1 / len(lb)


def within_pass_floor(groups: list[list[float]]) -> float:
    """The least variance a pass mean (log) can have: the pooled variance of the worker
    means within passes over the workers per pass. Two pass means can agree by chance;
    their workers still show how noisy each mean is."""
    squares, df = 0.0, 0
    for group in groups:
        logs = [math.log(mean) for mean in group]
        squares += sum((x - statistics.mean(logs)) ** 2 for x in logs)
        df += len(logs) - 1
    if df == 0:
        return 0.0
    return squares / df / statistics.harmonic_mean([len(group) for group in groups])


def judge(low: float, high: float, min_effect: float) -> str:
    """The verdict of an interval of the ratio."""
    if low > 1 + min_effect:
        return SLOWER
    if high < 1 / (1 + min_effect):
        return FASTER
    return WITHIN_NOISE


def compare_sides(ref: Side, cand: Side, names: Sequence[str],
                  min_effect: float = DEFAULT_MIN_EFFECT,
                  confidence: float = CONFIDENCE) -> dict[str, Verdict]:
    """A verdict for every benchmark of ``names`` (present on both sides)."""
    levels = {name: level_for(ref, cand, name) for name in names}
    stats = {}
    for name in names:
        diff, variance, df, factor = _log_stats(ref.unit_means(name, levels[name]),
                                                cand.unit_means(name, levels[name]))
        if levels[name] == PASS_LEVEL:
            floor = within_pass_floor(ref.worker_means(name) + cand.worker_means(name))
            variance = max(variance, floor)
        stats[name] = (diff, variance, df, factor)
    priors = {}
    for level in (PASS_LEVEL, WORKER_LEVEL):
        at_level = [stats[name] for name in names if levels[name] == level]
        priors[level] = moderation.fit_prior([s[1] for s in at_level], [s[2] for s in at_level])
    found = {}
    for name in names:
        diff, variance, df, factor = stats[name]
        if df < 1:
            low, high, df_used = 0.0, math.inf, 0.0
        else:
            variance, df_used = moderation.moderate(variance, df, priors[levels[name]])
            half = moderation.t_quantile(confidence, df_used) * math.sqrt(variance * factor)
            low, high = math.exp(diff - half), math.exp(diff + half)
        found[name] = Verdict(
            name, math.exp(diff), low, high, judge(low, high, min_effect), levels[name],
            (len(ref.unit_means(name, levels[name])), len(cand.unit_means(name, levels[name]))),
            df_used, ref.mean(name), cand.mean(name), ref.spread(name), cand.spread(name))
    return found


def counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """How many of each verdict."""
    return {kind: sum(1 for v in verdicts if v.verdict == kind) for kind in VERDICTS}


def common_names(sets: Sequence[ResultSet]) -> list[str]:
    """Benchmarks present in every file, in the reference file's order."""
    return [name for name in sets[0].results if all(name in rs.results for rs in sets[1:])]


def _side_label(sets: Sequence[ResultSet]) -> str:
    return sets[0].label if len(sets) == 1 else f"{sets[0].label} +{len(sets) - 1}"


def make_sides(sets: Sequence[ResultSet], vs_count: int = 0) -> list[Side]:
    """Reference first: the first file, or every file before the ``--vs`` files (pooled)."""
    if vs_count:
        ref, cand = sets[:len(sets) - vs_count], sets[len(sets) - vs_count:]
        return [Side(_side_label(ref), list(ref)), Side(_side_label(cand), list(cand))]
    return [Side(rs.label, [rs]) for rs in sets]


@dataclass
class Comparison:
    """One comparison as ``mpbench compare`` computed it: what every group's compare
    section reads, so that its verdicts are the overview's (``--vs``, ``--min-effect``)."""

    sets: Sequence[ResultSet]
    sides: list[Side]                   # the reference first
    names: list[str]                    # the benchmarks in common
    min_effect: float
    verdicts: list[dict[str, Verdict]]  # per candidate side

    @property
    def reference(self) -> Side:
        return self.sides[0]

    @property
    def candidates(self) -> list[Side]:
        return self.sides[1:]

    @classmethod
    def of(cls, sets: Sequence[ResultSet], vs_count: int = 0,
           min_effect: float = DEFAULT_MIN_EFFECT) -> Comparison:
        """Compare ``sets``: the first file (or all before the last ``vs_count``) is the
        reference."""
        sides, names = make_sides(sets, vs_count), common_names(sets)
        found = [compare_sides(sides[0], cand, names, min_effect) for cand in sides[1:]]
        return cls(sets, sides, names, min_effect, found)
