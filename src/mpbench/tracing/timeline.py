"""Turn viztracer's combined trace into a readable multi-process timeline.

Input: the Chrome trace JSON that ``python -m viztracer`` combined from every
process, and the scenario's report (roles, helpers, exit codes, phases).
Output: the same events plus

- what ties the processes together, read from the marks they left (here): flow
  events ``s``/``f`` from each ``put``/``send`` to its ``get``/``recv``, and from
  each lock release to the next acquire in another process; counters (``C``) on
  the parent: messages in flight and bytes sent per channel, lock holder;
- ``M`` events naming every process by its role (``parent``, ``producer-0``,
  ``forkserver``...) and every thread (the Queue feeder thread as such), the
  phases on a ``phases`` track of the parent, a slice for the untraced start of
  spawn and forkserver children, the helpers and the lost children:
  :mod:`~mpbench.tracing.timeline_tracks`;
- ``metadata``: scenario, options, roles, lost processes, overhead.

:mod:`~mpbench.tracing.timeline_checks` checks the result.

Fork children keep the parent's thread id in viztracer's output (its thread
record is copied by ``fork``): their main thread is renumbered to their pid so
Perfetto does not mix them up with the parent's main thread.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from mpbench.tracing import timeline_checks as checks
from mpbench.tracing import timeline_tracks as tracks
from mpbench.tracing.marks import CAT_LOCK, CAT_MESSAGE
from mpbench.tracing.timeline_tracks import natural

Event = dict[str, Any]

# The marks' own calls: taking a time stamp inside a call that the scheduler
# stretches past --min_duration would straddle the edge of the slice being
# marked, which Perfetto drops as overlapping. Dropped; imports of the module stay.
INSTRUMENTATION = re.compile(r"^(?!<module>)\S+ \(.*mpbench[/\\]tracing[/\\]marks\.py:\d+\)$"
                             r"|^(Viz)?Tracer\.(getts|add_raw)$")
FLOW_EPSILON_US = 0.001  # inside our own slice, clear of the functions it encloses


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
        self.unmatched: dict[str, int] = {}
        self.legend: str | None = None

    def build(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The finished trace: events, names, links, counters and ``metadata``."""
        self._drop_instrumentation()
        self._renumber_fork_threads()
        checks.nest_calls_closed_at_exit(self.events)
        self.roles, self.parent_pid = tracks.find_roles(self.events, self.report,
                                                        self.parent_pid)
        traced = self.traced_pids()
        self.added += tracks.process_names(self.roles, self.parent_pid)
        self.added += tracks.thread_names(self.events)
        self.added += tracks.phase_track(self.events)
        self.added += tracks.untraced_startups(self.events, self.report, self.roles,
                                               self.parent_pid)
        self.added += tracks.helper_tracks(self.report, traced)
        self._link()
        self._count()
        lost, marks = tracks.lost_children(self.events, self.report, traced)
        self.lost += lost
        self.added += marks
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

    def traced_pids(self) -> set[int]:
        """Processes with at least one recorded (non-metadata) event."""
        return tracks.traced_pids(self.events)

    def _drop_instrumentation(self) -> None:
        self.events = [e for e in self.events
                       if not (e.get("ph") == "X" and INSTRUMENTATION.match(e.get("name", "")))]

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

    def _link(self) -> None:
        flows = Flows()
        flows.link_messages(self.events)
        flows.link_lock_handoffs(self.events)
        self.added += flows.events
        self.flow_count = flows.count
        self.unmatched = flows.unmatched

    def _count(self) -> None:
        # the counters live on the parent's track: without a parent, none
        if self.parent_pid is None:
            return
        self.added += message_counters(self.events, self.parent_pid)
        holder, self.legend = lock_holder_counter(self.events, self.parent_pid, self.roles)
        self.added += holder


def _is_viztracer_name(event: dict[str, Any]) -> bool:
    """viztracer's own process/thread names, replaced by ours."""
    return event.get("ph") == "M" and event.get("name") in ("process_name", "thread_name")


def slices(events: list[Event], cat: str) -> list[Event]:
    """The complete slices of category ``cat``, by start time."""
    return sorted((e for e in events if e.get("cat") == cat and e.get("ph") == "X"),
                  key=lambda e: e["ts"])


