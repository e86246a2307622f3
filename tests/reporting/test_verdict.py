"""Verdicts on synthetic runs: drift alone is no change, real shifts are called, wide
intervals are inconclusive, and the gate trips on a confirmed slowdown only."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pyperf
import pytest

from mpbench.reporting import gate, intervals
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import (
    AB_KEY,
    CONFIRM_KEY,
    FASTER,
    INCONCLUSIVE,
    NO_CHANGE,
    PAIR_LEVEL,
    PASS_LEVEL,
    RUN_LEVEL,
    SLOWER,
    WORKER_LEVEL,
    Comparison,
    Side,
    compare_sides,
    judge,
)

NAMES = [f"process.synthetic[n={i}]" for i in range(20)]


def make_bench(name: str, pass_levels: Sequence[float], rng: random.Random, workers: int = 5,
               values: int = 2, worker_noise: float = 0.02,
               extra: dict[int, dict] | None = None) -> pyperf.Benchmark:
    """A pyperf benchmark whose pass p has mean ``pass_levels[p]`` (seconds); ``extra``:
    more metadata for the runs of a pass."""
    runs = []
    for number, level in enumerate(pass_levels, 1):
        for _ in range(workers):
            mean = level * math.exp(rng.gauss(0, worker_noise))
            md = {"name": name, "unit": "second", "mpbench_group": "process",
                  "mpbench_pass": number, **(extra or {}).get(number, {})}
            runs.append(pyperf.Run([mean * math.exp(rng.gauss(0, worker_noise / 4))
                                    for _ in range(values)], metadata=md, collect_metadata=False))
    return pyperf.Benchmark(runs)


def make_set(path: str, levels: dict[str, Sequence[float]], seed: int,
             worker_noise: float = 0.02, ab: str | None = None, workers: int = 5,
             confirm_from: int = 0) -> ResultSet:
    """A results file; ``ab``: as ``mpbench ab`` writes it (pass p is pair p, pairs from
    ``confirm_from`` on are confirmation pairs)."""
    rng = random.Random(seed)
    results = {}
    for name, pass_levels in levels.items():
        extra = None
        if ab:
            extra = {p: {"mpbench_pair": p, AB_KEY: ab,
                         **({CONFIRM_KEY: 1} if confirm_from and p >= confirm_from else {})}
                     for p in range(1, len(pass_levels) + 1)}
        bench = make_bench(name, pass_levels, rng, workers=workers, worker_noise=worker_noise,
                           extra=extra)
        md = {"mpbench_group": "process", **({AB_KEY: ab} if ab else {})}
        results[name] = Result(name, md, bench.get_values(), bench)
    return ResultSet(path, results, label=path)


def drifting_levels(seed: int, drift: float, passes: int = 2,
                    shift: dict[str, float] | None = None) -> dict[str, list[float]]:
    """Every benchmark's pass means: a base time moved by the machine's drift in each pass."""
    rng = random.Random(seed)
    shift = shift or {}
    return {name: [1e-3 * (1 + i / 10) * shift.get(name, 1.0) * math.exp(rng.gauss(0, drift))
                   for _ in range(passes)] for i, name in enumerate(NAMES)}


def paired_files(drift: float, unshared: float, pairs: int = 8,
                 shift: dict[str, float] | None = None, seed: int = 1,
                 worker_noise: float = 0.01, confirm_from: int = 0):
    """``mpbench ab``'s two files: in each pair both sides see the same machine drift
    (``drift``), plus ``unshared`` noise of their own; ``shift`` slows the candidate."""
    rng = random.Random(seed)
    shift = shift or {}
    ref: dict[str, list[float]] = {}
    cand: dict[str, list[float]] = {}
    for i, name in enumerate(NAMES):
        base = 1e-3 * (1 + i / 10)
        moods = [base * math.exp(rng.gauss(0, drift)) for _ in range(pairs)]
        ref[name] = [m * math.exp(rng.gauss(0, unshared)) for m in moods]
        cand[name] = [m * shift.get(name, 1.0) * math.exp(rng.gauss(0, unshared)) for m in moods]
    return (make_set("ref", ref, seed + 10, worker_noise, ab="x", workers=1,
                     confirm_from=confirm_from),
            make_set("cand", cand, seed + 20, worker_noise, ab="x", workers=1,
                     confirm_from=confirm_from))


def verdicts(ref: ResultSet, cand: ResultSet, names=NAMES, **kwargs):
    return compare_sides(Side("A", [ref]), Side("B", [cand]), names, **kwargs)


# -- pairs (mpbench ab) --------------------------------------------------------------------

def test_pure_drift_in_pairs_is_no_change():
    """The machine moves by 15 % from pair to pair; both sides move with it: no change,
    with intervals inside the minimum effect."""
    found = verdicts(*paired_files(drift=0.15, unshared=0.01))
    assert {v.level for v in found.values()} == {PAIR_LEVEL}
    assert {v.verdict for v in found.values()} == {NO_CHANGE}
    assert all(v.drift_known and v.units == (8, 8) and v.df >= 7 for v in found.values())
    assert all(0.05 < v.detectable < 0.1 for v in found.values())


def test_a_10_percent_shift_with_tight_pairs_is_slower():
    name = NAMES[4]
    found = verdicts(*paired_files(drift=0.15, unshared=0.01, shift={name: 1.10}))
    assert found[name].verdict == SLOWER and found[name].low > 1.05
    assert found[name].ratio == pytest.approx(1.10, rel=0.03)
    assert [n for n, v in found.items() if v.verdict != NO_CHANGE] == [name]


def test_a_shift_with_wide_pairs_is_inconclusive():
    """Pairs that disagree by 25 % cannot say whether a 10 % shift is there."""
    name = NAMES[4]
    found = verdicts(*paired_files(drift=0.02, unshared=0.25, shift={name: 1.10}))
    assert found[name].verdict == INCONCLUSIVE
    assert found[name].detectable > 0.10


def test_a_faster_candidate_reads_as_a_speed_up_with_its_interval_the_same_way():
    name = NAMES[2]
    found = verdicts(*paired_files(drift=0.05, unshared=0.01, shift={name: 1 / 1.3}))
    v = found[name]
    assert v.verdict == FASTER
    text = v.describe()
    speed, low, high = (float(x) for x in
                        text.replace("x faster [", " ").replace(",", "").rstrip("]").split())
    assert low < speed < high and speed == pytest.approx(1.3, rel=0.05)


def test_files_of_different_ab_runs_are_not_paired():
    ref, _ = paired_files(drift=0.02, unshared=0.01, seed=1)
    _, cand = paired_files(drift=0.02, unshared=0.01, seed=2)
    for result in cand.results.values():
        result.md[AB_KEY] = "another"
    assert {v.level for v in verdicts(ref, cand).values()} == {PASS_LEVEL}


# -- one file a side, several files a side ----------------------------------------------------

def test_one_file_a_side_is_judged_on_passes_with_the_run_level_drift_unknown():
    a = make_set("a", drifting_levels(1, drift=0.06), seed=11)
    b = make_set("b", drifting_levels(2, drift=0.06), seed=12)
    found = verdicts(a, b)
    assert all(v.level == PASS_LEVEL and not v.drift_known and v.units == (2, 2)
               for v in found.values())
    assert {v.verdict for v in found.values()} <= {NO_CHANGE, INCONCLUSIVE}


def test_a_moderate_shift_is_called_only_beyond_the_minimum_effect():
    name = NAMES[3]
    a = make_set("a", drifting_levels(1, drift=0.002), seed=11, worker_noise=0.002)
    b = make_set("b", {n: [x * 1.03 for x in levels]
                       for n, levels in drifting_levels(1, drift=0.002).items()}, seed=12,
                 worker_noise=0.002)
    found = verdicts(a, b)
    assert all(v.low > 1.0 and v.verdict == NO_CHANGE for v in found.values())
    assert {v.verdict for v in verdicts(a, b, min_effect=0.01).values()} == {SLOWER}
    assert found[name].detectable < 0.06


def test_single_pass_files_fall_back_to_worker_processes_and_say_the_drift_is_unknown():
    a = make_set("a", drifting_levels(1, drift=0.02, passes=1), seed=11)
    b = make_set("b", drifting_levels(2, drift=0.02, passes=1), seed=12)
    found = verdicts(a, b)
    assert all(v.level == WORKER_LEVEL and not v.drift_known and v.units == (5, 5)
               and v.ref_spread is None for v in found.values())


def test_several_files_a_side_measure_the_run_to_run_drift():
    files = [make_set(f"f{i}", drifting_levels(i, drift=0.03), seed=20 + i) for i in range(4)]
    found = compare_sides(Side("A", files[:2]), Side("B", files[2:]), NAMES)
    assert {v.units for v in found.values()} == {(2, 2)}
    assert {v.level for v in found.values()} == {RUN_LEVEL}
    assert all(v.drift_known for v in found.values())
    assert not {v.verdict for v in found.values()} & {SLOWER, FASTER}


def test_one_pass_on_each_side_and_one_worker_gives_no_interval():
    rng = random.Random(1)
    sets = []
    for path in ("a", "b"):
        bench = make_bench(NAMES[0], [1e-3], rng, workers=1)
        sets.append(ResultSet(path, {NAMES[0]: Result(NAMES[0], {}, bench.get_values(), bench)}))
    found = verdicts(sets[0], sets[1], names=NAMES[:1])[NAMES[0]]
    assert found.verdict == INCONCLUSIVE and math.isinf(found.high) and found.df == 0
    assert math.isinf(found.detectable)


@pytest.mark.parametrize("low, high, verdict", [
    (1.06, 1.5, SLOWER), (1.05, 1.5, INCONCLUSIVE), (0.5, 0.95, FASTER),
    (0.5, 1 / 1.05, INCONCLUSIVE), (0.9, 1.1, INCONCLUSIVE), (1.01, 1.04, NO_CHANGE),
    (0.96, 1.049, NO_CHANGE)])
def test_judge(low, high, verdict):
    assert judge(low, high, 0.05) == verdict


# -- the gate -------------------------------------------------------------------------------

def comparison(ref: ResultSet, cand: ResultSet, min_effect: float = 0.05) -> Comparison:
    return Comparison([ref, cand], [Side("A", [ref]), Side("B", [cand])], list(NAMES),
                      min_effect, [verdicts(ref, cand, min_effect=min_effect)])


def test_the_gate_trips_on_a_confirmed_slowdown_only():
    name = NAMES[5]
    ref, cand = paired_files(drift=0.1, unshared=0.01, pairs=16, shift={name: 1.2},
                             confirm_from=9)
    found = comparison(ref, cand)
    assert found.verdicts[0][name].confirmation is not None
    result = gate.gate(found, 0.10)
    assert result.trips and [v.name for _, v, _ in result.tripped] == [name]
    assert result.confirmed == len(NAMES)  # every benchmark of this file has confirmation pairs
    assert not gate.gate(found, 0.25).trips


def test_the_gate_ignores_inconclusive_verdicts():
    """A slowdown the pairs cannot pin down (inconclusive) never trips the gate."""
    name = NAMES[5]
    ref, cand = paired_files(drift=0.02, unshared=0.2, shift={name: 1.15})
    found = comparison(ref, cand)
    assert found.verdicts[0][name].verdict == INCONCLUSIVE
    result = gate.gate(found, 0.05)
    assert not result.trips and result.inconclusive >= 1


def test_the_gate_ignores_verdicts_whose_drift_is_unknown():
    """One file a side: a 30 % slowdown is called, but the run-level drift is unknown, so
    it cannot trip the gate; the gate says why."""
    name = NAMES[3]
    a = make_set("a", drifting_levels(1, drift=0.002), seed=11, worker_noise=0.002)
    b = make_set("b", drifting_levels(1, drift=0.002, shift={name: 1.3}), seed=12,
                 worker_noise=0.002)
    found = comparison(a, b)
    assert found.verdicts[0][name].verdict == SLOWER
    result = gate.gate(found, 0.05)
    assert not result.trips and result.unknown_drift == len(NAMES)
    assert any("unknown run-level drift" in line for line in result.lines())


def test_without_confirmation_pairs_the_gate_is_bonferroni_over_the_selection():
    """A slowdown called at 95 % but not beyond the family-wise bound does not trip."""
    name = NAMES[6]
    ref, cand = paired_files(drift=0.05, unshared=0.03, pairs=6, shift={name: 1.13}, seed=4)
    found = comparison(ref, cand)
    v = found.verdicts[0][name]
    assert v.verdict == SLOWER and v.confirmation is None
    bound = v.estimate.diff - v.estimate.half(1 - gate.ALPHA / len(NAMES), one_sided=True)
    assert gate.gate(found, 0.05).trips == (bound > math.log(1.05))
    assert not gate.gate(found, 0.5).trips


# -- intervals -------------------------------------------------------------------------------

@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (10, 2.2281),
                                          (30, 2.0423), (2.5, 3.5747), (math.inf, 1.95996)])
def test_t_quantiles_match_the_tables(df, expected):
    assert intervals.t_quantile(0.95, df) == pytest.approx(expected, abs=2e-4)


def test_the_prior_needs_enough_benchmarks_is_capped_and_never_narrows_a_variance():
    assert intervals.fit_prior([0.01] * 5, [2] * 5) == (0.0, 0.0)
    rng = random.Random(3)
    variances = [0.0025 * rng.gammavariate(1, 1) for _ in range(40)]  # chi-square, 2 df
    d0, s0 = intervals.fit_prior(variances, [2] * 40)
    assert 2 < d0 <= intervals.MAX_PRIOR_DF and 0.001 < s0 < 0.006
    for variance in variances:
        moderated, df = intervals.moderate(variance, 2, (d0, s0))
        assert moderated >= variance and df == pytest.approx(d0 + 2)


def test_a_few_very_noisy_benchmarks_do_not_set_everyone_s_variance():
    """36 quiet benchmarks and 4 bimodal ones: the prior's scale is the quiet ones'."""
    rng = random.Random(5)
    quiet = [0.0004 * rng.gammavariate(1, 1) for _ in range(36)]
    _, s0 = intervals.fit_prior(quiet + [0.09] * 4, [2] * 40)
    _, s0_quiet = intervals.fit_prior(quiet, [2] * 36)
    assert s0 < 2 * s0_quiet


def test_a_paired_estimate_never_beats_its_workers():
    """Pairs that agree by chance still carry the noise of the workers inside them."""
    lucky = intervals.paired([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], floor=0.01, floor_df=12)
    assert lucky.se == pytest.approx(math.sqrt(0.01 / 3)) and lucky.df == 12
    noisy = intervals.paired([1.0, 1.2, 1.0], [1.2, 1.0, 1.0], floor=0.0001, floor_df=12)
    assert noisy.df == 2 and noisy.se > 0.05


def test_the_simulated_gate_keeps_its_false_trip_rate_and_sees_a_large_slowdown():
    """The whole procedure replayed: on an unchanged selection the gate trips at most
    5 % of the time, on pairs drawn normal or heavy-tailed; a 30 % slowdown in one of 40
    tight benchmarks trips it nearly always."""
    from mpbench.reporting.power import simulate

    for tail in (None, 3.0):
        found = simulate([0.15] * 40, pairs=5, confirm_pairs=5, threshold=0.05,
                         effects=(0.30,), trials=1500, seed=3, tail_df=tail)
        assert found.false_trips <= 0.05 and found.false_calls <= 0.05
    tight = simulate([0.03] * 40, pairs=8, confirm_pairs=8, threshold=0.05,
                     effects=(0.10, 0.30), trials=800, seed=4)
    assert tight.tripped[0.30] > 0.95 and tight.called[0.10] > 0.8
    assert tight.false_trips <= 0.05
