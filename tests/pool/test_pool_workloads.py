"""The pool workloads, called directly: results whole and in order, tasks run in the
workers, dead workers named, nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.pool.workloads import dispatch as dispatch
from mpbench.groups.pool.workloads import floors as pool_floors
from mpbench.groups.pool.workloads import pools
from mpbench.groups.pool.workloads import tasks as pool_tasks
from mpbench.options import available_start_methods
from mpbench.workloads.guard import ChildTimeout

METHODS = available_start_methods()
FORK = multiprocessing.get_context("fork" if "fork" in METHODS else METHODS[0])


@pytest.fixture
def fork_pool(request):
    """A Pool(2) or ProcessPoolExecutor(2) (``kind``), up. One per test: the leftover
    check after every test would kill a longer-lived pool's workers, and forking a
    second pool while the first one's threads run is what Python 3.12 warns about."""
    with pools.WorkerPool(request.param, FORK, 2, 30) as handle:
        yield handle


def by_kind(apis):
    return pytest.mark.parametrize("api, fork_pool", [(api, pools.kind_of(api)) for api in apis],
                                   indirect=["fork_pool"])


@by_kind(pools.DISPATCH_APIS)
@pytest.mark.parametrize("chunksize", [None, 3])
def test_every_task_runs_once_in_a_worker_and_comes_back_in_order(fork_pool, api, chunksize):
    handle = fork_pool
    _, results = dispatch.run_calls(api, handle.pool, pool_tasks.whoami, range(50), chunksize)
    values = [value for value, _ in results]
    assert (values if api in pools.ORDERED_APIS else sorted(values)) == list(range(50))
    workers = {proc.pid for proc in handle.procs}
    assert {pid for _, pid in results} <= workers and os.getpid() not in workers


@by_kind(pools.DISPATCH_APIS)
def test_dispatch_times_checked_calls(fork_pool, api):
    run = dispatch.Dispatch(fork_pool, api, pool_tasks.identity, range(64), 4)
    assert run.time(2) > 0


def test_result_check_catches_missing_and_reordered_results():
    dispatch.check_results("imap_unordered", [2, 0, 1], range(3), "t")
    for api, got in (("map", [0, 2, 1]), ("map", [0, 1]), ("imap_unordered", [0, 1, 1])):
        with pytest.raises(BenchmarkFailed, match="3 tasks"):
            dispatch.check_results(api, got, range(3), "t")


@pytest.mark.parametrize("method", METHODS)
def test_map_runs_in_workers_of_every_start_method(method):
    with pools.WorkerPool("pool", multiprocessing.get_context(method), 2, 30) as handle:
        _, results = dispatch.run_calls("map", handle.pool, pool_tasks.whoami, range(20), 1)
    assert [value for value, _ in results] == list(range(20))
    assert {pid for _, pid in results} <= {proc.pid for proc in handle.procs}


@pytest.mark.parametrize("kind", pools.KINDS)
@pytest.mark.parametrize("part", pools.LIFECYCLE_PARTS)
def test_lifecycle_parts(kind, part):
    assert pools.time_lifecycle(1, kind, FORK, 2, part, timeout=30) > 0


@pytest.mark.skipif("forkserver" not in METHODS, reason="no forkserver")
def test_cold_forkserver_boots_the_server_each_round():
    ctx = multiprocessing.get_context("forkserver")
    assert pools.time_lifecycle(2, "pool", ctx, 1, "lifetime", timeout=30, cold=True) > 0


def test_startup_part_is_shorter_than_a_whole_life():
    t0 = time.perf_counter()
    startup = pools.time_lifecycle(1, "pool", FORK, 2, "startup", timeout=30)
    assert 0 < startup < time.perf_counter() - t0


@pytest.mark.slow
def test_pool_hang_on_a_dead_worker_is_cut_and_named():
    t0 = time.monotonic()
    with pytest.raises(BenchmarkFailed) as failed:
        with pools.WorkerPool("pool", FORK, 2, timeout=1.5) as handle:
            dispatch.Dispatch(handle, "map", pool_tasks.worker_dies, range(8), 1).time(1)
    message = str(failed.value)
    assert "Pool hung: a worker died inside a task" in message
    assert f"exit code {pool_tasks.WORKER_DIES_EXIT_CODE}" in message
    assert time.monotonic() - t0 < 15


def test_executor_breaks_on_a_dead_worker_and_says_so():
    t0 = time.monotonic()
    with pytest.raises(BenchmarkFailed, match="raised BrokenProcessPool") as failed:
        with pools.WorkerPool("executor", FORK, 2, timeout=30) as handle:
            dispatch.Dispatch(handle, "submit", pool_tasks.worker_dies, range(8), None).time(1)
    assert f"exit code {pool_tasks.WORKER_DIES_EXIT_CODE}" in str(failed.value)
    assert time.monotonic() - t0 < 15  # well within the 30 s timeout: no hang


@pytest.mark.slow
def test_a_hung_task_fails_within_the_timeout():
    with pytest.raises(ChildTimeout, match="no result within 1 s"):
        pools.time_concurrent_imap(1, FORK, timeout=1, task=time.sleep)


@pytest.mark.slow
def test_concurrent_imap_runs_and_a_dying_task_fails_it():
    assert pools.time_concurrent_imap(1, FORK, timeout=30) > 0
    with pytest.raises(BenchmarkFailed, match="Pool hung"):
        pools.time_concurrent_imap(1, FORK, timeout=1.5, task=pool_tasks.worker_dies)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("chunksize", [1, 16])
def test_minimal_pool_answers_every_task(workers, chunksize):
    with pool_floors.MinimalPool(workers, 100, pool_tasks.identity, 30, chunksize) as floor:
        assert floor.time(3) > 0
        with pytest.raises(BenchmarkFailed, match="99 answers for 100 tasks"):
            floor.check(floor.ids[:-pool_floors.ID_BYTES])


def test_minimal_pool_worker_death_is_noticed():
    with pytest.raises(BenchmarkFailed):
        with pool_floors.MinimalPool(1, 10, pool_tasks.worker_dies, 2) as floor:
            floor.time(1)


@pytest.mark.parametrize("fork_pool", ["pool"], indirect=True)
def test_plain_loop_and_bare_map_run_the_task(fork_pool):
    calls = []
    assert pool_floors.time_plain_loop(5, calls.append, 1) > 0
    assert calls == [1] * 5
    assert pool_floors.time_bare_map(2, fork_pool.pool, pool_tasks.identity, range(10), 1) > 0


def test_workers_import_next_to_nothing():
    """Spawn and forkserver workers import the tasks' module: nothing of the harness,
    and no more of mpbench than the tasks themselves."""
    code = ("import sys, mpbench.groups.pool.workloads.tasks, mpbench.groups.pool.workloads.pools, "
            "mpbench.groups.pool.workloads.floors, mpbench.groups.process.workloads.lifecycle, "
            "mpbench.groups.pool.workloads.dispatch\n"
            "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, timeout=60).stdout.split())
    assert not loaded & {"pyperf", "numpy", "mpbench.catalogue", "mpbench.runner",
                         "mpbench.groups.pool.catalogue", "psutil", "matplotlib"}
    code = "import sys, mpbench.groups.pool.workloads.tasks; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout.split()
    assert [m for m in loaded if m.startswith("mpbench")] == [
        "mpbench", "mpbench.groups", *(f"mpbench.groups.{name}" for name in (
            "channels", "descriptor", "pool", "pool.workloads", "pool.workloads.tasks",
            "process", "shared", "sync"))]
