"""``mpbench trace``: run scenarios under viztracer, post-process, write the traces.

Each scenario runs twice in the same invocation, in its own session:

1. traced: ``python -m viztracer OPTIONS -o RAW -- SCRATCH/launcher/trace_NAME.py ...``
   (only viztracer's command line follows multiprocessing children);
2. untraced: ``python SCRATCH/launcher/trace_NAME.py ...``, for the overhead.

The launcher is written into the scenario's scratch folder and runs the
installed package's scenario (:func:`mpbench.tracing.registry.write_launcher`),
whatever the current folder holds.

Both write a scenario report; the raw trace and the traced report become the
named, linked timeline (:mod:`mpbench.tracing.timeline`), written atomically to
``OUTDIR/<scenario>-<method>.json``. Whatever happens, every process of the
session is stopped and the scratch folder (viztracer's per-process files
included) is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mpbench import __version__, workdirs
from mpbench.atomic import atomic_open
from mpbench.lifeline import guarded
from mpbench.procgroup import live_members, start_session, stop_group
from mpbench.tracing.registry import MIN_DURATION_US, Scenario, write_launcher
from mpbench.tracing.timeline import Timeline
from mpbench.tracing.timeline_checks import check_flows, shortest_function_slices

# viztracer's options for every scenario (they reach spawn and forkserver
# children too: viztracer passes its own command line on; tests check it).
# - --min_duration drops calls shorter than 10 us: the thousands of tiny calls
#   that make a trace big (the default Queue and Lock traces: 17 MB with none,
#   2-3 MB with 10 us, spawn, here) and hide nothing a person looks for;
#   imports, unpickling, blocking reads and writes stay. Our own marks are
#   never dropped. ``mpbench trace --min-duration 0`` keeps everything.
# - --tracer_entries bounds each process's buffer (about 40 MB of memory at
#   most per process); viztracer drops the oldest events past it, with a
#   warning that is checked below.
TRACER_ENTRIES = 400_000


def viztracer_options(min_duration_us: float = MIN_DURATION_US) -> list[str]:
    """The ``python -m viztracer`` options of a traced run."""
    return ["--min_duration", f"{min_duration_us:g}us", "--tracer_entries", str(TRACER_ENTRIES)]
SIZE_LIMIT = 20 * 1000 * 1000
OVERFLOW_WARNING = "Circular buffer is full"
DEFAULT_TIMEOUT = 300.0
UNTRACED_RUNS = 3

STARTUP_PROBES = {
    "python -c pass": "pass",
    "import multiprocessing": "import multiprocessing.spawn, multiprocessing.connection",
    "import multiprocessing + viztracer": "import multiprocessing.spawn, "
                                          "multiprocessing.connection, viztracer.main",
}


@dataclass
class Recorded:
    """What one scenario run produced (printed, and used by tests)."""

    scenario: str
    method: str
    path: str | None = None
    size: int = 0
    processes: int = 0
    roles: list[str] = field(default_factory=list)
    flows: int = 0
    overhead: float | None = None
    traced_s: float | None = None
    untraced_s: float | None = None
    lost: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.lost and self.path is not None


def _run_session(cmd: Sequence[str], log_path: str, timeout: float,
                 env: dict[str, str]) -> int | None:
    """Run ``cmd`` in its own session; its exit status, or ``None`` on timeout.

    Leaves nothing running: whatever of the session outlives the leader
    (a forkserver, a stray child) is stopped, and so is the whole session if
    we are killed (its leader is a :mod:`mpbench.lifeline` guardian).
    Interrupted, the session is killed at once (its trace is dropped anyway),
    the resource trackers last, so that they unlink the semaphores and shared
    memory the others leave.
    """
    with open(log_path, "w") as log:
        proc = start_session(guarded(cmd), log, env=env)
        try:
            status: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = None
        except BaseException:
            stop_group(proc.pid, proc, term=False)
            raise
    if status is None or live_members(proc.pid):
        stop_group(proc.pid, proc)
    return status


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _tail(path: str, lines: int = 6) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).strip()
    except OSError:
        return ""


def measure_startups(repeat: int = 5) -> dict[str, float]:
    """Interpreter start-up with and without viztracer's import, in ms (the fastest
    of ``repeat`` runs each, interleaved, so that a busy moment hits them all alike).

    A traced spawn child pays viztracer's import before tracing starts; this
    says how much of its untraced start-up that is.
    """
    times: dict[str, list[float]] = {label: [] for label in STARTUP_PROBES}
    for _ in range(repeat):
        for label, code in STARTUP_PROBES.items():
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=60)
            if done.returncode == 0:
                times[label].append(time.perf_counter() - t0)
    return {label: round(min(found) * 1000, 2) for label, found in times.items() if found}


class TraceJob:
    """Record one scenario with one start method into ``outdir``."""

    def __init__(self, scenario: Scenario, method: str, outdir: str, *,
                 count: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                 fault: str | None = None, startups: dict[str, float] | None = None,
                 overhead: bool = True, min_duration_us: float = MIN_DURATION_US) -> None:
        self.scenario = scenario
        self.method = method
        self.outdir = outdir
        self.count = count
        self.timeout = timeout
        self.fault = fault
        self.startups = startups or {}
        self.measure_overhead = overhead
        self.min_duration_us = min_duration_us
        self.options = viztracer_options(min_duration_us)
        self.script = ""  # the launcher, written into the scratch folder by run()
        self.path = os.path.join(outdir, f"{scenario.name}-{method}.json")

    def _script_args(self, report: str) -> list[str]:
        args = ["--method", self.method, "--report", report,
                "--timeout", f"{max(self.timeout / 3, 5):g}"]
        if self.count is not None:
            args += [f"--{self.scenario.count.replace('_', '-')}", str(self.count)]
        if self.fault:
            args += ["--fault", self.fault]
        return args

    def run(self) -> Recorded:
        result = Recorded(self.scenario.name, self.method)
        scratch = workdirs.create(tempfile.gettempdir(), workdirs.TRACE_PREFIX)
        # viztracer keeps its per-process files in a temporary folder: ours, so
        # that it goes away with ours even if viztracer is killed.
        env = dict(os.environ, TMPDIR=scratch, PYTHONUNBUFFERED="1")
        try:
            self.script = write_launcher(self.scenario, os.path.join(scratch, "launcher"))
            self._record(result, scratch, env)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return result

    def _record(self, result: Recorded, scratch: str, env: dict[str, str]) -> None:
        raw_path = os.path.join(scratch, "raw.json")
        traced_report = os.path.join(scratch, "traced-report.json")
        log_path = os.path.join(scratch, "viztracer.log")
        cmd = [sys.executable, "-m", "viztracer", *self.options, "-o", raw_path, "--",
               self.script, *self._script_args(traced_report)]
        status = _run_session(cmd, log_path, self.timeout, env)
        raw = _read_json(raw_path)
        report = _read_json(traced_report)
        if status is None:
            result.error = f"timed out after {self.timeout:g} s; every process was stopped"
        if raw is None:
            result.error = result.error or (f"viztracer wrote no trace (exit status {status}): "
                                            f"{_tail(log_path) or 'no output'}")
            return
        with open(log_path, errors="replace") as handle:
            log_text = handle.read()
        if OVERFLOW_WARNING in log_text or raw.get("viztracer_metadata", {}).get("overflow"):
            result.warnings.append("viztracer's buffer overflowed: the oldest events of a "
                                   "process were dropped (lower --count)")
        if report is None and result.error is None:
            result.error = f"the scenario wrote no report (exit status {status}): " \
                           f"{_tail(log_path) or 'no output'}"
        elif report is not None and report.get("error"):
            result.error = report["error"]
        untraced = self._untraced(scratch, env) if self.measure_overhead else None
        self._write(result, raw, report, untraced)

    def _untraced(self, scratch: str, env: dict[str, str]) -> dict[str, Any] | None:
        """The untraced scenario's report, its wall time the median of
        :data:`UNTRACED_RUNS` runs (one run moves by tens of percent here)."""
        reports = []
        for run in range(UNTRACED_RUNS):
            report_path = os.path.join(scratch, f"untraced-report-{run}.json")
            cmd = [sys.executable, self.script, *self._script_args(report_path)]
            _run_session(cmd, os.path.join(scratch, f"untraced-{run}.log"), self.timeout, env)
            report = _read_json(report_path)
            if report is None or report.get("error") or not report.get("wall_seconds"):
                return report
            reports.append(report)
        walls = sorted(report["wall_seconds"] for report in reports)
        return {**reports[0], "wall_seconds": walls[len(walls) // 2], "all_wall_seconds": walls}

    def _metadata(self, result: Recorded, report: dict[str, Any] | None,
                  untraced: dict[str, Any] | None) -> dict[str, Any]:
        traced_s = (report or {}).get("wall_seconds")
        untraced_s = (untraced or {}).get("wall_seconds")
        if traced_s and untraced_s and not (untraced or {}).get("error"):
            result.traced_s, result.untraced_s = traced_s, untraced_s
            result.overhead = traced_s / untraced_s
        try:
            from viztracer import __version__ as viz_version
        except ImportError:  # pragma: no cover - viztracer ran, so it imports
            viz_version = "unknown"
        return {
            "generator": f"mpbench {__version__} (mpbench trace)",
            "scenario": self.scenario.name,
            "summary": self.scenario.summary,
            "method": self.method,
            "entry": self.scenario.entry,
            "params": (report or {}).get("params", {}),
            "python": sys.version.split()[0],
            "viztracer": viz_version,
            "viztracer_options": " ".join(self.options),
            "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "overhead": {
                "traced_seconds": traced_s, "untraced_seconds": untraced_s,
                "ratio": result.overhead,
                "untraced_runs_seconds": (untraced or {}).get("all_wall_seconds"),
                "what": "wall time of the scenario's phases, traced (one run) over untraced "
                        f"(the median of {UNTRACED_RUNS} runs), in the same mpbench trace "
                        "invocation",
            },
            "startup_ms": self.startups,
        }

    def _write(self, result: Recorded, raw: dict[str, Any], report: dict[str, Any] | None,
               untraced: dict[str, Any] | None) -> None:
        timeline = Timeline(raw, report)
        trace = timeline.build(self._metadata(result, report, untraced))
        events = trace["traceEvents"]
        shortest = shortest_function_slices(events)
        trace["metadata"]["options_check"] = {
            "min_duration_us": self.min_duration_us,
            "shortest_function_slice_us": {timeline.roles.get(pid, str(pid)): round(dur, 3)
                                           for pid, dur in sorted(shortest.items())},
        }
        if any(dur < self.min_duration_us for dur in shortest.values()):
            result.warnings.append("a process recorded calls shorter than --min_duration: "
                                   "viztracer's options did not reach it")
        flow_problems = check_flows(events)
        if flow_problems:
            result.warnings.append(f"{len(flow_problems)} broken flow(s): {flow_problems[0]}")
        if trace["metadata"]["unmatched_messages"]:
            result.warnings.append(f"messages sent but never received: "
                                   f"{trace['metadata']['unmatched_messages']}")
        trace["metadata"]["warnings"] = result.warnings
        os.makedirs(self.outdir, exist_ok=True)
        with atomic_open(self.path) as handle:
            json.dump(trace, handle, separators=(",", ":"))
        result.path = self.path
        result.size = os.path.getsize(self.path)
        result.processes = trace["metadata"]["processes"]
        result.roles = sorted(set(trace["metadata"]["roles"].values()))
        result.flows = trace["metadata"]["flows"]
        result.lost = trace["metadata"]["lost"]
        if result.size > SIZE_LIMIT:
            result.warnings.append(f"{result.size / 1e6:.1f} MB: over the 20 MB meant for a "
                                   "trace (lower --count)")


def describe(result: Recorded) -> list[str]:
    """The lines ``mpbench trace`` prints for one scenario run."""
    from mpbench.workloads.guard import describe_exit

    title = f"{result.scenario} ({result.method})"
    if result.path is None:
        return [f"{title}: FAILED: {result.error}"]
    lines = [f"{title}: {result.path}  {result.size / 1e6:.1f} MB, {result.processes} "
             f"processes, {result.flows} links"]
    if result.overhead is not None:
        lines.append(f"    tracing overhead: {result.traced_s:.3f} s traced / "
                     f"{result.untraced_s:.3f} s untraced = {result.overhead:.1f}x")
    for lost in result.lost:
        lines.append(f"    lost: {lost['role']} (pid {lost['pid']}, "
                     f"{describe_exit(lost.get('exitcode'))}): its timeline is missing, "
                     "the rest is in the trace")
    if result.error:
        lines.append(f"    failed: {result.error}")
    lines += [f"    warning: {warning}" for warning in result.warnings]
    lines.append(f"    open: mpbench view {result.path}   (or ui.perfetto.dev, "
                 "\"Open trace file\")")
    return lines


def default_outdir() -> str:
    return str(Path("reports") / "traces")
