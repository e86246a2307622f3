"""Ending processes and timed waits: terminate, its os.kill floor, Queue timeouts, and
the orphans that terminate() leaves."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import psutil
import pytest
from conftest import SUBREAPER

from mpbench.groups.process.workloads import lifecycle
from mpbench.options import available_start_methods

METHODS = available_start_methods()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("state", lifecycle.STATES)
def test_terminate_kills_a_running_child(method, state):
    ctx = multiprocessing.get_context(method)
    assert lifecycle.time_terminate(1, ctx, state, timeout=30) > 0


@pytest.mark.parametrize("state", lifecycle.STATES)
def test_os_kill_floor(state):
    assert lifecycle.time_os_kill(2, state, timeout=30) > 0


@pytest.mark.parametrize("op", lifecycle.QUEUE_OPS)
def test_queue_timeouts_raise_after_their_timeout(op):
    """Every call raised Empty/Full (the function fails otherwise) no sooner than asked."""
    ctx = multiprocessing.get_context(METHODS[0])
    assert lifecycle.time_queue_timeout(3, ctx, op, 0.002) >= 0
    assert lifecycle.time_sleep_overshoot(3, 0.002) >= 0


def _wait_dead(pid: int, timeout: float = 30) -> None:
    """Until ``pid`` is a zombie or gone (reaped by its parent, e.g. the forkserver)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still running {timeout} s after SIGTERM")


@pytest.mark.skipif(not SUBREAPER, reason="needs a child subreaper (Linux) to see the orphan")
@pytest.mark.parametrize("method", METHODS)
def test_terminating_a_child_leaves_its_own_children_running(method):
    """What the tutorials warn about: terminate() kills the child with SIGTERM, so its
    exit handlers never run and even its *daemonic* child lives on."""
    ctx = multiprocessing.get_context(method)
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=lifecycle.orphan_maker, args=(writer, method))
    child.start()
    writer.close()
    grandchild = None
    try:
        assert reader.poll(30), "the child never reported its grandchild"
        grandchild = reader.recv()
        child.terminate()
        _wait_dead(child.pid)  # not join(): see below
        orphan = psutil.Process(grandchild)
        assert orphan.is_running() and orphan.status() != psutil.STATUS_ZOMBIE
        assert orphan.ppid() != child.pid  # re-parented: to us, or to the forkserver
        # With fork, join() would wait for the orphan too: it inherited the write end
        # of the child's sentinel pipe, which stays open while it lives.
        os.kill(grandchild, signal.SIGKILL)
        child.join(30)
        assert child.exitcode == -signal.SIGTERM
    finally:
        child.kill()
        child.join(5)
        reader.close()
        if grandchild:
            try:
                os.kill(grandchild, signal.SIGKILL)
            except ProcessLookupError:
                pass
