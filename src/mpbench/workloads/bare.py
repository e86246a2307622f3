"""Bare children for the reference loops: ``os.fork`` once per benchmark, commanded per call.

The references of the harness checks (:mod:`mpbench.groups.sync.workloads.minimal`,
:mod:`mpbench.groups.channels.workloads.floors`) run their other side in children
from a bare ``os.fork``, kept for the whole benchmark as the benchmarks keep
their crews: a child forked just before the clock made cross-CPU wake-ups
faster for its first tens of milliseconds here (the idle CPUs' polling
adapts), so a reference forked per call read ~33 us per raw-pipe round trip
across CPUs against ~40 us in steady state, and checked the harness against
a transient.

Each child blocks on its command pipe: the parent writes a count (8 bytes),
the child runs ``body(count)`` and answers with the two stamps it returns
(16 bytes); a count of 0 ends it. Standard library only.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import check_wait_status, deadline
from mpbench.workloads.reaping import stop_pids

Body = Callable[[int], tuple[int, int]]
COUNT = struct.Struct("q")
ANSWER = struct.Struct("qq")


def pin(cpus: Sequence[int] | None) -> None:
    """Restrict this process to ``cpus`` (``None``: leave it as inherited)."""
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus))


def read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd`` (EOFError if it closes first)."""
    data = b""
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            raise EOFError("pipe closed")
        data += more
    return data


def _serve(body: Body, commands: int, answers: int, cpus: Sequence[int] | None,
           after_fork: Callable[[], None] | None) -> None:
    pin(cpus)
    if after_fork is not None:
        after_fork()
    while True:
        (count,) = COUNT.unpack(read_exactly(commands, COUNT.size))
        if not count:
            return
        os.write(answers, ANSWER.pack(*body(count)))


class BareChildren:
    """``len(bodies)`` bare children, child ``i`` running ``bodies[i]`` per command,
    pinned to ``cpus[i]``; ``after_fork`` runs once in each child (to close the
    ends it does not use). A context manager: leaving it ends and reaps them."""

    def __init__(self, bodies: Sequence[Body], timeout: float, what: str,
                 cpus: Sequence[Sequence[int] | None] | None = None,
                 after_fork: Callable[[], None] | None = None) -> None:
        self.bodies = list(bodies)
        self.after_fork = after_fork
        self.cpus = list(cpus) if cpus else [None] * len(self.bodies)
        self.timeout = timeout
        self.what = what
        self.pids: list[int] = []
        self.commands: list[int] = []
        self.answers: list[int] = []

    def __enter__(self) -> BareChildren:
        try:
            for body, cpus in zip(self.bodies, self.cpus):
                command_r, command_w = os.pipe()
                answer_r, answer_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - child
                    code = 1
                    try:
                        os.close(command_w)
                        os.close(answer_r)
                        _serve(body, command_r, answer_w, cpus, self.after_fork)
                        code = 0
                    finally:
                        os._exit(code)
                os.close(command_r)
                os.close(answer_w)
                self.pids.append(pid)
                self.commands.append(command_w)
                self.answers.append(answer_r)
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self._close(kill=exc_type is not None)

    def command(self, count: int) -> None:
        """Start every child on ``count`` (children in order, one write each)."""
        message = COUNT.pack(count)
        try:
            for fd in self.commands:
                os.write(fd, message)
        except OSError:
            self.kill()
            raise BenchmarkFailed(f"{self.what}: a child ended before its command") from None

    def collect(self) -> list[tuple[int, int]]:
        """Every child's answer to the last command (bounded by the timeout)."""
        try:
            with deadline(self.timeout, self.what):
                return [ANSWER.unpack(read_exactly(fd, ANSWER.size)) for fd in self.answers]
        except (EOFError, OSError):
            self.kill()
            raise BenchmarkFailed(f"{self.what}: a child ended before answering") from None
        except BaseException:
            self.kill()
            raise

    def kill(self) -> None:
        """Stop and reap every child at once (after a failure)."""
        self._close(kill=True)

    def _close(self, kill: bool) -> None:
        pids, self.pids = self.pids, []
        if kill:
            stop_pids(pids)
        for fd in self.commands:
            if not kill:
                try:
                    os.write(fd, COUNT.pack(0))
                except OSError:
                    pass
            os.close(fd)
        for fd in self.answers:
            os.close(fd)
        self.commands, self.answers = [], []
        if kill or not pids:
            return
        try:
            with deadline(self.timeout, self.what):
                statuses = [os.waitpid(pid, 0)[1] for pid in pids]
        except BaseException:
            stop_pids(pids)
            raise
        for status in statuses:
            check_wait_status(status, self.what)
