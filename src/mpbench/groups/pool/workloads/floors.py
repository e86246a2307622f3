"""Floors and references of the pool benchmarks: the smallest code doing each job.

- :func:`time_plain_loop`: the task called in a plain loop, in one process (what a
  pool must beat);
- :class:`MinimalPool`: W forked workers reading task ids from one ``os.pipe`` and
  answering on another, no pickling, no locks, no threads (the dispatch floor);
- :func:`time_bare_map`: a bare ``Pool.map`` loop, the harness check of the
  ``Pool.map`` figures.

Standard library only.
"""

from __future__ import annotations

import os
import time
from array import array
from itertools import repeat
from typing import Any, Callable, Final

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import check_wait_status, deadline
from mpbench.workloads.reaping import stop_pids

perf_counter = time.perf_counter

ID_TYPE: Final = "I"  # unsigned int: 4 bytes on every platform CPython runs on
ID_BYTES = array(ID_TYPE).itemsize
# Task ids of one call go out in one write, atomic up to PIPE_BUF (4096 bytes on
# Linux): no reader ever sees part of a write, so none ever reads part of an id.
MAX_TASKS = 1024


def time_plain_loop(loops: int, task: Callable[[Any], Any], arg: Any) -> float:
    """``task(arg)`` ``loops`` times in this process: the serial reference."""
    t0 = perf_counter()
    for _ in repeat(None, loops):
        task(arg)
    return perf_counter() - t0


def time_bare_map(loops: int, pool: Any, task: Callable[[Any], Any], items: Any,
                  chunksize: Any) -> float:
    """``pool.map(task, items, chunksize)`` ``loops`` times, nothing else: the harness
    check's reference (the harness's own loop adds a deadline and a result check)."""
    t0 = perf_counter()
    for _ in range(loops):
        pool.map(task, items, chunksize)
    return perf_counter() - t0


def _serve(task_r: int, result_w: int, task: Callable[[int], int], chunksize: int) -> None:
    """A minimal worker: read up to ``chunksize`` task ids, run the tasks, write their
    results in one write, until EOF (decoding and encoding in C, as pickle does)."""
    read, write, want = os.read, os.write, chunksize * ID_BYTES
    while True:
        data = read(task_r, want)
        if not data:
            return
        write(result_w, array(ID_TYPE, map(task, memoryview(data).cast(ID_TYPE))).tobytes())


class MinimalPool:
    """The dispatch floor: ``workers`` forked workers sharing one task pipe and one
    result pipe. ``time(loops)`` sends ``tasks`` ids per call in one write and reads
    the answers back (in whatever order they come); pyperf's ``inner_loops`` =
    ``tasks``. A worker reads up to ``chunksize`` ids at a time (a pipe read takes
    what is there, up to what is asked: never part of an id, since every write and
    read is a multiple of its 4 bytes) and answers them in one write. Leaving the
    context closes the task pipe (the workers see EOF and exit) and reaps every
    worker, checking its exit status."""

    def __init__(self, workers: int, tasks: int, task: Callable[[int], int],
                 timeout: float, chunksize: int = 1) -> None:
        if not 1 <= tasks <= MAX_TASKS:
            raise ValueError(f"tasks must be 1 to {MAX_TASKS}")
        self.workers, self.tasks, self.task, self.timeout = workers, tasks, task, timeout
        self.chunksize = chunksize
        self.what = f"minimal pool of {workers} forked workers (chunks of {chunksize})"
        self.ids = array(ID_TYPE, range(tasks)).tobytes()
        self.pids: list[int] = []
        self.fds: list[int] = []

    def __enter__(self) -> MinimalPool:
        task_r, self.task_w = os.pipe()
        self.result_r, result_w = os.pipe()
        self.fds = [task_r, self.task_w, self.result_r, result_w]
        try:
            for _ in range(self.workers):
                pid = os.fork()
                if pid == 0:  # pragma: no cover - runs in the child
                    code = 1
                    try:
                        os.close(self.task_w)
                        os.close(self.result_r)
                        _serve(task_r, result_w, self.task, self.chunksize)
                        code = 0
                    finally:
                        os._exit(code)
                self.pids.append(pid)
        except BaseException:
            self._close_all()
            stop_pids(self.pids)
            raise
        os.close(task_r)
        os.close(result_w)
        self.fds = [self.task_w, self.result_r]
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._close_all()
        if exc_type is not None:
            stop_pids(self.pids)
            return
        try:
            with deadline(self.timeout, f"{self.what}: stopping"):
                statuses = [os.waitpid(pid, 0)[1] for pid in self.pids]
        except BaseException:
            stop_pids(self.pids)
            raise
        for status in statuses:
            check_wait_status(status, self.what)

    def _close_all(self) -> None:
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = []

    def time(self, loops: int) -> float:
        want = self.tasks * ID_BYTES
        ids, write, read = self.ids, os.write, os.read
        task_w, result_r = self.task_w, self.result_r
        parts: list[bytes] = []
        with deadline(self.timeout, self.what):
            t0 = perf_counter()
            for _ in repeat(None, loops):
                write(task_w, ids)
                parts = [read(result_r, want)]
                got = len(parts[0])
                while got < want:
                    more = read(result_r, want - got)
                    if not more:
                        break
                    parts.append(more)
                    got += len(more)
            seconds = perf_counter() - t0
        self.check(b"".join(parts))
        return seconds

    def check(self, answers: bytes) -> None:
        """Every task answered once: the last call's answers are the ids sent."""
        got = sorted(array(ID_TYPE, answers[:len(answers) - len(answers) % ID_BYTES]))
        if got != list(range(self.tasks)):
            raise BenchmarkFailed(f"{self.what}: {len(got)} answers for {self.tasks} tasks, "
                                  "or not the ones sent (a worker died?)")