class Flows:
    """Flow events, numbered from 1 in the order they are linked; :attr:`unmatched`
    counts, per channel, the messages sent that no receive matched."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.count = 0
        self.unmatched: dict[str, int] = defaultdict(int)

    def _flow(self, flow_id: int, cat: str, name: str, src: Event, dst: Event) -> None:
        src_ts = src["ts"] + min(FLOW_EPSILON_US, src.get("dur", 0) / 2)
        dst_ts = dst["ts"] + max(dst.get("dur", 0) - FLOW_EPSILON_US, dst.get("dur", 0) / 2)
        self.events.append({"ph": "s", "id": flow_id, "cat": cat, "name": name,
                            "pid": src["pid"], "tid": src["tid"], "ts": src_ts})
        self.events.append({"ph": "f", "bp": "e", "id": flow_id, "cat": cat, "name": name,
                            "pid": dst["pid"], "tid": dst["tid"], "ts": dst_ts})
        self.count += 1

    def link_messages(self, events: list[Event]) -> None:
        """A flow from each message's send to its receive (matched by message id)."""
        sends: dict[str, Event] = {}
        recvs: dict[str, Event] = {}
        for event in slices(events, CAT_MESSAGE):
            args = event.get("args", {})
            (sends if args.get("side") == "send" else recvs)[args.get("msg")] = event
        for msg, send in sends.items():
            recv = recvs.get(msg)
            if recv is None:
                self.unmatched[send["args"].get("channel", "?")] += 1
                continue
            self._flow(self.count + 1, "message",
                       f"{send['args'].get('channel', 'message')} message", send, recv)

    def link_lock_handoffs(self, events: list[Event]) -> None:
        """A flow from each lock release to the acquire that followed it in another process."""
        releases: dict[str, Event] = {}
        acquires: list[Event] = []
        for event in slices(events, CAT_LOCK):
            args = event.get("args", {})
            if args.get("op") == "release":
                releases[args.get("release")] = event
            elif args.get("op") == "acquire" and args.get("after"):
                acquires.append(event)
        for acquire in acquires:
            release = releases.get(acquire["args"]["after"])
            if release is None or release["pid"] == acquire["pid"]:
                continue  # the first acquire, or the same process again: no hand-off
            self._flow(self.count + 1, "lock", "lock hand-off", release, acquire)


def message_counters(events: list[Event], pid: int) -> list[Event]:
    """Counters on process ``pid``: messages in flight and bytes sent, per channel."""
    added: list[Event] = []
    changes: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    for event in slices(events, CAT_MESSAGE):
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
            added.append({"ph": "C", "pid": pid, "ts": ts,
                          "name": f"{channel}: messages in flight",
                          "args": {"messages": in_flight}})
            if step > 0:
                added.append({"ph": "C", "pid": pid, "ts": ts,
                              "name": f"{channel}: bytes sent", "args": {"bytes": sent}})
    return added


def lock_holder_counter(events: list[Event], pid: int,
                        roles: dict[int, str]) -> tuple[list[Event], str | None]:
    """A ``lock holder`` counter on process ``pid`` (0 = free, then each holder's
    number) and its legend; ``([], None)`` when no lock was marked."""
    steps: list[tuple[float, int, int]] = []
    for event in slices(events, CAT_LOCK):
        op = event.get("args", {}).get("op")
        end = event["ts"] + event.get("dur", 0)
        if op == "acquire":
            steps.append((end, 1, event["pid"]))
        elif op == "release":
            steps.append((event["ts"], 0, event["pid"]))
    if not steps:
        return [], None
    holders = sorted({p for _, _, p in steps}, key=lambda p: natural(roles.get(p, "")))
    index = {p: i + 1 for i, p in enumerate(holders)}
    legend = ", ".join(f"{i} = {roles.get(p, p)}" for p, i in index.items())
    added: list[Event] = [{"ph": "C", "pid": pid, "ts": steps[0][0] - 1, "name": "lock holder",
                           "args": {"holder": 0}}]
    for ts, acquired, who in sorted(steps, key=lambda s: (s[0], s[1])):
        added.append({"ph": "C", "pid": pid, "ts": ts, "name": "lock holder",
                      "args": {"holder": index[who] if acquired else 0}})
    return added, f"lock holder: 0 = free, {legend}"
