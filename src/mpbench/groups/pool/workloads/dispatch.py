"""Dispatch: the per-task cost of one API on a pool that is up.

One bare loop per API (``map``, ``imap``, ``imap_unordered``, ``apply_async``,
``apply``, ``submit``, ``Executor.map``): ``loops`` calls over the same items,
nothing else between the two clock reads. The last call's results are checked
after the clock: whole, and in order where the API promises it.

Standard library only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import repeat
from typing import Any, Callable, Optional

from mpbench.errors import BenchmarkFailed
from mpbench.groups.pool.workloads.pools import ORDERED_APIS, WorkerPool, failure, kind_of
from mpbench.workloads.guard import deadline

perf_counter = time.perf_counter

Loop = Callable[[Any, Callable, Sequence[Any], Optional[int], int], tuple[float, list[Any]]]

# One function per API, each with its call inlined in its timed loop, on purpose: a
# shared loop taking the call as an argument would add a call to every timed turn.


def _map(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
         loops: int) -> tuple[float, list[Any]]:
    call = pool.map
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = call(task, items, chunksize)
    return perf_counter() - t0, results


def _imap(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
          loops: int) -> tuple[float, list[Any]]:
    call = pool.imap
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize or 1))
    return perf_counter() - t0, results


def _imap_unordered(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
                    loops: int) -> tuple[float, list[Any]]:
    call = pool.imap_unordered
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize or 1))
    return perf_counter() - t0, results


def _apply_async(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
                 loops: int) -> tuple[float, list[Any]]:
    call = pool.apply_async
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        pending = [call(task, (item,)) for item in items]
        results = [p.get() for p in pending]
    return perf_counter() - t0, results


def _apply(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
           loops: int) -> tuple[float, list[Any]]:
    call = pool.apply
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = [call(task, (item,)) for item in items]
    return perf_counter() - t0, results


def _submit(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
            loops: int) -> tuple[float, list[Any]]:
    call = pool.submit
    results: list[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        pending = [call(task, item) for item in items]
        results = [f.result() for f in pending]
    return perf_counter() - t0, results


def _executor_map(pool: Any, task: Callable, items: Sequence[Any], chunksize: int | None,
                  loops: int) -> tuple[float, list[Any]]:
    call = pool.map
    results: list[Any] = []
    size = chunksize or 1
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize=size))
    return perf_counter() - t0, results


LOOPS: dict[str, Loop] = {"map": _map, "imap": _imap, "imap_unordered": _imap_unordered,
                          "apply_async": _apply_async, "apply": _apply, "submit": _submit,
                          "executor_map": _executor_map}


def run_calls(api: str, pool: Any, task: Callable, items: Sequence[Any],
              chunksize: int | None, loops: int = 1) -> tuple[float, list[Any]]:
    """``loops`` calls of ``api`` over ``items``: (seconds, the last call's results).
    ``chunksize`` ``None`` is the API's default."""
    return LOOPS[api](pool, task, items, chunksize, loops)


def check_results(api: str, results: list[Any], expected: Sequence[Any], what: str) -> None:
    """Results whole, and in order where the API promises order."""
    got = results if api in ORDERED_APIS else sorted(results)
    if len(got) != len(expected) or got != list(expected):
        raise BenchmarkFailed(f"{what}: {len(results)} results came back for "
                              f"{len(expected)} tasks, or not the ones sent"
                              + ("" if api in ORDERED_APIS else " (order ignored)"))


class Dispatch:
    """Per-task cost of one API on a pool that is up: ``time(loops)`` makes ``loops``
    calls over ``items`` (pyperf's ``inner_loops`` = ``len(items)``)."""

    def __init__(self, handle: WorkerPool, api: str, task: Callable, items: Sequence[Any],
                 chunksize: int | None, expected: Sequence[Any] | None = None) -> None:
        if kind_of(api) != handle.kind:
            raise ValueError(f"{api} is not an API of {handle.what}")
        self.handle, self.api, self.task, self.chunksize = handle, api, task, chunksize
        self.items = list(items)
        self.expected = self.items if expected is None else list(expected)
        self.what = f"{handle.what} {api}" + (f" chunksize {chunksize}" if chunksize else "")

    def time(self, loops: int) -> float:
        try:
            with deadline(self.handle.timeout, self.what):
                seconds, results = run_calls(self.api, self.handle.pool, self.task,
                                             self.items, self.chunksize, loops)
        except Exception as exc:
            raise failure(self.handle.kind, self.what, self.handle.procs, exc,
                          self.handle.timeout) from exc
        check_results(self.api, results, self.expected, self.what)
        return seconds
