"""Turn viztracer's combined trace into a readable multi-process timeline.

Input: the Chrome trace JSON that ``python -m viztracer`` combined from every
process, and the scenario's report (roles, helpers, exit codes, phases).
Output: the same events plus

- ``M`` events naming every process by its role (``parent``, ``producer-0``,
  ``forkserver``...) and every thread (the Queue feeder thread as such);
- flow events ``s``/``f`` from each ``put``/``send`` to its ``get``/``recv``,
  and from each lock release to the next acquire in another process;
- counters (``C``): messages in flight and bytes sent per channel, lock holder;
- the phases on a ``phases`` track of the parent;
- a slice for the untraced start of spawn and forkserver children;
- ``metadata``: scenario, options, roles, lost processes, overhead.

Fork children keep the parent's thread id in viztracer's output (its thread
record is copied by ``fork``): their main thread is renumbered to their pid so
Perfetto does not mix them up with the parent's main thread.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from mpbench.tracing.marks import CAT_LOCK, CAT_MESSAGE, CAT_PHASE, CAT_ROLE

# Synthetic thread ids (above Linux's pid_max of 2**22) for tracks we add.
PHASE_TID = 90_000_001
FLOW_EPSILON_US = 0.001  # inside our own slice, clear of the functions it encloses
MIN_GAP_US = 500.0       # an untraced start-up shorter than this is not worth a slice
FLUSH_MARGIN_US = 50.0  # calls closed by viztracer when a process stops tracing end within this

THREAD_LABELS = {"MainThread": "main thread", "QueueFeederThread": "queue feeder thread"}
HELPER_NOTES = {
    "forkserver": "the forkserver process: viztracer runs it with --patch_only, so only "
                  "the children it forks are traced",
    "resource tracker": "multiprocessing's resource tracker: viztracer does not trace it",
}
# BaseProcess.start, named without its class before Python 3.11
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
START_SLICE = re.compile(r"^(BaseProcess\.)?start \(.*multiprocessing[/\\]process\.py:\d+\)$")
# The marks' own calls: taking a time stamp inside a call that the scheduler
# stretches past --min_duration would straddle the edge of the slice being
# marked, which Perfetto drops as overlapping. Dropped; imports of the module stay.
INSTRUMENTATION = re.compile(r"^(?!<module>)\S+ \(.*mpbench[/\\]tracing[/\\]marks\.py:\d+\)$"
                             r"|^(Viz)?Tracer\.(getts|add_raw)$")


class Timeline:
    """The post-processor: build it from the raw trace and report, then :meth:`build`."""

    def __init__(self, raw: dict[str, Any], report: dict[str, Any] | None) -> None:
        self.raw = raw
        self.report = report or {}
        self.events: list[dict[str, Any]] = list(raw.get("traceEvents", []))
        self.added: list[dict[str, Any]] = []
        self.roles: dict[int, str] = {}
        self.parent_pid: int | None = self.report.get("parent_pid")
        self.lost: list[dict[str, Any]] = []
        self.flow_count = 0
        self.unmatched: dict[str, int] = defaultdict(int)
        self.legend: str | None = None

    # -- the steps --------------------------------------------------------------

    def build(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The finished trace: events, names, links, counters and ``metadata``."""
        self._drop_instrumentation()
        self._renumber_fork_threads()
        self._find_roles()
        traced = self.traced_pids()
        self._name_processes(traced)
        self._name_threads()
        self._move_phases()
        self._mark_untraced_startups()
        self._add_helpers(traced)
        self._link_messages()
        self._link_lock_handoffs()
        self._count_messages()
        self._count_lock_holder()
        self._find_lost(traced)
        events = [e for e in self.events if not _is_viztracer_name(e)] + self.added
        meta = dict(metadata)
        meta.update({
            "roles": {str(pid): role for pid, role in sorted(self.roles.items())},
            "processes": len(traced),
            "lost": self.lost,
            "flows": self.flow_count,
            "unmatched_messages": dict(self.unmatched),
            "phases": [{"name": p["name"], "seconds": p.get("seconds")}
                       for p in self.report.get("phases", [])],
            "scenario_error": self.report.get("error"),
        })
        if self.legend:
            meta["lock_holder_counter"] = self.legend
        viz_meta = dict(self.raw.get("viztracer_metadata", {}))
        return {"traceEvents": events, "displayTimeUnit": "ms",
                "viztracer_metadata": viz_meta, "metadata": meta}

    def _drop_instrumentation(self) -> None:
        self.events = [e for e in self.events
                       if not (e.get("ph") == "X" and INSTRUMENTATION.match(e.get("name", "")))]

    def traced_pids(self) -> set[int]:
        """Processes with at least one recorded (non-metadata) event."""
        return {e["pid"] for e in self.events if e.get("ph") != "M" and "pid" in e}

    def _renumber_fork_threads(self) -> None:
        pids = {e["pid"] for e in self.events if "pid" in e}
        for pid in pids:
            # viztracer's process_name event carries tid = pid: look at real events
            tids = {e.get("tid") for e in self.events
                    if e.get("pid") == pid and e.get("ph") != "M"}
            if pid in tids:
                continue
            stale = [tid for tid in tids if tid in pids and tid != pid]
            if len(stale) == 1:
                for event in self.events:
                    if event.get("pid") == pid and event.get("tid") == stale[0]:
                        event["tid"] = pid

    def _find_roles(self) -> None:
        for pid, role in self.report.get("roles", {}).items():
            self.roles[int(pid)] = role
        for event in self.events:
            if event.get("cat") == CAT_ROLE and event.get("ph") == "i":
                role = event.get("args", {}).get("role")
                if role == "parent" and self.parent_pid is None:
                    self.parent_pid = event["pid"]
                if role:
                    self.roles.setdefault(event["pid"], role)
        if self.parent_pid is not None:
            self.roles[self.parent_pid] = "parent"
        for role, helper in self.report.get("helpers", {}).items():
            self.roles.setdefault(helper["pid"], role)
        viz_names = {e["pid"]: e.get("args", {}).get("name") for e in self.events
                     if e.get("ph") == "M" and e.get("name") == "process_name"}
        for pid in self.traced_pids():
            if pid not in self.roles:
                name = viz_names.get(pid) or ""
                self.roles[pid] = name if name not in ("", "python -c", "MainProcess") \
                    else f"child (pid {pid})"

    def _sort_key(self, pid: int) -> tuple[int, str]:
        role = self.roles.get(pid, "")
        if pid == self.parent_pid:
            return (0, "")
        if role in HELPER_NOTES:
            return (2, role)
        return (1, _natural(role))

    def _name_processes(self, traced: set[int]) -> None:
        for index, pid in enumerate(sorted(self.roles, key=self._sort_key)):
            self.added.append({"ph": "M", "pid": pid, "tid": pid, "name": "process_name",
                               "args": {"name": self.roles[pid]}})
            self.added.append({"ph": "M", "pid": pid, "tid": pid,
                               "name": "process_sort_index", "args": {"sort_index": index}})

    def _name_threads(self) -> None:
        names: dict[tuple[int, int], str] = {}
        for event in self.events:
            if event.get("ph") == "M" and event.get("name") == "thread_name":
                names[(event["pid"], event["tid"])] = event.get("args", {}).get("name", "")
        seen = {(e["pid"], e["tid"]) for e in self.events
                if e.get("ph") != "M" and "pid" in e and "tid" in e}
        feeders = {(e["pid"], e["tid"]) for e in self.events
                   if e.get("ph") == "X" and FEEDER_CALL.match(e.get("name", ""))}
        handlers = {(e["pid"], e["tid"]): POOL_THREAD_MARKS[e["name"]] for e in self.events
                    if e.get("cat") == CAT_MESSAGE and e.get("name") in POOL_THREAD_MARKS}
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
            self.added.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
                               "args": {"name": label}})
            self.added.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_sort_index",
                               "args": {"sort_index": 0 if tid == pid else 1}})

    def _move_phases(self) -> None:
        pid = None
        for event in self.events:
            if event.get("cat") == CAT_PHASE and event.get("ph") == "X":
                event["tid"] = PHASE_TID
                pid = event["pid"]
        if pid is not None:
            self.added.append({"ph": "M", "pid": pid, "tid": PHASE_TID, "name": "thread_name",
                               "args": {"name": "phases"}})
            self.added.append({"ph": "M", "pid": pid, "tid": PHASE_TID,
                               "name": "thread_sort_index", "args": {"sort_index": -1}})

    def _first_event_ts(self) -> dict[int, float]:
        first: dict[int, float] = {}
        for event in self.events:
            if event.get("ph") in ("X", "i") and "ts" in event:
                pid = event["pid"]
                if event["ts"] < first.get(pid, float("inf")):
                    first[pid] = event["ts"]
        return first

    def _start_calls(self, first: dict[int, float]) -> dict[int, float]:
        """When the parent asked for each child: the parent's ``Process.start``
        slices in order, matched with the children in the order the parent started
        them (the report's), or failing that in the order they first show up
        (right when they run one at a time, as in the start/join scenario)."""
        if self.parent_pid is None:
            return {}
        starts = sorted(e["ts"] for e in self.events
                        if e.get("pid") == self.parent_pid and e.get("ph") == "X"
                        and START_SLICE.match(e.get("name", "")))
        children = [c["pid"] for c in self.report.get("children", [])]
        if not children:
            children = [pid for _, pid in sorted((ts, pid) for pid, ts in first.items()
                                                 if pid != self.parent_pid
                                                 and self.roles.get(pid) not in HELPER_NOTES)]
        if len(starts) != len(children):
            return {}
        matched = {pid: start for start, pid in zip(starts, children)
                   if pid in first and start < first[pid]}
        # a lost child has no events; any other left unmatched means the order is off
        return matched if all(pid in matched for pid in children if pid in first) else {}

    def _mark_untraced_startups(self) -> None:
        first = self._first_event_ts()
        for pid, called in self._start_calls(first).items():
            if pid not in first or first[pid] - called < MIN_GAP_US:
                continue
            self.added.append({
                "ph": "X", "pid": pid, "tid": pid, "ts": called, "dur": first[pid] - called,
                "cat": "mpbench.untraced", "name": "start-up before tracing (not traced)",
                "args": {"what": "from the parent's start() call to this process's first "
                                 "traced event: for spawn, the new interpreter, site and "
                                 "viztracer's own import and set-up (which an untraced child "
                                 "does not pay); for forkserver, the request to the server, "
                                 "its fork and the unpickling of the process object; for "
                                 "fork, the fork and the wait to be scheduled"}})

    def _add_helpers(self, traced: set[int]) -> None:
        for role, helper in self.report.get("helpers", {}).items():
            pid = helper["pid"]
            if pid in traced:
                continue
            self.added.append({
                "ph": "X", "pid": pid, "tid": pid, "ts": helper["first_us"],
                "dur": max(helper["last_us"] - helper["first_us"], 0.0),
                "cat": "mpbench.helper", "name": f"{role} (not traced)",
                "args": {"what": HELPER_NOTES.get(role, role),
                         "span": "the phases during which the parent saw it running"}})
            self.added.append({"ph": "M", "pid": pid, "tid": pid, "name": "thread_name",
                               "args": {"name": role}})

    # -- flows ------------------------------------------------------------------

    def _flow(self, flow_id: int, cat: str, name: str, src: dict[str, Any],
              dst: dict[str, Any]) -> None:
        src_ts = src["ts"] + min(FLOW_EPSILON_US, src.get("dur", 0) / 2)
        dst_ts = dst["ts"] + max(dst.get("dur", 0) - FLOW_EPSILON_US, dst.get("dur", 0) / 2)
        self.added.append({"ph": "s", "id": flow_id, "cat": cat, "name": name,
                           "pid": src["pid"], "tid": src["tid"], "ts": src_ts})
        self.added.append({"ph": "f", "bp": "e", "id": flow_id, "cat": cat, "name": name,
                           "pid": dst["pid"], "tid": dst["tid"], "ts": dst_ts})
        self.flow_count += 1

    def _slices(self, cat: str) -> list[dict[str, Any]]:
        return sorted((e for e in self.events if e.get("cat") == cat and e.get("ph") == "X"),
                      key=lambda e: e["ts"])

    def _link_messages(self) -> None:
        sends: dict[str, dict[str, Any]] = {}
        recvs: dict[str, dict[str, Any]] = {}
        for event in self._slices(CAT_MESSAGE):
            args = event.get("args", {})
            (sends if args.get("side") == "send" else recvs)[args.get("msg")] = event
        for msg, send in sends.items():
            recv = recvs.get(msg)
            if recv is None:
                self.unmatched[send["args"].get("channel", "?")] += 1
                continue
            self._flow(self.flow_count + 1, "message",
                       f"{send['args'].get('channel', 'message')} message", send, recv)

    def _link_lock_handoffs(self) -> None:
        releases: dict[str, dict[str, Any]] = {}
        acquires: list[dict[str, Any]] = []
        for event in self._slices(CAT_LOCK):
            args = event.get("args", {})
            if args.get("op") == "release":
                releases[args.get("release")] = event
            elif args.get("op") == "acquire" and args.get("after"):
                acquires.append(event)
        for acquire in acquires:
            release = releases.get(acquire["args"]["after"])
            if release is None or release["pid"] == acquire["pid"]:
                continue  # the first acquire, or the same process again: no hand-off
            self._flow(self.flow_count + 1, "lock", "lock hand-off", release, acquire)

    # -- counters ---------------------------------------------------------------

    def _counter_pid(self) -> int | None:
        return self.parent_pid if self.parent_pid is not None else None

    def _count_messages(self) -> None:
        pid = self._counter_pid()
        if pid is None:
            return
        changes: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
        for event in self._slices(CAT_MESSAGE):
            args = event.get("args", {})
            end = event["ts"] + event.get("dur", 0)
            if args.get("side") == "send":
                changes[args.get("channel", "channel")].append((end, 1, args.get("bytes") or 0))
            else:
                changes[args.get("channel", "channel")].append((end, -1, 0))
        for channel, steps in changes.items():
            in_flight = 0
            sent = 0
            for ts, step, nbytes in sorted(steps, key=lambda s: (s[0], -s[1])):
                in_flight += step
                sent += nbytes
                self.added.append({"ph": "C", "pid": pid, "ts": ts,
                                   "name": f"{channel}: messages in flight",
                                   "args": {"messages": in_flight}})
                if step > 0:
                    self.added.append({"ph": "C", "pid": pid, "ts": ts,
                                       "name": f"{channel}: bytes sent", "args": {"bytes": sent}})

    def _count_lock_holder(self) -> None:
        pid = self._counter_pid()
        if pid is None:
            return
        steps: list[tuple[float, int, int]] = []
        for event in self._slices(CAT_LOCK):
            op = event.get("args", {}).get("op")
            end = event["ts"] + event.get("dur", 0)
            if op == "acquire":
                steps.append((end, 1, event["pid"]))
            elif op == "release":
                steps.append((event["ts"], 0, event["pid"]))
        if not steps:
            return
        holders = sorted({p for _, _, p in steps}, key=lambda p: _natural(self.roles.get(p, "")))
        index = {p: i + 1 for i, p in enumerate(holders)}
        legend = ", ".join(f"{i} = {self.roles.get(p, p)}" for p, i in index.items())
        self.added.append({"ph": "C", "pid": pid, "ts": steps[0][0] - 1, "name": "lock holder",
                           "args": {"holder": 0}})
        for ts, acquired, who in sorted(steps, key=lambda s: (s[0], s[1])):
            self.added.append({"ph": "C", "pid": pid, "ts": ts, "name": "lock holder",
                               "args": {"holder": index[who] if acquired else 0}})
        self.legend = f"lock holder: 0 = free, {legend}"

    # -- what is missing --------------------------------------------------------

    def _find_lost(self, traced: set[int]) -> None:
        """Children the parent started whose timeline never arrived (killed before
        viztracer could save it): listed, and marked on their own track."""
        stamps = [e["ts"] for e in self.events if e.get("ph") in ("X", "i") and "ts" in e]
        when = max(stamps) if stamps else 0.0
        for child in self.report.get("children", []):
            pid = child.get("pid")
            if pid is None or pid in traced:
                continue
            self.lost.append({"role": child["role"], "pid": pid,
                              "exitcode": child.get("exitcode")})
            self.added.append({"ph": "i", "s": "t", "pid": pid, "tid": pid, "ts": when,
                               "cat": "mpbench.lost", "name": "timeline lost",
                               "args": {"exitcode": child.get("exitcode"),
                                        "what": "this process ended before viztracer saved "
                                                "its events (a crash or SIGKILL)"}})
            self.added.append({"ph": "M", "pid": pid, "tid": pid, "name": "thread_name",
                               "args": {"name": "main thread (lost)"}})


def _is_viztracer_name(event: dict[str, Any]) -> bool:
    """viztracer's own process/thread names, replaced by ours."""
    return event.get("ph") == "M" and event.get("name") in ("process_name", "thread_name")


def _natural(text: str) -> str:
    """Sort key that puts worker-2 before worker-10."""
    return re.sub(r"\d+", lambda m: m.group().zfill(8), text)


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
