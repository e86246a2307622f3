"""Intervals of a ratio on a log scale: paired, two-sample and moderated (scipy's t).

Every comparison of mpbench ends in an :class:`Estimate`: the log of the
candidate/reference ratio, its standard error and the degrees of freedom
behind it, estimated at one level (pairs, runs, passes or worker processes).
Its interval at any confidence is a Student t interval; the distributions
and special functions are scipy's.

Two-sample estimates from a couple of runs or passes a side have one or two
degrees of freedom, and a t interval with 2 degrees of freedom is twice as
wide as one with many. Every benchmark of a comparison faces the same
machine, so their variances are moderated across them by the empirical Bayes
method of Smyth (2004, the method of limma): a scaled inverse chi-square prior
is fitted to the benchmarks' variances and each benchmark gains the prior's
degrees of freedom. The prior's degrees of freedom are capped
(:data:`MAX_PRIOR_DF`): an unbounded prior makes every benchmark's variance the
common one, and a few bimodal benchmarks then blind the quiet ones to a
change. A benchmark's variance is never moderated below its own.

A paired estimate (``mpbench ab``: both interpreters measured back to back,
pair after pair) has each pair's log ratio cancel the machine's drift; its
pairs' spread is moderated the same way (:func:`moderate_paired`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special

MIN_BENCHMARKS = 8   # fewer variances than this say too little about a prior
MAX_PRIOR_DF = 20.0  # a prior never weighs more than 20 units of a benchmark's own


@dataclass(frozen=True)
class Estimate:
    """The log of a ratio with its standard error and degrees of freedom.

    ``se`` is infinite (and ``df`` 0) when there is nothing to size an
    interval on, e.g. one value a side."""

    diff: float
    se: float
    df: float
    units: tuple[int, int]  # observations on each side (pairs: the same number twice)

    @property
    def sized(self) -> bool:
        return math.isfinite(self.se) and self.df > 0

    def half(self, confidence: float, one_sided: bool = False) -> float:
        """Half-width of the two-sided interval (or the one-sided margin) on the log scale."""
        if not self.sized:
            return math.inf
        return t_quantile(confidence, self.df, one_sided) * self.se

    def interval(self, confidence: float, one_sided: bool = False) -> tuple[float, float]:
        """The ratio's interval: ``(low, high)`` (``high`` infinite when unsized)."""
        half = self.half(confidence, one_sided)
        if not math.isfinite(half):
            return 0.0, math.inf
        return math.exp(self.diff - half), math.exp(self.diff + half)


def t_quantile(confidence: float, df: float, one_sided: bool = False) -> float:
    """The t with P(|T| <= t) = ``confidence`` (one-sided: P(T <= t)); normal for df=inf."""
    p = confidence if one_sided else 0.5 + confidence / 2
    if math.isinf(df):
        return float(special.ndtri(p))
    return float(special.stdtrit(df, p))  # what scipy.stats.t.ppf computes


def logs(values: Sequence[float]) -> list[float]:
    return [math.log(v) for v in values]


def variance(values: Sequence[float]) -> float:
    return statistics.variance(values) if len(values) > 1 else 0.0


def mean_log_variance(groups: Sequence[Sequence[float]]) -> float:
    """The variance of a group's mean on the log scale, averaged over ``groups``: the
    spread of the values inside each group over their number (0 when unknown). A
    group's mean cannot be more precise than what its members' disagreement implies."""
    found = [variance(logs(group)) / len(group) for group in groups if len(group) > 1]
    return statistics.mean(found) if found else 0.0


def within_pairs(*sides: Sequence[Sequence[float]]) -> tuple[float, int]:
    """What the worker processes inside the pairs imply for one pair's log ratio: the
    sum over the sides of :func:`mean_log_variance`, and its degrees of freedom (the
    workers less one per job)."""
    var = sum(mean_log_variance(groups) for groups in sides)
    df = sum(len(group) - 1 for groups in sides for group in groups if len(group) > 1)
    return var, df


