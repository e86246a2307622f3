"""The minimal hand-written loops (the references of the harness checks) run, time
something, check their children and leave nothing behind."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.channels.workloads import floors
from mpbench.groups.process.workloads import start_join
from mpbench.groups.sync.workloads import minimal
from mpbench.options import available_start_methods
from mpbench.workloads.placement import end_cpus, spread_cpus

FORK = multiprocessing.get_context("fork")


@pytest.mark.parametrize("method", available_start_methods())
def test_bare_start_join_loop(method):
    assert start_join.time_minimal_start_join(2, multiprocessing.get_context(method), 30) > 0


def test_bare_start_join_loop_fails_on_a_child_that_fails(monkeypatch):
    from mpbench.workloads import faults
    monkeypatch.setattr(start_join, "noop", faults.crash)
    with pytest.raises(BenchmarkFailed, match="exit code 70"):
        start_join.time_minimal_start_join(1, FORK, 30)


@pytest.mark.parametrize("nprocs", [1, 3])
def test_bare_lock_loop_keeps_its_processes_across_calls(nprocs):
    with minimal.LockLoop(FORK, nprocs, 30, cpus=spread_cpus(nprocs)) as loop:
        pids = list(loop.children.pids)
        assert loop.time_func(200) > 0 and loop.time_func(100) > 0
        assert loop.children.pids == pids and len(pids) == nprocs
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, 0)  # reaped on the way out


def test_bare_event_ping_keeps_one_waiter_across_calls():
    with minimal.EventPing(FORK, 30) as ping:
        first = ping.time_func(3)
        assert first > 0 and ping.time_func(2) > 0
        assert ping.index == 5
        pid = ping.pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped on the way out


@pytest.mark.parametrize("placement", ["same-cpu", "free"])
def test_bare_channel_loops(placement):
    theirs = end_cpus(placement, 2)[1]
    for kind in ("os_pipe", "connection"):
        with floors.MinimalPingPong(kind, FORK, 1, 30, child_cpus=theirs) as loop:
            assert loop.time_func(50) > 0 and loop.time_func(10) > 0
    with floors.MinimalQueue(FORK, 64, 30, maxsize=1000, child_cpus=theirs) as loop:
        assert loop.time_func(50) > 0 and loop.time_func(2000) > 0  # beyond the bound


def test_a_bare_child_that_dies_fails_the_call_and_leaves_nothing():
    with pytest.raises(BenchmarkFailed, match="a child ended before (its command|answering)"):
        with minimal.LockLoop(FORK, 2, 2) as loop:
            os.kill(loop.children.pids[0], signal.SIGKILL)
            loop.time_func(100)
