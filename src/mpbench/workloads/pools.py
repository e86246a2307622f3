"""``multiprocessing.Pool`` and ``ProcessPoolExecutor``: start-up, shutdown and dispatch.

Every ``time_*`` function follows pyperf's ``bench_time_func`` protocol
(``loops`` rounds, total seconds). The pools run the tasks of
:mod:`mpbench.workloads.pool_tasks`; results are checked after the clock
stops (they must come back whole, and in order where the API promises it).

A pool is *up* when each of its W workers has run a task: W
:func:`~mpbench.workloads.pool_tasks.rendezvous` tasks, each holding its
worker until all W run, prove it (two semaphores reach the workers through
the pool's ``initializer``). Dispatch figures are timed on pools that are up.

Failures name what happened: a worker that dies inside a task makes
``Pool`` wait forever for the lost task (the benchmark's deadline cuts it,
and the message names the dead worker), while ``ProcessPoolExecutor``
raises ``BrokenProcessPool`` at once. Either way every worker is stopped
and reaped before the benchmark fails.

Standard library only: the parent side of the pool benchmarks.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat
from multiprocessing import connection
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mpbench.errors import BenchmarkFailed
from mpbench.workloads import pool_tasks
from mpbench.workloads.guard import ChildTimeout, deadline, describe_exit, stop_processes

perf_counter = time.perf_counter

KINDS = ("pool", "executor")
POOL_APIS = ("map", "imap", "imap_unordered", "apply_async", "apply")
EXECUTOR_APIS = ("submit", "executor_map")
DISPATCH_APIS = POOL_APIS + EXECUTOR_APIS
ORDERED_APIS = ("map", "imap", "apply_async", "apply", "submit", "executor_map")
CHUNKED_APIS = ("map", "imap", "imap_unordered", "executor_map")
LIFECYCLE_PARTS = ("lifetime", "startup", "shutdown")
STOP_GRACE = 5.0

# pyperformance's bm_concurrent_imap: Pool(2), imap over range(1000), chunksize 10
CONCURRENT_IMAP = {"workers": 2, "count": 1000, "chunksize": 10}


def kind_of(api: str) -> str:
    """``pool`` for ``multiprocessing.Pool`` APIs, ``executor`` for the executor's."""
    if api in POOL_APIS or api == "pool":
        return "pool"
    if api in EXECUTOR_APIS or api == "executor":
        return "executor"
    raise ValueError(f"unknown API {api!r}")


def label(kind: str, ctx: Any, workers: int) -> str:
    """``Pool(2) (fork)`` / ``ProcessPoolExecutor(2) (spawn)``, for messages."""
    name = "Pool" if kind == "pool" else "ProcessPoolExecutor"
    return f"{name}({workers}) ({ctx.get_start_method()})"


# -- opening and closing ----------------------------------------------------------

def new_pool(kind: str, ctx: Any, workers: int, initializer: Optional[Callable] = None,
             initargs: tuple = ()) -> Any:
    """``ctx.Pool(workers)`` or ``ProcessPoolExecutor(workers, mp_context=ctx)``."""
    if kind == "pool":
        return ctx.Pool(workers, initializer, initargs)
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer,
                               initargs=initargs)


def worker_processes(kind: str, pool: Any) -> List[Any]:
    """The pool's worker ``Process`` objects as they are now (private attributes:
    kept so that a worker that died can still be named after the pool replaced it)."""
    procs = pool._pool if kind == "pool" else (pool._processes or {}).values()
    return list(procs)


def rendezvous(kind: str, pool: Any, workers: int, arrived: Any, go: Any,
               timeout: float) -> List[int]:
    """Run one :func:`~pool_tasks.rendezvous` task in each of the ``workers`` workers;
    their pids. The caller bounds the wait with a deadline."""
    if kind == "pool":
        pending = [pool.apply_async(pool_tasks.rendezvous, (timeout,)) for _ in range(workers)]
    else:
        pending = [pool.submit(pool_tasks.rendezvous, timeout) for _ in range(workers)]
    for _ in range(workers):
        arrived.acquire()
    for _ in range(workers):
        go.release()
    return [p.get() if kind == "pool" else p.result() for p in pending]


def close(kind: str, pool: Any) -> None:
    """The orderly end: ``close(); join()``, or ``shutdown(wait=True)``."""
    if kind == "pool":
        pool.close()
        pool.join()
    else:
        pool.shutdown(wait=True)


def stop(kind: str, pool: Any, procs: Sequence[Any]) -> None:
    """End a pool that failed: terminate it (bounded), then kill and reap every worker
    it ever had (``procs``) and any it has now."""
    if pool is None:
        stop_processes(procs)
        return
    try:
        with deadline(STOP_GRACE, "stopping the pool"):
            if kind == "pool":
                pool.terminate()
            else:
                for proc in worker_processes(kind, pool):
                    proc.kill()
                pool.shutdown(wait=True, cancel_futures=True)
    except (ChildTimeout, OSError, ValueError, AssertionError):
        pass
    finally:
        stop_processes(list(procs) + worker_processes(kind, pool))


