"""Ending processes and timed waits, as the tutorials teach them.

- :func:`time_terminate`: ``Process.terminate()`` until ``join()`` returns, for a
  child busy in Python code or asleep in ``time.sleep``; :func:`time_os_kill`, its
  floor: ``os.kill(SIGTERM)`` + ``waitpid`` of a bare forked child in the same state.
- :func:`time_queue_timeout`: how far past its timeout ``Queue.get(timeout=T)`` on
  an empty queue (``put`` on a full one) raises ``Empty`` (``Full``);
  :func:`time_sleep_overshoot`, its floor: how far past T ``time.sleep(T)`` returns.
- :func:`orphan_maker`: a child that starts a grandchild and reports its pid, to
  show that terminating a child leaves its own children running.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from multiprocessing import connection
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import deadline, describe_exit
from mpbench.workloads.reaping import stop_pids, stop_processes

perf_counter = time.perf_counter

STATES = ("busy", "sleeping")
QUEUE_OPS = ("get", "put")
READY = b"r"


def busy_forever(ready: Any) -> None:
    """Target: say ready, then spin in Python code until killed."""
    ready.send_bytes(READY)
    while True:
        pass


def sleep_forever(ready: Any) -> None:
    """Target: say ready, then sleep until killed."""
    ready.send_bytes(READY)
    while True:
        time.sleep(3600)


TARGETS = {"busy": busy_forever, "sleeping": sleep_forever}


def _heard(reader: Any, proc: Any) -> bytes:
    """The child's first message, or ``b""`` if it ended without one."""
    ready = connection.wait([reader, proc.sentinel])
    try:
        return reader.recv_bytes() if reader in ready else b""
    except EOFError:
        return b""


def time_terminate(loops: int, ctx: Any, state: str, timeout: float) -> float:
    """``terminate()`` then ``join()`` of a child that runs its target (started, and
    heard from, before the clock starts); the child must end killed by SIGTERM."""
    what = f"{ctx.get_start_method()} terminate of a {state} child"
    total = 0.0
    for _ in range(loops):
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=TARGETS[state], args=(writer,))
        try:
            with deadline(timeout, what):
                proc.start()
                writer.close()
                if _heard(reader, proc) != READY:
                    proc.join()
                    raise BenchmarkFailed(f"{what}: the child ended with "
                                          f"{describe_exit(proc.exitcode)} before running")
                t0 = perf_counter()
                proc.terminate()
                proc.join()
                total += perf_counter() - t0
        except BaseException:
            stop_processes([proc])
            raise
        finally:
            reader.close()
            writer.close()
        if proc.exitcode != -signal.SIGTERM:
            raise BenchmarkFailed(f"{what}: child ended with {describe_exit(proc.exitcode)}, "
                                  "expected killed by SIGTERM")
        proc.close()
    return total


def _forked(state: str, ready_w: int) -> None:  # pragma: no cover - runs in the child
    os.write(ready_w, READY)
    if state == "busy":
        while True:
            pass
    while True:
        time.sleep(3600)


def time_os_kill(loops: int, state: str, timeout: float) -> float:
    """Floor of :func:`time_terminate`: ``os.kill(pid, SIGTERM)`` + ``os.waitpid`` of a
    bare ``os.fork()`` child in the same state."""
    what = f"os.kill floor ({state} child)"
    total = 0.0
    for _ in range(loops):
        ready_r, ready_w = os.pipe()
        pids: list[int] = []
        try:
            with deadline(timeout, what):
                pid = os.fork()
                if pid == 0:  # pragma: no cover - runs in the child
                    try:
                        os.close(ready_r)
                        _forked(state, ready_w)
                    finally:
                        os._exit(1)
                pids.append(pid)
                os.close(ready_w)
                if os.read(ready_r, 1) != READY:
                    raise BenchmarkFailed(f"{what}: the child died before running")
                t0 = perf_counter()
                os.kill(pid, signal.SIGTERM)
                status = os.waitpid(pid, 0)[1]
                total += perf_counter() - t0
        except BaseException:
            stop_pids(pids)
            raise
        finally:
            for fd in (ready_r, ready_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        if os.waitstatus_to_exitcode(status) != -signal.SIGTERM:
            raise BenchmarkFailed(f"{what}: child ended with "
                                  f"{describe_exit(os.waitstatus_to_exitcode(status))}, "
                                  "expected killed by SIGTERM")
    return total


def time_queue_timeout(loops: int, ctx: Any, op: str, seconds: float) -> float:
    """Seconds past ``seconds`` that ``get(timeout=seconds)`` on an empty
    ``ctx.Queue()`` (``put`` on a full ``Queue(1)``) takes to raise, summed over
    ``loops`` calls. One process: nothing else touches the queue."""
    if op not in QUEUE_OPS:
        raise ValueError(f"unknown queue operation {op!r}")
    what = f"Queue.{op}(timeout={seconds:g})"
    q = ctx.Queue(1)
    expected: type[Exception]
    try:
        if op == "put":
            q.put(None)  # the queue is full: its semaphore is taken
            call, expected = q.put, queue.Full
        else:
            call, expected = q.get, queue.Empty
        arg = (None,) if op == "put" else ()
        raised = 0
        t0 = perf_counter()
        for _ in range(loops):
            try:
                call(*arg, timeout=seconds)
            except expected:
                raised += 1
        elapsed = perf_counter() - t0
    finally:
        q.close()
        q.join_thread()
    if raised != loops:
        raise BenchmarkFailed(f"{what}: {loops - raised} of {loops} calls returned "
                              f"instead of raising {expected.__name__}")
    return elapsed - loops * seconds


def time_sleep_overshoot(loops: int, seconds: float) -> float:
    """Floor of :func:`time_queue_timeout`: seconds past ``seconds`` that
    ``time.sleep(seconds)`` takes, summed over ``loops`` calls."""
    sleep = time.sleep
    t0 = perf_counter()
    for _ in range(loops):
        sleep(seconds)
    return perf_counter() - t0 - loops * seconds


def orphan_maker(report: Any, method: str) -> None:
    """Target: start a daemonic grandchild that sleeps, send its pid, sleep forever.

    ``terminate()`` kills this process with SIGTERM, so multiprocessing's exit
    handlers (which would stop a daemonic child) never run: the grandchild lives on.
    """
    import multiprocessing

    ctx: Any = multiprocessing.get_context(method)  # typeshed's BaseContext has no Process
    grandchild = ctx.Process(target=time.sleep, args=(3600,),
                             daemon=True)
    grandchild.start()
    report.send(grandchild.pid)
    while True:
        time.sleep(3600)
