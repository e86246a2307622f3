"""Placements: cross-cpu really pins two ends to two distinct CPUs, spread pins contenders in
turn, and a one-CPU machine skips cross-cpu with a line saying why."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from mpbench import catalogue
from mpbench import options as opt
from mpbench.groups.sync import catalogue as sync_group
from mpbench.spec import WorkerEnv
from mpbench.workloads import placement
from mpbench.workloads.crew import Crew

TWO_CPUS = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(placement.usable_cpus()) < 2,
    reason="needs two usable CPUs")


def report_affinity(conn):
    conn.send(sorted(os.sched_getaffinity(0)))
    conn.recv()


@TWO_CPUS
def test_cross_cpu_pins_the_two_ends_to_two_distinct_cpus():
    ends = placement.end_cpus("cross-cpu", 2)
    assert len(ends[0]) == len(ends[1]) == 1 and ends[0] != ends[1]
    ctx = multiprocessing.get_context("fork")
    with Crew(ctx, report_affinity, [(), ()], timeout=10, what="affinity", cpus=ends) as crew:
        seen = crew.recv_all()
    assert seen == ends  # each child runs on its own CPU, and only there
    same = placement.end_cpus("same-cpu", 2)
    assert same[0] == same[1] == ends[0]


@TWO_CPUS
def test_cross_cpu_spreads_further_ends_off_the_first_ones_cpu():
    ends = placement.end_cpus("cross-cpu", 5)
    assert all(end != ends[0] for end in ends[1:])
    assert placement.end_cpus("free", 3) == [None, None, None]


def test_spread_gives_each_contender_one_cpu_in_turn():
    cpus = placement.usable_cpus()
    spread = placement.spread_cpus(2 * len(cpus))
    assert all(len(one) == 1 for one in spread)
    assert sorted(c for (c,) in spread[:len(cpus)]) == cpus
    assert spread[:len(cpus)] == spread[len(cpus):]


@TWO_CPUS
def test_the_semaphore_ping_pong_runs_on_two_cpus_when_asked():
    specs = sync_group.benchmarks({"placement": ["cross-cpu"], "primitives": ["lock"]})
    spec = catalogue.find(specs, "sync.semaphore_pingpong[placement=cross-cpu]")
    before = os.sched_getaffinity(0)
    ends, pair = placement.end_cpus("cross-cpu", 2), placement.cpus_for("cross-cpu")
    with spec.setup(WorkerEnv({}, "", 20.0)) as prepared:
        assert sorted(os.sched_getaffinity(0)) == ends[0]  # this worker is end 0
        assert prepared.time_func(20) > 0
        assert prepared.metadata["mpbench_cpus"] == ",".join(map(str, pair))
    assert os.sched_getaffinity(0) == before


def test_a_one_cpu_machine_skips_cross_cpu_and_says_why(monkeypatch):
    monkeypatch.setattr(opt, "cross_cpu_unavailable",
                        lambda: "this process may use one CPU only (affinity [0])")
    assert opt.placements({}) == ["same-cpu"]
    (note,) = catalogue.notes({})
    assert note.startswith("placement cross-cpu skipped: this process may use one CPU only")
    assert opt.placements({"placement": ["free", "cross-cpu"]}) == ["free"]
    assert catalogue.notes({"placement": ["same-cpu"]}) == []
    names = [spec.name for spec in catalogue.build({})]
    assert not any("cross-cpu" in name for name in names)
