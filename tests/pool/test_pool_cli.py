"""The pool group from the command line: catalogue and metadata, bad input, a worker
that dies, and a tiny real run."""

from __future__ import annotations

import time

import pyperf
import pytest
from conftest import run_mpbench

from mpbench.groups.pool import catalogue as pool_group
from mpbench.groups.pool.workloads import pools
from mpbench.options import available_start_methods
from mpbench.results import bench_metadata

METHODS = available_start_methods()
METRICS = {"lifetime", "startup", "shutdown", "dispatch", "payload", "break_even", "serial",
           "concurrent_imap", "timeout_overshoot"}


@pytest.fixture(scope="module")
def specs():
    return pool_group.benchmarks({})


def test_every_benchmark_carries_its_parameters_and_a_floor_that_exists(specs):
    names = {spec.name for spec in specs}
    assert len(names) == len(specs)
    for spec in specs:
        md = spec.metadata
        assert md["mpbench_group"] == "pool" and md["mpbench_metric"] in METRICS, spec.name
        assert isinstance(md["mpbench_api"], str)
        for value in md.values():
            assert isinstance(value, (int, float, str)) and value != ""
        if md["mpbench_metric"] in ("dispatch", "payload", "break_even") and not spec.is_floor:
            assert {"mpbench_chunksize", "mpbench_workers", "mpbench_tasks",
                    "mpbench_method"} <= set(md), spec.name
            assert spec.inner_loops == md["mpbench_tasks"], spec.name  # seconds per task
        assert spec.is_floor or spec.floor in names or md["mpbench_metric"] in (
            "lifetime", "startup", "shutdown", "concurrent_imap"), spec.name


def test_the_catalogue_names_what_the_issue_asks_for(specs):
    names = {spec.name for spec in specs}
    for method in METHODS:
        for kind in pools.KINDS:
            for workers in (1, 2, 4):
                assert f"pool.lifetime[api={kind},method={method},workers={workers}]" in names
            for part in ("startup", "shutdown"):
                assert f"pool.{part}[api={kind},method={method},workers=2]" in names
        assert f"pool.concurrent_imap[method={method}]" in names
        assert f"pool.dispatch[api=map,chunksize=1,method={method},workers=2]" in names
    if "forkserver" in METHODS:
        assert "pool.lifetime[api=pool,method=forkserver,workers=1,server=cold]" in names
    def chunk(md):
        if md["mpbench_api"] not in pools.CHUNKED_APIS:
            return None
        return "default" if md["mpbench_chunksize_default"] else md["mpbench_chunksize"]
    dispatched = {(s.metadata["mpbench_api"], chunk(s.metadata)) for s in specs
                  if s.metadata["mpbench_metric"] == "dispatch" and not s.is_floor}
    assert dispatched == {("map", 1), ("map", 4), ("map", 16), ("map", 64), ("map", "default"),
                          ("imap", 1), ("imap", 16), ("imap_unordered", 1),
                          ("imap_unordered", 16), ("apply_async", None), ("submit", None),
                          ("executor_map", 1), ("executor_map", 16)}
    payload = {(s.metadata["mpbench_api"], s.metadata["mpbench_size"]) for s in specs
               if s.metadata["mpbench_metric"] == "payload" and not s.is_floor}
    assert {size for _, size in payload} == {64, 4096, 65536, 2**20}
    break_even = {(s.metadata["mpbench_task_us"], s.metadata["mpbench_workers"]) for s in specs
                  if s.metadata["mpbench_metric"] == "break_even"}
    assert break_even == {(float(t), w) for t in (1, 10, 100, 1000, 10000) for w in (1, 2, 4)}
    assert {s.metadata["mpbench_api"] for s in specs
            if s.metadata["mpbench_metric"] == "timeout_overshoot"} == {
        "Queue.get", "Queue.put", "time.sleep"}


def test_the_harness_check_pairs_map_chunksize_1_with_a_bare_map_loop(specs):
    by_name = {spec.name: spec for spec in specs}
    checked = [s for s in specs if "mpbench_reference" in s.metadata]
    assert {s.metadata["mpbench_method"] for s in checked} == set(METHODS)
    for spec in checked:
        md = spec.metadata
        assert (md["mpbench_api"], md["mpbench_chunksize"]) == ("map", 1)
        ref = by_name[md["mpbench_reference"]].metadata
        assert ref["mpbench_is_reference"] == 1 and ref["mpbench_is_floor"] == 1
        for key in ("mpbench_api", "mpbench_chunksize", "mpbench_method", "mpbench_workers",
                    "mpbench_tasks"):
            assert ref[key] == md[key]


