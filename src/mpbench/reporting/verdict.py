"""Is a change real? Verdicts judged at the level where the machine's noise lives.

A results file holds values within worker processes, worker processes within
passes (one pyperf manager each), and files run at other times. This VM drifts
between runs minutes apart as much as the effects worth seeing, so a verdict
is only as good as the level it is judged at:

- ``pair`` (``mpbench ab``): both interpreters measured back to back, pair after
  pair, in random order. Each pair's log ratio cancels the drift they shared;
  the pairs' spread sizes the interval (:func:`intervals.paired`). Drift known.
- ``run`` (several files a side, ``--vs``): each file is one observation; the
  run-to-run variance is estimated from the files themselves. Drift known.
- ``pass`` (one file a side, with passes): the passes' spread sizes the
  interval, but the drift between the two runs is unknown.
- ``worker`` (single-pass files): worker processes only; drift unknown.

Four verdicts, with ``m`` the minimum effect: **slower** when the whole 95 %
interval lies above 1 + m, **faster** when it lies below 1 / (1 + m), **no
change** when it lies inside both, **inconclusive** when it straddles a
margin. Each verdict carries the smallest change its interval could have
called (``detectable``): the margin plus the interval's half-width.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mpbench import passes
from mpbench.reporting import intervals
from mpbench.reporting.data import ResultSet
from mpbench.reporting.intervals import Estimate

SLOWER, FASTER, NO_CHANGE, INCONCLUSIVE = "slower", "faster", "no change", "inconclusive"
VERDICTS = (SLOWER, FASTER, NO_CHANGE, INCONCLUSIVE)
PAIR_LEVEL, RUN_LEVEL, PASS_LEVEL, WORKER_LEVEL = "pair", "run", "pass", "worker"
DRIFT_KNOWN = (PAIR_LEVEL, RUN_LEVEL)
LEVEL_TEXT = {PAIR_LEVEL: "interval over interleaved pairs, drift cancelled",
              RUN_LEVEL: "interval over runs, run-to-run drift measured",
              PASS_LEVEL: "interval over passes, run-level drift unknown",
              WORKER_LEVEL: "worker-level interval, drift unknown"}
AB_KEY = "mpbench_ab"            # the id of the ``mpbench ab`` run both files come from
CONFIRM_KEY = "mpbench_confirm"  # a run of a confirmation pair (the gate's second stage)
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
        """One mean per observation: file (``run``), pass (``pass``) or worker process
        (``worker``); pyperf gives every worker the same number of values."""
        if level == RUN_LEVEL:
            return [rs.results[name].mean for rs in self.sets]
        groups = self.worker_means(name)
        if level == PASS_LEVEL:
            return [statistics.mean(group) for group in groups]
        return [mean for group in groups for mean in group]

    def pairs(self, name: str, confirm: bool | None = None) -> dict[int, list[float]]:
        """``mpbench ab`` files: the worker means of each pair (``confirm``: only the
        confirmation pairs, or only the others; None: all)."""
        found: dict[int, list[float]] = {}
        for run in self.sets[0].results[name].bench.get_runs():
            md = run.get_metadata()
            pair = md.get(passes.PAIR_KEY)
            if not run.values or not isinstance(pair, int):
                continue
            if confirm is not None and bool(md.get(CONFIRM_KEY)) != confirm:
                continue
            found.setdefault(pair, []).append(statistics.mean(run.values))
        return found

    def ab_id(self) -> str | None:
        """The ``mpbench ab`` run this side's single file comes from (None: not one)."""
        if len(self.sets) != 1 or not self.sets[0].results:
            return None
        value = next(iter(self.sets[0].results.values())).md.get(AB_KEY)
        return str(value) if value else None

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
    estimate: Estimate
    verdict: str               # one of VERDICTS
    level: str                 # PAIR_LEVEL, RUN_LEVEL, PASS_LEVEL or WORKER_LEVEL
    min_effect: float
    ref_mean: float
    cand_mean: float
    ref_spread: float | None = None
    cand_spread: float | None = None
    confirmation: Estimate | None = None  # the gate's confirmation pairs alone, if any

    @property
    def ratio(self) -> float:
        """Candidate / reference (geometric mean over the units): > 1 is slower."""
        return math.exp(self.estimate.diff)

    @property
    def low(self) -> float:
        return self.estimate.interval(CONFIDENCE)[0]

    @property
    def high(self) -> float:
        return self.estimate.interval(CONFIDENCE)[1]

    @property
    def df(self) -> float:
        return self.estimate.df

    @property
    def units(self) -> tuple[int, int]:
        return self.estimate.units

    @property
    def drift_known(self) -> bool:
        return self.level in DRIFT_KNOWN

    @property
    def detectable(self) -> float:
        """The smallest change (a fraction, 0.08 for 8 %) this interval could have called
        slower or faster: the minimum effect plus the interval's half-width (inf: none)."""
        half = self.estimate.half(CONFIDENCE)
        return math.expm1(math.log1p(self.min_effect) + half) if math.isfinite(half) \
            else math.inf

    def describe(self) -> str:
        """``1.31x slower [1.22, 1.41]``, ``1.25x faster [1.10, 1.42]`` (the interval in
        the direction of the words), ``no change (0.99x [0.97, 1.02])``."""
        low, high = self.low, self.high
        if not math.isfinite(high):
            interval = "[no interval]"
        elif self.verdict == FASTER:
            interval = f"[{1 / high:.2f}, {1 / low:.2f}]"
        else:
            interval = f"[{low:.2f}, {high:.2f}]"
        if self.verdict == SLOWER:
            return f"{self.ratio:.2f}x slower {interval}"
        if self.verdict == FASTER:
            return f"{1 / self.ratio:.2f}x faster {interval}"
        return f"{self.verdict} ({self.ratio:.2f}x {interval})"

    def ratio_text(self) -> str:
        """``1.06x slower [1.01, 1.12]``, ``1.25x faster [1.03, 1.54]``: the ratio in
        words with its interval in the same direction, whatever the verdict."""
        return ratio_words(self.ratio, self.low, self.high)


