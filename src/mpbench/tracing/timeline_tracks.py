"""Tracks a timeline gains beyond what viztracer recorded.

- the scenario's phases, moved onto a ``phases`` track of the parent;
- a slice for the untraced start of each spawn or forkserver child (from the
  parent's ``start()`` call to the child's first traced event);
- a slice for each helper process viztracer does not trace (the forkserver,
  the resource tracker), over the phases during which the parent saw it;
- a ``timeline lost`` mark for each child whose trace never arrived.
"""

from __future__ import annotations

import re
from typing import Any

from mpbench.tracing.marks import CAT_PHASE
from mpbench.tracing.timeline_names import HELPER_NOTES

Event = dict[str, Any]

# Synthetic thread ids (above Linux's pid_max of 2**22) for tracks we add.
PHASE_TID = 90_000_001
MIN_GAP_US = 500.0       # an untraced start-up shorter than this is not worth a slice
# BaseProcess.start, named without its class before Python 3.11
START_SLICE = re.compile(r"^(BaseProcess\.)?start \(.*multiprocessing[/\\]process\.py:\d+\)$")


def phase_track(events: list[Event]) -> list[Event]:
    """Move the phase slices (in place) onto their own track; its name events."""
    pid = None
    for event in events:
        if event.get("cat") == CAT_PHASE and event.get("ph") == "X":
            event["tid"] = PHASE_TID
            pid = event["pid"]
    if pid is None:
        return []
    return [{"ph": "M", "pid": pid, "tid": PHASE_TID, "name": "thread_name",
             "args": {"name": "phases"}},
            {"ph": "M", "pid": pid, "tid": PHASE_TID,
             "name": "thread_sort_index", "args": {"sort_index": -1}}]


def _first_event_ts(events: list[Event]) -> dict[int, float]:
    first: dict[int, float] = {}
    for event in events:
        if event.get("ph") in ("X", "i") and "ts" in event:
            pid = event["pid"]
            if event["ts"] < first.get(pid, float("inf")):
                first[pid] = event["ts"]
    return first


def _start_calls(events: list[Event], report: dict[str, Any], roles: dict[int, str],
                 parent_pid: int | None, first: dict[int, float]) -> dict[int, float]:
    """When the parent asked for each child: the parent's ``Process.start``
    slices in order, matched with the children in the order the parent started
    them (the report's), or failing that in the order they first show up
    (right when they run one at a time, as in the start/join scenario)."""
    if parent_pid is None:
        return {}
    starts = sorted(e["ts"] for e in events
                    if e.get("pid") == parent_pid and e.get("ph") == "X"
                    and START_SLICE.match(e.get("name", "")))
    children = [c["pid"] for c in report.get("children", [])]
    if not children:
        children = [pid for _, pid in sorted((ts, pid) for pid, ts in first.items()
                                             if pid != parent_pid
                                             and roles.get(pid) not in HELPER_NOTES)]
    if len(starts) != len(children):
        return {}
    matched = {pid: start for start, pid in zip(starts, children)
               if pid in first and start < first[pid]}
    # a lost child has no events; any other left unmatched means the order is off
    return matched if all(pid in matched for pid in children if pid in first) else {}


def untraced_startups(events: list[Event], report: dict[str, Any], roles: dict[int, str],
                      parent_pid: int | None) -> list[Event]:
    """A slice per child from the parent's ``start()`` call to its first traced event."""
    first = _first_event_ts(events)
    added: list[Event] = []
    for pid, called in _start_calls(events, report, roles, parent_pid, first).items():
        if pid not in first or first[pid] - called < MIN_GAP_US:
            continue
        added.append({
            "ph": "X", "pid": pid, "tid": pid, "ts": called, "dur": first[pid] - called,
            "cat": "mpbench.untraced", "name": "start-up before tracing (not traced)",
            "args": {"what": "from the parent's start() call to this process's first "
                             "traced event: for spawn, the new interpreter, site and "
                             "viztracer's own import and set-up (which an untraced child "
                             "does not pay); for forkserver, the request to the server, "
                             "its fork and the unpickling of the process object; for "
                             "fork, the fork and the wait to be scheduled"}})
    return added


def helper_tracks(report: dict[str, Any], traced: set[int]) -> list[Event]:
    """A slice and a thread name for each helper process that was not traced."""
    added: list[Event] = []
    for role, helper in report.get("helpers", {}).items():
        pid = helper["pid"]
        if pid in traced:
            continue
        added.append({
            "ph": "X", "pid": pid, "tid": pid, "ts": helper["first_us"],
            "dur": max(helper["last_us"] - helper["first_us"], 0.0),
            "cat": "mpbench.helper", "name": f"{role} (not traced)",
            "args": {"what": HELPER_NOTES.get(role, role),
                     "span": "the phases during which the parent saw it running"}})
        added.append({"ph": "M", "pid": pid, "tid": pid, "name": "thread_name",
                      "args": {"name": role}})
    return added


def lost_children(events: list[Event], report: dict[str, Any],
                  traced: set[int]) -> tuple[list[dict[str, Any]], list[Event]]:
    """Children the parent started whose timeline never arrived (killed before
    viztracer could save it): ``(lost, events)``, each listed and marked on its
    own track."""
    stamps = [e["ts"] for e in events if e.get("ph") in ("X", "i") and "ts" in e]
    when = max(stamps) if stamps else 0.0
    lost: list[dict[str, Any]] = []
    added: list[Event] = []
    for child in report.get("children", []):
        pid = child.get("pid")
        if pid is None or pid in traced:
            continue
        lost.append({"role": child["role"], "pid": pid, "exitcode": child.get("exitcode")})
        added.append({"ph": "i", "s": "t", "pid": pid, "tid": pid, "ts": when,
                      "cat": "mpbench.lost", "name": "timeline lost",
                      "args": {"exitcode": child.get("exitcode"),
                               "what": "this process ended before viztracer saved "
                                       "its events (a crash or SIGKILL)"}})
        added.append({"ph": "M", "pid": pid, "tid": pid, "name": "thread_name",
                      "args": {"name": "main thread (lost)"}})
    return lost, added
