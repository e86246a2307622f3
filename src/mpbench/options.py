"""Options that select and shape benchmarks, shared by ``mpbench`` and pyperf workers.

Each option parses its text into a JSON-friendly value (or raises
:class:`~mpbench.errors.UsageError`). Parsed values travel to pyperf worker
processes as one JSON token on their command line: pyperf strips the
environment of its workers, so nothing is configured through it.
A value of ``None`` means "the group's default".
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Any, Callable

from mpbench.errors import UsageError
from mpbench.units import one_of, parse_list, parse_non_negative_float, parse_positive_int
from mpbench.workloads.placement import DEFAULT_PLACEMENTS, PLACEMENTS, cross_cpu_unavailable

KNOWN_START_METHODS = ("fork", "spawn", "forkserver")

Options = dict[str, Any]


@dataclass(frozen=True)
class Option:
    """One ``--flag VALUE`` option of ``mpbench list`` and ``mpbench run``.

    ``heading`` is the ``--help`` heading of a common option ("selection", or "mode"
    for how the benchmarks run); a group's own options go under the group's name.
    """

    flag: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = "LIST"
    hidden: bool = False
    heading: str = "selection"

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


def available_start_methods() -> list[str]:
    """Start methods this platform offers, in the order fork, spawn, forkserver."""
    offered = multiprocessing.get_all_start_methods()
    return [method for method in KNOWN_START_METHODS if method in offered]


def parse_start_method(text: str) -> str:
    """A start method name this platform offers."""
    if text not in KNOWN_START_METHODS:
        raise UsageError(f"unknown start method {text!r} "
                         f"(known: {', '.join(KNOWN_START_METHODS)})")
    offered = available_start_methods()
    if text not in offered:
        raise UsageError(f"start method {text!r} is not available on this platform "
                         f"(it offers: {', '.join(offered)})")
    return text


def parse_methods(text: str) -> list[str]:
    return parse_list(text, parse_start_method, "start method")


def parse_nprocs(text: str) -> list[int]:
    return parse_list(text, lambda item: parse_positive_int(item, "process count", 256),
                      "process count")


MIN_CHILD_TIMEOUT = 0.1
MAX_CHILD_TIMEOUT = 86400.0  # a day: a benchmark that waits longer is hung


def parse_timeout(text: str) -> float:
    """Seconds, from 0.1 (below, a healthy child cannot start) to one day."""
    value = parse_non_negative_float(text, "timeout")
    if not MIN_CHILD_TIMEOUT <= value <= MAX_CHILD_TIMEOUT:
        raise UsageError(f"bad timeout {text!r}: from {MIN_CHILD_TIMEOUT:g} to "
                         f"{MAX_CHILD_TIMEOUT:g} seconds (a day)")
    return value


def parse_fault(text: str) -> str:
    if not text.replace("-", "").replace("_", "").isalnum():
        raise UsageError(f"bad fault name {text!r}")
    return text


def parse_placements(text: str) -> list[str]:
    return parse_list(text, one_of(PLACEMENTS, "placement"), "placement")


DEFAULT_CHILD_TIMEOUT = 30.0

COMMON_OPTIONS = (
    Option("--methods", parse_methods,
           "start methods to measure, comma-separated (default: every one "
           "this platform offers: " + ",".join(available_start_methods()) + ")"),
    Option("--nprocs", parse_nprocs,
           "process counts N, comma-separated (default: each group's own, "
           "1,2,4,8 for process)"),
    Option("--child-timeout", parse_timeout,
           f"seconds a benchmark waits for its children before it fails "
           f"(default: {DEFAULT_CHILD_TIMEOUT:g})", metavar="SECONDS", heading="mode"),
    Option("--placement", parse_placements,
           "where the two ends of round trips, their floors, the semaphore ping-pong and "
           "the wake-ups run: same-cpu (pinned to one CPU), cross-cpu (pinned to two "
           "different CPUs), free (the scheduler places them: scheduler-dependent), "
           "comma-separated (default: " + ",".join(DEFAULT_PLACEMENTS) + ")"),
    Option("--inject-fault", parse_fault, "test hook: make children misbehave",
           metavar="FAULT", hidden=True),
)


def value(options: Options, dest: str, default: Any) -> Any:
    """The option's value, or ``default`` when the user left it unset."""
    found = options.get(dest)
    return default if found is None else found


def methods(options: Options) -> list[str]:
    """Start methods asked for, or every available one."""
    return value(options, "methods", available_start_methods())


def child_timeout(options: Options) -> float:
    return value(options, "child_timeout", DEFAULT_CHILD_TIMEOUT)


def resolve_placements(options: Options) -> Options:
    """The options with the placements fixed: those asked for (default
    same-cpu,cross-cpu) that can run here, ``cross-cpu`` dropped where this
    process may use one CPU only, and why. Done once where a run starts: its
    pyperf workers (which pyperf may pin to fewer CPUs) get the result in their
    options and build the same catalogue."""
    if options.get("placement_resolved"):
        return options
    asked = value(options, "placement", list(DEFAULT_PLACEMENTS))
    why = cross_cpu_unavailable()
    notes = ([f"placement cross-cpu skipped: {why}; its benchmarks and harness checks "
              "are left out"] if "cross-cpu" in asked and why else [])
    return {**options, "placement": [p for p in asked if p != "cross-cpu" or why is None],
            "placement_resolved": 1, "placement_notes": notes}


def placements(options: Options) -> list[str]:
    """The placements to run (see :func:`resolve_placements`)."""
    return list(resolve_placements(options)["placement"])


def placement_notes(options: Options) -> list[str]:
    """Why a placement asked for is skipped (empty when none is)."""
    return list(resolve_placements(options)["placement_notes"])


def fault(options: Options) -> str | None:
    return options.get("inject_fault")
