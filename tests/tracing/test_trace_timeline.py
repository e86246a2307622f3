"""The post-processor on small hand-made traces (no processes, no viztracer)."""

from __future__ import annotations

from mpbench.tracing.index_page import render
from mpbench.tracing.marks import CAT_LOCK, CAT_MESSAGE, CAT_PHASE, CAT_ROLE
from mpbench.tracing.timeline import Timeline
from mpbench.tracing.timeline_checks import (
    check_flows,
    overlapping_slices,
    shortest_function_slices,
)
from mpbench.tracing.timeline_tracks import PHASE_TID

PARENT, CHILD_A, CHILD_B = 100, 201, 202


def fee(pid, tid, name, ts, dur):
    return {"ph": "X", "cat": "fee", "pid": pid, "tid": tid, "name": name, "ts": ts, "dur": dur}


def mark(pid, tid, cat, name, ts, dur, **args):
    return {"ph": "X", "cat": cat, "pid": pid, "tid": tid, "name": name, "ts": ts,
            "dur": dur, "args": args}


def build(events, report=None):
    timeline = Timeline({"traceEvents": events, "viztracer_metadata": {}}, report)
    return timeline, timeline.build({"scenario": "test"})


def names_of(trace, kind="process_name"):
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
            if e.get("ph") == "M" and e.get("name") == kind}


def test_fork_children_get_their_own_main_thread_and_role_names():
    events = [
        {"ph": "M", "pid": PARENT, "tid": PARENT, "name": "process_name",
         "args": {"name": "MainProcess"}},
        fee(PARENT, PARENT, "main", 0, 100),
        fee(CHILD_A, PARENT, "run", 10, 50),  # a fork child keeps its parent's thread id
        {"ph": "i", "cat": CAT_ROLE, "name": "mpbench role", "pid": CHILD_A, "tid": PARENT,
         "ts": 11, "s": "p", "args": {"role": "producer-0"}},
        fee(CHILD_B, CHILD_B, "run", 10, 50),  # a spawn child, never named: a fallback name
    ]
    _, trace = build(events, {"parent_pid": PARENT, "roles": {}})
    processes = names_of(trace)
    assert processes[(PARENT, PARENT)] == "parent"
    assert processes[(CHILD_A, CHILD_A)] == "producer-0"
    assert processes[(CHILD_B, CHILD_B)] == f"child (pid {CHILD_B})"
    assert all(e["tid"] == CHILD_A for e in trace["traceEvents"]
               if e.get("pid") == CHILD_A and e.get("ph") != "M")
    assert names_of(trace, "thread_name")[(CHILD_A, CHILD_A)] == "main thread"
    # viztracer's own names are replaced, not doubled
    assert sum(1 for e in trace["traceEvents"] if e.get("name") == "process_name"
               and e["pid"] == PARENT) == 1


def test_messages_are_linked_inside_their_slices_and_counted():
    events = [
        mark(CHILD_A, CHILD_A, CAT_MESSAGE, "put queue", 10, 2, msg="q:1", side="send",
             channel="queue", bytes=100),
        mark(CHILD_A, CHILD_A, CAT_MESSAGE, "put queue", 20, 2, msg="q:2", side="send",
             channel="queue", bytes=100),
        mark(CHILD_B, CHILD_B, CAT_MESSAGE, "get queue", 15, 5, msg="q:1", side="recv",
             channel="queue"),
    ]
    timeline, trace = build(events, {"parent_pid": PARENT})
    flows = [e for e in trace["traceEvents"] if e.get("ph") in ("s", "f")]
    start, end = sorted(flows, key=lambda e: e["ph"] != "s")
    assert (start["pid"], end["pid"]) == (CHILD_A, CHILD_B)
    assert 10 < start["ts"] < 12 and 15 < end["ts"] < 20 and end["bp"] == "e"
    assert check_flows(trace["traceEvents"]) == []
    assert trace["metadata"]["unmatched_messages"] == {"queue": 1}
    in_flight = [e["args"]["messages"] for e in sorted(trace["traceEvents"],
                                                       key=lambda e: e.get("ts", 0))
                 if e.get("ph") == "C" and e["name"] == "queue: messages in flight"]
    assert in_flight == [1, 0, 1]
    sent = [e["args"]["bytes"] for e in trace["traceEvents"]
            if e.get("ph") == "C" and e["name"] == "queue: bytes sent"]
    assert sent == [100, 200]
    assert all(e["pid"] == PARENT for e in trace["traceEvents"] if e.get("ph") == "C")


