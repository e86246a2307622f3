"""The shared catalogue: what the issue names, with its metadata; sizes, options, bad input."""

from __future__ import annotations

import subprocess
import sys

import pyperf
import pytest
from conftest import ROOT, run_mpbench

from mpbench import catalogue, memory_check, runner
from mpbench.errors import UsageError
from mpbench.groups.shared import catalogue as shared
from mpbench.groups.shared import grid as shared_grid
from mpbench.modes import MODES
from mpbench.spec import BenchSpec

KiB, MiB = 2**10, 2**20


@pytest.fixture(scope="module")
def full():
    return shared.benchmarks({})


def _md(specs, **criteria):
    return [s.metadata for s in specs
            if all(s.metadata.get(f"mpbench_{k}") == v for k, v in criteria.items())]


def test_every_benchmark_carries_its_parameters_and_a_floor_that_exists(full):
    names = {spec.name for spec in full}
    assert len(names) == len(full)
    for spec in full:
        md = spec.metadata
        assert md["mpbench_group"] == "shared" and spec.name.startswith("shared.")
        assert md["mpbench_metric"] in ("handover", "shm_op", "operation", "round_trip")
        for key in ("mpbench_floor", "mpbench_reference", "mpbench_local"):
            assert md.get(key) is None or md[key] in names, (spec.name, key)
        if md["mpbench_metric"] == "handover":
            assert {"mpbench_transfer", "mpbench_receiver", "mpbench_payload",
                    "mpbench_size"} <= set(md), spec.name
        if md["mpbench_metric"] == "operation":
            assert {"mpbench_object", "mpbench_op", "mpbench_clients", "mpbench_api"} <= set(md)
            assert spec.inner_loops in (None, md["mpbench_clients"])
        if not spec.is_floor and md["mpbench_metric"] != "shm_op":
            assert spec.floor, f"{spec.name} has no floor"
        for value in md.values():
            assert isinstance(value, (int, float, str)) and value != ""


def test_the_transfers_receivers_payloads_and_sizes_the_issue_names(full):
    handovers = _md(full, metric="handover")
    seen = {(m["mpbench_transfer"], m["mpbench_receiver"]) for m in handovers}
    assert seen >= {("queue", "copy"), ("send_bytes", "copy"), ("pickle5", "copy"),
                    ("shared_memory", "view"), ("shared_memory", "copy"),
                    ("fork_cow", "view"), ("fork_cow", "copy")}
    assert {m["mpbench_payload"] for m in handovers} == {"bytes", "ndarray"}
    sizes = {m["mpbench_size"] for m in _md(full, metric="handover", transfer="queue")}
    assert min(sizes) == 4 * KiB and max(sizes) == 256 * MiB
    assert {m["mpbench_transfer"] for m in handovers if m.get("mpbench_is_floor")} >= {
        "os_pipe", "memcpy"}


def test_values_proxies_and_shared_memory_costs_the_issue_names(full):
    ops = {(m["mpbench_object"], m["mpbench_op"]) for m in _md(full, metric="operation")}
    assert ops >= {("value", "get"), ("value", "set"), ("rawvalue", "get"), ("rawvalue", "set"),
                   ("array", "get"), ("array", "slice_get"), ("array", "slice_set"),
                   ("shared_memory", "get"), ("local", "get"), ("dict", "get"), ("dict", "set"),
                   ("list", "append"), ("namespace", "get"), ("namespace", "set")}
    assert {m["mpbench_clients"] for m in _md(full, object="dict", op="set")} == {1, 2, 4}
    assert {m["mpbench_clients"] for m in _md(full, object="value", op="increment")} == {1, 2, 4}
    assert {m["mpbench_op"] for m in _md(full, metric="shm_op")} == {
        "create", "attach", "close", "unlink", "register"}
    floors = {m["mpbench_placement"]: m for m in _md(full, object="pipe")}
    assert set(floors) == {"free", "same-cpu"}
    for md in _md(full, metric="operation", object="dict"):
        expected = {"free": "shared.pipe_round_trip",
                    "same-cpu": "shared.pipe_round_trip[placement=same-cpu]"}
        assert md["mpbench_floor"] == expected[md["mpbench_placement"]]