def check_workers(procs: Sequence[Any], what: str) -> None:
    """After an orderly end, every worker must have exited with status 0."""
    for proc in procs:
        if proc.exitcode != 0:
            raise BenchmarkFailed(f"{what}: worker pid {proc.pid} ended with "
                                  f"{describe_exit(proc.exitcode)}, expected exit code 0")


def _dead(procs: Sequence[Any]) -> List[Any]:
    """Workers that have ended, their exit codes known: a worker's sentinel closes as it
    exits, a moment before ``waitpid`` can report it, so wait that moment."""
    sentinels = {}
    for proc in procs:
        try:
            sentinels[proc.sentinel] = proc
        except ValueError:  # closed: it ended and was reaped
            continue
    ended = [sentinels[s] for s in connection.wait(list(sentinels), 0)] if sentinels else []
    for proc in ended:
        proc.join(1.0)
    return [p for p in procs if p.exitcode is not None]


def failure(kind: str, what: str, procs: Sequence[Any], exc: BaseException,
            timeout: float) -> BenchmarkFailed:
    """What went wrong, in words: a dead worker (Pool hangs, the executor breaks), or
    a plain timeout."""
    dead = _dead(procs)
    deaths = ", ".join(f"pid {p.pid} ended with {describe_exit(p.exitcode)}" for p in dead)
    if isinstance(exc, BrokenProcessPool):
        return BenchmarkFailed(f"{what}: ProcessPoolExecutor raised BrokenProcessPool "
                               f"(a worker died inside a task: {deaths or 'unknown'}); "
                               f"every worker stopped")
    if isinstance(exc, ChildTimeout) and kind == "pool" and dead:
        return BenchmarkFailed(f"{what}: Pool hung: a worker died inside a task ({deaths}); "
                               "Pool replaced it but lost its task and waits for it forever; "
                               f"stopped after {timeout:g} s")
    if isinstance(exc, BenchmarkFailed):
        return type(exc)(str(exc))
    return BenchmarkFailed(f"{what}: {type(exc).__name__}: {exc}")


class WorkerPool:
    """A Pool or ProcessPoolExecutor of ``workers`` workers, every one up.

    As a context manager: entering opens the pool and waits (bounded) until
    each worker has run a task; leaving closes it in order and checks every
    worker's exit code, or, after an error, stops and reaps everything.
    """

    def __init__(self, kind: str, ctx: Any, workers: int, timeout: float) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown pool kind {kind!r}")
        self.kind, self.ctx, self.workers, self.timeout = kind, ctx, workers, timeout
        self.what = label(kind, ctx, workers)
        self.pool: Any = None
        self.procs: List[Any] = []

    def __enter__(self) -> "WorkerPool":
        arrived, go = self.ctx.Semaphore(0), self.ctx.Semaphore(0)
        try:
            with deadline(self.timeout, f"{self.what} start-up"):
                self.pool = new_pool(self.kind, self.ctx, self.workers,
                                     pool_tasks.rendezvous_init, (arrived, go))
                pids = rendezvous(self.kind, self.pool, self.workers, arrived, go,
                                  self.timeout)
            self.procs = worker_processes(self.kind, self.pool)
            if len(set(pids)) != self.workers:
                raise BenchmarkFailed(f"{self.what}: {len(set(pids))} distinct workers ran "
                                      f"the start-up tasks, expected {self.workers}")
        except Exception as exc:
            if self.pool is not None:
                self.procs += worker_processes(self.kind, self.pool)
            error = failure(self.kind, self.what, self.procs, exc, self.timeout)  # before
            self._stop_after_error()  # stopping kills the workers that are still fine
            raise error from exc
        except BaseException:
            self._stop_after_error()
            raise
        return self

    def _stop_after_error(self) -> None:
        if self.pool is not None:
            self.procs += worker_processes(self.kind, self.pool)
        stop(self.kind, self.pool, self.procs)
        self.pool = None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.pool is None:
            return
        pool, self.pool = self.pool, None
        if exc_type is not None:
            stop(self.kind, pool, self.procs)
            return
        try:
            with deadline(self.timeout, f"{self.what} shutdown"):
                close(self.kind, pool)
        except BaseException:
            stop(self.kind, pool, self.procs)
            raise
        check_workers(self.procs, self.what)


# -- start-up and shutdown --------------------------------------------------------