def test_lock_handoffs_link_only_other_processes():
    events = [
        mark(CHILD_A, CHILD_A, CAT_LOCK, "acquire lock", 0, 1, op="acquire", after=None),
        mark(CHILD_A, CHILD_A, CAT_LOCK, "release lock", 5, 1, op="release",
             release=f"{CHILD_A}:1"),
        mark(CHILD_A, CHILD_A, CAT_LOCK, "acquire lock", 7, 1, op="acquire",
             after=f"{CHILD_A}:1"),  # the same process again: no hand-off
        mark(CHILD_A, CHILD_A, CAT_LOCK, "release lock", 9, 1, op="release",
             release=f"{CHILD_A}:2"),
        mark(CHILD_B, CHILD_B, CAT_LOCK, "acquire lock", 8, 3, op="acquire",
             after=f"{CHILD_A}:2"),
    ]
    _, trace = build(events, {"parent_pid": PARENT,
                              "roles": {str(CHILD_A): "worker-0", str(CHILD_B): "worker-1"}})
    flows = [e for e in trace["traceEvents"] if e.get("ph") == "s"]
    assert len(flows) == 1 and flows[0]["pid"] == CHILD_A and flows[0]["cat"] == "lock"
    holder = [e["args"]["holder"] for e in sorted(trace["traceEvents"],
                                                   key=lambda e: (e.get("ts", 0)))
              if e.get("ph") == "C" and e["name"] == "lock holder"]
    assert holder[0] == 0 and 1 in holder and 2 in holder
    assert "1 = worker-0" in trace["metadata"]["lock_holder_counter"]


def test_phases_helpers_startup_and_lost_processes():
    events = [
        fee(PARENT, PARENT, "BaseProcess.start (/lib/multiprocessing/process.py:110)", 1, 5),
        fee(PARENT, PARENT, "start (/lib/multiprocessing/process.py:110)", 7, 2),  # Python 3.9
        mark(PARENT, PARENT, CAT_PHASE, "start", 0, 10),
        fee(CHILD_A, CHILD_A, "run", 3000, 10),
    ]
    report = {
        "parent_pid": PARENT,
        "roles": {str(CHILD_A): "consumer-0", str(CHILD_B): "producer-0"},
        "helpers": {"forkserver": {"pid": 300, "first_us": 0, "last_us": 50}},
        "children": [{"role": "consumer-0", "pid": CHILD_A, "exitcode": 0},
                     {"role": "producer-0", "pid": CHILD_B, "exitcode": -9}],
    }
    _, trace = build(events, report)
    evs = trace["traceEvents"]
    assert [e["tid"] for e in evs if e.get("cat") == CAT_PHASE] == [PHASE_TID]
    assert names_of(trace, "thread_name")[(PARENT, PHASE_TID)] == "phases"
    startup = [e for e in evs if e.get("name") == "start-up before tracing (not traced)"]
    assert len(startup) == 1 and startup[0]["pid"] == CHILD_A
    assert startup[0]["ts"] == 1.0 and startup[0]["dur"] == 2999.0
    assert names_of(trace)[(300, 300)] == "forkserver"
    assert any(e.get("name") == "forkserver (not traced)" for e in evs)
    assert trace["metadata"]["lost"] == [{"role": "producer-0", "pid": CHILD_B, "exitcode": -9}]
    assert any(e.get("name") == "timeline lost" and e["pid"] == CHILD_B for e in evs)


