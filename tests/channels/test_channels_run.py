"""End to end: a tiny channels run writes results and a samples file that parse."""

from __future__ import annotations

import pyperf
import pytest
from conftest import run_mpbench

from mpbench import samples
from mpbench.results import bench_metadata

pytestmark = pytest.mark.slow  # mpbench run in subprocesses


def test_a_tiny_run_keeps_latency_samples_for_the_sizes_asked(tmp_path):
    out = tmp_path / "r.json"
    proc = run_mpbench("run", "--debug-single-value", "--only",
                       r"channels\.(queue|os_pipe)\.round_trip", "--sizes", "1B,5000B",
                       "--placement", "same-cpu", "-o", str(out), timeout=110)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "peak RSS" in proc.stdout
    suite = pyperf.BenchmarkSuite.load(str(out))
    by_name = {bench.get_name(): bench_metadata(bench) for bench in suite}
    assert "channels.os_pipe_minimal.round_trip[size=1B,placement=same-cpu]" in by_name
    round_trips = {name: md for name, md in by_name.items()
                   if md["mpbench_transport"] in ("queue", "os_pipe")}
    assert {(md["mpbench_transport"], md["mpbench_size"]) for md in round_trips.values()} == {
        ("queue", 1), ("queue", 5000), ("os_pipe", 1), ("os_pipe", 5000)}
    for md in round_trips.values():
        assert md["mpbench_placement"] == "same-cpu" and md["mpbench_messages"] == 2
        assert md["mpbench_peak_rss"] >= md["mpbench_base_rss"] > 0
        assert md["mpbench_processes"] == 3

    document = samples.load(samples.samples_path(str(out)))
    assert set(document["benchmarks"]) == set(round_trips)
    for name, kept in document["benchmarks"].items():
        one_way = kept["series"]["one_way_ns"]
        assert one_way and len(one_way) % 2 == 0  # out, back, out, back...
        assert all(isinstance(v, int) and v > 0 for v in one_way)
        assert {info["size"] for info in kept["info"]} == {round_trips[name]["mpbench_size"]}


def test_a_consumer_dying_mid_stream_fails_its_benchmark_and_the_run_goes_on(tmp_path):
    out = tmp_path / "r.json"
    only = r"channels\.(queue|memcpy)\.throughput\[size=64B(,placement=same-cpu)?\]$"
    proc = run_mpbench("run", "--debug-single-value", "--only", only, "--sizes", "64B",
                       "--placement", "same-cpu", "--inject-fault", "consumer-dies",
                       "-o", str(out), timeout=110)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [line for line in proc.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 2  # the queue and its raw-pipe floor; memcpy has no consumer
    for line in failed:
        assert "consumer ended with killed by SIGKILL before answering" in line
    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    # the run went on: memcpy, and the queue's reference (a bare loop, not the crew)
    assert sorted(names) == ["channels.memcpy.throughput[size=64B]",
                             "channels.queue_minimal.throughput[size=64B,placement=same-cpu]"]
