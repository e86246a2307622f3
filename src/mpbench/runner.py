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
from typing import TextIO

import pyperf

import mpbench
from mpbench import harness, passes, publish, samples, workdirs
from mpbench.catalogue import BenchSpec
from mpbench.machine import machine_metadata
from mpbench.memory_check import spec_shortfall
from mpbench.options import Options, child_timeout
from mpbench.procgroup import live_members, start_session, stop_group
from mpbench.progress import ProgressStream
from mpbench.suite import CONFIG_FLAG, FAILED_PREFIX
from mpbench.units import format_clock, format_seconds, format_size

WORKER_OVERHEAD = 0.2  # seconds to start one pyperf worker (python + pyperf import)
# Bumped whenever the metadata a report relies on changes meaning, so a report
# can refuse files it would misread.
RESULTS_LAYOUT = 1


@dataclass(frozen=True)
class Mode:
    """How hard pyperf works: worker processes, values per worker, minimum value time."""

    name: str
    processes: int
    values: int
    warmups: int = 1
    min_time: float = 0.1

    def processes_for(self, spec: BenchSpec) -> int:
        return max(3, round(self.processes * spec.weight))

    def pyperf_args(self, spec: BenchSpec, processes: int | None = None,
                    loops: int | None = None) -> list[str]:
        """pyperf's options for ``spec``; ``processes`` and ``loops``: one pass's share
        of the workers and the loops an earlier pass calibrated."""
        if self.name == "debug":
            return ["--debug-single-value"]
        processes = self.processes_for(spec) if processes is None else processes
        args = ["-p", str(processes), "-n", str(self.values),
                "-w", str(self.warmups), "--min-time", str(self.min_time)]
        loops = spec.loops or loops
        if loops:
            args += ["-l", str(loops)]
        return args

    def estimate(self, spec: BenchSpec, processes: int | None = None,
                 calibrate: bool = True) -> float:
        """Rough seconds the benchmark takes (for progress, and its time limit)."""
        if self.name == "debug":
            return 2 * WORKER_OVERHEAD + spec.cost
        per_value = spec.cost if spec.loops else max(spec.cost, self.min_time)
        workers = self.processes_for(spec) if processes is None else processes
        total = workers * (WORKER_OVERHEAD + (self.warmups + self.values) * per_value)
        if calibrate and not spec.loops:
            total += WORKER_OVERHEAD + 4 * per_value  # pyperf's loop calibration
        return total


# Worker processes and values follow pyperf's own defaults and its --fast and
# --rigorous flags (20 x 3, 10 x 2, 40 x 3). Values last at least 50 ms
# (25 ms with --fast) instead of pyperf's 100 ms outside --rigorous: these
# benchmarks time micro- to milliseconds, far above the timer's resolution,
# and the time is better spent on more worker processes, which is where the
# variance lies. The default mode runs 16 workers, not pyperf's 20: with five
# groups that keeps a default run under 30 minutes on 2 cores, and the run's
# passes (which the comparison's intervals rest on) measure the drift that more
# workers of one pass could not.
# "debug" is pyperf's --debug-single-value: one value, for smoke tests only.
MODES = {
    "fast": Mode("fast", processes=10, values=2, min_time=0.025),
    "default": Mode("default", processes=16, values=3, min_time=0.05),
    "rigorous": Mode("rigorous", processes=40, values=3, min_time=0.1),
    "debug": Mode("debug", processes=1, values=1, warmups=0),
}


@dataclass
class Outcome:
    """What became of one benchmark."""

    spec: BenchSpec
    seconds: float
    benchmark: pyperf.Benchmark | None = None
    error: str | None = None
    skipped: str | None = None
    passes_done: int = 0