def test_instrumentation_calls_are_dropped_and_overlaps_found():
    events = [
        mark(CHILD_A, CHILD_A, CAT_MESSAGE, "put queue", 10, 5, msg="q:1", side="send",
             channel="queue"),
        fee(CHILD_A, CHILD_A, "now_us (/src/mpbench/tracing/marks.py:39)", 12, 30),
        fee(CHILD_A, CHILD_A, "<module> (/src/mpbench/tracing/marks.py:1)", 100, 30),
    ]
    assert len(overlapping_slices(events)) == 1
    _, trace = build(events, {"parent_pid": PARENT})
    names = [e["name"] for e in trace["traceEvents"] if e.get("ph") == "X"]
    assert "now_us (/src/mpbench/tracing/marks.py:39)" not in names
    assert "<module> (/src/mpbench/tracing/marks.py:1)" in names
    assert overlapping_slices(trace["traceEvents"]) == []


def test_shortest_function_slices_ignore_calls_closed_at_exit():
    events = [fee(CHILD_A, CHILD_A, "long", 0, 100), fee(CHILD_A, CHILD_A, "short", 10, 25),
              fee(CHILD_A, CHILD_A, "Finalize.__call__", 95, 5)]  # open when tracing stopped
    assert shortest_function_slices(events) == {CHILD_A: 25}


def test_check_flows_reports_broken_links():
    start = {"ph": "s", "id": 1, "cat": "message", "pid": 1, "tid": 1, "ts": 0}
    same = {"ph": "f", "id": 1, "cat": "message", "pid": 1, "tid": 1, "ts": 1, "bp": "e"}
    orphan = {"ph": "f", "id": 2, "cat": "message", "pid": 2, "tid": 2, "ts": 1, "bp": "e"}
    problems = check_flows([start, same, orphan])
    assert any("ends in the process it started in" in p for p in problems)
    assert any("no start" in p for p in problems)
    assert check_flows([start]) == ["flow ('message', 1) has no end"]


def test_index_page_escapes_and_lists_nothing_gracefully(tmp_path):
    page = render(str(tmp_path))
    assert "No traces yet" in page and "mpbench trace" in page
    (tmp_path / "x<y.json").write_text('{"metadata": {"scenario": "<b>", "method": "fork"}}')
    page = render(str(tmp_path))
    assert "&lt;b&gt; (fork)" in page and "<b> (fork)" not in page


def test_calls_closed_at_exit_are_nested_in_their_encloser_and_nothing_else_moves():
    from mpbench.tracing.timeline_checks import nest_calls_closed_at_exit, overlapping_slices

    def call(name, ts, dur, pid=7):
        return {"ph": "X", "name": name, "ts": ts, "dur": dur, "pid": pid, "tid": 1}

    bootstrap = call("BaseProcess._bootstrap", 1000.0, 500.0)
    exit_function = call("_exit_function", 1400.0, 100.4)  # 0.4 us past _bootstrap's end
    mid_run = [call("outer", 1100.0, 50.0), call("crossing", 1120.0, 40.0)]  # 10 us past
    other = [call("work", 2000.0, 10_000.0, pid=8), call("inner", 3000.0, 1000.0, pid=8)]
    events = [bootstrap, exit_function, *mid_run, *other]
    assert len(overlapping_slices(events)) == 2
    assert nest_calls_closed_at_exit(events) == 1
    assert exit_function["ts"] == 1400.0 and 99.99 < exit_function["dur"] < 100.0
    assert bootstrap["dur"] == 500.0 and mid_run[1]["dur"] == 40.0  # the rest as recorded
    remaining = overlapping_slices(events)
    assert len(remaining) == 1 and "'crossing'" in remaining[0]
