"""``mpbench run``: one pyperf manager per benchmark, then one results file.

Running each benchmark under its own pyperf manager (in its own session) is
what lets a failing or hanging benchmark fail alone: pyperf stops a whole
script at the first worker error. The per-benchmark JSON files are merged
with pyperf's own API, the machine's metadata is added, and the results file
is published whole and without replacing any file (:mod:`mpbench.publish`),
so ``pyperf show|stats|compare_to`` read it unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TextIO

import pyperf

import mpbench
from mpbench import harness, passes, publish, samples, workdirs
from mpbench.machine import machine_metadata
from mpbench.memory_check import spec_shortfall
from mpbench.modes import Mode
from mpbench.options import Options, child_timeout
from mpbench.output_watch import OutputWatch, open_log
from mpbench.passes import Job
from mpbench.procgroup import live_members, start_session, stop_group
from mpbench.progress import ProgressStream
from mpbench.spec import BenchSpec
from mpbench.suite import CONFIG_FLAG, FAILED_PREFIX
from mpbench.units import format_clock, format_seconds, format_size

# Bumped whenever the metadata a report relies on changes meaning, so a report
# can refuse files it would misread.
RESULTS_LAYOUT = 1


@dataclass
class Outcome:
    """What became of one benchmark."""

    spec: BenchSpec
    seconds: float
    benchmark: pyperf.Benchmark | None = None
    error: str | None = None
    skipped: str | None = None


@dataclass
class RunSide:
    """An interpreter whose pyperf workers run the benchmarks, and its results file.

    ``mpbench run`` has one side, this interpreter; ``mpbench ab`` has two.
    ``python`` is given to pyperf's manager as ``--python`` (None: this
    interpreter); ``env`` is added to the manager's environment (pyperf passes
    ``PYTHONPATH`` on to its workers); ``metadata`` replaces what
    :func:`machine_metadata` says of this interpreter with what the side's says.
    """

    output: str
    label: str = ""
    python: str | None = None
    env: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    command: str = "run"


@dataclass
class RunPlan:
    """Everything ``mpbench run`` (or ``mpbench ab``) decided before measuring anything."""

    specs: Sequence[BenchSpec]
    options: Options
    mode: Mode
    output: str
    argv: Sequence[str] = field(default_factory=list)
    passes: int = 1
    sides: Sequence[RunSide] = ()
    jobs: Sequence[Job] = ()  # given by ``mpbench ab`` (pairs); else one per pass
    run_metadata: dict[str, Any] = field(default_factory=dict)  # added to every file

    def all_sides(self) -> list[RunSide]:
        return list(self.sides) or [RunSide(self.output)]


def default_output(directory: str = "results") -> str:
    """``results/<host>-py<ver>-<UTC timestamp>.json``."""
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname()) or "host"
    version = "{}.{}".format(*sys.version_info[:2])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(directory, f"{host}-py{version}-{stamp}.json")


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _bench_summary(bench: pyperf.Benchmark) -> str:
    mean = bench.mean()
    if bench.get_nvalue() >= 2:
        return f"{format_seconds(mean)} +- {format_seconds(bench.stdev())}"
    return format_seconds(mean)


def _peak_rss(bench: pyperf.Benchmark) -> int:
    """The largest ``mpbench_peak_rss`` a worker recorded (0: none)."""
    found = [run.get_metadata().get("mpbench_peak_rss") for run in bench.get_runs()]
    found.append(bench.get_metadata().get("mpbench_peak_rss"))
    return max((value for value in found if isinstance(value, int)), default=0)


def _failure_message(log_path: str, returncode: int) -> str:
    """The log's ``FAILED`` lines (the worker's; the manager's on a killed worker), else
    pyperf's last line."""
    try:
        with open(log_path, errors="replace") as log:
            lines = [line.rstrip() for line in log if line.strip()]
    except OSError as exc:  # the output folder was removed or moved
        return f"pyperf exited with status {returncode}; its log is gone ({exc.strerror})"
    failed = [line[len(FAILED_PREFIX):] for line in lines if line.startswith(FAILED_PREFIX)]
    if failed:
        return "; ".join(failed)
    tail = lines[-1] if lines else "(no output)"
    return f"pyperf exited with status {returncode}: {tail}"