@dataclass
class RunPlan:
    """Everything ``mpbench run`` decided before measuring anything."""

    specs: Sequence[BenchSpec]
    options: Options
    mode: Mode
    output: str
    argv: Sequence[str] = field(default_factory=list)
    passes: int = 1


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
    """What the benchmark's log says went wrong: its ``FAILED`` lines (the worker's, or
    the manager's about a killed worker), else pyperf's last line."""
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
    """Runs a :class:`RunPlan` and writes its results file."""

    def __init__(self, plan: RunPlan, out: TextIO | None = None) -> None:
        self.plan = plan
        # a closed stdout (`| head`, `>&-`) must not stop the run
        self.out = ProgressStream(out if out is not None else sys.stdout)
        self.saved: publish.Published | None = None
        self.outcomes = [Outcome(spec, 0.0) for spec in plan.specs]
        self.means: dict[str, float] = {}
        self.jobs = passes.schedule(plan.specs, plan.passes, plan.mode.processes_for)
        self.loops: dict[str, int] = {}  # calibrated in pass 1, reused by later passes
        self.anchor: workdirs.Anchor | None = None
        self.stop_reason: str | None = None  # the run cannot go on (its folder is gone)

    def say(self, text: str = "", end: str = "\n") -> None:
        print(text, end=end, file=self.out, flush=True)

    def run(self) -> int:
        """Run every benchmark; 0 if all passed, 1 if any failed, 130 if interrupted."""
        plan = self.plan
        workdir = workdirs.fresh(os.path.dirname(plan.output), workdirs.RUN_PREFIX, self.say)
        self.anchor = anchor = workdirs.Anchor(workdir)
        previous = {sig: signal.signal(sig, _raise_interrupted)
                    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self._header()
            started = time.monotonic()
            for number, job in enumerate(self.jobs):
                if self._stop_reason(after_failure=False):
                    break
                if not (self.outcomes[job.index].error or self.outcomes[job.index].skipped):
                    # a failure (or a skip for lack of memory) ends a benchmark
                    self._run_one(number, job, workdir, started)
            return self._finish(anchor.where(), time.monotonic() - started)
        except Interrupted as exc:
            self.say(f"\ninterrupted ({exc}): stopped every child; no results written")
            return 130
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            now = anchor.where()  # where it went, if the output folder was moved
            anchor.close()
            if now and (self.saved is None or self.saved.kept_workdir != now):
                shutil.rmtree(now, ignore_errors=True)

    def _stop_reason(self, after_failure: bool) -> str | None:
        """Why the run cannot go on, said once: its output folder was removed or moved,
        or (``after_failure``: looked for when a benchmark failed) its disk is full."""
        if self.stop_reason or self.anchor is None:
            return self.stop_reason
        folder = os.path.dirname(self.plan.output)
        where = self.anchor.where()
        if where != self.anchor.path:
            moved = f"moved to {publish.show(os.path.dirname(where))}" if where else "removed"
            self.stop_reason = f"the output folder {publish.show(folder)} was {moved}"
        elif after_failure:
            self.stop_reason = publish.space_left(folder)
        if self.stop_reason:
            self.say(f"stopped: {self.stop_reason}; nothing more is run")
        return self.stop_reason

    def _header(self) -> None:
        plan = self.plan
        md = machine_metadata()
        total = sum(self._estimate(job) for job in self.jobs)
        self.say(f"mpbench {mpbench.__version__} on {md['mpbench_python']}, "
                 f"{md['mpbench_usable_cpus']} usable CPUs ({md['mpbench_virtualization']}), "
                 f"default start method {md['mpbench_default_start_method']}")
        self.say(f"{len(plan.specs)} benchmarks, mode {plan.mode.name}, {plan.passes} pass"
                 f"{'es' if plan.passes > 1 else ''}, "
                 f"estimated {format_clock(total)}; results: {os.path.relpath(plan.output)}")

    def _estimate(self, job: passes.Job) -> float:
        return self.plan.mode.estimate(job.spec, job.processes, calibrate=job.pass_no == 1)

    def _eta(self, number: int, elapsed: float) -> str:
        done_est = sum(self._estimate(job) for job in self.jobs[:number])
        left_est = sum(self._estimate(job) for job in self.jobs[number:])
        scale = elapsed / done_est if done_est > 0 and elapsed > 0 else 1.0
        return f"{format_clock(elapsed)} elapsed, ~{format_clock(left_est * scale)} left"

    def _command(self, job: passes.Job, workdir: str, part: str) -> list[str]:
        spec = job.spec
        config = {"names": [spec.name], "options": self.plan.options,
                  "scratch_dir": workdir, "samples_dir": workdir,
                  "parent_pid": os.getpid()}  # the manager stops its session if we die
        timeout = int(self._estimate(job) * 10 + 4 * child_timeout(self.plan.options) + 60)
        return [sys.executable, "-m", "mpbench.suite", CONFIG_FLAG, json.dumps(config),
                "--quiet", "--timeout", str(timeout), "-o", part,
                *self.plan.mode.pyperf_args(spec, job.processes, self.loops.get(spec.name))]

    def _run_one(self, number: int, job: passes.Job, workdir: str, started: float) -> None:
        """Run one benchmark's pass; merge its runs into the benchmark's outcome."""
        spec, total, npasses = job.spec, len(self.jobs), self.plan.passes
        where = f"pass {job.pass_no}/{npasses}; " if npasses > 1 else ""
        self.say(f"[{number + 1:>{len(str(total))}}/{total}] {spec.name} "
                 f"({where}{self._eta(number, time.monotonic() - started)})")
        outcome = self.outcomes[job.index]
        short = spec_shortfall(spec.metadata)
        if short:  # checked before it starts: skipped with a line, not failed
            self.say(f"    skipped: {short}")
            outcome.skipped, outcome.benchmark = short, None
            return
        part = os.path.join(workdir, f"bench-{job.index}-pass{job.pass_no}.json")
        log_path = os.path.join(workdir, f"bench-{job.index}-pass{job.pass_no}.log")
        limit = self._estimate(job) * 10 + 4 * child_timeout(self.plan.options) + 120
        t0 = time.monotonic()
        try:
            log = open(log_path, "w")
        except OSError:  # the folder just went away: the failure below says so
            log = open(os.devnull, "w")
        with log:
            proc = start_session(self._command(job, workdir, part), log)
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
            outcome.error = (self._stop_reason(after_failure=True)
                             or _failure_message(log_path, returncode))
        else:
            bench = passes.tag(pyperf.BenchmarkSuite.load(part).get_benchmarks()[0], job.pass_no)
            if job.pass_no == 1:
                self.loops[spec.name] = passes.calibrated_loops(bench) or 0
                outcome.benchmark = bench
            else:
                outcome.benchmark = passes.merge([outcome.benchmark, bench])
            self.means[spec.name] = outcome.benchmark.mean()
            outcome.passes_done += 1
        if outcome.error:
            outcome.benchmark = None  # a benchmark that failed in any pass is not written
            self.say(f"    FAILED: {outcome.error}")
        else:
            note = f"    {_bench_summary(outcome.benchmark)}"
            if spec.floor in self.means:
                ratio = self.means[spec.name] / self.means[spec.floor]
                note += f"  = {ratio:.2f}x floor {spec.floor}"
            peak = _peak_rss(outcome.benchmark)
            if peak:  # all processes of the benchmark together, largest worker
                note += f"  peak RSS {format_size(peak)}"
            if job.pass_no > 1:
                spread = passes.spread(outcome.benchmark)
                note += f"  run-to-run spread {passes.format_spread(spread)}"
            self.say(f"{note}  [{seconds:.1f} s]")
        if leftovers and returncode is not None:
            self.say(f"    warning: {len(leftovers)} process(es) outlived the benchmark; stopped")

    def _finish(self, workdir: str | None, elapsed: float) -> int:
        plan = self.plan
        # a run stopped early writes only the benchmarks that ran all their passes
        unfinished = [o.spec.name for o in self.outcomes
                      if not (o.error or o.skipped) and o.passes_done < plan.passes]
        passed = [o.benchmark for o in self.outcomes
                  if o.benchmark is not None and o.spec.name not in unfinished]
        failed = [o for o in self.outcomes if o.error]
        skipped = [o.spec.name for o in self.outcomes if o.skipped]
        if unfinished:
            self.say(f"{len(unfinished)} benchmark(s) not run to the end: "
                     + ", ".join(unfinished))
        if skipped:
            self.say(f"{len(skipped)} benchmark(s) skipped for lack of memory: "
                     + ", ".join(skipped))
        if passed:
            for line in passes.spread_summary(passed):
                self.say(line)
            self.saved = write_results(plan, passed, workdir)
            self.say(f"{self.saved.describe()} ({len(passed)} benchmarks) "
                     f"in {format_clock(elapsed)}")
            found = self.saved.samples
            document = samples.load(found) if found and os.path.exists(found) else None
            for line in harness.summary_lines(harness.entries_of(passed, document)):
                self.say(line)
        else:
            self.say("no benchmark succeeded: no results written")
        if failed:
            self.say(f"{len(failed)} benchmark(s) failed:")
            for outcome in failed:
                self.say(f"  {outcome.spec.name}: {outcome.error}")
            return 1
        if self.stop_reason:
            return 1
        return 0 if self.saved is None or self.saved.as_asked else 1


def write_results(plan: RunPlan, benchmarks: list[pyperf.Benchmark],
                  workdir: str | None) -> publish.Published:
    """Merge per-benchmark results, add run and machine metadata, publish them
    (``workdir`` None: it was removed, with the samples; a temporary one stands in)."""
    if workdir is None:
        import tempfile

        stand_in = tempfile.mkdtemp(prefix="mpbench-run-")
        try:
            return write_results(plan, benchmarks, stand_in)
        finally:
            shutil.rmtree(stand_in, ignore_errors=True)
    run_md = {**machine_metadata(),
              "mpbench_results_layout": RESULTS_LAYOUT,
              "mpbench_version": mpbench.__version__,
              "mpbench_mode": plan.mode.name,
              passes.PASSES_KEY: plan.passes,
              "mpbench_command": " ".join(["mpbench", "run", *plan.argv]) or "mpbench run"}
    for bench in benchmarks:
        bench.update_metadata(run_md)
    suite = pyperf.BenchmarkSuite(benchmarks)
    document = samples.merge_parts(workdir, os.path.basename(plan.output))
    # a benchmark that failed in a later pass is not written: nor are its earlier samples
    written = {bench.get_name() for bench in benchmarks}
    document["benchmarks"] = {name: kept for name, kept in document["benchmarks"].items()
                              if name in written}
    return publish.publish(plan.output, suite, document if document["benchmarks"] else None,
                           workdir)
