"""The harness checks: ratios to same-run references, busy-work flags, and the catalogue
that makes them possible (every group has a reference, measured next to what it checks)."""

from __future__ import annotations

import pytest

from mpbench import catalogue, groups, harness
from mpbench.options import available_start_methods


def entry(name: str, mean: float, **md) -> harness.Entry:
    group = name.split(".")[0]
    return harness.Entry(name, {"mpbench_group": group,
                                **{f"mpbench_{k}": v for k, v in md.items()}}, mean)


def by_name(*entries: harness.Entry):
    return {e.name: e for e in entries}


def test_a_check_is_the_benchmark_over_its_reference_within_the_group_target():
    found = by_name(entry("sync.lock_minimal[nprocs=2]", 100e-9, is_reference=1, is_floor=1),
                    entry("sync.contended[nprocs=2]", 125e-9,
                          reference="sync.lock_minimal[nprocs=2]"),
                    entry("process.start_join_minimal", 1.0e-3, is_reference=1),
                    entry("process.start_join", 1.2e-3, reference="process.start_join_minimal"))
    checks = {c.name: c for c in harness.checks(found)}
    sync, process = checks["sync.contended[nprocs=2]"], checks["process.start_join"]
    assert sync.ratio == pytest.approx(1.25) and sync.target == 1.3 and sync.ok
    assert process.ratio == pytest.approx(1.2) and process.target == 1.1 and not process.ok
    assert "(outside target 1.10x)" in process.text()
    fast = entry("process.start_join", 0.8e-3, reference="process.start_join_minimal")
    assert not harness.checks(by_name(found["process.start_join_minimal"], fast))[0].ok


def paired_entry(name: str, by_pass: dict, **md) -> harness.Entry:
    """An entry whose worker means by pass are ``by_pass``."""
    group = name.split(".")[0]
    mean = sum(v for ws in by_pass.values() for v in ws) / sum(len(ws) for ws in by_pass.values())
    return harness.Entry(name, {"mpbench_group": group,
                                **{f"mpbench_{k}": v for k, v in md.items()}}, mean, by_pass)


def test_a_check_is_judged_on_the_passes_that_ran_both_back_to_back():
    """The machine is 30 % slower in pass 2; benchmark and reference move together: the
    paired ratio stays 1.05x and is within target, where a mean over the passes could
    land anywhere."""
    ref = paired_entry("process.start_join_minimal", {1: [1.0e-3, 1.01e-3], 2: [1.3e-3, 1.31e-3],
                                                      3: [1.1e-3, 1.1e-3]}, is_reference=1)
    bench = paired_entry("process.start_join", {1: [1.05e-3, 1.06e-3], 2: [1.365e-3, 1.37e-3],
                                                3: [1.155e-3, 1.16e-3]},
                         reference="process.start_join_minimal")
    (check,) = harness.checks(by_name(ref, bench))
    assert check.ratio == pytest.approx(1.05, rel=0.01)
    assert check.interval is not None and check.interval[0] < 1.05 < check.interval[1]
    assert check.state == harness.WITHIN and "[1.0" in check.text()


def test_passes_that_disagree_make_a_check_inconclusive_not_outside():
    ref = paired_entry("process.start_join_minimal", {1: [1.0e-3, 1.0e-3], 2: [1.0e-3, 1.0e-3]},
                       is_reference=1)
    bench = paired_entry("process.start_join", {1: [0.9e-3, 0.9e-3], 2: [1.4e-3, 1.4e-3]},
                         reference="process.start_join_minimal")
    (check,) = harness.checks(by_name(ref, bench))
    assert check.state == harness.INCONCLUSIVE and check.ok
    assert "inconclusive" in harness.group_summary("process", [check])


def test_the_reference_runs_first_in_odd_passes_and_second_in_even_ones():
    from mpbench import passes
    from mpbench.options import resolve_placements

    specs = catalogue.select(catalogue.build(resolve_placements({"mode": "fast"}), ["process"]),
                             r"process\.start_join\[method=fork\]$")
    jobs = passes.schedule(specs, 4, lambda spec: 4)
    for number in range(1, 5):
        names = [job.spec.name for job in jobs if job.pass_no == number]
        first, second = ("process.start_join_minimal[method=fork]",
                         "process.start_join[method=fork]")
        assert names.index(first) - names.index(second) == (-1 if number % 2 else 1)


def test_a_reference_missing_from_the_results_gives_no_check():
    found = by_name(entry("sync.contended[nprocs=2]", 1e-7,
                          reference="sync.lock_minimal[nprocs=2]"))
    assert harness.checks(found) == []
    line = harness.group_summary("sync", [])
    assert line.startswith("Harness check, sync: no harness check in this file")


def test_old_files_keep_their_raw_pipe_check_through_the_floor():
    found = by_name(entry("channels.os_pipe_minimal.round_trip", 6e-6,
                          transport="os_pipe_minimal"),
                    entry("channels.os_pipe.round_trip", 6.3e-6,
                          floor="channels.os_pipe_minimal.round_trip"),
                    entry("channels.queue.throughput", 1e-5, floor="channels.os_pipe.throughput"))
    (check,) = harness.checks(found)
    assert check.reference == "channels.os_pipe_minimal.round_trip"
    assert check.ratio == pytest.approx(1.05)


