"""The harness checks: every figure against what it claims to contain, from results only.

Two checks, computed the same way at the end of ``mpbench run`` and in the
report (both read pyperf benchmarks and their metadata, never re-run one):

- **reference ratio**: a benchmark whose ``mpbench_reference`` names a same-run minimal
  hand-written loop (``mpbench_is_reference: 1``) is divided by it. Near 1, the harness
  adds nothing to what it measures; the target is within :data:`DEFAULT_TARGET` (a
  group's descriptor may widen it: :data:`TARGETS`), both ways. The two run back to back
  in every pass (in turn first and second), so the ratio is judged in pairs, as
  ``mpbench ab`` judges two interpreters: each pass's log ratio cancels the drift both
  shared, the passes' spread sizes a 95 % interval (moderated across the file's checks
  for degrees of freedom), and a check is **within target** when its interval lies
  inside the target, **outside** when it lies wholly beyond it, **inconclusive**
  otherwise. Oversubscribed runs (more processes than CPUs: ``mpbench_oversubscribed``)
  are checked and shown but not held to the target: time slices set their figures, and
  their references', more than the harness does (4 contenders on 2 CPUs read 107 against
  172 ns, then 174 against 152, alternating here). Files from before references existed
  still have one check: the raw-pipe round trip whose ``mpbench_floor`` is the
  hand-written ``os_pipe_minimal`` loop.
- **busy work**: the critical section and think time measured in the
  instrumented passes against what was asked (``mpbench_critical_us``,
  ``mpbench_think_us``), flagged beyond :data:`BUSY_TOLERANCE`: the median
  over every timed call in the samples file (``critical_us_measured``,
  ``think_us_measured``), else over the worker processes' set-up probes
  (``mpbench_critical_us_measured``, ``mpbench_think_us_measured``; a probe
  runs on a fresh worker, whose first calibration read up to 14% fast here).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mpbench.groups import GROUPS
from mpbench.groups.descriptor import DEFAULT_HARNESS_TARGET as DEFAULT_TARGET
from mpbench.units import format_seconds

# Groups whose references cannot come closer (their descriptors say why).
TARGETS = {group.name: group.harness_target for group in GROUPS
           if group.harness_target != DEFAULT_TARGET}
BUSY_TOLERANCE = 0.10
CONFIDENCE = 0.95
BUSY_PARTS = (("critical", "inside the critical section"), ("think", "between acquisitions"))


WITHIN, OUTSIDE, INCONCLUSIVE = "within target", "outside target", "inconclusive"


@dataclass(frozen=True)
class Entry:
    """What the checks read of one benchmark: its metadata, pyperf mean, and the mean of
    each worker process by pass."""

    name: str
    md: Mapping[str, Any]
    mean: float
    workers_by_pass: Mapping[int, Sequence[float]] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return str(self.md.get("mpbench_group", ""))


@dataclass(frozen=True)
class Check:
    """One benchmark against its minimal reference, measured in the same run."""

    group: str
    name: str
    reference: str
    mean: float
    reference_mean: float
    oversubscribed: bool = False  # more processes than CPUs: time slices, not held to target
    interval: tuple[float, float] | None = None  # the paired ratio's 95 % interval
    paired_ratio: float | None = None  # geometric mean of the passes' ratios

    @property
    def ratio(self) -> float:
        return self.paired_ratio if self.paired_ratio is not None else \
            self.mean / self.reference_mean

    @property
    def target(self) -> float:
        return TARGETS.get(self.group, DEFAULT_TARGET)

    @property
    def state(self) -> str:
        """Within target, outside it, or inconclusive (the interval straddles an edge);
        without passes to pair, the ratio alone decides."""
        low, high = self.interval or (self.ratio, self.ratio)
        if low >= 1 / self.target and high <= self.target:
            return WITHIN
        if low > self.target or high < 1 / self.target:
            return OUTSIDE
        return INCONCLUSIVE

    @property
    def ok(self) -> bool:
        """Not shown to be outside its target."""
        return self.state != OUTSIDE

    @property
    def held(self) -> bool:
        """Held to the target: not an oversubscribed run, whose figure (and its
        reference's) is set by time slices more than by the harness."""
        return not self.oversubscribed

    def interval_text(self) -> str:
        return "" if self.interval is None else \
            f" [{self.interval[0]:.2f}, {self.interval[1]:.2f}]"

    def text(self) -> str:
        note = ("" if self.state == WITHIN else f" ({self.state} {self.target:.2f}x)") \
            if self.held else " (oversubscribed: not held to the target)"
        return (f"{self.name} {format_seconds(self.mean)} / {self.reference} "
                f"{format_seconds(self.reference_mean)} = {self.ratio:.2f}x"
                f"{self.interval_text()}{note}")


@dataclass(frozen=True)
class BusyFlag:
    """Busy work that measured more than :data:`BUSY_TOLERANCE` off what was asked."""

    name: str
    part: str          # "critical" or "think"
    asked_us: float
    measured_us: float

    def text(self) -> str:
        where = dict(BUSY_PARTS)[self.part]
        return (f"{self.name}: {self.measured_us:.3g} us measured {where}, "
                f"{self.asked_us:g} us asked ({self.measured_us / self.asked_us - 1:+.0%})")


def _run_median(runs_md: Iterable[Mapping[str, Any]], key: str) -> float | None:
    values = [md[key] for md in runs_md if isinstance(md.get(key), (int, float))]
    return statistics.median(values) if values else None


def entry_of(bench: Any, samples: Mapping[str, Any] | None = None) -> Entry:
    """An :class:`Entry` from a ``pyperf.Benchmark``: common metadata plus its first
    run's; the measured busy work is the median over the timed calls in
    ``samples`` (a samples document) when it has them, else over the worker
    processes' set-up measurements."""
    from mpbench.results import bench_metadata

    md = dict(bench_metadata(bench))
    runs_md = [run.get_metadata() for run in bench.get_runs()] + [bench.get_metadata()]
    calls = ((samples or {}).get("benchmarks", {}).get(bench.get_name(), {}).get("info", []))
    for part, _ in BUSY_PARTS:
        found = (_run_median(calls, f"{part}_us_measured")
                 if calls else None)
        if found is None:
            found = _run_median(runs_md, f"mpbench_{part}_us_measured")
        if found is not None:
            md[f"mpbench_{part}_us_measured"] = found
    from mpbench.passes import pass_workers

    by_pass = {number: [statistics.mean(worker) for worker in workers]
               for number, workers in pass_workers(bench).items()}
    return Entry(bench.get_name(), md, bench.mean(), by_pass)


def entries_of(benchmarks: Iterable[Any],
               samples: Mapping[str, Any] | None = None) -> dict[str, Entry]:
    """Entries of pyperf benchmarks, by name (``samples``: their samples document)."""
    return {entry.name: entry for entry in (entry_of(b, samples) for b in benchmarks)}


def _reference_of(entry: Entry, entries: Mapping[str, Entry]) -> str | None:
    reference = entry.md.get("mpbench_reference")
    if reference:
        return str(reference)
    floor = entries.get(str(entry.md.get("mpbench_floor", "")))
    if floor is not None and floor.md.get("mpbench_transport") == "os_pipe_minimal":
        return floor.name  # results written before references had their own key
    return None


def _paired(entry: Entry, reference: Entry) -> Any:
    """The check's estimate over the passes both ran (None: fewer than two)."""
    from mpbench.reporting import intervals

    common = sorted(set(entry.workers_by_pass) & set(reference.workers_by_pass))
    if len(common) < 2:
        return None
    floor, floor_df = intervals.within_pairs([reference.workers_by_pass[p] for p in common],
                                             [entry.workers_by_pass[p] for p in common])
    return intervals.paired([statistics.mean(reference.workers_by_pass[p]) for p in common],
                            [statistics.mean(entry.workers_by_pass[p]) for p in common],
                            floor, floor_df)


def checks(entries: Mapping[str, Entry]) -> list[Check]:
    """Every benchmark whose reference is in the same results, in file order, each judged
    on its passes (moderated across the file's checks)."""
    from mpbench.reporting import intervals

    pairs = []
    for entry in entries.values():
        name = _reference_of(entry, entries)
        if name and name in entries and entries[name].mean > 0:
            pairs.append((entry, entries[name], _paired(entry, entries[name])))
    sized = [e for _, _, e in pairs if e is not None and e.sized]
    moderated = iter(intervals.moderate_paired(sized))
    found = []
    for entry, reference, estimate in pairs:
        interval = ratio = None
        if estimate is not None and estimate.sized:
            estimate = next(moderated)
            interval, ratio = estimate.interval(CONFIDENCE), math.exp(estimate.diff)
        found.append(Check(entry.group, entry.name, reference.name, entry.mean, reference.mean,
                           bool(entry.md.get("mpbench_oversubscribed")), interval, ratio))
    return found


def groups(entries: Mapping[str, Entry]) -> list[str]:
    """Groups present, in file order."""
    seen: list[str] = []
    for entry in entries.values():
        if entry.group and entry.group not in seen:
            seen.append(entry.group)
    return seen


def busy_flags(entries: Mapping[str, Entry],
               tolerance: float = BUSY_TOLERANCE) -> list[BusyFlag]:
    """Busy work measured more than ``tolerance`` away from what was asked."""
    flags = []
    for entry in entries.values():
        for part, _ in BUSY_PARTS:
            asked = entry.md.get(f"mpbench_{part}_us")
            measured = entry.md.get(f"mpbench_{part}_us_measured")
            if (isinstance(asked, (int, float)) and asked > 0
                    and isinstance(measured, (int, float))
                    and abs(measured / asked - 1) > tolerance):
                flags.append(BusyFlag(entry.name, part, float(asked), float(measured)))
    return flags


def group_summary(group: str, group_checks: list[Check], where: str = "file") -> str:
    """One line: the group's harness check (or that the file, or run, has none)."""
    if not group_checks:
        return (f"Harness check, {group}: no harness check in this {where} (no benchmark "
                "of the group names a same-run minimal reference)")
    held = [c for c in group_checks if c.held] or group_checks
    ratios = [c.ratio for c in held]
    off = [c for c in held if c.state == OUTSIDE]
    unsure = [c for c in held if c.state == INCONCLUSIVE]
    target = group_checks[0].target
    span = (f"{min(ratios):.2f}x" if len(ratios) == 1
            else f"{min(ratios):.2f}x to {max(ratios):.2f}x")
    parts = [f"{len(off)} outside: " + ", ".join(f"{c.name} {c.ratio:.2f}x{c.interval_text()}"
                                                 for c in off)] if off else []
    parts += [f"{len(unsure)} inconclusive: " + ", ".join(
        f"{c.name} {c.ratio:.2f}x{c.interval_text()}" for c in unsure)] if unsure else []
    verdict = "; ".join(parts) or "all within"
    loose = len(group_checks) - len(held)
    extra = (f"; {loose} more oversubscribed, not held to the target: "
             + ", ".join(f"{c.ratio:.2f}x" for c in group_checks if not c.held)) if loose else ""
    return (f"Harness check, {group}: {len(held)} benchmark(s) / their same-run "
            f"minimal loops = {span} (target within {target:.2f}x either way: {verdict}){extra}")


def summary_lines(entries: Mapping[str, Entry], where: str = "run") -> list[str]:
    """What ``mpbench run`` prints at the end: a line per group, each check, the flags."""
    found = checks(entries)
    lines = []
    for group in groups(entries):
        mine = [c for c in found if c.group == group]
        lines.append(group_summary(group, mine, where))
        lines += [f"    {c.text()}" for c in mine]
    flags = busy_flags(entries)
    if flags:
        lines.append(f"Busy work off by more than {BUSY_TOLERANCE:.0%} in {len(flags)} "
                     "benchmark(s) (their figures are not at the work point they name):")
        lines += [f"    {flag.text()}" for flag in flags]
    return lines
