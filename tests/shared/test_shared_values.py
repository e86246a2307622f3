"""Value/Array/SharedMemory access and Manager proxies from N clients: the lock of a
Value holds, what clients write is what the parent reads, the checks can fail."""

from __future__ import annotations

import multiprocessing

import pytest
from conftest import shm_segments

from mpbench.errors import BenchmarkFailed
from mpbench.groups.shared.workloads import managers, values
from mpbench.groups.shared.workloads.clients import Clients, time_in_process

FORK = multiprocessing.get_context("fork")


@pytest.fixture(autouse=True)
def no_segment_left():
    before = shm_segments()
    yield
    assert shm_segments() <= before, "shared memory left in /dev/shm"


def _clients(shared, obj, op, clients, size=0):
    return Clients(FORK, values.prepare, values.specs_for(obj, op, shared.handle, size, clients),
                   timeout=30, what=f"{obj} {op}", check=shared)


@pytest.mark.timeout(60)
def test_the_lock_of_a_value_holds_under_n_processes():
    shared = values.SharedValue(FORK, "value", values.INCREMENT)
    try:
        with _clients(shared, "value", values.INCREMENT, 3) as run:
            for loops in (1, 2000, 5000):
                assert run.time(loops) > 0  # each call checks: exactly 3 x loops, none lost
                assert shared.read() == 3 * loops
    finally:
        shared.close()


@pytest.mark.timeout(30)
def test_the_value_check_reports_lost_updates():
    shared = values.SharedValue(FORK, "value", values.INCREMENT)
    shared.reset()
    shared.write(5999)  # as if two increments had run at once and one was lost
    with pytest.raises(BenchmarkFailed, match="lost updates"):
        shared.verify(6000)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("obj", ["value", "rawvalue", "array", "rawarray", "shared_memory"])
@pytest.mark.parametrize("op", values.ELEMENT_OPS)
def test_element_access_from_two_clients_reaches_the_parent(obj, op):
    shared = values.SharedValue(FORK, obj, op)
    try:
        with _clients(shared, obj, op, 2) as run:
            shared.write(7)
            if op == "get":
                run.time(100)
                assert shared.read() == 7  # reads leave it alone
            else:
                run.time(100)  # reset to 0 before, checked to be 1 after
                assert shared.read() == 1
    finally:
        shared.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("obj", ["array", "shared_memory"])
def test_slices_write_the_whole_array(obj):
    size = 64 * 1024
    shared = values.SharedValue(FORK, obj, "slice_set", size)
    try:
        with _clients(shared, obj, "slice_set", 1, size) as run:
            run.time(3)
        whole = (bytes(shared.segment.buf[:size]) if obj == "shared_memory"
                 else shared.handle[:])
        assert set(whole) == {1} and len(whole) == (size if obj == "shared_memory"
                                                    else size // 8)
    finally:
        shared.close()
    loop, args, _ = values.prepare("local", "slice_get", None, size)
    assert time_in_process(5, loop, args) > 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("obj, op", [(o, p) for o in managers.OBJECTS for p in managers.OPS[o]])
def test_proxies_change_the_state_the_parent_sees(obj, op):
    managed = managers.Managed(FORK, obj, op, clients=2)
    try:
        with Clients(FORK, managers.prepare, managed.specs(), timeout=30, what=obj,
                     check=managed) as run:
            run.time(25)  # checked: every append, every client's key, the attribute
            if obj == "list":
                assert len(managed.proxy) == 50
            elif obj == "dict" and op == "set":
                assert managed.proxy.copy() == {"client-0": 1, "client-1": 1}
            elif op == "set":
                assert managed.proxy.value == 1
    finally:
        managed.close()


@pytest.mark.timeout(60)
def test_pinned_proxies_run_the_server_and_clients_on_one_cpu():
    import os

    from mpbench.workloads.placement import cpus_for

    cpus = cpus_for("same-cpu")
    managed = managers.Managed(FORK, "dict", "set", clients=1, cpus=cpus)
    try:
        server = managed.manager._process.pid
        assert os.sched_getaffinity(server) == set(cpus)
        with Clients(FORK, managers.prepare, managed.specs(), timeout=30, what="pinned",
                     check=managed, cpus=cpus) as run:
            assert os.sched_getaffinity(run.crew.procs[0].pid) == set(cpus)
            run.time(20)
    finally:
        managed.close()
    assert os.sched_getaffinity(0) != set(cpus) or len(os.sched_getaffinity(0)) == 1


@pytest.mark.timeout(60)
def test_the_proxy_check_fails_when_clients_change_only_their_own_copy():
    managed = managers.Managed(FORK, "list", "append", clients=2)
    try:
        local_lists = [("list", "append", [], i) for i in range(2)]  # not shared
        with Clients(FORK, managers.prepare, local_lists, timeout=30, what="local lists",
                     check=managed) as run:
            with pytest.raises(BenchmarkFailed, match="the parent sees 0 items after 20"):
                run.time(10)
    finally:
        managed.close()


@pytest.mark.timeout(30)
def test_local_loops_run_the_proxy_code_on_plain_objects():
    for obj in managers.OBJECTS:
        for op in managers.OPS[obj]:
            target = managers.local_object(obj)
            loop, args, _ = managers.prepare(obj, op, target)
            assert time_in_process(10, loop, args) > 0
    target = managers.local_object("list")
    loop, args, _ = managers.prepare("list", "append", target)
    loop(*args, 10)
    assert target == [1] * 10
