"""The process workloads, called directly with tiny loop counts."""

from __future__ import annotations

import multiprocessing
import sys
import time

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.options import available_start_methods
from mpbench.workloads import faults
from mpbench.workloads import process as work
from mpbench.workloads.guard import ChildTimeout

METHODS = available_start_methods()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("nprocs", [1, 3])
def test_start_join_returns_positive_time(method, nprocs):
    ctx = multiprocessing.get_context(method)
    assert work.time_start_join(2, ctx, nprocs, timeout=30) > 0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("part", work.SPLIT_PARTS)
def test_split_parts_are_positive_and_leave_no_stamp(method, part, tmp_path):
    ctx = multiprocessing.get_context(method)
    assert work.time_split(2, ctx, part, timeout=30, scratch_dir=str(tmp_path)) > 0
    assert list(tmp_path.iterdir()) == []


def test_time_to_target_is_stamped_in_the_child(tmp_path):
    """The child's stamp lies between the parent's start and the end of join."""
    ctx = multiprocessing.get_context("fork" if "fork" in METHODS else METHODS[0])
    t0 = time.monotonic()
    seconds = work.time_split(3, ctx, "time_to_target", timeout=30, scratch_dir=str(tmp_path))
    assert 0 < seconds < time.monotonic() - t0


def test_split_parts_add_up_to_less_than_a_round(tmp_path):
    ctx = multiprocessing.get_context(METHODS[0])
    t0 = time.perf_counter()
    parts = [work.time_split(1, ctx, part, 30, str(tmp_path)) for part in work.SPLIT_PARTS]
    assert all(part > 0 for part in parts)
    assert parts[0] + parts[2] < time.perf_counter() - t0


@pytest.mark.skipif("fork" not in METHODS, reason="no fork on this platform")
@pytest.mark.parametrize("nprocs", [1, 2])
def test_os_fork_floor(nprocs):
    assert work.time_os_fork(2, nprocs, timeout=30) > 0


@pytest.mark.parametrize("mode", list(work.STARTUP_ARGS))
def test_interpreter_startup_floor(mode):
    assert work.time_posix_spawn(1, work.startup_argv(mode), 1, timeout=30) > 0


@pytest.mark.skipif("forkserver" not in METHODS, reason="no forkserver on this platform")
def test_cold_forkserver_boots_the_server_each_round():
    ctx = multiprocessing.get_context("forkserver")
    assert work.time_cold_forkserver(2, ctx, timeout=30) > 0


@pytest.mark.parametrize("method", METHODS)
def test_crashing_child_fails_the_benchmark(method):
    ctx = multiprocessing.get_context(method)
    with pytest.raises(BenchmarkFailed, match=f"exit code {faults.CRASH_EXIT_CODE}"):
        work.time_start_join(1, ctx, 2, timeout=30, target=faults.crash)


def test_hanging_child_fails_within_the_timeout():
    ctx = multiprocessing.get_context(METHODS[0])
    t0 = time.monotonic()
    with pytest.raises(ChildTimeout, match="no result within 1 s"):
        work.time_start_join(1, ctx, 2, timeout=1, target=faults.hang)
    assert time.monotonic() - t0 < 10


def test_posix_spawn_failure_is_reported():
    with pytest.raises(BenchmarkFailed, match="exit code 3"):
        work.time_posix_spawn(1, (sys.executable, "-c", "raise SystemExit(3)"), 1, timeout=30)
