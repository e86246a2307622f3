"""Checks on a finished timeline, for the recorder's warnings and the tests.

- :func:`shortest_function_slices`: did viztracer's ``--min_duration`` reach
  every process?
- :func:`check_flows`: does every flow arrow have both ends, in two processes?
- :func:`overlapping_slices`: would Perfetto drop a slice as overlapping?
  (:func:`nest_calls_closed_at_exit` mends the one case viztracer itself makes.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
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


def _crossings(events: Iterable[dict[str, Any]]
               ) -> Iterator[tuple[tuple[Any, Any], dict[str, Any], dict[str, Any], int]]:
    """Each complete slice that ends past the end of the slice it starts in, on the same
    thread: (thread, the slice, the one it crosses, by how many nanoseconds)."""
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event.get("ph") == "X":
            by_thread[(event.get("pid"), event.get("tid"))].append(event)
    for thread, slices in by_thread.items():
        # in whole nanoseconds, as Perfetto reads them
        spans = sorted(((round(e["ts"] * 1000), round(e.get("dur", 0) * 1000), e)
                        for e in slices), key=lambda s: (s[0], -s[1]))
        open_ends: list[tuple[int, dict[str, Any]]] = []
        for start, dur, event in spans:
            while open_ends and open_ends[-1][0] <= start:
                open_ends.pop()
            if open_ends and start + dur > open_ends[-1][0]:
                yield thread, event, open_ends[-1][1], start + dur - open_ends[-1][0]
            open_ends.append((start + dur, event))


def overlapping_slices(events: Iterable[dict[str, Any]]) -> list[str]:
    """Complete slices that cross the edge of another on the same thread (Perfetto
    drops them: ``slice_drop_overlapping_complete_event``)."""
    return [f"{thread}: {event.get('name')!r} at {event['ts']} crosses {outer.get('name')!r}"
            for thread, event, outer, _ in _crossings(events)]


def nest_calls_closed_at_exit(events: list[dict[str, Any]]) -> int:
    """Calls still open when a process stops tracing (its exit handlers, inside
    ``BaseProcess._bootstrap``) are closed by viztracer one by one at that moment:
    an inner call can end a fraction of a microsecond after the one that encloses
    it, and Perfetto would drop it. End such a call (one ending within
    :data:`FLUSH_MARGIN_US` of its process's last timestamp) with its encloser when
    it overshoots by less than that margin (its own inner calls follow); the number
    of calls mended. Calls that end earlier are left as recorded."""
    by_thread: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event.get("ph") == "X":
            by_thread[(event.get("pid"), event.get("tid"))].append(event)
    last_end: dict[Any, int] = {}
    for event in events:
        if event.get("ph") == "X":
            last_end[event.get("pid")] = max(last_end.get(event.get("pid"), 0), _end_ns(event))
    margin = round(FLUSH_MARGIN_US * 1000)
    mended = 0
    for slices in by_thread.values():
        slices.sort(key=lambda e: (round(e["ts"] * 1000), -round(e.get("dur", 0) * 1000)))
        open_calls: list[dict[str, Any]] = []  # enclosing calls, innermost last
        for event in slices:
            start = round(event["ts"] * 1000)
            while open_calls and _end_ns(open_calls[-1]) <= start:
                open_calls.pop()
            if open_calls:
                outer = open_calls[-1]
                overshoot = _end_ns(event) - _end_ns(outer)
                closed_at_exit = _end_ns(event) >= last_end[event.get("pid")] - margin
                if 0 < overshoot <= margin and closed_at_exit:
                    # a nanosecond short of the encloser's end, whatever the float rounding
                    event["dur"] = max(0.0, outer["ts"] + outer.get("dur", 0)
                                       - event["ts"] - 0.001)
                    mended += 1
            open_calls.append(event)
    return mended


def _end_ns(event: dict[str, Any]) -> int:
    return round(event["ts"] * 1000) + round(event.get("dur", 0) * 1000)
