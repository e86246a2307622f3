"""The sync group's minimal hand-written loops (references of the harness checks) run,
time something, check their children and leave nothing behind."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.sync.workloads import minimal
from mpbench.workloads.placement import spread_cpus

FORK = multiprocessing.get_context("fork")


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


def test_a_bare_child_that_dies_fails_the_call_and_leaves_nothing():
    with pytest.raises(BenchmarkFailed, match="a child ended before (its command|answering)"):
        with minimal.LockLoop(FORK, 2, 2) as loop:
            os.kill(loop.children.pids[0], signal.SIGKILL)
            loop.time_func(100)