def test_dispatch_floors_move_the_same_chunks(specs):
    by_name = {spec.name: spec for spec in specs}
    for spec in specs:
        md = spec.metadata
        if md["mpbench_metric"] == "dispatch" and not spec.is_floor:
            floor = by_name[md["mpbench_floor"]].metadata
            assert floor["mpbench_api"] == "minimal_pool"
            assert (floor["mpbench_chunksize"], floor["mpbench_workers"]) == (
                md["mpbench_chunksize"], md["mpbench_workers"])


def test_options_shape_the_catalogue():
    names = [s.name for s in pool_group.benchmarks(
        {"workers": [3], "apis": ["submit", "pool"], "chunksizes": [8], "methods": ["fork"]})]
    assert "pool.dispatch[api=submit,method=fork,workers=3]" in names
    assert "pool.lifetime[api=pool,method=fork,workers=3]" in names
    assert not any("api=map" in n or "api=executor," in n or "break_even" in n for n in names)
    names = [s.name for s in pool_group.benchmarks({"chunksizes": [8, "default"],
                                                    "methods": ["fork"]})]
    assert "pool.dispatch[api=map,chunksize=default,method=fork,workers=2]" in names
    assert "pool.dispatch[api=imap,chunksize=8,method=fork,workers=2]" in names
    assert not any(n.startswith(("pool.dispatch", "pool.payload"))
                   and ("chunksize=1," in n or "chunksize=16," in n) for n in names)


def test_fast_mode_keeps_a_coarser_grid(specs):
    fast = pool_group.benchmarks({"mode": "fast"})
    assert len(fast) < len(specs)
    assert {s.name for s in fast} <= {s.name for s in specs}


@pytest.mark.parametrize("args, fragment", [
    (["--workers", "0"], "must be at least 1"),
    (["--workers", "two"], "expected a whole number"),
    (["--workers", "100000"], "at most 64"),
    (["--workers", "2,2"], "duplicate"),
    (["--apis", "map,teleport"], "unknown API 'teleport'"),
    (["--chunksizes", "0"], "must be at least 1"),
    (["--chunksizes", "4096"], "at most 1024"),
    (["--chunksizes", "big"], "expected a whole number"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, fragment):
    proc = run_mpbench("run", *args, "-o", str(tmp_path / "r.json"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif("fork" not in METHODS, reason="no fork")
def test_a_dying_worker_fails_its_benchmark_by_name_within_the_timeout(tmp_path):
    """Pool hangs (cut by --child-timeout), the executor breaks: each says which."""
    out = tmp_path / "r.json"
    t0 = time.monotonic()
    proc = run_mpbench("run", "--debug-single-value", "--only",
                       r"pool\.dispatch\[api=(map,chunksize=1|submit),method=fork,workers=2\]",
                       "--inject-fault", "worker-dies", "--child-timeout", "2", "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [line for line in proc.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 2, proc.stdout
    assert "Pool hung: a worker died inside a task" in failed[0]
    assert "stopped after 2 s" in failed[0]
    assert "raised BrokenProcessPool" in failed[1]
    assert time.monotonic() - t0 < 60
    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    # the floor and the harness check's reference are untouched
    assert names == ["pool.minimal_pool[chunksize=1,workers=2]",
                     "pool.map_bare[method=fork,workers=2]"]


@pytest.mark.slow
@pytest.mark.skipif("fork" not in METHODS, reason="no fork")
def test_a_tiny_run_writes_the_harness_check_and_floors(tmp_path):
    out = tmp_path / "r.json"
    proc = run_mpbench("run", "--debug-single-value", "--methods", "fork", "--only",
                       r"pool\.(dispatch\[api=map,chunksize=1,|map_bare|break_even\[task_us=10,)"
                       r".*workers=2\]", "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    benches = {b.get_name(): bench_metadata(b) for b in pyperf.BenchmarkSuite.load(str(out))}
    md = benches["pool.dispatch[api=map,chunksize=1,method=fork,workers=2]"]
    assert md["mpbench_reference"] == "pool.map_bare[method=fork,workers=2]"
    assert md["mpbench_reference"] in benches and md["mpbench_floor"] in benches
    even = benches["pool.break_even[task_us=10,method=fork,workers=2]"]
    assert benches[even["mpbench_floor"]]["mpbench_task_iters"] == even["mpbench_task_iters"]
    assert even["mpbench_oversubscribed"] in (0, 1) and even["mpbench_serial_task_s"] > 0
