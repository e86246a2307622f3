"""Naming a timeline's processes and threads: by role, in a readable order.

Every process gets its role (``parent``, ``producer-0``, ``forkserver``...)
from the scenario's report or the role marks its processes left, the parent
first, helpers last; every thread gets a label (the Queue feeder thread and a
Pool's handler threads as such, the main thread first). The ``M`` events made
here replace viztracer's own names.
"""

from __future__ import annotations

import re
from typing import Any

from mpbench.tracing.marks import CAT_MESSAGE, CAT_ROLE

Event = dict[str, Any]

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
