"""Marks a scenario leaves in its timeline: its own slices, instants and roles.

This module runs inside every process of a traced scenario. Under
``python -m viztracer`` each process has a global tracer (viztracer keeps it in
``builtins.__viz_tracer__``, also in spawn and forkserver children); the marks
go into that tracer's buffer with the tracer's own clock, so they line up with
the function slices viztracer records. Without a tracer every mark is a no-op:
the same scenario runs untraced to measure what tracing costs.

Marks are recorded as raw events (``add_raw``), which viztracer's
``min_duration`` filter never drops: a 3 us ``put`` keeps its slice and its
flow arrow even when the functions under it are filtered out.
"""

from __future__ import annotations

import builtins
import os
import signal
import time
from typing import Any

# Categories the post-processor looks for (see mpbench.tracing.timeline).
CAT_PHASE = "mpbench.phase"
CAT_MESSAGE = "mpbench.message"
CAT_LOCK = "mpbench.lock"
CAT_ROLE = "mpbench.role"
CAT_MARK = "mpbench"

ROLE_EVENT = "mpbench role"


def tracer() -> Any:
    """viztracer's global tracer in this process, or ``None`` when untraced."""
    return builtins.__dict__.get("__viz_tracer__")


def now_us() -> float:
    """Microseconds on the tracer's clock (CLOCK_MONOTONIC-based, system-wide).

    Untraced, ``time.monotonic_ns`` gives the same clock up to viztracer's
    calibration, which is close enough for phase bounds.
    """
    active = tracer()
    if active is not None:
        return active.getts()
    return time.monotonic_ns() / 1000.0


def add_slice(name: str, start_us: float, end_us: float, cat: str = CAT_MARK,
              args: dict[str, Any] | None = None) -> None:
    """Record a complete slice ``[start_us, end_us]`` on the calling thread."""
    active = tracer()
    if active is None:
        return
    event: dict[str, Any] = {"ph": "X", "name": name, "cat": cat, "ts": start_us,
                             "dur": max(end_us - start_us, 0.0)}
    if args:
        event["args"] = args
    active.add_raw(event)


def add_instant(name: str, cat: str = CAT_MARK, args: dict[str, Any] | None = None,
                scope: str = "t") -> None:
    """Record an instant event on the calling thread (``scope`` t, p or g)."""
    active = tracer()
    if active is None:
        return
    event: dict[str, Any] = {"ph": "i", "name": name, "cat": cat, "ts": active.getts(),
                             "s": scope}
    if args:
        event["args"] = args
    active.add_raw(event)


def announce_role(role: str) -> None:
    """Say which role this process plays ("producer-0"): the post-processor names
    the process after it, even when the parent never learnt its pid."""
    add_instant(ROLE_EVENT, CAT_ROLE, {"role": role}, scope="p")


def announce_target() -> None:
    """A process target that only announces its role (its multiprocessing name,
    ``SpawnProcess-3`` -> ``child-3``): the traced counterpart of ``noop``."""
    import multiprocessing

    start = now_us()
    name = multiprocessing.current_process().name
    suffix = name.rsplit("-", 1)[-1]
    announce_role(f"child-{suffix}" if suffix.isdigit() else name)
    add_slice("target", start, now_us(), CAT_MARK, {"process": name})


def crash_now() -> None:
    """The injected fault (tests only): die at once, as a segfault or the OOM killer
    would, so viztracer never saves this process's timeline."""
    os.kill(os.getpid(), signal.SIGKILL)