def time_lifecycle(loops: int, kind: str, ctx: Any, workers: int, part: str, timeout: float,
                   cold: bool = False) -> float:
    """One part of a pool's life, ``loops`` times over.

    ``startup``: from the constructor until each worker has run one task;
    ``shutdown``: ``close(); join()`` (``shutdown(wait=True)``); ``lifetime``:
    both, back to back. The two semaphores of the rendezvous are made before
    the clock starts. ``cold`` stops the forkserver (untimed) before every
    round, so each round boots it.
    """
    if part not in LIFECYCLE_PARTS:
        raise ValueError(f"unknown part {part!r}")
    what = f"{label(kind, ctx, workers)} {part}"
    total = 0.0
    for _ in range(loops):
        if cold:
            from multiprocessing import forkserver

            forkserver._forkserver._stop()
        arrived, go = ctx.Semaphore(0), ctx.Semaphore(0)
        pool = None
        procs: List[Any] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                pool = new_pool(kind, ctx, workers, pool_tasks.rendezvous_init, (arrived, go))
                pids = rendezvous(kind, pool, workers, arrived, go, timeout)
                t1 = perf_counter()
                procs = worker_processes(kind, pool)
                close(kind, pool)
                t2 = perf_counter()
        except Exception as exc:
            procs += worker_processes(kind, pool) if pool is not None else []
            error = failure(kind, what, procs, exc, timeout)
            stop(kind, pool, procs)
            raise error from exc
        except BaseException:
            stop(kind, pool, procs)
            raise
        if len(set(pids)) != workers:
            raise BenchmarkFailed(f"{what}: {len(set(pids))} distinct workers ran the "
                                  f"start-up tasks, expected {workers}")
        check_workers(procs, what)
        total += {"startup": t1 - t0, "shutdown": t2 - t1, "lifetime": t2 - t0}[part]
    return total


# -- dispatch ----------------------------------------------------------------------
# One function per API: a bare loop of `loops` calls over `items`, its seconds and the
# last call's results. Nothing else runs between the two clock reads.

Loop = Callable[[Any, Callable, Sequence[Any], Optional[int], int], Tuple[float, List[Any]]]


def _map(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
         loops: int) -> Tuple[float, List[Any]]:
    call = pool.map
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = call(task, items, chunksize)
    return perf_counter() - t0, results


def _imap(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
          loops: int) -> Tuple[float, List[Any]]:
    call = pool.imap
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize or 1))
    return perf_counter() - t0, results


def _imap_unordered(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
                    loops: int) -> Tuple[float, List[Any]]:
    call = pool.imap_unordered
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize or 1))
    return perf_counter() - t0, results


def _apply_async(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
                 loops: int) -> Tuple[float, List[Any]]:
    call = pool.apply_async
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        pending = [call(task, (item,)) for item in items]
        results = [p.get() for p in pending]
    return perf_counter() - t0, results


def _apply(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
           loops: int) -> Tuple[float, List[Any]]:
    call = pool.apply
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = [call(task, (item,)) for item in items]
    return perf_counter() - t0, results


def _submit(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
            loops: int) -> Tuple[float, List[Any]]:
    call = pool.submit
    results: List[Any] = []
    t0 = perf_counter()
    for _ in repeat(None, loops):
        pending = [call(task, item) for item in items]
        results = [f.result() for f in pending]
    return perf_counter() - t0, results


def _executor_map(pool: Any, task: Callable, items: Sequence[Any], chunksize: Optional[int],
                  loops: int) -> Tuple[float, List[Any]]:
    call = pool.map
    results: List[Any] = []
    size = chunksize or 1
    t0 = perf_counter()
    for _ in repeat(None, loops):
        results = list(call(task, items, chunksize=size))
    return perf_counter() - t0, results


LOOPS: Dict[str, Loop] = {"map": _map, "imap": _imap, "imap_unordered": _imap_unordered,
                          "apply_async": _apply_async, "apply": _apply, "submit": _submit,
                          "executor_map": _executor_map}


def run_calls(api: str, pool: Any, task: Callable, items: Sequence[Any],
              chunksize: Optional[int], loops: int = 1) -> Tuple[float, List[Any]]:
    """``loops`` calls of ``api`` over ``items``: (seconds, the last call's results).
    ``chunksize`` ``None`` is the API's default."""
    return LOOPS[api](pool, task, items, chunksize, loops)


def check_results(api: str, results: List[Any], expected: Sequence[Any], what: str) -> None:
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
                 chunksize: Optional[int], expected: Optional[Sequence[Any]] = None) -> None:
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


# -- pyperformance's shape --------------------------------------------------------

def time_concurrent_imap(loops: int, ctx: Any, timeout: float, task: Callable = pool_tasks.identity,
                         workers: int = CONCURRENT_IMAP["workers"],
                         count: int = CONCURRENT_IMAP["count"],
                         chunksize: int = CONCURRENT_IMAP["chunksize"]) -> float:
    """pyperformance's ``bench_mp_pool``: ``with Pool(2) as pool:`` then ``imap`` of an
    identity function over ``range(1000)``, chunksize 10, consumed and discarded,
    pool creation and ``terminate()`` (what ``with`` does on exit) included."""
    what = f"concurrent_imap ({label('pool', ctx, workers)})"
    items = range(count)
    total = 0.0
    for _ in range(loops):
        pool = None
        procs: List[Any] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                pool = ctx.Pool(workers)
                procs = worker_processes("pool", pool)
                for _ in pool.imap(task, items, chunksize):
                    pass
                pool.terminate()
                total += perf_counter() - t0
        except Exception as exc:
            error = failure("pool", what, procs, exc, timeout)
            stop("pool", pool, procs)
            raise error from exc
        except BaseException:
            stop("pool", pool, procs)
            raise
    return total
