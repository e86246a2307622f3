"""Checks on a finished timeline, for the recorder's warnings and the tests.

- :func:`shortest_function_slices`: did viztracer's ``--min_duration`` reach
  every process?
- :func:`check_flows`: does every flow arrow have both ends, in two processes?
- :func:`overlapping_slices`: would Perfetto drop a slice as overlapping?
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

FLUSH_MARGIN_US = 50.0  # calls closed by viztracer when a process stops tracing end within this


def shortest_function_slices(events: Iterable[dict[str, Any]]) -> dict[int, float]:
    """Per process, the shortest function slice viztracer recorded (category
    ``FEE``): with ``--min_duration`` in force it is never below the minimum.

    Calls still open when a process stopped tracing (its exit handlers) are
    closed by viztracer at that moment whatever their length: they end at the
    process's last timestamp and are left out.
    """
    slices = [e for e in events
              if e.get("ph") == "X" and str(e.get("cat", "")).lower() == "fee"]
    last_end: dict[int, float] = {}
    for event in slices:
        end = event["ts"] + event.get("dur", 0)
        last_end[event["pid"]] = max(last_end.get(event["pid"], end), end)
    shortest: dict[int, float] = {}
    for event in slices:
        pid = event["pid"]
        if event["ts"] + event.get("dur", 0) >= last_end[pid] - FLUSH_MARGIN_US:
            continue
        shortest[pid] = min(shortest.get(pid, float("inf")), event.get("dur", 0))
    return shortest


def check_flows(events: Iterable[dict[str, Any]]) -> list[str]:
    """Problems with flow events: a start without its end, an end in the start's process."""
    starts: dict[tuple[str | None, Any], dict[str, Any]] = {}
    ends: dict[tuple[str | None, Any], dict[str, Any]] = {}
    for event in events:
        if event.get("ph") == "s":
            starts[(event.get("cat"), event["id"])] = event
        elif event.get("ph") == "f":
            ends[(event.get("cat"), event["id"])] = event
    problems = []
    for key, start in starts.items():
        end = ends.get(key)
        if end is None:
            problems.append(f"flow {key} has no end")
        elif end["pid"] == start["pid"]:
            problems.append(f"flow {key} ends in the process it started in")
        elif end.get("bp") != "e":
            problems.append(f"flow {key} end is not bound to its enclosing slice")
    problems += [f"flow {key} has no start" for key in ends if key not in starts]
    return problems


def overlapping_slices(events: Iterable[dict[str, Any]]) -> list[str]:
    """Complete slices that cross the edge of another on the same thread (Perfetto
    drops them: ``slice_drop_overlapping_complete_event``)."""
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event.get("ph") == "X":
            by_thread[(event.get("pid"), event.get("tid"))].append(event)
    problems = []
    for thread, slices in by_thread.items():
        # in whole nanoseconds, as Perfetto reads them
        spans = sorted(((round(e["ts"] * 1000), round(e.get("dur", 0) * 1000), e)
                        for e in slices), key=lambda s: (s[0], -s[1]))
        open_ends: list[tuple[int, dict[str, Any]]] = []
        for start, dur, event in spans:
            while open_ends and open_ends[-1][0] <= start:
                open_ends.pop()
            if open_ends and start + dur > open_ends[-1][0]:
                problems.append(f"{thread}: {event.get('name')!r} at {event['ts']} crosses "
                                f"{open_ends[-1][1].get('name')!r}")
            open_ends.append((start + dur, event))
    return problems
