"""A timeline's process and thread tracks: who each is, and what they gain.

- names: every process gets its role (``parent``, ``producer-0``, ``forkserver``...)
  from the scenario's report or the role marks its processes left, the parent
  first, helpers last; every thread a label (the Queue feeder thread and a Pool's
  handler threads as such, the main thread first). These ``M`` events replace
  viztracer's own names.
- tracks beyond what viztracer recorded: the scenario's phases on a ``phases``
  track of the parent; a slice for the untraced start of each spawn or forkserver
  child (from the parent's ``start()`` call to its first traced event); a slice for
  each helper process viztracer does not trace (the forkserver, the resource
  tracker), over the phases during which the parent saw it; a ``timeline lost``
  mark for each child whose trace never arrived.
"""

from __future__ import annotations

import re
from typing import Any

from mpbench.tracing.marks import CAT_MESSAGE, CAT_PHASE, CAT_ROLE

Event = dict[str, Any]

# Synthetic thread ids (above Linux's pid_max of 2**22) for tracks we add.
PHASE_TID = 90_000_001
MIN_GAP_US = 500.0       # an untraced start-up shorter than this is not worth a slice
# BaseProcess.start, named without its class before Python 3.11
START_SLICE = re.compile(r"^(BaseProcess\.)?start \(.*multiprocessing[/\\]process\.py:\d+\)$")
THREAD_LABELS = {"MainThread": "main thread", "QueueFeederThread": "queue feeder thread"}
HELPER_NOTES = {
    "forkserver": "the forkserver process: viztracer runs it with --patch_only, so only "
                  "the children it forks are traced",
    "resource tracker": "multiprocessing's resource tracker: viztracer does not trace it",
}
# What only a Queue's feeder thread runs (it writes what put() buffered)
FEEDER_CALL = re.compile(r"^(Queue\.)?_feed \(.*multiprocessing[/\\]queues\.py"
                         r"|^(_ConnectionBase\.)?send_bytes \(.*multiprocessing[/\\]connection\.py")
# A Pool's handler threads: Python names them "Thread-N (_handle_tasks)" (3.10+); the
# traced pool's marks ("dispatch chunk", "collect results") tell them apart on any version.
POOL_THREADS = {"_handle_workers": "pool worker handler thread",
                "_handle_tasks": "pool task handler thread",
                "_handle_results": "pool result handler thread"}
POOL_THREAD_NAME = re.compile(r"\((_handle_workers|_handle_tasks|_handle_results)\)$")
POOL_THREAD_MARKS = {"dispatch chunk": "_handle_tasks", "collect results": "_handle_results"}


def traced_pids(events: list[Event]) -> set[int]:
    """Processes with at least one recorded (non-metadata) event."""
    return {e["pid"] for e in events if e.get("ph") != "M" and "pid" in e}


def find_roles(events: list[Event], report: dict[str, Any],
               parent_pid: int | None) -> tuple[dict[int, str], int | None]:
    """Every traced process's role, and the parent's pid: ``(roles, parent_pid)``.

    From the report's roles, then the role marks, then the report's helpers;
    a process none of them names keeps viztracer's name unless it is an
    anonymous ``python -c`` (a spawn or forkserver child).
    """
    roles: dict[int, str] = {}
    for pid, role in report.get("roles", {}).items():
        roles[int(pid)] = role
    for event in events:
        if event.get("cat") == CAT_ROLE and event.get("ph") == "i":
            role = event.get("args", {}).get("role")
            if role == "parent" and parent_pid is None:
                parent_pid = event["pid"]
            if role:
                roles.setdefault(event["pid"], role)
    if parent_pid is not None:
        roles[parent_pid] = "parent"
    for role, helper in report.get("helpers", {}).items():
        roles.setdefault(helper["pid"], role)
    viz_names = {e["pid"]: e.get("args", {}).get("name") for e in events
                 if e.get("ph") == "M" and e.get("name") == "process_name"}
    for pid in traced_pids(events):
        if pid not in roles:
            name = viz_names.get(pid) or ""
            roles[pid] = name if name not in ("", "python -c", "MainProcess") \
                else f"child (pid {pid})"
    return roles, parent_pid


def process_names(roles: dict[int, str], parent_pid: int | None) -> list[Event]:
    """``process_name`` and ``process_sort_index`` events: the parent first, then the
    children in natural order of their roles, the helpers last."""
    def sort_key(pid: int) -> tuple[int, str]:
        role = roles.get(pid, "")
        if pid == parent_pid:
            return (0, "")
        if role in HELPER_NOTES:
            return (2, role)
        return (1, natural(role))

    added: list[Event] = []
    for index, pid in enumerate(sorted(roles, key=sort_key)):
        added.append({"ph": "M", "pid": pid, "tid": pid, "name": "process_name",
                      "args": {"name": roles[pid]}})
        added.append({"ph": "M", "pid": pid, "tid": pid,
                      "name": "process_sort_index", "args": {"sort_index": index}})
    return added


def thread_names(events: list[Event]) -> list[Event]:
    """``thread_name`` and ``thread_sort_index`` events for every thread that recorded
    something: the main thread first, the Queue feeder and Pool handler threads named."""
    names: dict[tuple[int, int], str] = {}
    for event in events:
        if event.get("ph") == "M" and event.get("name") == "thread_name":
            names[(event["pid"], event["tid"])] = event.get("args", {}).get("name", "")
    seen = {(e["pid"], e["tid"]) for e in events
            if e.get("ph") != "M" and "pid" in e and "tid" in e}
    feeders = {(e["pid"], e["tid"]) for e in events
               if e.get("ph") == "X" and FEEDER_CALL.match(e.get("name", ""))}
    handlers = {(e["pid"], e["tid"]): POOL_THREAD_MARKS[e["name"]] for e in events
                if e.get("cat") == CAT_MESSAGE and e.get("name") in POOL_THREAD_MARKS}
    added: list[Event] = []
    for key in sorted(seen):
        pid, tid = key
        python_name = names.get(key) or ("MainThread" if tid == pid else f"thread {tid}")
        if key in feeders and python_name.startswith(("Dummy-", "thread ")):
            # Python 3.12+: viztracer meets the thread before threading names it
            python_name = "QueueFeederThread"
        handler = POOL_THREAD_NAME.search(python_name)
        label = THREAD_LABELS.get(python_name, python_name)
        if key in handlers or handler:
            label = POOL_THREADS[handlers.get(key) or (handler.group(1) if handler else "")]
        added.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
                      "args": {"name": label}})
        added.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_sort_index",
                      "args": {"sort_index": 0 if tid == pid else 1}})
    return added


def natural(text: str) -> str:
    """Sort key that puts worker-2 before worker-10."""
    return re.sub(r"\d+", lambda m: m.group().zfill(8), text)


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