def ratio_words(ratio: float, low: float | None = None, high: float | None = None) -> str:
    """``1.06x slower``, or ``1.25x faster`` for a ratio of 0.80 (``1.00x``: exactly
    the same); with ``low`` and ``high``, the interval follows in the same direction (a
    speed-up's inverted)."""
    faster = ratio < 1
    text = f"{1 / ratio:.2f}x faster" if faster else f"{ratio:.2f}x slower" if ratio > 1 \
        else f"{ratio:.2f}x"
    if low is None or high is None:
        return text
    if not math.isfinite(high) or low <= 0:
        return f"{text} [no interval]"
    low, high = (1 / high, 1 / low) if faster else (low, high)
    return f"{text} [{low:.2f}, {high:.2f}]"


def geometric_mean(ratios: Sequence[float]) -> float:
    """The geometric mean of candidate/reference ratios (nan: none)."""
    return math.exp(statistics.fmean(math.log(r) for r in ratios)) if ratios else math.nan


def judge(low: float, high: float, min_effect: float) -> str:
    """The verdict of an interval of the ratio."""
    if low > 1 + min_effect:
        return SLOWER
    if high < 1 / (1 + min_effect):
        return FASTER
    if low >= 1 / (1 + min_effect) and high <= 1 + min_effect:
        return NO_CHANGE
    return INCONCLUSIVE


def level_for(ref: Side, cand: Side, name: str) -> str:
    """The highest level the two sides allow for ``name``."""
    ab = ref.ab_id()
    if ab is not None and ab == cand.ab_id() and set(ref.pairs(name)) & set(cand.pairs(name)):
        return PAIR_LEVEL
    if len(ref.sets) + len(cand.sets) >= 3:
        return RUN_LEVEL
    n_ref, n_cand = (len(side.unit_means(name, PASS_LEVEL)) for side in (ref, cand))
    return PASS_LEVEL if n_ref + n_cand - 2 >= 1 else WORKER_LEVEL


def paired_estimate(ref: Side, cand: Side, name: str, confirm: bool | None = None
                    ) -> Estimate:
    """The mean log ratio over the pairs both sides ran, each pair's variance at least
    what its worker processes imply."""
    ref_pairs, cand_pairs = ref.pairs(name, confirm), cand.pairs(name, confirm)
    common = sorted(set(ref_pairs) & set(cand_pairs))
    floor, floor_df = intervals.within_pairs([ref_pairs[p] for p in common],
                                             [cand_pairs[p] for p in common])
    return intervals.paired([statistics.mean(ref_pairs[p]) for p in common],
                            [statistics.mean(cand_pairs[p]) for p in common], floor, floor_df)


def _floor(ref: Side, cand: Side, name: str, level: str) -> float:
    """The least variance one unit of ``level`` can have, from the level below it."""
    if level == PASS_LEVEL:
        return intervals.mean_log_variance(ref.worker_means(name) + cand.worker_means(name))
    if level == RUN_LEVEL:
        groups = []
        for side in (ref, cand):
            for rs in side.sets:
                by_pass = passes.pass_workers(rs.results[name].bench).values()
                means = [statistics.mean(v for worker in workers for v in worker)
                         for workers in by_pass]
                if len(means) < 2:  # a single-pass file: its workers
                    means = [statistics.mean(worker) for workers in by_pass for worker in workers]
                groups.append(means)
        return intervals.mean_log_variance(groups)
    return 0.0


