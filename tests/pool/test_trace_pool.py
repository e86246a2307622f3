"""``mpbench trace pool``: Pool(2), 40 tasks in chunks of 4, every start method.

Checks structure only (never timings): the parent and both workers named, the
pool's task and result handler threads named, and each chunk linked from the
parent's dispatch to the worker that ran it and back, inside the right slices.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, run_mpbench

from mpbench.tracing.timeline_checks import check_flows, overlapping_slices

pytestmark = [pytest.mark.slow,  # mpbench trace in subprocesses
              pytest.mark.timeout(180)]

METHODS = ("fork", "spawn", "forkserver")
TASKS, CHUNKSIZE = 40, 4  # groups/pool/scenarios.py DEFAULTS
CHUNKS = TASKS // CHUNKSIZE


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("pool-traces")
    proc = run_mpbench("trace", "pool", "--method", ",".join(METHODS), "-o", str(outdir),
                       cwd=ROOT, timeout=170)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for method in METHODS:
        assert f"pool ({method}): {outdir / f'pool-{method}.json'}" in proc.stdout
    return outdir


def load(path: Path) -> dict:
    with open(path) as handle:
        return json.load(handle)


def names(data: dict, kind: str) -> dict[tuple, str]:
    """(pid, tid) or (pid,) -> name, for process_name / thread_name metadata events."""
    return {((e["pid"],) if kind == "process_name" else (e["pid"], e["tid"])): e["args"]["name"]
            for e in data["traceEvents"] if e.get("ph") == "M" and e.get("name") == kind}


def inside(event: dict, slices: list[dict]) -> list[dict]:
    return [s for s in slices if s["pid"] == event["pid"] and s["tid"] == event["tid"]
            and s["ts"] <= event["ts"] <= s["ts"] + s["dur"]]


@pytest.mark.parametrize("method", METHODS)
def test_pool_trace_names_the_parent_both_workers_and_the_handler_threads(traces, method):
    data = load(traces / f"pool-{method}.json")
    processes = names(data, "process_name")
    active = {e["pid"] for e in data["traceEvents"] if e.get("ph") != "M"}
    roles = {name for (pid,), name in processes.items() if pid in active}
    assert {"parent", "worker-1", "worker-2"} <= roles, roles
    assert len([r for r in roles if r.startswith("worker-")]) == 2, roles
    assert not data["metadata"]["lost"]
    parent = next(pid for (pid,), name in processes.items() if name == "parent")
    threads = {name for (pid, _), name in names(data, "thread_name").items() if pid == parent}
    assert {"main thread", "pool task handler thread", "pool result handler thread"} <= threads
    assert check_flows(data["traceEvents"]) == []
    assert overlapping_slices(data["traceEvents"]) == []


@pytest.mark.parametrize("method", METHODS)
def test_each_chunk_is_an_arrow_to_its_worker_and_back(traces, method):
    data = load(traces / f"pool-{method}.json")
    events = data["traceEvents"]
    processes = {pid: name for (pid,), name in names(data, "process_name").items()}
    threads = names(data, "thread_name")
    slices = [e for e in events if e.get("cat") == "mpbench.message" and e.get("ph") == "X"]
    flows = {(e["ph"], e["id"]): e for e in events if e.get("ph") in ("s", "f")}
    # the map call's job (the start phase's rendezvous tasks are one-task jobs of their own)
    jobs = {s["args"]["job"] for s in slices if s["args"].get("tasks") == CHUNKSIZE}
    assert len(jobs) == 1, jobs
    for out, into, there, back in (("dispatch chunk", "get pool task", "parent", "worker-"),
                                   ("put pool result", "collect results", "worker-", "parent")):
        sent = [s for s in slices if s["name"] == out and s["args"]["job"] in jobs]
        assert sorted(s["args"]["index"] for s in sent) == list(range(CHUNKS)), out
        for send in sent:
            assert processes[send["pid"]].startswith(there)
            if out == "dispatch chunk":
                assert send["args"]["tasks"] == CHUNKSIZE
                assert threads[send["pid"], send["tid"]] == "pool task handler thread"
            start = [f for (ph, _), f in flows.items() if ph == "s" and inside(f, [send])]
            assert len(start) == 1, (out, send["args"])
            end = flows["f", start[0]["id"]]
            received = inside(end, [s for s in slices if s["name"] == into])
            assert [r["args"]["msg"] for r in received] == [send["args"]["msg"]]
            assert processes[end["pid"]].startswith(back)
            if into == "collect results":
                assert threads[end["pid"], end["tid"]] == "pool result handler thread"
    phases = [e["name"] for e in events if e.get("cat") == "mpbench.phase"]
    assert phases == ["start", "steady state", "shutdown"]
