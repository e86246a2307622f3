"""The crew: children driven over pipes, failures noticed and nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.options import available_start_methods
from mpbench.workloads import crew as crew_mod
from mpbench.workloads.crew import Crew
from mpbench.workloads.guard import ChildTimeout

METHODS = available_start_methods()


def echo(conn, offset):
    """Answer every command with command + offset."""
    conn.send("ready")
    while (command := conn.recv()) is not crew_mod.STOP:
        if command == "raise":
            raise ValueError("asked to fail")
        if command == "exit":
            os._exit(9)
        if command == "hang":
            signal.pause()
        conn.send(command + offset)


def report_affinity(conn):
    conn.send(sorted(os.sched_getaffinity(0)))
    conn.recv()


@pytest.mark.parametrize("method", METHODS)
def test_members_answer_in_order(method):
    ctx = multiprocessing.get_context(method)
    with Crew(ctx, echo, [(0,), (10,), (20,)], timeout=30, what="echo") as crew:
        assert crew.recv_all() == ["ready"] * 3
        crew.send_all(1)
        assert crew.recv_all() == [1, 11, 21]
        crew.send(2, 5)
        assert crew.recv(2) == 25


def test_exception_in_a_member_fails_with_its_message():
    ctx = multiprocessing.get_context(METHODS[0])
    with pytest.raises(BenchmarkFailed, match="member-1 failed: ValueError: asked to fail"):
        with Crew(ctx, echo, [(0,), (0,)], timeout=30, what="echo") as crew:
            crew.recv_all()
            crew.send(1, "raise")
            crew.recv_all()


def test_a_member_that_dies_is_noticed_before_the_timeout():
    ctx = multiprocessing.get_context(METHODS[0])
    with pytest.raises(BenchmarkFailed, match="exit code 9"):
        with Crew(ctx, echo, [(0,)], timeout=60, what="echo") as crew:
            crew.recv_all()
            crew.send(0, "exit")
            crew.recv_all()


def test_a_hung_member_times_out():
    ctx = multiprocessing.get_context(METHODS[0])
    with pytest.raises(ChildTimeout, match="no answer from member-0"):
        with Crew(ctx, echo, [(0,)], timeout=0.5, what="echo") as crew:
            crew.recv_all()
            crew.send(0, "hang")
            crew.recv_all()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no affinity control")
def test_members_are_pinned():
    cpu = min(os.sched_getaffinity(0))
    ctx = multiprocessing.get_context(METHODS[0])
    with Crew(ctx, report_affinity, [(), ()], timeout=30, what="pin",
              cpus=[[cpu], None]) as crew:
        pinned, free = crew.recv_all()
    assert pinned == [cpu]
    assert free == sorted(os.sched_getaffinity(0))


def test_check_alive_notices_a_dead_member_without_waiting():
    ctx = multiprocessing.get_context(METHODS[0])
    with pytest.raises(BenchmarkFailed, match="member-1 ended with exit code 9"):
        with Crew(ctx, echo, [(0,), (0,)], timeout=60, what="echo") as crew:
            crew.recv_all()
            crew.check_alive()  # everyone alive: nothing happens
            crew.send(1, "exit")
            crew.procs[1].join(10)
            crew.check_alive()
