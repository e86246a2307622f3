"""Verdicts on synthetic runs: drift alone is within noise, real shifts are called."""

from __future__ import annotations

import math
import random
from typing import Dict, List, Sequence

import pyperf
import pytest

from mpbench.reporting import moderation
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import (FASTER, PASS_LEVEL, SLOWER, WITHIN_NOISE, WORKER_LEVEL,
                                       Side, compare_sides, judge)

NAMES = [f"process.synthetic[n={i}]" for i in range(20)]


def make_bench(name: str, pass_levels: Sequence[float], rng: random.Random, workers: int = 5,
               values: int = 2, worker_noise: float = 0.02) -> pyperf.Benchmark:
    """A pyperf benchmark whose pass p has mean ``pass_levels[p]`` (seconds)."""
    runs = []
    for number, level in enumerate(pass_levels, 1):
        for _ in range(workers):
            mean = level * math.exp(rng.gauss(0, worker_noise))
            md = {"name": name, "unit": "second", "mpbench_group": "process",
                  "mpbench_pass": number}
            runs.append(pyperf.Run([mean * math.exp(rng.gauss(0, worker_noise / 4))
                                    for _ in range(values)], metadata=md, collect_metadata=False))
    return pyperf.Benchmark(runs)


def make_set(path: str, levels: Dict[str, Sequence[float]], seed: int,
             worker_noise: float = 0.02) -> ResultSet:
    rng = random.Random(seed)
    results = {}
    for name, pass_levels in levels.items():
        bench = make_bench(name, pass_levels, rng, worker_noise=worker_noise)
        results[name] = Result(name, {"mpbench_group": "process"}, bench.get_values(), bench)
    return ResultSet(path, results, label=path)


def drifting_levels(seed: int, drift: float, passes: int = 2,
                    shift: Dict[str, float] = None) -> Dict[str, List[float]]:
    """Every benchmark's pass means: a base time moved by the machine's drift in each pass."""
    rng = random.Random(seed)
    shift = shift or {}
    return {name: [1e-3 * (1 + i / 10) * shift.get(name, 1.0) * math.exp(rng.gauss(0, drift))
                   for _ in range(passes)] for i, name in enumerate(NAMES)}


def verdicts(ref: ResultSet, cand: ResultSet, names=NAMES, **kwargs):
    return compare_sides(Side("A", [ref]), Side("B", [cand]), names, **kwargs)


def test_pure_drift_is_within_noise_where_a_test_on_values_cries_wolf():
    """Two runs of the same code on a drifting machine (6 % between passes): no verdict,
    although pyperf's t-test on the values calls most of them significant."""
    a = make_set("a", drifting_levels(1, drift=0.06), seed=11)
    b = make_set("b", drifting_levels(2, drift=0.06), seed=12)
    found = verdicts(a, b)
    assert {v.verdict for v in found.values()} == {WITHIN_NOISE}
    assert all(v.level == PASS_LEVEL and v.drift_known and v.units == (2, 2)
               for v in found.values())
    from pyperf._compare import is_significant_benchs

    pyperf_calls = sum(is_significant_benchs(a.results[n].bench, b.results[n].bench)[0]
                       for n in NAMES)
    assert pyperf_calls >= len(NAMES) // 2


@pytest.mark.parametrize("factor, expected", [(1.3, SLOWER), (1 / 1.3, FASTER),
                                              (1.03, WITHIN_NOISE), (1 / 1.03, WITHIN_NOISE)])
def test_a_shift_is_called_only_beyond_the_minimum_effect(factor, expected):
    name = NAMES[3]
    a = make_set("a", drifting_levels(1, drift=0.02), seed=11)
    b = make_set("b", drifting_levels(2, drift=0.02, shift={name: factor}), seed=12)
    found = verdicts(a, b)
    assert found[name].verdict == expected
    assert found[name].low < found[name].ratio < found[name].high
    assert abs(math.log(found[name].ratio / factor)) < 0.05
    assert [n for n, v in found.items() if v.verdict != WITHIN_NOISE and n != name] == []


