"""Small-sample statistics for verdicts: Student's t quantiles and moderated variances.

Two passes per results file give each benchmark's between-pass variance only
a couple of degrees of freedom, and a t interval with 2 degrees of freedom is
twice as wide as one with many. Every benchmark of a comparison faces the
same machine, so their variances tell something about each other: the
empirical Bayes moderation of Smyth (2004, "Linear models and empirical Bayes
methods for assessing differential expression in microarray experiments",
the method of limma) fits a scaled inverse chi-square prior to the
benchmarks' variances and shrinks each towards it, adding the prior's
degrees of freedom to the benchmark's own. The verdict never lets the
moderated variance fall below the benchmark's own: moderation buys degrees of
freedom, never a narrower spread than the benchmark showed.

numpy has no special functions and scipy is not a dependency: digamma,
trigamma and the t distribution are computed here (series and a continued
fraction), checked against tabulated values in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MIN_BENCHMARKS = 8  # fewer variances than this say too little about a prior


def digamma(x: float) -> float:
    """psi(x) for x > 0 (recurrence to x >= 10, then the asymptotic series)."""
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    return result + math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (
        1 / 252 - inv2 * (1 / 240 - inv2 * 5 / 660))))


def trigamma(x: float) -> float:
    """psi'(x) for x > 0."""
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    inv2 = 1.0 / (x * x)
    return result + 1.0 / x + inv2 / 2 + inv2 / x * (1 / 6 - inv2 * (1 / 30 - inv2 * (
        1 / 42 - inv2 / 30)))


def trigamma_inverse(y: float) -> float:
    """x with trigamma(x) = y (trigamma falls monotonically from +inf to 0)."""
    low, high = 1e-8, 1e8
    for _ in range(200):
        mid = math.sqrt(low * high)
        if trigamma(mid) > y:
            low = mid
        else:
            high = mid
        if high / low < 1 + 1e-12:
            break
    return math.sqrt(low * high)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularized incomplete beta (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| > t) for Student's t with ``df`` degrees of freedom."""
    return _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(confidence: float, df: float) -> float:
    """The t with P(|T| <= t) = ``confidence`` (e.g. 0.95: 4.30 for df=2, 1.96 for df=inf)."""
    if math.isinf(df) or df > 1e7:
        from statistics import NormalDist

        return NormalDist().inv_cdf(0.5 + confidence / 2)
    alpha = 1.0 - confidence
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > alpha:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2
        if t_two_sided_p(mid, df) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def fit_prior(variances: Sequence[float], dfs: Sequence[float]) -> tuple[float, float]:
    """Smyth's prior (d0, s0^2) from per-benchmark variances and their degrees of freedom.

    d0 = 0 (no moderation) when there are fewer than ``MIN_BENCHMARKS`` usable
    variances; d0 = inf when they vary no more than sampling alone would.
    """
    pairs = [(v, d) for v, d in zip(variances, dfs) if v > 0 and d > 0]
    if len(pairs) < MIN_BENCHMARKS:
        return 0.0, 0.0
    e = [math.log(v) - digamma(d / 2) + math.log(d / 2) for v, d in pairs]
    mean_e = sum(e) / len(e)
    var_e = sum((x - mean_e) ** 2 for x in e) / (len(e) - 1)
    excess = var_e - sum(trigamma(d / 2) for _, d in pairs) / len(pairs)
    if excess <= 0:
        return math.inf, math.exp(mean_e)
    d0 = 2 * trigamma_inverse(excess)
    return d0, math.exp(mean_e + digamma(d0 / 2) - math.log(d0 / 2))


def moderate(variance: float, df: float, prior: tuple[float, float]) -> tuple[float, float]:
    """(variance, degrees of freedom) after moderation, never below ``variance``."""
    d0, s0 = prior
    if d0 == 0:
        return variance, df
    if math.isinf(d0):
        return max(variance, s0), math.inf
    return max(variance, (d0 * s0 + df * variance) / (d0 + df)), d0 + df
