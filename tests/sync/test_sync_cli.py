"""The sync group from the command line: catalogue, bad input, one real run with samples."""

from __future__ import annotations

import json

import pyperf
import pytest
from conftest import run_mpbench

from mpbench.groups.sync import catalogue as sync_group
from mpbench.groups.sync import grid as sync_grid
from mpbench.results import bench_metadata

pytestmark = pytest.mark.slow  # mpbench run in subprocesses

LOCK_2 = r"sync\.contended\[primitive=lock,nprocs=2\]$"


def test_catalogue_carries_every_parameter_and_floor():
    specs = sync_group.benchmarks({})
    names = {spec.name for spec in specs}
    for spec in specs:
        md = spec.metadata
        assert md["mpbench_group"] == "sync"
        assert md["mpbench_metric"] in {"acquire", "wakeup", "handoff"}
        assert isinstance(md["mpbench_nprocs"], int) and isinstance(md["mpbench_ops"], int)
        assert md["mpbench_primitive"] in sync_grid.KNOWN_PRIMITIVES + ("semaphore",)
        if md["mpbench_metric"] == "acquire":
            assert {"mpbench_slots", "mpbench_critical_us", "mpbench_think_us"} <= set(md)
        assert spec.is_floor or spec.floor in names, spec.name
        if spec.inner_loops:
            assert spec.inner_loops == md["mpbench_ops"]
    assert "sync.contended[primitive=lock,nprocs=16]" in names
    fast = {spec.metadata["mpbench_nprocs"] for spec in sync_group.benchmarks({"mode": "fast"})
            if spec.metadata["mpbench_metric"] == "acquire"}
    assert fast == set(sync_grid.FAST_NPROCS)
    assert "sync.contended[primitive=lock,nprocs=4,critical_us=0,think_us=0]" in names
    assert "sync.contended[primitive=semaphore,slots=2,nprocs=4]" in names
    assert "sync.wakeup[primitive=condition,notify=one,waiters=16,placement=same-cpu]" in names
    for spec in specs:
        if spec.reference:
            assert spec.reference in names and "_minimal" in spec.reference
    assert {spec.reference for spec in specs if spec.reference} >= {
        "sync.lock_minimal[nprocs=2]", "sync.event_minimal[placement=same-cpu]"}
    floor = sync_group.benchmarks({})[0]
    assert floor.name == "sync.uncontended[primitive=lock]" and floor.is_floor


def test_options_shape_the_catalogue():
    specs = sync_group.benchmarks({"nprocs": [3], "primitives": ["rlock"], "critical_us": [5.0],
                                   "methods": ["spawn"]})
    names = [spec.name for spec in specs]
    assert "sync.contended[primitive=rlock,nprocs=3,critical_us=5]" in names
    assert not any("primitive=lock," in name or "wakeup" in name for name in names)
    assert {spec.metadata.get("mpbench_method") for spec in specs} <= {"spawn", None}


def test_a_run_writes_metadata_and_samples(tmp_path):
    out = tmp_path / "r.json"
    run_mpbench("run", "--only", LOCK_2, "--debug-single-value", "-o", str(out), check=True)
    benches = {b.get_name(): bench_metadata(b) for b in pyperf.BenchmarkSuite.load(str(out))}
    md = benches["sync.contended[primitive=lock,nprocs=2]"]
    assert md["mpbench_floor"] == "sync.contended[primitive=threading_lock,nprocs=2]"
    assert md["mpbench_placement"] == "spread" and md["mpbench_critical_us_measured"] > 0
    assert md["mpbench_floor"] in benches
    assert md["mpbench_primitive"] == "lock" and md["mpbench_ops"] == 2
    assert md["mpbench_oversubscribed"] in (0, 1) and md["mpbench_worker_cpus"] >= 1
    samples = json.loads((tmp_path / "r.samples.json").read_text())["benchmarks"]
    kept = samples["sync.contended[primitive=lock,nprocs=2]"]
    assert set(kept["series"]) == {"wait", "handoff"}
    assert {"shares", "jain", "wait_p99", "handoff_count", "critical_us_measured",
            "clean_elapsed"} <= set(kept["info"][0])
    assert {info["pass"] for info in kept["info"]} == {"instrumented"}
