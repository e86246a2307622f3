"""The process group's minimal start/join loop (a reference of the harness checks) runs,
times something and fails on a child that fails."""

from __future__ import annotations

import multiprocessing

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.process.workloads import start_join
from mpbench.options import available_start_methods

FORK = multiprocessing.get_context("fork")


@pytest.mark.parametrize("method", available_start_methods())
def test_bare_start_join_loop(method):
    assert start_join.time_minimal_start_join(2, multiprocessing.get_context(method), 30) > 0


def test_bare_start_join_loop_fails_on_a_child_that_fails(monkeypatch):
    from mpbench.workloads import faults
    monkeypatch.setattr(start_join, "noop", faults.crash)
    with pytest.raises(BenchmarkFailed, match="exit code 70"):
        start_join.time_minimal_start_join(1, FORK, 30)
