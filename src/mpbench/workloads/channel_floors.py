"""In-process floors and references for the channel benchmarks.

- memcpy: copying a ``bytearray`` into another (``dst[:] = src``, a memmove):
  what moving the bytes once costs, with no second process at all;
- pickle: ``ForkingPickler.dumps`` + ``loads`` of the message, in one process:
  the serialisation a Queue or ``Connection.send`` performs;
- minimal hand-written loops between ``os.fork``-ed processes, nothing else
  in the loop: an ``os.pipe`` ping-pong, a ``Connection``
  ``send_bytes``/``recv_bytes`` ping-pong and a ``Queue`` ``put``/``get``
  stream, the references of the harness checks (the harness adds nothing to
  the raw-pipe round trip, the ``Pipe`` round trip, the Queue stream);
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
from typing import Any, Optional, Sequence

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


def _pin(cpus: Optional[Sequence[int]]) -> None:
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus))


def time_minimal_ping_pong(loops: int, timeout: float, size: int = 1,
                           child_cpus: Optional[Sequence[int]] = None) -> float:
    """``loops`` round trips of ``size`` bytes (at most :data:`PIPE_BUF`) over two
    ``os.pipe`` between this process and a child from a bare ``os.fork``:
    ``os.write`` then ``os.read``, nothing else.

    The child is forked before the clock starts and inherits this process's
    CPU affinity, or is pinned to ``child_cpus`` (the placement). Only the
    loop is timed.
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
            _pin(child_cpus)
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


def _echo_bytes(conn: Any, loops: int, cpus: Optional[Sequence[int]]) -> None:
    _pin(cpus)
    send, recv = conn.send_bytes, conn.recv_bytes
    for _ in range(loops):
        send(recv())


def time_minimal_connection(loops: int, ctx: Any, timeout: float, size: int = 1,
                            child_cpus: Optional[Sequence[int]] = None) -> float:
    """``loops`` round trips of ``size`` bytes over one ``ctx.Pipe()`` (duplex: a
    socketpair, as the ``pipe`` transport) between this process and a bare
    ``os.fork`` child: ``send_bytes`` then ``recv_bytes`` against
    ``send_bytes(recv_bytes())``, nothing else."""
    mine, theirs = ctx.Pipe()
    pid = _fork_child(_echo_bytes, theirs, loops, child_cpus)
    theirs.close()
    message = b"x" * size
    send, recv = mine.send_bytes, mine.recv_bytes
    try:
        with deadline(timeout, "minimal Connection ping-pong"):
            t0 = perf_counter()
            for _ in range(loops):
                send(message)
                recv()
            elapsed = perf_counter() - t0
            status = os.waitpid(pid, 0)[1]
    except BaseException:
        stop_pids([pid])
        raise
    finally:
        mine.close()
    check_wait_status(status, "minimal Connection ping-pong")
    return elapsed


def _produce(queue: Any, go: int, message: bytes, loops: int,
             cpus: Optional[Sequence[int]]) -> None:
    _pin(cpus)
    os.read(go, 1)
    put = queue.put
    for _ in range(loops):
        put(message)
    queue.close()
    queue.join_thread()


def time_minimal_queue(loops: int, ctx: Any, timeout: float, size: int, maxsize: int = 0,
                       child_cpus: Optional[Sequence[int]] = None) -> float:
    """``loops`` messages of ``size`` bytes through one ``ctx.Queue(maxsize)`` from a
    bare ``os.fork`` producer (``put`` in a loop) to this process (``get`` in a
    loop), timed from the byte that starts the producer to the last ``get``."""
    queue = ctx.Queue(maxsize)
    go_r, go_w = os.pipe()
    pid = _fork_child(_produce, queue, go_r, b"x" * size, loops, child_cpus)
    os.close(go_r)
    get = queue.get
    try:
        with deadline(timeout, "minimal Queue stream"):
            t0 = perf_counter()
            os.write(go_w, b"g")
            for _ in range(loops):
                get()
            elapsed = perf_counter() - t0
            status = os.waitpid(pid, 0)[1]
    except BaseException:
        stop_pids([pid])
        raise
    finally:
        os.close(go_w)
        queue.close()
    check_wait_status(status, "minimal Queue stream")
    return elapsed


def _fork_child(body: Any, *args: Any) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            body(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


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