def paired(ref: Sequence[float], cand: Sequence[float], floor: float = 0.0,
           floor_df: float = 0.0) -> Estimate:
    """Pair ``i`` of ``ref`` and ``cand`` measured back to back: the mean of the pairs'
    log ratios and its standard error. The variance of one pair is the pairs' own
    spread (pairs - 1 degrees of freedom), or ``floor``, what the worker processes
    inside the pairs imply, when that is larger (with its ``floor_df``): pairs can agree
    by chance; their workers still show how noisy each pair is."""
    diffs = [c - r for r, c in zip(logs(ref), logs(cand))]
    n = len(diffs)
    diff = statistics.mean(diffs) if diffs else 0.0
    if n < 2 and not (floor > 0 and floor_df > 0):
        return Estimate(diff, math.inf, 0.0, (n, n))
    own = variance(diffs) if n > 1 else 0.0
    if own >= floor and n > 1:
        return Estimate(diff, math.sqrt(own / n), n - 1.0, (n, n))
    return Estimate(diff, math.sqrt(floor / n), float(floor_df), (n, n))


def two_sample(ref: Sequence[float], cand: Sequence[float], floor: float = 0.0
               ) -> tuple[float, float, int, float]:
    """Unpaired units: (difference of mean logs, pooled variance of one unit, its degrees
    of freedom, 1/n1 + 1/n2); the variance is at least ``floor``."""
    la, lb = logs(ref), logs(cand)
    diff = statistics.mean(lb) - statistics.mean(la)
    df = len(la) + len(lb) - 2
    squares = sum((x - statistics.mean(la)) ** 2 for x in la) + \
        sum((x - statistics.mean(lb)) ** 2 for x in lb)
    var = squares / df if df > 0 else 0.0
    return diff, max(var, floor), df, 1 / len(la) + 1 / len(lb)


def _trigamma(x: float) -> float:
    return float(special.polygamma(1, x))


def _trigamma_inverse(y: float) -> float:
    """x with trigamma(x) = y (trigamma falls monotonically from +inf to 0)."""
    from scipy import optimize  # only a prior that needs it pays for the import
    return float(optimize.brentq(lambda x: _trigamma(x) - y, 1e-8, 1e8, xtol=1e-12))


def fit_prior(variances: Sequence[float], dfs: Sequence[float]) -> tuple[float, float]:
    """Smyth's prior (d0, s0^2) from per-benchmark variances and their degrees of freedom.

    d0 = 0 (no moderation) when there are fewer than :data:`MIN_BENCHMARKS`
    usable variances; d0 is at most :data:`MAX_PRIOR_DF` (a few very noisy
    benchmarks spread the log-variances, which lowers d0: the quiet ones then keep
    most of their own variance)."""
    pairs = [(v, d) for v, d in zip(variances, dfs) if v > 0 and d > 0]
    if len(pairs) < MIN_BENCHMARKS:
        return 0.0, 0.0
    e = [math.log(v) - float(special.digamma(d / 2)) + math.log(d / 2) for v, d in pairs]
    excess = statistics.variance(e) - statistics.mean(_trigamma(d / 2) for _, d in pairs)
    d0 = MAX_PRIOR_DF if excess <= 0 else min(MAX_PRIOR_DF, 2 * _trigamma_inverse(excess))
    mean_e = statistics.mean(e)
    return d0, math.exp(mean_e + float(special.digamma(d0 / 2)) - math.log(d0 / 2))


def moderate(var: float, df: float, prior: tuple[float, float]) -> tuple[float, float]:
    """(variance, degrees of freedom) after moderation, never below ``var``."""
    d0, s0 = prior
    if d0 == 0:
        return var, df
    return max(var, (d0 * s0 + df * var) / (d0 + df)), d0 + df


def moderate_paired(estimates: Sequence[Estimate]) -> list[Estimate]:
    """Paired estimates moderated across each other (a pair's variance is ``se**2 * n``):
    every benchmark of a comparison faces the same machine, so the prior buys degrees of
    freedom; never a narrower interval than a benchmark's own pairs give."""
    sized = [e for e in estimates if e.sized]
    prior = fit_prior([e.se ** 2 * e.units[0] for e in sized], [e.df for e in sized])
    found = []
    for e in estimates:
        if not e.sized:
            found.append(e)
            continue
        n = e.units[0]
        var, df = moderate(e.se ** 2 * n, e.df, prior)
        found.append(Estimate(e.diff, math.sqrt(var / n), df, e.units))
    return found
