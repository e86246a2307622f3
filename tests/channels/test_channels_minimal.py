"""The channels group's minimal ping-pong and queue loops (references of the harness
checks) run and time something, on one CPU and free."""

from __future__ import annotations

import multiprocessing

import pytest

from mpbench.groups.channels.workloads import floors
from mpbench.workloads.placement import end_cpus

FORK = multiprocessing.get_context("fork")


@pytest.mark.parametrize("placement", ["same-cpu", "free"])
def test_bare_channel_loops(placement):
    theirs = end_cpus(placement, 2)[1]
    for kind in ("os_pipe", "connection"):
        with floors.MinimalPingPong(kind, FORK, 1, 30, child_cpus=theirs) as loop:
            assert loop.time_func(50) > 0 and loop.time_func(10) > 0
    with floors.MinimalQueue(FORK, 64, 30, maxsize=1000, child_cpus=theirs) as loop:
        assert loop.time_func(50) > 0 and loop.time_func(2000) > 0  # beyond the bound
