"""The channels catalogue: metadata on every benchmark, size grids, options."""

from __future__ import annotations

import pytest
from conftest import run_mpbench

from mpbench.errors import UsageError
from mpbench.groups.channels import catalogue as bench
from mpbench.groups.channels import grid as channels_grid
from mpbench.groups.channels.workloads import messages as work
from mpbench.workloads.placement import cross_cpu_unavailable

KEYS = ("mpbench_transport", "mpbench_size", "mpbench_payload", "mpbench_metric",
        "mpbench_producers", "mpbench_messages", "mpbench_placement", "mpbench_api")


@pytest.fixture(scope="module")
def full():
    return bench.benchmarks({})


def test_every_benchmark_says_what_it_is(full):
    names = {spec.name for spec in full}
    assert len(names) == len(full)
    for spec in full:
        md = spec.metadata
        assert spec.name.startswith(f"channels.{md['mpbench_transport']}.{md['mpbench_metric']}[")
        for key in KEYS:
            assert md.get(key) not in (None, ""), (spec.name, key)
        assert md["mpbench_transport"] in channels_grid.ALL_TRANSPORTS
        assert md["mpbench_metric"] in ("throughput", "round_trip")
        assert md["mpbench_messages"] == (2 if md["mpbench_metric"] == "round_trip" else 1)
        assert md["mpbench_placement"] in ("same-cpu", "cross-cpu", "in-process")
        if spec.floor:
            assert spec.floor in names, spec.name
        if spec.reference:
            assert spec.reference in names, spec.name
            assert md["mpbench_placement"] == full_md(full, spec.reference)["mpbench_placement"]
        if not spec.is_floor and md["mpbench_payload"] == "bytes":
            assert spec.floor, f"{spec.name} has no floor"


def test_default_grid_covers_every_transport_at_every_size(full):
    seen = {(s.metadata["mpbench_transport"], s.metadata["mpbench_size"]) for s in full
            if s.metadata["mpbench_metric"] == "throughput"
            and s.metadata["mpbench_payload"] == "bytes" and s.metadata["mpbench_producers"] == 1}
    sizes = [4**k for k in range(14)]
    assert sizes[0] == 1 and sizes[-1] == 64 * 2**20
    for transport in work.TRANSPORTS + ("memcpy", "pickle"):
        assert {size for t, size in seen if t == transport} == set(sizes), transport


def full_md(specs, name):
    return next(spec.metadata for spec in specs if spec.name == name)


@pytest.mark.skipif(cross_cpu_unavailable() is not None, reason="needs two usable CPUs")
def test_round_trips_and_floors_run_in_both_default_placements(full):
    names = {spec.name for spec in full}
    round_trips = [s for s in full if s.metadata["mpbench_metric"] == "round_trip"]
    for spec in round_trips:
        place = spec.metadata["mpbench_placement"]
        other = {"same-cpu": "cross-cpu", "cross-cpu": "same-cpu"}[place]
        twin = spec.name.replace(f"placement={place}]", f"placement={other}]")
        # perf bench sched pipe pins neither of its processes: no cross-cpu figure
        assert twin in names or spec.metadata["mpbench_transport"] == "perf_sched_pipe", twin
    streams = {s.metadata["mpbench_placement"] for s in full
               if s.metadata["mpbench_transport"] in work.CHANNELS}
    assert streams == {"cross-cpu", "same-cpu"}  # throughput across CPUs, round trips both
    pinned_raw = [s for s in full if s.metadata["mpbench_transport"] in work.RAW
                  and s.metadata["mpbench_metric"] == "throughput"
                  and s.metadata["mpbench_placement"] == "same-cpu"]
    assert pinned_raw


def test_free_placement_keeps_the_old_names():
    specs = bench.benchmarks({"placement": ["free"], "sizes": [64]})
    names = {spec.name for spec in specs}
    assert "channels.os_pipe.round_trip[size=64B]" in names
    assert "channels.queue.throughput[size=64B]" in names
    assert {spec.metadata["mpbench_placement"] for spec in specs} == {"free", "in-process"}


def test_fast_mode_uses_the_coarser_grid_and_sizes_replace_every_grid():
    fast = bench.benchmarks({"mode": "fast"})
    assert len(fast) < len(bench.benchmarks({})) / 2
    fast_sizes = set(channels_grid.GRIDS["fast"].throughput)
    assert {s.metadata["mpbench_size"] for s in fast
            if s.metadata["mpbench_transport"] == "queue"
            and s.metadata["mpbench_metric"] == "throughput"} == fast_sizes
    chosen = bench.benchmarks({"mode": "fast", "sizes": [4096, 64]})
    assert {s.metadata["mpbench_size"] for s in chosen
            if s.metadata["mpbench_transport"] not in channels_grid.REFERENCES} == {64, 4096}


def test_transports_option_keeps_the_floors_along():
    specs = bench.benchmarks({"transports": ["pipe"], "sizes": [64], "placement": ["free"]})
    transports = {s.metadata["mpbench_transport"] for s in specs}
    assert transports >= {"pipe", "socketpair", "pickle", "pipe_minimal"}  # its reference too
    assert not transports & {"queue", "os_pipe", "simplequeue"}


def test_object_payloads_stay_small_and_producers_only_queue():
    specs = bench.benchmarks({"sizes": [64, 64 * 2**20]})
    for spec in specs:
        md = spec.metadata
        if md["mpbench_payload"] == "object":
            assert md["mpbench_size"] <= channels_grid.OBJECT_MAX_SIZE
        if md["mpbench_producers"] > 1:
            assert md["mpbench_transport"] in bench.PRODUCER_TRANSPORTS
            assert spec.inner_loops == md["mpbench_producers"]


@pytest.mark.parametrize("text, fragment", [
    ("0", "at least 1 byte"), ("12XB", "bad size"), ("2GiB", "at most 1GiB"),
    ("64B,64", "duplicate"), ("", "comma-separated"),
])
def test_bad_sizes_are_refused(text, fragment):
    with pytest.raises(UsageError, match=fragment):
        channels_grid.parse_sizes(text)


def test_list_shows_the_catalogue_of_a_run_mode():
    only = r"^channels\.queue\.throughput\[size=16MiB\]$"
    assert "channels.queue.throughput[size=16MiB] " in run_mpbench(
        "list", "--only", only, "--placement", "free", check=True).stdout
    proc = run_mpbench("list", "--only", only, "--placement", "free",
                       "--fast")  # not in the coarser grid
    assert proc.returncode == 2 and "matches no benchmark" in proc.stderr
