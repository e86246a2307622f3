"""The minimal hand-written loops (the references of the harness checks) run, time
something, check their children and leave nothing behind."""

from __future__ import annotations

import multiprocessing

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.options import available_start_methods
from mpbench.workloads import channel_floors as floors
from mpbench.workloads import minimal
from mpbench.workloads.placement import end_cpus, spread_cpus

FORK = multiprocessing.get_context("fork")


@pytest.mark.parametrize("method", available_start_methods())
def test_bare_start_join_loop(method):
    assert minimal.time_minimal_start_join(2, multiprocessing.get_context(method), 30) > 0


def test_bare_start_join_loop_fails_on_a_child_that_fails(monkeypatch):
    from mpbench.workloads import faults
    monkeypatch.setattr(minimal, "noop", faults.crash)
    with pytest.raises(BenchmarkFailed, match="exit code 70"):
        minimal.time_minimal_start_join(1, FORK, 30)


@pytest.mark.parametrize("nprocs", [1, 3])
def test_bare_lock_loop(nprocs):
    assert minimal.time_minimal_lock(200, FORK, nprocs, 30, cpus=spread_cpus(nprocs)) > 0


def test_bare_event_ping_keeps_one_waiter_across_calls():
    with minimal.EventPing(FORK, 30) as ping:
        first = ping.time_func(3)
        assert first > 0 and ping.time_func(2) > 0
        assert ping.index == 5
        pid = ping.pid
    import os
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped on the way out


@pytest.mark.parametrize("placement", ["same-cpu", "free"])
def test_bare_channel_loops(placement):
    theirs = end_cpus(placement, 2)[1]
    assert floors.time_minimal_ping_pong(50, timeout=30, size=1, child_cpus=theirs) > 0
    assert floors.time_minimal_connection(50, FORK, 30, size=1, child_cpus=theirs) > 0
    assert floors.time_minimal_queue(50, FORK, 30, size=64, maxsize=1000,
                                     child_cpus=theirs) > 0