def compare_sides(ref: Side, cand: Side, names: Sequence[str],
                  min_effect: float = DEFAULT_MIN_EFFECT) -> dict[str, Verdict]:
    """A verdict for every benchmark of ``names`` (present on both sides)."""
    levels = {name: level_for(ref, cand, name) for name in names}
    estimates: dict[str, Estimate] = {}
    unpaired: dict[str, tuple[float, float, int, float]] = {}
    for name in names:
        if levels[name] == PAIR_LEVEL:
            estimates[name] = paired_estimate(ref, cand, name)
        else:
            unpaired[name] = intervals.two_sample(
                ref.unit_means(name, levels[name]), cand.unit_means(name, levels[name]),
                _floor(ref, cand, name, levels[name]))
    paired = [name for name in names if levels[name] == PAIR_LEVEL]
    estimates.update(zip(paired, intervals.moderate_paired([estimates[n] for n in paired])))
    for level in (RUN_LEVEL, PASS_LEVEL, WORKER_LEVEL):
        at_level = [name for name in unpaired if levels[name] == level]
        prior = intervals.fit_prior([unpaired[n][1] for n in at_level],
                                    [unpaired[n][2] for n in at_level])
        for name in at_level:
            diff, var, df, factor = unpaired[name]
            units = (len(ref.unit_means(name, level)), len(cand.unit_means(name, level)))
            if df < 1:
                estimates[name] = Estimate(diff, math.inf, 0.0, units)
                continue
            var, df_used = intervals.moderate(var, df, prior)
            estimates[name] = Estimate(diff, math.sqrt(var * factor), df_used, units)
    found = {}
    for name in names:
        estimate = estimates[name]
        low, high = estimate.interval(CONFIDENCE)
        confirmation = None
        if levels[name] == PAIR_LEVEL and any(cand.pairs(name, confirm=True)):
            confirmation = paired_estimate(ref, cand, name, confirm=True)
        found[name] = Verdict(name, estimate, judge(low, high, min_effect), levels[name],
                              min_effect, ref.mean(name), cand.mean(name), ref.spread(name),
                              cand.spread(name), confirmation)
    return found


def counts(verdicts: Sequence[Verdict]) -> dict[str, int]:
    """How many of each verdict."""
    return {kind: sum(1 for v in verdicts if v.verdict == kind) for kind in VERDICTS}


def median_detectable(verdicts: Sequence[Verdict]) -> float:
    """The median of the smallest changes the verdicts could have called (inf: none)."""
    found = [v.detectable for v in verdicts]
    return statistics.median(found) if found else math.inf


def common_names(sets: Sequence[ResultSet]) -> list[str]:
    """Benchmarks present in every file, in the reference file's order."""
    return [name for name in sets[0].results if all(name in rs.results for rs in sets[1:])]


def _side_label(sets: Sequence[ResultSet]) -> str:
    return sets[0].label if len(sets) == 1 else f"{sets[0].label} +{len(sets) - 1}"


def make_sides(sets: Sequence[ResultSet], vs_count: int = 0,
               groups: Sequence[int] | None = None) -> list[Side]:
    """Reference first: the first file, or every file before the ``--vs`` files (pooled).
    ``groups``: how many consecutive files each side pools (a folder of runs is one side)."""
    if vs_count:
        ref, cand = sets[:len(sets) - vs_count], sets[len(sets) - vs_count:]
        return [Side(_side_label(ref), list(ref)), Side(_side_label(cand), list(cand))]
    if groups:
        sides, start = [], 0
        for size in groups:
            chunk = list(sets[start:start + size])
            sides.append(Side(_side_label(chunk), chunk))
            start += size
        return sides
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

    def left_out(self) -> dict[str, list[str]]:
        """Per file (its base name), the benchmarks it holds that not every file does."""
        return {os.path.basename(rs.path): sorted(set(rs.results) - set(self.names))
                for rs in self.sets if set(rs.results) - set(self.names)}

    def levels(self) -> list[str]:
        """The levels the verdicts were judged at, most trustworthy first."""
        found = {v.level for verdicts in self.verdicts for v in verdicts.values()}
        return [level for level in (PAIR_LEVEL, RUN_LEVEL, PASS_LEVEL, WORKER_LEVEL)
                if level in found]

    def interval_words(self) -> str:
        """``95% worker-level interval, drift unknown``: how the intervals were computed."""
        return f"{CONFIDENCE:.0%} " + " and ".join(LEVEL_TEXT[level] for level in self.levels())

    @classmethod
    def of(cls, sets: Sequence[ResultSet], vs_count: int = 0,
           min_effect: float = DEFAULT_MIN_EFFECT,
           groups: Sequence[int] | None = None) -> Comparison:
        """Compare ``sets``: the first file (or all before the last ``vs_count``, or the
        first of ``groups``) is the reference."""
        sides, names = make_sides(sets, vs_count, groups), common_names(sets)
        found = [compare_sides(sides[0], cand, names, min_effect) for cand in sides[1:]]
        return cls(sets, sides, names, min_effect, found)
