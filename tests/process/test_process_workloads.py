"""The process workloads, called directly with tiny loop counts."""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.process.workloads import start_join as work
from mpbench.options import available_start_methods
from mpbench.workloads import faults
from mpbench.workloads.guard import ChildTimeout

METHODS = available_start_methods()


def record_run(path: str, *stamp_path: str) -> None:
    """Child target: append "pid parent-pid" to ``path`` (one O_APPEND write), then the
    split rounds' own stamp."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{os.getpid()} {os.getppid()}\n".encode())
    finally:
        os.close(fd)
    if stamp_path:
        work.stamp_entry(*stamp_path)


def runs(path: Path) -> list[list[int]]:
    """The ``[pid, parent pid]`` of every child that ran :func:`record_run`."""
    return [[int(word) for word in line.split()] for line in path.read_text().splitlines()]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("nprocs", [1, 3])
def test_start_join_runs_every_child_once(method, nprocs, tmp_path):
    ctx = multiprocessing.get_context(method)
    log = tmp_path / "runs"
    work.time_start_join(2, ctx, nprocs, timeout=30,
                         target=functools.partial(record_run, str(log)))
    pids = [pid for pid, _ in runs(log)]
    assert len(pids) == len(set(pids)) == 2 * nprocs and os.getpid() not in pids


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("part", work.SPLIT_PARTS)
def test_split_parts_run_each_child_and_leave_no_stamp(method, part, tmp_path):
    ctx = multiprocessing.get_context(method)
    scratch, log = tmp_path / "scratch", tmp_path / "runs"
    scratch.mkdir()
    work.time_split(2, ctx, part, timeout=30, scratch_dir=str(scratch),
                    target=functools.partial(record_run, str(log)))
    assert len({pid for pid, _ in runs(log)}) == 2
    assert list(scratch.iterdir()) == []


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
    assert parts[0] + parts[2] < time.perf_counter() - t0


@pytest.mark.skipif("fork" not in METHODS, reason="no fork on this platform")
@pytest.mark.parametrize("nprocs", [1, 2])
def test_os_fork_floor_forks_loops_times_nprocs(nprocs, monkeypatch):
    forked: list[int] = []
    fork = os.fork

    def counting_fork() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    work.time_os_fork(2, nprocs, timeout=30)
    assert len(set(forked)) == 2 * nprocs


@pytest.mark.parametrize("mode", list(work.STARTUP_ARGS))
def test_interpreter_startup_floor_spawns_its_command_line(mode, monkeypatch):
    spawned: list[list] = []
    posix_spawn = os.posix_spawn

    def recording_spawn(path, argv, env):
        spawned.append([path, *argv])
        return posix_spawn(path, argv, env)

    monkeypatch.setattr(os, "posix_spawn", recording_spawn)
    argv = work.startup_argv(mode)
    work.time_posix_spawn(2, argv, 2, timeout=30)
    assert spawned == [[sys.executable, *argv]] * 4 and argv[0] == sys.executable


@pytest.mark.skipif("forkserver" not in METHODS, reason="no forkserver on this platform")
def test_cold_forkserver_boots_the_server_each_round(tmp_path):
    """Each round's child has another parent: a new forkserver."""
    ctx = multiprocessing.get_context("forkserver")
    log = tmp_path / "runs"
    work.time_cold_forkserver(2, ctx, timeout=30, target=functools.partial(record_run, str(log)))
    servers = [parent for _, parent in runs(log)]
    assert len(servers) == len(set(servers)) == 2 and os.getpid() not in servers


@pytest.mark.parametrize("method", METHODS)
def test_crashing_child_fails_the_benchmark(method):
    ctx = multiprocessing.get_context(method)
    with pytest.raises(BenchmarkFailed, match=f"exit code {faults.CRASH_EXIT_CODE}"):
        work.time_start_join(1, ctx, 2, timeout=30, target=faults.crash)


@pytest.mark.slow
def test_hanging_child_fails_within_the_timeout():
    ctx = multiprocessing.get_context(METHODS[0])
    t0 = time.monotonic()
    with pytest.raises(ChildTimeout, match="no result within 1 s"):
        work.time_start_join(1, ctx, 2, timeout=1, target=faults.hang)
    assert time.monotonic() - t0 < 10


def test_posix_spawn_failure_is_reported():
    with pytest.raises(BenchmarkFailed, match="exit code 3"):
        work.time_posix_spawn(1, (sys.executable, "-c", "raise SystemExit(3)"), 1, timeout=30)