def test_a_3_percent_shift_without_any_noise_is_real_but_below_the_minimum_effect():
    """The interval excludes 1 (the change is real) yet not 1.05: within noise; with a
    1 % minimum effect the same change is called."""
    a = make_set("a", drifting_levels(1, drift=0.002), seed=11, worker_noise=0.002)
    b = make_set("b", {n: [x * 1.03 for x in levels]
                       for n, levels in drifting_levels(1, drift=0.002).items()}, seed=12,
                 worker_noise=0.002)
    found = verdicts(a, b)
    assert all(v.low > 1.0 and v.verdict == WITHIN_NOISE for v in found.values())
    assert {v.verdict for v in verdicts(a, b, min_effect=0.01).values()} == {SLOWER}


def test_single_pass_files_fall_back_to_worker_processes_and_say_the_drift_is_unknown():
    a = make_set("a", drifting_levels(1, drift=0.02, passes=1), seed=11)
    b = make_set("b", drifting_levels(2, drift=0.02, passes=1), seed=12)
    found = verdicts(a, b)
    assert all(v.level == WORKER_LEVEL and not v.drift_known and v.units == (5, 5)
               and v.ref_spread is None for v in found.values())


def test_pooled_files_count_every_pass_of_every_file():
    files = [make_set(f"f{i}", drifting_levels(i, drift=0.03), seed=20 + i) for i in range(4)]
    found = compare_sides(Side("A", files[:2]), Side("B", files[2:]), NAMES)
    assert {v.units for v in found.values()} == {(4, 4)}
    assert {v.verdict for v in found.values()} == {WITHIN_NOISE}


def test_one_pass_on_each_side_and_one_worker_gives_no_interval():
    rng = random.Random(1)
    sets = []
    for path in ("a", "b"):
        bench = make_bench(NAMES[0], [1e-3], rng, workers=1)
        sets.append(ResultSet(path, {NAMES[0]: Result(NAMES[0], {}, bench.get_values(), bench)}))
    found = verdicts(sets[0], sets[1], names=NAMES[:1])[NAMES[0]]
    assert found.verdict == WITHIN_NOISE and math.isinf(found.high) and found.df == 0


@pytest.mark.parametrize("low, high, verdict", [
    (1.06, 1.5, SLOWER), (1.05, 1.5, WITHIN_NOISE), (0.5, 0.95, FASTER),
    (0.5, 1 / 1.05, WITHIN_NOISE), (0.9, 1.1, WITHIN_NOISE), (1.01, 1.04, WITHIN_NOISE)])
def test_judge(low, high, verdict):
    assert judge(low, high, 0.05) == verdict


@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (10, 2.2281),
                                          (30, 2.0423), (2.5, 3.5747), (math.inf, 1.95996)])
def test_t_quantiles_match_the_tables(df, expected):
    assert moderation.t_quantile(0.95, df) == pytest.approx(expected, abs=2e-4)


def test_digamma_and_trigamma_match_known_values():
    assert moderation.digamma(1) == pytest.approx(-0.5772156649, abs=1e-9)
    assert moderation.digamma(0.5) == pytest.approx(-1.9635100260, abs=1e-9)
    assert moderation.trigamma(1) == pytest.approx(math.pi ** 2 / 6, abs=1e-9)
    assert moderation.trigamma(0.5) == pytest.approx(math.pi ** 2 / 2, abs=1e-9)
    assert moderation.trigamma_inverse(moderation.trigamma(3.7)) == pytest.approx(3.7)


def test_prior_needs_enough_benchmarks_and_never_narrows_a_variance():
    assert moderation.fit_prior([0.01] * 5, [2] * 5) == (0.0, 0.0)
    rng = random.Random(3)
    variances = [0.0025 * rng.gammavariate(1, 1) for _ in range(40)]  # chi-square, 2 df
    d0, s0 = moderation.fit_prior(variances, [2] * 40)
    assert d0 > 2 and 0.001 < s0 < 0.006
    for variance in variances:
        moderated, df = moderation.moderate(variance, 2, (d0, s0))
        assert moderated >= variance and df == pytest.approx(d0 + 2)
