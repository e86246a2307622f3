"""What every scenario shares: its command line, phases, roles, children, report.

The scenario's parent writes a small JSON report (``--report FILE``) for the
post-processor: which pid played which role, the multiprocessing helpers it
saw (forkserver, resource tracker), each child's exit code, the phases and the
wall time of the scenario body. The report is written whatever happens, so a
crashed child is named even though its trace is lost.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.tracing.marks import CAT_PHASE, add_slice, announce_role, now_us

DEFAULT_TIMEOUT = 60.0
TERM_GRACE = 5.0
REPORT_VERSION = 1


def parse_args(argv: Sequence[str], description: str,
               defaults: dict[str, int]) -> argparse.Namespace:
    """The scenario script's options (``mpbench trace`` passes them)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--method", default="fork", choices=("fork", "spawn", "forkserver"))
    parser.add_argument("--report", metavar="FILE", help="where the scenario report goes")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds the scenario waits for its children")
    parser.add_argument("--fault", default=None, help="test hook: make a child crash")
    for key, value in defaults.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=key, type=int, default=value)
    return parser.parse_args(list(argv))


class ScenarioRun:
    """One run of a scenario in its parent process: phases, children and the report."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        import multiprocessing

        self.name = name
        self.args = args
        self.method: str = args.method
        self.ctx = multiprocessing.get_context(args.method)
        self.timeout: float = args.timeout
        self.fault: str | None = args.fault
        self.procs: list[Any] = []
        self.roles: dict[int, str] = {}
        self.phases: list[dict[str, Any]] = []
        self.helpers: dict[str, dict[str, Any]] = {}
        self.error: str | None = None
        self.drivers: list[Any] = []
        self._t0: float | None = None
        self._t1: float | None = None
        announce_role("parent")

    # -- phases ---------------------------------------------------------------

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Mark the block as one phase (start, warm-up, steady state, shutdown)."""
        start = now_us()
        t0 = time.perf_counter()
        if self._t0 is None:
            self._t0 = t0
        try:
            yield
        finally:
            end = now_us()
            self._t1 = time.perf_counter()
            add_slice(name, start, end, CAT_PHASE)
            self.phases.append({"name": name, "start_us": start, "end_us": end,
                                "seconds": self._t1 - t0})
            self._note_helpers(start, end)

    def _note_helpers(self, start_us: float, end_us: float) -> None:
        """Remember the forkserver and resource tracker pids once they exist."""
        from multiprocessing import forkserver, resource_tracker

        found = {"forkserver": getattr(forkserver._forkserver, "_forkserver_pid", None),
                 "resource tracker": getattr(resource_tracker._resource_tracker, "_pid", None)}
        for role, pid in found.items():
            if not pid:
                continue
            seen = self.helpers.setdefault(role, {"pid": pid, "first_us": start_us})
            seen["last_us"] = end_us

    # -- children -------------------------------------------------------------

    def stop_all(self) -> None:
        """SIGTERM what still runs (viztracer saves on SIGTERM), then SIGKILL."""
        running = [p for p in self.procs if p.exitcode is None]
        for proc in running:
            try:
                proc.terminate()
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + TERM_GRACE
        for proc in running:
            proc.join(max(deadline - time.monotonic(), 0.01))
        for proc in running:
            if proc.exitcode is None:
                try:
                    proc.kill()
                except (OSError, ValueError):
                    pass
                proc.join(1.0)

    def enter(self, driver: Any) -> Any:
        """Enter ``driver`` (a :class:`~mpbench.workloads.crew.Crew`, or a channel
        benchmark's run object, which holds one as ``.crew``) and register its
        processes by their names. On failure :func:`main` first stops them with
        SIGTERM (so viztracer saves their timelines), then exits the driver."""
        try:
            driver.__enter__()
        finally:
            crew = getattr(driver, "crew", driver)
            for proc in getattr(crew, "procs", []) or []:
                if proc.pid is not None and proc.pid not in self.roles:
                    self.procs.append(proc)
                    self.roles[proc.pid] = proc.name
        self.drivers.append(driver)
        return driver

    def leave(self, driver: Any) -> None:
        """Exit ``driver`` normally (its members are told to stop and reaped)."""
        self.drivers.remove(driver)
        driver.__exit__(None, None, None)

    def start_crew(self, target: Callable[..., Any], args: Sequence[tuple],
                   names: Sequence[str]) -> Any:
        """A :class:`~mpbench.workloads.crew.Crew` (the benchmarks' way of driving
        children) of ``target`` members, entered with :meth:`enter`."""
        from mpbench.workloads.crew import Crew

        return self.enter(Crew(self.ctx, target, list(args), timeout=self.timeout,
                               what=self.name, names=list(names)))

    def abandon(self, exc: BaseException) -> None:
        """After a failure: SIGTERM every child (viztracer saves on SIGTERM), then let
        each driver clean up (it kills what is left and closes its pipes)."""
        self.stop_all()
        for driver in reversed(self.drivers):
            try:
                driver.__exit__(type(exc), exc, exc.__traceback__)
            except Exception:
                pass
        self.drivers = []

    # -- report ---------------------------------------------------------------

    def fault_for(self, role: str) -> bool:
        """True when the test hook asks ``role`` to crash (``--fault crash:ROLE``)."""
        return self.fault == f"crash:{role}"

    def children(self) -> list[dict[str, Any]]:
        return [{"role": p.name, "pid": p.pid, "exitcode": p.exitcode} for p in self.procs]

    def write_report(self, path: str | None, params: dict[str, Any]) -> None:
        if not path:
            return
        wall = (self._t1 - self._t0) if self._t0 is not None and self._t1 is not None else None
        report = {
            "version": REPORT_VERSION,
            "scenario": self.name,
            "method": self.method,
            "params": params,
            "parent_pid": os.getpid(),
            "wall_seconds": wall,
            "phases": self.phases,
            "roles": {str(pid): role for pid, role in self.roles.items()},
            "helpers": self.helpers,
            "children": self.children(),
            "error": self.error,
            "python": sys.version.split()[0],
        }
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as handle:
            json.dump(report, handle, indent=1)
        os.replace(tmp, path)


def main(name: str, argv: Sequence[str], description: str, defaults: dict[str, int],
         body: Callable[[ScenarioRun], None]) -> int:
    """Parse the options, run ``body``, stop everything on failure, write the report.

    Exit status: 0, or 1 when a child failed (the report says which).
    """
    args = parse_args(argv, description, defaults)
    run = ScenarioRun(name, args)
    params = {key: getattr(args, key) for key in defaults}
    status = 0
    try:
        body(run)
    except BenchmarkFailed as exc:  # a child crashed or hung (the crew noticed)
        run.error = str(exc)
        status = 1
        run.abandon(exc)
        print(f"{name}: {run.error}", file=sys.stderr)
    except BaseException as exc:  # report it, stop the children, then let it end us
        run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        run.abandon(exc)
        run.write_report(args.report, params)
        raise
    run.write_report(args.report, params)
    return status