def test_the_harness_check_follows_the_reference_convention(full):
    by_name = {spec.name: spec for spec in full}
    checked = [s for s in full if s.metadata.get("mpbench_reference")]
    assert {(s.metadata["mpbench_size"], s.metadata["mpbench_placement"]) for s in checked} == {
        (4 * KiB, "same-cpu"), (64 * MiB, "free")}
    for spec in checked:
        ref = by_name[spec.metadata["mpbench_reference"]].metadata
        assert ref["mpbench_is_reference"] == 1 and ref["mpbench_is_floor"] == 1
        for key in ("mpbench_size", "mpbench_placement"):
            assert ref[key] == spec.metadata[key]
        assert (spec.metadata["mpbench_transfer"], spec.metadata["mpbench_receiver"]) == (
            "shared_memory", "copy")
    pinned = {s.metadata["mpbench_transfer"] for s in full
              if s.metadata.get("mpbench_placement") == "same-cpu"
              and s.metadata["mpbench_metric"] == "handover"}
    assert pinned == {"queue", "send_bytes", "pickle5", "shared_memory", "fork_cow", "os_pipe",
                      "shared_memory_minimal"}


def test_fast_mode_is_smaller_and_never_256mib():
    fast = shared.benchmarks({"mode": "fast"})
    assert len(fast) < len(shared.benchmarks({}))
    assert max(s.metadata.get("mpbench_size", 0) for s in fast) == 64 * MiB
    assert {m["mpbench_clients"] for m in _md(fast, object="dict", op="set")} == {1, 2}


def test_options_shape_the_catalogue():
    specs = shared.benchmarks({"shared_sizes": [8 * KiB], "transfers": ["pickle5"],
                               "nprocs": [3]})
    handovers = _md(specs, metric="handover")
    assert {m["mpbench_transfer"] for m in handovers} == {"pickle5", "os_pipe", "memcpy"}
    assert {m["mpbench_size"] for m in handovers} == {8 * KiB}
    assert {m["mpbench_clients"] for m in _md(specs, metric="operation")} == {1, 3}
    kept = shared.benchmarks({"transfers": ["shared_memory"]})
    assert _md(kept, transfer="shared_memory_minimal")  # the reference comes along
    # --sizes is the channels group's flag and leaves this group alone
    assert len(shared.benchmarks({"sizes": [64]})) == len(shared.benchmarks({}))


@pytest.mark.parametrize("text, fragment", [
    ("1KiB", "at least 4KiB"), ("512MiB", "at most 256MiB"), ("12XB", "bad size"),
    ("4KiB,4KiB", "duplicate"),
])
def test_bad_sizes_are_refused(text, fragment):
    with pytest.raises(UsageError, match=fragment):
        shared_grid.parse_shared_sizes(text)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args, fragment", [
    (["--shared-sizes", "64B"], "at least 4KiB"),
    (["--shared-sizes", "1GiB"], "at most 256MiB"),
    (["--transfers", "queue,carrier-pigeon"], "unknown transfer 'carrier-pigeon'"),
    (["--inject-fault", "receiver-dies-twice"], "unknown fault"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, fragment):
    proc = run_mpbench("run", "--only", "shared", *args, "-o", str(tmp_path / "r.json"))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_benchmark_short_of_memory_is_skipped_with_a_line(tmp_path, monkeypatch):
    huge = BenchSpec("shared.huge", {"mpbench_group": "shared",
                                     memory_check.NEEDED_KEY: 2**60}, setup=None)
    assert "needs" in memory_check.spec_shortfall(huge.metadata)
    assert memory_check.spec_shortfall({memory_check.NEEDED_KEY: 10}, available=100) is None
    out = []
    plan = runner.RunPlan([huge], {}, MODES["debug"], str(tmp_path / "r.json"))
    status = runner.SuiteRun(plan, out=_Lines(out)).run()
    assert status == 0
    text = "".join(out)
    assert "skipped: needs" in text and "FAILED" not in text
    assert "1 benchmark(s) skipped for lack of memory: shared.huge" in text


class _Lines:
    def __init__(self, sink):
        self.sink = sink

    def write(self, text):
        self.sink.append(text)

    def flush(self):
        pass


@pytest.mark.timeout(60)
def test_bench_script_runs_under_plain_pyperf(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_shared.py"),
                           "--debug-single-value", "--only", r"value\[object=rawvalue,op=get\]$",
                           "-o", str(out)], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == [
        "shared.value[object=local,op=get]", "shared.value[object=rawvalue,op=get]"]


def test_the_whole_catalogue_still_builds_with_the_shared_group():
    names = [spec.name for spec in catalogue.build({})]
    assert any(name.startswith("shared.handover[") for name in names)
    assert len(names) == len(set(names))
