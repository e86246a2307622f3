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

Each ``time_*`` function (or ``time_func`` method) follows pyperf's
``bench_time_func`` protocol. Standard library only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.bare import BareChildren
from mpbench.workloads.guard import deadline

perf_counter = time.perf_counter
monotonic_ns = time.monotonic_ns

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


class MinimalPingPong:
    """A minimal hand-written ping-pong of ``size`` bytes between this process and a
    bare ``os.fork`` child kept for the whole benchmark (use as a context manager):

    - ``os_pipe``: ``os.write`` then ``os.read`` over two ``os.pipe`` (at most
      :data:`PIPE_BUF` bytes, so one read gets a message whole);
    - ``connection``: ``send_bytes`` then ``recv_bytes`` over one ``ctx.Pipe()``
      (duplex: a socketpair, as the ``pipe`` transport), the child echoing
      ``send_bytes(recv_bytes())``.

    Each call: one untimed round trip (the child wakes up from its command, as
    the benchmarks' ping side does one warm-up round trip per call), then
    ``loops`` timed. ``child_cpus`` pins the child (this process keeps its own
    affinity: the placement's end 0).
    """

    def __init__(self, kind: str, ctx: Any, size: int, timeout: float,
                 child_cpus: Sequence[int] | None = None) -> None:
        if kind not in ("os_pipe", "connection"):
            raise ValueError(f"unknown minimal ping-pong {kind!r}")
        if kind == "os_pipe" and not 1 <= size <= PIPE_BUF:
            raise ValueError(f"the minimal ping-pong sends 1 to {PIPE_BUF} bytes, not {size}")
        self.kind, self.size, self.timeout = kind, size, timeout
        self.message = b"x" * size
        if kind == "os_pipe":
            there_r, there_w = os.pipe()
            back_r, back_w = os.pipe()
            self.mine: tuple[Any, ...] = (there_w, back_r)
            self.theirs: tuple[Any, ...] = (there_r, back_w)
            read, write = os.read, os.write

            def echo(count: int) -> tuple[int, int]:
                for _ in range(count):
                    write(back_w, read(there_r, size))
                return 0, 0
        else:
            mine, theirs = ctx.Pipe()
            self.mine, self.theirs = (mine,), (theirs,)

            def echo(count: int) -> tuple[int, int]:
                send, recv = theirs.send_bytes, theirs.recv_bytes
                for _ in range(count):
                    send(recv())
                return 0, 0
        self.child = BareChildren([echo], timeout, f"minimal {kind} ping-pong", [child_cpus],
                                  after_fork=lambda: _close(self.mine))

    def __enter__(self) -> MinimalPingPong:
        self.child.__enter__()
        _close(self.theirs)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.child.__exit__(*exc)
        finally:
            _close(self.mine)

    def time_func(self, loops: int) -> float:
        self.child.command(loops + 1)
        try:
            with deadline(self.timeout, f"minimal {self.kind} ping-pong"):
                if self.kind == "os_pipe":
                    elapsed = _pipe_loop(self.mine, self.message, self.size, loops)
                else:
                    elapsed = _connection_loop(self.mine[0], self.message, loops)
        except BaseException:
            self.child.kill()
            raise
        self.child.collect()
        return elapsed


def _pipe_loop(fds: tuple[int, int], message: bytes, size: int, loops: int) -> float:
    out_fd, in_fd = fds
    write, read = os.write, os.read
    write(out_fd, message)  # untimed: the child wakes up from its command
    read(in_fd, size)
    t0 = perf_counter()
    for _ in range(loops):
        write(out_fd, message)
        read(in_fd, size)
    return perf_counter() - t0


def _connection_loop(conn: Any, message: bytes, loops: int) -> float:
    send_bytes, recv_bytes = conn.send_bytes, conn.recv_bytes
    send_bytes(message)  # untimed: the child wakes up from its command
    recv_bytes()
    t0 = perf_counter()
    for _ in range(loops):
        send_bytes(message)
        recv_bytes()
    return perf_counter() - t0


class MinimalQueue:
    """A minimal hand-written ``Queue`` stream: a bare ``os.fork`` producer kept for
    the whole benchmark puts ``loops`` messages of ``size`` bytes per call, this
    process gets them; the window runs from the producer's stamp before its
    first ``put`` to this process's stamp after its last ``get``. The queue has
    the benchmark's bound (``maxsize``). Use as a context manager."""

    def __init__(self, ctx: Any, size: int, timeout: float, maxsize: int = 0,
                 child_cpus: Sequence[int] | None = None) -> None:
        self.queue = ctx.Queue(maxsize)
        self.timeout = timeout
        queue, message = self.queue, b"x" * size

        def produce(count: int) -> tuple[int, int]:
            put = queue.put
            start = monotonic_ns()
            for _ in range(count):
                put(message)
            return start, 0
        self.child = BareChildren([produce], timeout, "minimal Queue stream", [child_cpus])

    def __enter__(self) -> MinimalQueue:
        self.child.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.child.__exit__(*exc)
        finally:
            self.queue.close()

    def time_func(self, loops: int) -> float:
        get = self.queue.get
        self.child.command(loops)
        try:
            with deadline(self.timeout, "minimal Queue stream"):
                for _ in range(loops):
                    get()
                end = monotonic_ns()
        except BaseException:
            self.child.kill()
            raise
        ((start, _),) = self.child.collect()
        return (end - start) / 1e9


def _close(ends: Sequence[Any]) -> None:
    for end in ends:
        if isinstance(end, int):
            try:
                os.close(end)
            except OSError:
                pass
        else:
            end.close()


def find_perf() -> str | None:
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