class SuiteRun:
    """Runs a :class:`RunPlan` and writes its results file (one per side)."""

    def __init__(self, plan: RunPlan, out: TextIO | None = None) -> None:
        self.plan = plan
        # a closed stdout (`| head`, `>&-`) must not stop the run
        self.out = ProgressStream(out if out is not None else sys.stdout)
        self.watch: OutputWatch | None = None  # the output folder still there, with room
        self.unfinished: set[int] = set()  # benchmarks a stopped run did not run to the end
        self.sides = plan.all_sides()
        self.saved_sides: list[publish.Published | None] = [None] * len(self.sides)
        self.outcomes_by_side = [[Outcome(spec, 0.0) for spec in plan.specs]
                                 for _ in self.sides]
        self.means: list[dict[str, float]] = [{} for _ in self.sides]
        self.jobs = list(plan.jobs) or passes.schedule(plan.specs, plan.passes,
                                                       plan.mode.processes_for)
        self.loops: dict[str, int] = {}  # calibrated by a benchmark's first job, then reused
        self._first: dict[str, passes.Job] = {}

    @property
    def outcomes(self) -> list[Outcome]:
        return self.outcomes_by_side[0]

    @property
    def saved(self) -> publish.Published | None:
        return self.saved_sides[0]

    def say(self, text: str = "", end: str = "\n") -> None:
        print(text, end=end, file=self.out, flush=True)

    def _ended(self, index: int) -> bool:
        """A failure (or a skip for lack of memory) on any side ends a benchmark."""
        return any(side[index].error or side[index].skipped for side in self.outcomes_by_side)

    def run(self) -> int:
        """Run every benchmark; 0 if all passed, 1 if any failed, 130 if interrupted."""
        plan = self.plan
        workdir = workdirs.fresh(os.path.dirname(plan.output), workdirs.RUN_PREFIX, self.say)
        self.watch = watch = OutputWatch(workdir, plan.output, self.say)
        previous = {sig: signal.signal(sig, _raise_interrupted)
                    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self._header()
            started, number = time.monotonic(), 0
            while True:
                for job in self.jobs[number:]:
                    if watch.stopped():
                        break
                    if not self._ended(job.index):
                        self._run_one(number, job, workdir, started)
                    number += 1
                extra = [] if watch.stopped() else self.more_jobs()
                if not extra:
                    break
                self.jobs.extend(extra)
            self.unfinished = {job.index for job in self.jobs[number:]}
            with watch.workdir() as now:
                return self._finish(now, time.monotonic() - started)
        except Interrupted as exc:
            self.say(f"\ninterrupted ({exc}): stopped every child; no results written")
            return 130
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            left = watch.where()  # where it went, if the output folder was moved
            watch.close()
            if left and all(saved is None or saved.kept_workdir != left
                            for saved in self.saved_sides):
                shutil.rmtree(left, ignore_errors=True)

    def more_jobs(self) -> list[passes.Job]:
        """Jobs to run once every scheduled one has run (none: the run is over)."""
        return []

    def tag(self, bench: pyperf.Benchmark, job: passes.Job) -> pyperf.Benchmark:
        """Mark one job's runs with their pass (and pair)."""
        return passes.tag(bench, job.pass_no, job.position)

    def _header(self) -> None:
        plan = self.plan
        md = machine_metadata()
        total = sum(self._estimate(job) for job in self.jobs)
        self.say(f"mpbench {mpbench.__version__} on {md['mpbench_python']}, "
                 f"{md['mpbench_usable_cpus']} usable CPUs ({md['mpbench_virtualization']}), "
                 f"default start method {md['mpbench_default_start_method']}")
        if len(self.sides) > 1:
            npairs = len({job.pass_no for job in self.jobs})
            self.say(f"{len(plan.specs)} benchmarks x {len(self.sides)} interpreters, mode "
                     f"{plan.mode.name}, {npairs} interleaved pairs, "
                     f"estimated {format_clock(total)}; results: "
                     + ", ".join(os.path.relpath(side.output) for side in self.sides))
            return
        self.say(f"{len(plan.specs)} benchmarks, mode {plan.mode.name}, {plan.passes} pass"
                 f"{'es' if plan.passes > 1 else ''}, "
                 f"estimated {format_clock(total)}; results: {os.path.relpath(plan.output)}")

    def _estimate(self, job: passes.Job) -> float:
        first = self._first.setdefault(job.spec.name, job)  # it calibrates the loops
        return self.plan.mode.estimate(job.spec, job.processes, calibrate=job is first)

    def _eta(self, number: int, elapsed: float) -> str:
        done_est = sum(self._estimate(job) for job in self.jobs[:number])
        left_est = sum(self._estimate(job) for job in self.jobs[number:])
        scale = elapsed / done_est if done_est > 0 and elapsed > 0 else 1.0
        return f"{format_clock(elapsed)} elapsed, ~{format_clock(left_est * scale)} left"

    def _command(self, job: passes.Job, workdir: str, part: str) -> list[str]:
        spec, side = job.spec, self.sides[job.side]
        samples_dir = os.path.join(workdir, f"side-{job.side}")
        os.makedirs(samples_dir, exist_ok=True)
        config = {"names": [spec.name], "options": self.plan.options,
                  "scratch_dir": workdir, "samples_dir": samples_dir,
                  "parent_pid": os.getpid()}  # the manager stops its session if we die
        timeout = int(self._estimate(job) * 10 + 4 * child_timeout(self.plan.options) + 60)
        python = ["--python", side.python] if side.python else []
        return [sys.executable, "-m", "mpbench.suite", CONFIG_FLAG, json.dumps(config),
                "--quiet", "--timeout", str(timeout), "-o", part, *python,
                *self.plan.mode.pyperf_args(spec, job.processes, self.loops.get(spec.name))]

    def _environ(self, job: passes.Job) -> dict[str, str] | None:
        extra = self.sides[job.side].env
        return {**os.environ, **extra} if extra else None

    def _announce(self, number: int, job: passes.Job, started: float) -> None:
        total, npasses = len(self.jobs), self.plan.passes
        if len(self.sides) > 1:
            where = f"pair {job.pass_no}, {self.sides[job.side].label}; "
        else:
            where = f"pass {job.pass_no}/{npasses}; " if npasses > 1 else ""
        self.say(f"[{number + 1:>{len(str(total))}}/{total}] {job.spec.name} "
                 f"({where}{self._eta(number, time.monotonic() - started)})")

    def _run_one(self, number: int, job: passes.Job, workdir: str, started: float) -> None:
        """Run one benchmark's pass; merge its runs into the benchmark's outcome."""
        spec = job.spec
        self._announce(number, job, started)
        outcome = self.outcomes_by_side[job.side][job.index]
        means = self.means[job.side]
        short = spec_shortfall(spec.metadata)
        if short:  # checked before it starts: skipped with a line, not failed
            self.say(f"    skipped: {short}")
            outcome.skipped, outcome.benchmark = short, None
            return
        stem = f"bench-{job.index}-side{job.side}-pass{job.pass_no}"
        part = os.path.join(workdir, f"{stem}.json")
        log_path = os.path.join(workdir, f"{stem}.log")
        limit = self._estimate(job) * 10 + 4 * child_timeout(self.plan.options) + 120
        t0 = time.monotonic()
        with open_log(log_path) as log:
            proc = start_session(self._command(job, workdir, part), log, self._environ(job))
            try:
                returncode = proc.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                returncode = None
            except BaseException:
                stop_group(proc.pid, proc)
                raise
            leftovers = live_members(proc.pid)
            if returncode is None or leftovers:
                stop_group(proc.pid, proc)
        seconds = time.monotonic() - t0
        outcome.seconds += seconds
        if returncode is None:
            outcome.error = f"timed out after {limit:.0f} s; stopped"
        elif returncode != 0 or not os.path.exists(part):
            outcome.error = ((self.watch and self.watch.stopped(after_failure=True))
                             or _failure_message(log_path, returncode))
        else:
            bench = self.tag(pyperf.BenchmarkSuite.load(part).get_benchmarks()[0], job)
            if spec.name not in self.loops:
                self.loops[spec.name] = passes.calibrated_loops(bench) or 0
            outcome.benchmark = (bench if outcome.benchmark is None
                                 else passes.merge([outcome.benchmark, bench]))
            means[spec.name] = outcome.benchmark.mean()
        if outcome.error:
            outcome.benchmark = None  # a benchmark that failed in any pass is not written
            self.say(f"    FAILED: {outcome.error}")
        else:
            self._say_result(job, outcome, means, seconds)
        if leftovers and returncode is not None:
            self.say(f"    warning: {len(leftovers)} process(es) outlived the benchmark; stopped")

    def _say_result(self, job: passes.Job, outcome: Outcome, means: dict[str, float],
                    seconds: float) -> None:
        spec, bench = job.spec, outcome.benchmark
        assert bench is not None
        note = f"    {_bench_summary(bench)}"
        if spec.floor in means:
            note += f"  = {means[spec.name] / means[spec.floor]:.2f}x floor {spec.floor}"
        peak = _peak_rss(bench)
        if peak:  # all processes of the benchmark together, largest worker
            note += f"  peak RSS {format_size(peak)}"
        if job.pass_no > 1 and len(self.sides) == 1:
            spread = passes.spread(bench)
            note += f"  run-to-run spread {passes.format_spread(spread)}"
        self.say(f"{note}  [{seconds:.1f} s]")

    def _finish(self, workdir: str, elapsed: float) -> int:
        plan = self.plan
        failed = [o for side in self.outcomes_by_side for o in side if o.error]
        skipped = sorted({o.spec.name for side in self.outcomes_by_side for o in side
                          if o.skipped})
        if skipped:
            self.say(f"{len(skipped)} benchmark(s) skipped for lack of memory: "
                     + ", ".join(skipped))
        ended = {index for index in range(len(plan.specs)) if self._ended(index)}
        if self.unfinished - ended:  # a stopped run writes what ran all its passes
            self.say(f"{len(self.unfinished - ended)} benchmark(s) not run to the end: "
                     + ", ".join(plan.specs[i].name for i in sorted(self.unfinished - ended)))
        ended |= self.unfinished
        for number, (side, outcomes) in enumerate(zip(self.sides, self.outcomes_by_side)):
            passed = [o.benchmark for i, o in enumerate(outcomes)
                      if o.benchmark is not None and i not in ended]
            if not passed:
                continue
            if len(self.sides) == 1:
                for line in passes.spread_summary(passed):
                    self.say(line)
            saved = write_results(plan, passed, workdir, side, number)
            self.saved_sides[number] = saved
            self.say(f"{saved.describe()} ({len(passed)} benchmarks) in {format_clock(elapsed)}")
            found = saved.samples
            document = samples.load(found) if found and os.path.exists(found) else None
            if len(self.sides) == 1:
                for line in harness.summary_lines(harness.entries_of(passed, document)):
                    self.say(line)
        if not any(self.saved_sides):
            self.say("no benchmark succeeded: no results written")
        if failed:
            self.say(f"{len(failed)} benchmark(s) failed:")
            for outcome in failed:
                self.say(f"  {outcome.spec.name}: {outcome.error}")
            return 1
        stopped = self.watch is not None and self.watch.reason
        return 1 if stopped or any(s and not s.as_asked for s in self.saved_sides) else 0


def write_results(plan: RunPlan, benchmarks: list[pyperf.Benchmark], workdir: str,
                  side: RunSide | None = None, number: int = 0) -> publish.Published:
    """Merge per-benchmark results, add run and machine metadata, publish them."""
    side = side or RunSide(plan.output)
    run_md = {**machine_metadata(), **(side.metadata or {}),
              "mpbench_results_layout": RESULTS_LAYOUT,
              "mpbench_version": mpbench.__version__,
              "mpbench_mode": plan.mode.name,
              passes.PASSES_KEY: plan.passes,
              **plan.run_metadata,
              "mpbench_command": " ".join(["mpbench", side.command, *plan.argv])}
    for bench in benchmarks:
        bench.update_metadata(run_md)
    suite = pyperf.BenchmarkSuite(benchmarks)
    document = samples.merge_parts(os.path.join(workdir, f"side-{number}"),
                                   os.path.basename(side.output))
    # a benchmark that failed in a later pass is not written: nor are its earlier samples
    written = {bench.get_name() for bench in benchmarks}
    document["benchmarks"] = {name: kept for name, kept in document["benchmarks"].items()
                              if name in written}
    return publish.publish(side.output, suite, document if document["benchmarks"] else None,
                           workdir)
