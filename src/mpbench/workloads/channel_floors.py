"""In-process floors and references for the channel benchmarks.

- memcpy: copying a ``bytearray`` into another (``dst[:] = src``, a memmove):
  what moving the bytes once costs, with no second process at all;
- pickle: ``ForkingPickler.dumps`` + ``loads`` of the message, in one process:
  the serialisation a Queue or ``Connection.send`` performs;
- a minimal hand-written ``os.pipe`` ping-pong between ``os.fork``-ed
  processes, nothing else in the loop: the check that the harness adds
  nothing to the raw-pipe round trip it reports;
- Linux ``perf bench sched pipe``: the same ping-pong in C, when installed.

Each ``time_*`` function follows pyperf's ``bench_time_func`` protocol.
Standard library only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from typing import Any, Optional

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import check_wait_status, deadline, stop_pids

perf_counter = time.perf_counter

PERF_CANDIDATES = ("/usr/bin/perf", "/usr/local/bin/perf")


def time_memcpy(loops: int, src: bytearray, dst: bytearray) -> float:
    """``loops`` copies of ``src`` into ``dst`` (same length)."""
    t0 = perf_counter()
    for _ in range(loops):
        dst[:] = src
    return perf_counter() - t0


def time_pickle(loops: int, message: Any) -> float:
    """``loops`` in-process ``loads(dumps(message))`` with multiprocessing's own pickler."""
    from multiprocessing.reduction import ForkingPickler

    dumps, loads = ForkingPickler.dumps, ForkingPickler.loads
    t0 = perf_counter()
    for _ in range(loops):
        loads(dumps(message))
    return perf_counter() - t0


PIPE_BUF = 4096  # POSIX minimum: writes up to it are atomic, so one read gets a message whole


def time_minimal_ping_pong(loops: int, timeout: float, size: int = 1) -> float:
    """``loops`` round trips of ``size`` bytes (at most :data:`PIPE_BUF`) over two
    ``os.pipe`` between this process and a child from a bare ``os.fork``:
    ``os.write`` then ``os.read``, nothing else.

    The child is forked before the clock starts and inherits this process's
    CPU affinity (the placement). Only the loop is timed.
    """
    if not 1 <= size <= PIPE_BUF:
        raise ValueError(f"the minimal ping-pong sends 1 to {PIPE_BUF} bytes, not {size}")
    message = b"x" * size
    there_r, there_w = os.pipe()
    back_r, back_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            os.close(there_w)
            os.close(back_r)
            read, write = os.read, os.write
            for _ in range(loops):
                write(back_w, read(there_r, size))
            code = 0
        finally:
            os._exit(code)
    os.close(there_r)
    os.close(back_w)
    read, write = os.read, os.write
    try:
        with deadline(timeout, "minimal os.pipe ping-pong"):
            t0 = perf_counter()
            for _ in range(loops):
                write(there_w, message)
                read(back_r, size)
            elapsed = perf_counter() - t0
            status = os.waitpid(pid, 0)[1]
    except BaseException:
        stop_pids([pid])
        raise
    finally:
        os.close(there_w)
        os.close(back_r)
    check_wait_status(status, "minimal os.pipe ping-pong")
    return elapsed


def find_perf() -> Optional[str]:
    """The ``perf`` executable if one is installed (Debian: linux-perf), else None.

    Cheap (no process started): the catalogue calls it in every pyperf worker.
    """
    found = shutil.which("perf")
    if found:
        return found
    for candidate in PERF_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


_USECS = re.compile(r"([0-9.]+)\s+usecs/op")


def perf_sched_pipe(perf: str, loops: int, timeout: float) -> float:
    """Seconds per round trip that ``perf bench sched pipe -l LOOPS`` reports."""
    argv = [perf, "bench", "sched", "pipe", "-l", str(loops)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BenchmarkFailed(f"{' '.join(argv)} failed: {exc}") from None
    match = _USECS.search(proc.stdout)
    if proc.returncode != 0 or not match:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BenchmarkFailed(f"{' '.join(argv)} exited {proc.returncode}: {tail[0]}")
    return float(match.group(1)) * 1e-6


def perf_fixed_cost(perf: str, timeout: float, runs: int = 5) -> float:
    """What one ``perf bench sched pipe`` run adds besides its round trips (its fork and
    the child's exit are inside perf's own clock): the median of ``-l 1`` runs."""
    values = sorted(perf_sched_pipe(perf, 1, timeout) for _ in range(runs))
    return values[len(values) // 2]


def time_perf_sched_pipe(loops: int, perf: str, fixed: float, timeout: float) -> float:
    """``loops`` round trips of ``perf bench sched pipe``, less its fixed cost (one
    ``-l 1`` run, measured in set-up), as pyperf's time function."""
    total = perf_sched_pipe(perf, loops + 1, timeout) * (loops + 1)
    return max(total - fixed, 1e-9)


def perf_command(perf: str) -> str:
    """The command line, for metadata."""
    return f"{perf} bench sched pipe -l LOOPS"

