"""Turn viztracer's combined trace into a readable multi-process timeline.

Input: the Chrome trace JSON that ``python -m viztracer`` combined from every
process, and the scenario's report (roles, helpers, exit codes, phases).
Output: the same events plus

- ``M`` events naming every process by its role (``parent``, ``producer-0``,
  ``forkserver``...) and every thread (the Queue feeder thread as such):
  :mod:`~mpbench.tracing.timeline_names`;
- flow events ``s``/``f`` from each ``put``/``send`` to its ``get``/``recv``,
  and from each lock release to the next acquire in another process; counters
  (``C``): messages in flight and bytes sent per channel, lock holder:
  :mod:`~mpbench.tracing.timeline_links`;
- the phases on a ``phases`` track of the parent, a slice for the untraced
  start of spawn and forkserver children, the helpers and the lost children:
  :mod:`~mpbench.tracing.timeline_tracks`;
- ``metadata``: scenario, options, roles, lost processes, overhead.

:mod:`~mpbench.tracing.timeline_checks` checks the result.

Fork children keep the parent's thread id in viztracer's output (its thread
record is copied by ``fork``): their main thread is renumbered to their pid so
Perfetto does not mix them up with the parent's main thread.
"""

from __future__ import annotations

import re
from typing import Any

from mpbench.tracing import timeline_checks as checks
from mpbench.tracing import timeline_names as names
from mpbench.tracing import timeline_tracks as tracks
from mpbench.tracing.timeline_links import Flows, lock_holder_counter, message_counters

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
        self.unmatched: dict[str, int] = {}
        self.legend: str | None = None

    def build(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The finished trace: events, names, links, counters and ``metadata``."""
        self._drop_instrumentation()
        self._renumber_fork_threads()
        checks.nest_calls_closed_at_exit(self.events)
        self.roles, self.parent_pid = names.find_roles(self.events, self.report,
                                                       self.parent_pid)
        traced = self.traced_pids()
        self.added += names.process_names(self.roles, self.parent_pid)
        self.added += names.thread_names(self.events)
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
        return names.traced_pids(self.events)

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
