"""The sync workloads run in-process through the catalogue's own setup, with tiny loops.

Mutual exclusion is checked by the workload itself on every timed call (a
shared counter updated non-atomically inside the critical section must end at
exactly N x K, and no two holding intervals may overlap): a call that returns
a time passed the check.
"""

from __future__ import annotations

import gc
import multiprocessing
import time

import pytest

from conftest import shm_entries
from mpbench import catalogue
from mpbench.benchmarks import sync as sync_group
from mpbench.catalogue import WorkerEnv
from mpbench.errors import BenchmarkFailed
from mpbench.options import available_start_methods
from mpbench.workloads import sync as work
from mpbench.workloads.crew import Crew

FAST_METHOD = "fork" if "fork" in available_start_methods() else available_start_methods()[0]
TIMEOUT = 20.0


def _spec(name: str, **options):
    """The sync group's benchmark ``name`` (the group alone: other groups refuse its faults)."""
    options.setdefault("methods", [FAST_METHOD])
    specs = sync_group.benchmarks(options)
    return catalogue.find(specs, name), WorkerEnv(options, "", options.get("child_timeout",
                                                                           TIMEOUT))


@pytest.mark.parametrize("nprocs", [2, 4])
@pytest.mark.parametrize("primitive", list(work.MUTEX_PRIMITIVES) + [work.THREAD_PRIMITIVE])
def test_mutual_exclusion_holds(primitive, nprocs):
    spec, env = _spec(f"sync.contended[primitive={primitive},nprocs={nprocs},think_us=0]",
                      nprocs=[nprocs], think_us=[0.0], primitives=list(work.MUTEX_PRIMITIVES))
    loops = 500
    with spec.setup(env) as prepared:
        for _ in range(2):  # the counter is reset between calls
            assert prepared.time_func(loops) > 0
    info = prepared.sample_calls[-1]["info"]
    assert info["ops"] == loops * nprocs and sum(info["shares"]) == loops * nprocs
    assert info["max_holders"] == 1
    assert len(info["shares"]) == nprocs
    assert 1 / nprocs <= info["jain"] <= 1
    assert info["wait_count"] == loops * nprocs
    assert spec.metadata["mpbench_ops"] == spec.inner_loops == nprocs
    assert prepared.metadata["mpbench_oversubscribed"] in (0, 1)


def test_semaphore_k_never_lets_more_than_k_in():
    spec, env = _spec("sync.contended[primitive=semaphore,slots=2,nprocs=4,think_us=0]",
                      nprocs=[4], think_us=[0.0])
    with spec.setup(env) as prepared:
        prepared.time_func(300)
    info = prepared.sample_calls[-1]["info"]
    assert info["ops"] == 4 * 300 and 1 <= info["max_holders"] <= 2


class NoLock:
    """A 'lock' that excludes nothing: the check must catch it."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_the_exclusion_check_catches_a_lock_that_does_not_exclude():
    ctx = multiprocessing.get_context(FAST_METHOD)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    barrier = ctx.Barrier(2)
    args = [(NoLock(), raw, i, barrier, 2000, 0, 1, TIMEOUT) for i in range(2)]
    with Crew(ctx, work.contender_member, args, timeout=TIMEOUT, what="no lock") as crew:
        crew.recv_all()
        run = work.Contention(work.crew_driver(crew, state, "nolock"), state, 2, 1, "no lock")
        with pytest.raises(BenchmarkFailed, match="counter ended at .* mutual exclusion violated"):
            for _ in range(20):  # two processes on two CPUs overlap within the first run
                run.time_func(500)


def test_a_contender_dying_with_the_lock_fails_fast_and_leaves_nothing():
    method = "spawn" if "spawn" in available_start_methods() else FAST_METHOD
    before = shm_entries()
    spec, env = _spec("sync.contended[primitive=lock,nprocs=4]", nprocs=[4], methods=[method],
                      inject_fault=work.FAULT_DIE_HOLDING, child_timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(BenchmarkFailed, match=r"contender-0 ended with killed by SIGKILL.*"
                                              r"died holding the lock"):
        with spec.setup(env) as prepared:
            if method != "fork":  # named semaphores exist while it runs: the check has teeth
                assert shm_entries() - before
            prepared.time_func(10_000)
    assert time.monotonic() - started < TIMEOUT
    del prepared
    gc.collect()
    assert shm_entries() <= before, "semaphores left behind"


def test_start_up_and_barrier_are_outside_the_timed_region():
    spec, env = _spec("sync.contended[primitive=lock,nprocs=2,critical_us=0,think_us=0]",
                      nprocs=[2], critical_us=[0.0], think_us=[0.0],
                      inject_fault=work.FAULT_SLOW_START)
    t0 = time.monotonic()
    with spec.setup(env) as prepared:
        setup_seconds = time.monotonic() - t0
        t1 = time.monotonic()
        timed = prepared.time_func(200)
        call_seconds = time.monotonic() - t1
    assert setup_seconds >= work.SLOW_START_SECONDS
    assert call_seconds >= work.SLOW_BARRIER_SECONDS  # one contender came late to the barrier
    assert timed < work.SLOW_BARRIER_SECONDS / 2  # ...and the window opened after it


@pytest.mark.parametrize("name, woken", [
    ("sync.wakeup[primitive=event,waiters=2]", 2),
    ("sync.wakeup[primitive=condition,notify=all,waiters=2]", 2),
    ("sync.wakeup[primitive=condition,notify=one,waiters=2]", 1),
])
def test_wakeups_are_counted_one_by_one(name, woken):
    spec, env = _spec(name, nprocs=[1, 2])
    assert spec.inner_loops == woken
    with spec.setup(env) as prepared:
        for _ in range(2):  # rounds and flags carry over from call to call
            assert prepared.time_func(8) > 0
    entry = prepared.sample_calls[-1]
    assert entry["info"]["wakeup_count"] == 8 * woken
    assert all(v > 0 for v in entry["series"]["wakeup"])


def test_floors_return_times():
    for name in ("sync.uncontended[primitive=lock]", "sync.uncontended[primitive=threading_lock]",
                 "sync.semaphore_pingpong", "sync.semaphore_pingpong[placement=same-cpu]"):
        spec, env = _spec(name)
        with spec.setup(env) as prepared:
            assert prepared.time_func(100) > 0


def test_one_calibration_serves_a_whole_run(tmp_path):
    env = WorkerEnv({}, str(tmp_path), TIMEOUT)
    first = sync_group._calibration(env)
    assert (tmp_path / sync_group.CALIBRATION_FILE).exists()
    assert sync_group._calibration(env) == first
    assert first.iterations_for(0) == 0 and first.iterations_for(10) > first.iterations_for(1) > 0
