"""``mpbench trace shared_handoff``: a 64 MiB array by Queue and by SharedMemory, one
timeline (fork only). Only structure is asserted: names, slices, links, no leftovers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_mpbench, shm_segments

from mpbench.tracing.timeline_checks import check_flows, overlapping_slices

pytestmark = [pytest.mark.slow,  # traced 64 MiB hand-overs in subprocesses
              pytest.mark.timeout(240),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /dev/shm")]

ROLES = {"parent", "queue-sender", "queue-receiver", "shm-sender", "shm-receiver"}
PASSES = 3  # warm-up, one hand-over, the check


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    out = tmp_path_factory.mktemp("shared-handoff")
    before = shm_segments()
    proc = run_mpbench("trace", "shared_handoff", "--method", "fork", "--count", "1",
                       "-o", str(out), cwd=ROOT, timeout=200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "shared_handoff-fork.json") as handle:
        data = json.load(handle)
    return data, before, shm_segments()


def names_by_pid(data: dict, kind: str = "process_name") -> dict:
    return {(e["pid"], e.get("tid")) if kind == "thread_name" else e["pid"]: e["args"]["name"]
            for e in data["traceEvents"] if e.get("ph") == "M" and e.get("name") == kind}


def slices(data: dict, role: str, thread: str = "") -> list:
    pids = {pid for pid, name in names_by_pid(data).items() if name == role}
    threads = names_by_pid(data, "thread_name")
    return [e for e in data["traceEvents"] if e.get("ph") == "X" and e["pid"] in pids
            and (not thread or threads.get((e["pid"], e["tid"])) == thread)]


def named(events: list, prefix: str) -> list:
    return [e for e in events if e["name"].startswith(prefix)]


def test_every_process_is_named_by_its_role(traced):
    data, _, _ = traced
    assert ROLES <= set(names_by_pid(data).values())
    assert data["metadata"]["lost"] == [] and data["metadata"]["scenario_error"] is None


def test_the_pickling_and_the_copies_are_slices(traced):
    data, _, _ = traced
    size = 64 * 2**20
    feeder = slices(data, "queue-sender", "queue feeder thread")
    # the array pickled; before 3.11 viztracer names a method without its class
    dumps = [e for e in feeder if e["name"].startswith("ForkingPickler.dumps (")
             or (e["name"].startswith("dumps (") and "multiprocessing/reduction.py" in e["name"])]
    assert len(dumps) == PASSES
    assert len(named(slices(data, "queue-receiver"), "_pickle.loads")) == PASSES
    copies = named(slices(data, "shm-sender"), "copy into the segment")
    assert len(copies) == PASSES and all(e["args"]["bytes"] == size for e in copies)
    # at least one copy-out a pass (numpy may copy a small array of its own besides)
    assert len(named(slices(data, "shm-receiver"), "numpy.ndarray.copy")) >= PASSES
    for role, label in (("queue-sender", "hand over (Queue)"),
                        ("queue-receiver", "receive (Queue)"),
                        ("shm-sender", "hand over (SharedMemory)"),
                        ("shm-receiver", "receive (SharedMemory)")):
        assert len(named(slices(data, role), label)) == PASSES


def test_each_hand_over_is_linked_to_its_receive(traced):
    data, _, _ = traced
    events = data["traceEvents"]
    starts = [e for e in events if e.get("ph") == "s"]
    assert sorted(e["name"] for e in starts) == ["notice message"] * PASSES + \
        ["queue message"] * PASSES
    assert check_flows(events) == []
    assert data["metadata"]["unmatched_messages"] == {}
    assert overlapping_slices(events) == []


def test_numpy_only_in_the_children_and_no_segment_left(traced):
    data, before, after = traced
    numpy_imports = {e["pid"] for e in data["traceEvents"]
                     if e.get("ph") == "X" and "numpy/__init__.py" in e["name"]}
    roles = names_by_pid(data)
    assert numpy_imports and "parent" not in {roles[pid] for pid in numpy_imports}
    segments = {e["args"]["segment"] for e in named(slices(data, "shm-sender"),
                                                     "copy into the segment")}
    assert len(segments) == 1 and not segments & after
    assert not Path(f"/dev/shm/{segments.pop()}").exists()
    assert after <= before, "shared memory left in /dev/shm"