def test_busy_work_off_by_more_than_ten_percent_is_flagged_both_ways():
    found = by_name(entry("sync.a", 1e-5, critical_us=1.0, critical_us_measured=0.7,
                          think_us=10.0, think_us_measured=10.5),
                    entry("sync.b", 1e-5, critical_us=1.0, critical_us_measured=1.2),
                    entry("sync.c", 1e-7, critical_us=0.0, critical_us_measured=0.0),
                    entry("sync.d", 1e-5, critical_us=1.0))  # not measured: old file
    flags = harness.busy_flags(found)
    assert [(f.name, f.part) for f in flags] == [("sync.a", "critical"), ("sync.b", "critical")]
    assert "0.7 us measured inside the critical section, 1 us asked (-30%)" in flags[0].text()
    lines = harness.summary_lines(found)
    assert any(line.startswith("Busy work off by more than 10% in 2") for line in lines)


def test_summary_has_a_line_for_every_group_and_one_per_check():
    found = by_name(entry("process.start_join_minimal", 1e-3, is_reference=1),
                    entry("process.start_join", 1.02e-3, reference="process.start_join_minimal"),
                    entry("sync.uncontended", 3e-8))
    lines = harness.summary_lines(found)
    assert lines[0].startswith("Harness check, process: 1 benchmark(s)")
    assert "1.02x (target within 1.10x either way: all within)" in lines[0]
    assert lines[1].strip().startswith("process.start_join 1.02 ms / process.start_join_minimal")
    assert lines[2] == ("Harness check, sync: no harness check in this run (no benchmark of the "
                        "group names a same-run minimal reference)")


@pytest.fixture(scope="module")
def full():
    return catalogue.build({})


def test_every_group_has_a_reference_and_every_reference_is_a_floor(full):
    names = {spec.name for spec in full}
    checked = [spec for spec in full if spec.reference]
    assert {spec.group for spec in checked} == set(groups.NAMES)
    for spec in checked:
        reference = catalogue.find(full, spec.reference)
        assert reference.metadata["mpbench_is_reference"] == 1 and reference.is_floor
        assert reference.group == spec.group and spec.reference in names
    methods = available_start_methods()
    assert {s.metadata["mpbench_method"] for s in checked if s.group == "process"} == set(methods)


def test_a_reference_is_measured_just_before_what_it_checks(full):
    order = [spec.name for spec in full]
    for spec in full:
        if spec.metadata.get("mpbench_is_reference"):
            first = next(s for s in full if s.reference == spec.name)
            assert order.index(first.name) == order.index(spec.name) + 1, spec.name


def test_selecting_a_benchmark_brings_its_reference_and_floor_along(full):
    chosen = catalogue.select(full, r"^sync\.contended\[primitive=lock,nprocs=2,critical_us=0")
    assert [spec.name for spec in chosen] == [
        "sync.contended[primitive=threading_lock,nprocs=2,critical_us=0,think_us=0]",
        "sync.lock_minimal[nprocs=2]",
        "sync.contended[primitive=lock,nprocs=2,critical_us=0,think_us=0]"]


def test_oversubscribed_checks_are_shown_but_not_held_to_the_target():
    found = by_name(entry("sync.lock_minimal[nprocs=2]", 100e-9, is_reference=1),
                    entry("sync.contended[nprocs=2]", 110e-9,
                          reference="sync.lock_minimal[nprocs=2]"),
                    entry("sync.lock_minimal[nprocs=8]", 100e-9, is_reference=1),
                    entry("sync.contended[nprocs=8]", 60e-9, oversubscribed=1,
                          reference="sync.lock_minimal[nprocs=8]"))
    checks = harness.checks(found)
    assert [c.held for c in checks] == [True, False] and not checks[1].ok
    line = harness.group_summary("sync", checks)
    assert "1 benchmark(s) / their same-run minimal loops = 1.10x" in line
    assert "all within); 1 more oversubscribed, not held to the target: 0.60x" in line
    assert checks[1].text().endswith("= 0.60x (oversubscribed: not held to the target)")


def test_measured_busy_work_comes_from_the_timed_calls_when_the_samples_have_them():
    import pyperf

    def run(measured):
        return pyperf.Run([1e-5, 1e-5], metadata={
            "name": "sync.x", "unit": "second", "mpbench_group": "sync",
            "mpbench_critical_us": 1.0, "mpbench_critical_us_measured": measured},
            collect_metadata=False)
    bench = pyperf.Benchmark([run(1.14), run(1.13), run(1.2)])  # the set-up probes
    assert harness.entry_of(bench).md["mpbench_critical_us_measured"] == 1.14
    samples = {"benchmarks": {"sync.x": {"info": [{"critical_us_measured": v}
                                                   for v in (1.01, 1.03, 0.99)]}}}
    entry = harness.entry_of(bench, samples)
    assert entry.md["mpbench_critical_us_measured"] == 1.01
    assert harness.busy_flags({"sync.x": entry}) == []
