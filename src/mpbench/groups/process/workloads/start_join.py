"""Starting and joining processes, and the floors they are compared with.

Every ``time_*`` function follows pyperf's ``bench_time_func`` protocol: it
runs ``loops`` rounds and returns the seconds they took in total. Building the
``Process`` objects, waiting for a child to exit before timing ``join()``, and
checking exit codes all happen outside the timed region.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from multiprocessing import connection
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import check_exitcodes, check_wait_status, deadline, describe_exit
from mpbench.workloads.reaping import stop_pids, stop_processes

# Both are CLOCK_MONOTONIC on Linux: system-wide, so a stamp taken in a child
# compares with one taken in its parent.
perf_counter = time.perf_counter
monotonic_ns = time.monotonic_ns

SPLIT_PARTS = ("start", "time_to_target", "join")

# What each interpreter start-up floor runs: `python ARGS`.
STARTUP_ARGS = {
    "isolated": ("-I", "-S", "-c", "pass"),
    "site": ("-c", "pass"),
    "import_mp": ("-c", "import multiprocessing.spawn, multiprocessing.connection"),
}


def noop() -> None:
    """The target of a start/join round: nothing, so the round is pure overhead."""


def stamp_entry(path: str) -> None:
    """Target that records when it started running, for time-to-target.

    The stamp travels back through a small file named by a string argument:
    a shared-memory value would make spawn and forkserver children unpickle
    an arena (importing ``multiprocessing.heap`` and ``tempfile``), which
    added 3 ms to every forkserver start here.
    """
    stamp = monotonic_ns()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, stamp.to_bytes(8, "little"))
    finally:
        os.close(fd)


def read_stamp(path: str) -> int:
    """The stamp :func:`stamp_entry` wrote, or 0 when the child never wrote one."""
    try:
        with open(path, "rb") as stamp_file:
            return int.from_bytes(stamp_file.read(8), "little")
    except FileNotFoundError:
        return 0
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def time_start_join(loops: int, ctx, nprocs: int, timeout: float,
                    target: Callable[[], None] = noop) -> float:
    """``nprocs`` processes started one after the other, then all joined."""
    what = f"{ctx.get_start_method()} start+join of {nprocs}"
    total = 0.0
    for _ in range(loops):
        procs = [ctx.Process(target=target) for _ in range(nprocs)]
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                for proc in procs:
                    proc.start()
                for proc in procs:
                    proc.join()
                total += perf_counter() - t0
        except BaseException:
            stop_processes(procs)
            raise
        check_exitcodes(procs, what)
        for proc in procs:
            proc.close()
    return total


def time_split(loops: int, ctx, part: str, timeout: float, scratch_dir: str,
               target: Callable[..., None] = stamp_entry) -> float:
    """One part of a start/join round of one process.

    ``start``: the ``start()`` call. ``time_to_target``: from just before
    ``start()`` to the child's first line of its target (stamped in the
    child). ``join``: the ``join()`` call once the child has exited.
    ``scratch_dir`` holds the child's stamp file for the length of a round.
    """
    if part not in SPLIT_PARTS:
        raise ValueError(f"unknown part {part!r}")
    what = f"{ctx.get_start_method()} {part}"
    stamp_path = os.path.join(scratch_dir, f"stamp-{os.getpid()}")
    total_ns = 0
    for _ in range(loops):
        proc = ctx.Process(target=target, args=(stamp_path,))
        try:
            with deadline(timeout, what):
                t0 = monotonic_ns()
                proc.start()
                t1 = monotonic_ns()
                connection.wait([proc.sentinel])
                t2 = monotonic_ns()
                proc.join()
                t3 = monotonic_ns()
        except BaseException:
            stop_processes([proc])
            raise
        stamp = read_stamp(stamp_path)
        check_exitcodes([proc], what)
        proc.close()
        if part == "start":
            total_ns += t1 - t0
        elif part == "join":
            total_ns += t3 - t2
        else:
            if not stamp:
                raise BenchmarkFailed(f"{what}: the child never stamped its start")
            total_ns += stamp - t0
    return total_ns / 1e9


def stop_forkserver() -> None:
    """Stop the forkserver, if one runs: the next forkserver process boots a new one."""
    from multiprocessing import forkserver

    # private API (CPython 3.8+), absent from typeshed
    forkserver._forkserver._stop()  # type: ignore[attr-defined]


def time_cold_forkserver(loops: int, ctx, timeout: float,
                         target: Callable[[], None] = noop) -> float:
    """Start+join of one process on a forkserver that must first boot.

    The server is stopped (untimed) before every round, so each round pays
    for starting it: the cost the first forkserver process of a program sees.
    """
    total = 0.0
    for _ in range(loops):
        stop_forkserver()
        total += time_start_join(1, ctx, 1, timeout, target)
    return total


def time_os_fork(loops: int, nprocs: int, timeout: float) -> float:
    """Floor for fork: ``nprocs`` bare ``os.fork()`` (the child calls ``os._exit(0)``),
    then a ``waitpid`` for each."""
    what = "os.fork floor"
    total = 0.0
    for _ in range(loops):
        pids: list[int] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                for _ in range(nprocs):
                    pid = os.fork()
                    if pid == 0:
                        os._exit(0)
                    pids.append(pid)
                statuses = [os.waitpid(pid, 0)[1] for pid in pids]
                total += perf_counter() - t0
        except BaseException:
            stop_pids(pids)
            raise
        for status in statuses:
            check_wait_status(status, what)
    return total


def startup_argv(mode: str) -> Sequence[str]:
    """The command line an interpreter start-up floor runs."""
    return (sys.executable, *STARTUP_ARGS[mode])


def time_posix_spawn(loops: int, argv: Sequence[str], nprocs: int, timeout: float) -> float:
    """Floor for spawn: ``nprocs`` ``posix_spawn`` of ``argv`` (an interpreter),
    then a ``waitpid`` for each."""
    # The same loop as time_os_fork's on purpose: a shared driver taking the start call
    # as an argument would add a call per child to the timed floor.
    env = dict(os.environ)
    path, args = argv[0], list(argv)
    what = f"interpreter start-up floor ({' '.join(argv[1:])})"
    total = 0.0
    for _ in range(loops):
        pids: list[int] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                for _ in range(nprocs):
                    pids.append(os.posix_spawn(path, args, env))
                statuses = [os.waitpid(pid, 0)[1] for pid in pids]
                total += perf_counter() - t0
        except BaseException:
            stop_pids(pids)
            raise
        for status in statuses:
            check_wait_status(status, what)
    return total


# The harness check's reference: start+join with nothing of the harness around it.
def time_minimal_start_join(loops: int, ctx: Any, timeout: float) -> float:
    """``loops`` x ``ctx.Process(target=noop).start(); join()`` in a bare loop
    (building the object included; each exit code noted, checked afterwards)."""
    what = f"bare {ctx.get_start_method()} start+join loop"
    Process = ctx.Process
    codes: list[Any] = []
    note = codes.append
    proc = None
    try:
        with deadline(timeout, what):
            t0 = perf_counter()
            for _ in range(loops):
                proc = Process(target=noop)
                proc.start()
                proc.join()
                note(proc.exitcode)
            elapsed = perf_counter() - t0
    except BaseException:
        if proc is not None:
            stop_processes([proc])
        raise
    if any(codes):
        raise BenchmarkFailed(f"{what}: a child ended with "
                              f"{describe_exit(next(c for c in codes if c))}, expected exit code 0")
    return elapsed
