"""The sync workloads run in-process through the catalogue's own setup, with tiny loops.

Every timed call runs a clean pass (the value) and an instrumented pass whose
checks of mutual exclusion (a shared counter updated non-atomically inside the
critical section must end at exactly its target, and no two holding intervals
may overlap) fail the benchmark: a call that returns a time passed them.
"""

from __future__ import annotations

import gc
import multiprocessing
import time

import pytest
from conftest import shm_entries

from mpbench import catalogue
from mpbench.errors import BenchmarkFailed
from mpbench.groups.sync import catalogue as sync_group
from mpbench.groups.sync.workloads import contention
from mpbench.groups.sync.workloads import primitives as work
from mpbench.options import available_start_methods
from mpbench.spec import WorkerEnv
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
    assert info["pass"] == "instrumented" and info["clean_ops"] == loops * nprocs
    assert info["ops"] == sum(info["shares"]) == info["wait_count"] <= loops * nprocs
    assert info["max_holders"] == 1
    assert len(info["shares"]) == nprocs
    assert 1 / nprocs <= info["jain"] <= 1
    assert spec.metadata["mpbench_ops"] == spec.inner_loops == nprocs
    assert prepared.metadata["mpbench_oversubscribed"] in (0, 1)


def test_semaphore_k_never_lets_more_than_k_in():
    spec, env = _spec("sync.contended[primitive=semaphore,slots=2,nprocs=4,think_us=0]",
                      nprocs=[4], think_us=[0.0])
    with spec.setup(env) as prepared:
        prepared.time_func(300)
    info = prepared.sample_calls[-1]["info"]
    assert info["ops"] == 4 * (info["ops"] // 4) and 1 <= info["max_holders"] <= 2


class NoLock:
    """A 'lock' that excludes nothing: the check must catch it."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_the_instrumented_pass_catches_a_lock_that_does_not_exclude():
    """A 'lock' that lets two holders in: the clean pass cannot tell, the instrumented pass
    of the same call fails the benchmark."""
    ctx = multiprocessing.get_context(FAST_METHOD)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    barrier = ctx.Barrier(2)
    args = [(NoLock(), raw, i, barrier, 2000, 0, 1, TIMEOUT) for i in range(2)]
    with Crew(ctx, contention.contender_member, args, timeout=TIMEOUT, what="no lock") as crew:
        crew.recv_all()
        run = contention.Contention(contention.crew_driver(crew, state, "nolock"), state, 2, 1,
                                    "no lock")
        window, answers = run.clean(500)
        assert window > 0 and len(answers) == 2
        with pytest.raises(BenchmarkFailed, match="counter ended at .* mutual exclusion violated"):
            for _ in range(20):  # two processes on two CPUs overlap within the first run
                run.time_func(500)


class CountingLock:
    """A lock that counts its calls, around a real one."""

    def __init__(self) -> None:
        self.lock = multiprocessing.get_context(FAST_METHOD).Lock()
        self.acquired = self.released = 0

    def acquire(self) -> bool:
        self.acquired += 1
        return self.lock.acquire()

    def release(self) -> None:
        self.released += 1
        self.lock.release()


@pytest.mark.parametrize("critical, think", [(0, 0), (50, 0), (0, 50), (50, 50)])
def test_the_clean_pass_reads_the_clock_twice_and_stamps_no_turn(critical, think):
    reads = []

    def clock() -> int:
        reads.append(1)
        return len(reads)

    lock = CountingLock()
    start, end = work.contend_clean(lock, 1000, critical, think, clock=clock)
    assert (start, end, len(reads)) == (1, 2, 2)  # two clock reads for 1000 turns
    assert lock.acquired == lock.released == 1000


def test_clean_answers_carry_no_stamps_and_instrumented_ones_stamp_every_turn():
    ctx = multiprocessing.get_context(FAST_METHOD)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    lock = ctx.Lock()
    args = [(lock, raw, i, None, 0, 0, 1, TIMEOUT, None, (1.0, 2.0)) for i in range(1)]
    with Crew(ctx, contention.contender_member, args, timeout=TIMEOUT, what="one") as crew:
        (ready,) = crew.recv_all()
        assert ready["critical_iters"] > 0 and ready["think_iters"] > ready["critical_iters"]
        crew.send_all((contention.CLEAN, 300))
        (clean,) = crew.recv_all()
        assert len(clean) == 4 and all(isinstance(v, int) for v in clean)  # 2 stamps, 2 lengths
        crew.send_all((contention.INSTRUMENTED, 300))
        (stamps,) = crew.recv_all()
    assert stamps.count == len(stamps.wait_from) == len(stamps.released) == 300
    assert len(stamps.critical_ns) == len(stamps.think_ns) == 300
    assert state[work.COUNTER] == 300


def test_a_contender_dying_with_the_lock_fails_fast_and_leaves_nothing():
    method = "spawn" if "spawn" in available_start_methods() else FAST_METHOD
    before = shm_entries()
    spec, env = _spec("sync.contended[primitive=lock,nprocs=4]", nprocs=[4], methods=[method],
                      inject_fault=contention.FAULT_DIE_HOLDING, child_timeout=TIMEOUT)
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


@pytest.mark.slow
def test_start_up_and_barrier_are_outside_the_timed_region():
    spec, env = _spec("sync.contended[primitive=lock,nprocs=2,critical_us=0,think_us=0]",
                      nprocs=[2], critical_us=[0.0], think_us=[0.0],
                      inject_fault=contention.FAULT_SLOW_START)
    t0 = time.monotonic()
    with spec.setup(env) as prepared:
        setup_seconds = time.monotonic() - t0
        t1 = time.monotonic()
        timed = prepared.time_func(200)
        call_seconds = time.monotonic() - t1
    assert setup_seconds >= contention.SLOW_START_SECONDS
    assert call_seconds >= contention.SLOW_BARRIER_SECONDS  # a contender came late to the barrier
    assert timed < contention.SLOW_BARRIER_SECONDS / 2  # ...and the window opened after it


@pytest.mark.parametrize("name, woken", [
    ("sync.wakeup[primitive=event,waiters=2,placement=same-cpu]", 2),
    ("sync.wakeup[primitive=condition,notify=all,waiters=2,placement=same-cpu]", 2),
    ("sync.wakeup[primitive=condition,notify=one,waiters=2,placement=same-cpu]", 1),
    ("sync.wakeup[primitive=event,waiters=2]", 2),
])
def test_wakeups_are_counted_one_by_one(name, woken):
    spec, env = _spec(name, nprocs=[1, 2], placement=["same-cpu", "free"])
    assert spec.inner_loops == woken
    with spec.setup(env) as prepared:
        for _ in range(2):  # rounds and flags carry over from call to call
            assert prepared.time_func(8) > 0
    entry = prepared.sample_calls[-1]
    assert entry["info"]["wakeup_count"] == 8 * woken
    assert all(v > 0 for v in entry["series"]["wakeup"])


def test_floors_and_references_return_times():
    for name in ("sync.uncontended[primitive=lock]", "sync.uncontended[primitive=threading_lock]",
                 "sync.semaphore_pingpong", "sync.semaphore_pingpong[placement=same-cpu]",
                 "sync.lock_minimal[nprocs=2]", "sync.event_minimal[placement=same-cpu]"):
        spec, env = _spec(name, placement=["same-cpu", "free"])
        with spec.setup(env) as prepared:
            assert prepared.time_func(20) > 0


@pytest.mark.parametrize("name", ["sync.contended[primitive=lock,nprocs=2]",
                                  "sync.contended[primitive=threading_lock,nprocs=2]"])
def test_busy_work_is_calibrated_where_it_spins_and_measured(name):
    """Each spinning process calibrates itself; what the spins took is measured in the
    instrumented passes (set-up: metadata; every call: samples). No timing threshold:
    only that the figures exist and are of the right kind."""
    spec, env = _spec(name, nprocs=[2])
    with spec.setup(env) as prepared:
        prepared.time_func(50)
    md = prepared.metadata
    assert 0 < md["mpbench_critical_iters"] < md["mpbench_think_iters"]
    assert md["mpbench_critical_us_measured"] > 0 and md["mpbench_think_us_measured"] > 0
    info = prepared.sample_calls[-1]["info"]
    assert info["critical_us_measured"] > 0 and info["think_us_measured"] > 0
    assert info["clean_critical_iters"] > 0


def test_an_empty_loop_measures_no_busy_work():
    spec, env = _spec("sync.contended[primitive=lock,nprocs=2,critical_us=0,think_us=0]",
                      nprocs=[2])
    with spec.setup(env) as prepared:
        prepared.time_func(50)
    md = prepared.metadata
    assert md["mpbench_critical_iters"] == md["mpbench_think_iters"] == 0
    assert md["mpbench_critical_us_measured"] == 0.0
    assert prepared.sample_calls[-1]["info"]["think_us_measured"] == 0.0
