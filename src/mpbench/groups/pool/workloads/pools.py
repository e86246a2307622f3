"""``multiprocessing.Pool`` and ``ProcessPoolExecutor``: start-up, shutdown and dispatch.

Every ``time_*`` function follows pyperf's ``bench_time_func`` protocol
(``loops`` rounds, total seconds). The pools run the tasks of
:mod:`mpbench.groups.pool.workloads.tasks`; the per-task dispatch loops are in
:mod:`mpbench.groups.pool.workloads.dispatch`.

A pool is *up* when each of its W workers has run a task: W
:func:`~mpbench.groups.pool.workloads.tasks.rendezvous` tasks, each holding its
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

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import connection
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.groups.pool.workloads import tasks as pool_tasks
from mpbench.groups.process.workloads.start_join import stop_forkserver
from mpbench.workloads.guard import ChildTimeout, deadline, describe_exit
from mpbench.workloads.reaping import stop_processes

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

def new_pool(kind: str, ctx: Any, workers: int, initializer: Callable | None = None,
             initargs: tuple = ()) -> Any:
    """``ctx.Pool(workers)`` or ``ProcessPoolExecutor(workers, mp_context=ctx)``."""
    if kind == "pool":
        return ctx.Pool(workers, initializer, initargs)
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer,
                               initargs=initargs)


def worker_processes(kind: str, pool: Any) -> list[Any]:
    """The pool's worker ``Process`` objects as they are now (private attributes:
    kept so that a worker that died can still be named after the pool replaced it)."""
    procs = pool._pool if kind == "pool" else (pool._processes or {}).values()
    return list(procs)


@contextmanager
def alarms_for_main_thread() -> Iterator[None]:
    """Threads started inside (a pool's handler threads, the executor's manager thread)
    keep SIGALRM blocked, so the deadline's alarm reaches the main thread.

    The alarm is process-directed: the kernel hands it to any thread that does not
    block it. Taken by a handler thread, it would leave the main thread waiting,
    never interrupted (one Pool hang in six was never cut here). Processes forked
    inside inherit the mask too; nothing in a worker uses SIGALRM. Costs two
    ``pthread_sigmask`` calls.
    """
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:  # an alarm that came meanwhile is delivered here, to this thread
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start(kind: str, ctx: Any, workers: int, arrived: Any, go: Any,
          timeout: float) -> tuple[Any, list[Any]]:
    """A new pool with one :func:`~pool_tasks.rendezvous` task submitted per worker:
    ``(pool, pending results)``; :func:`rendezvous` waits for them."""
    with alarms_for_main_thread():
        pool = new_pool(kind, ctx, workers, pool_tasks.rendezvous_init, (arrived, go))
        try:
            if kind == "pool":
                pending = [pool.apply_async(pool_tasks.rendezvous, (timeout,))
                           for _ in range(workers)]
            else:  # the first submit starts the executor's thread (and fork's workers)
                pending = [pool.submit(pool_tasks.rendezvous, timeout) for _ in range(workers)]
            return pool, pending
        except BaseException as exc:
            error = exc
    stop(kind, pool, worker_processes(kind, pool))  # outside the block: its deadline can fire
    raise error


def rendezvous(kind: str, pending: Sequence[Any], workers: int, arrived: Any,
               go: Any) -> list[int]:
    """Wait until the ``workers`` rendezvous tasks all run, let them go; their pids
    (the caller bounds the wait with a deadline)."""
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


def _dead(procs: Sequence[Any], wait: float = 0.0) -> list[Any]:
    """Workers that have ended, their exit codes known: a worker's sentinel closes as it
    exits, a moment before ``waitpid`` can report it, so wait that moment (and up to
    ``wait`` seconds for a first worker to end, when one is known to be dying)."""
    sentinels = {}
    for proc in procs:
        try:
            sentinels[proc.sentinel] = proc
        except ValueError:  # closed: it ended and was reaped
            continue
    ended = ([sentinels[s] for s in connection.wait(list(sentinels), wait)]
             if sentinels else [])
    for proc in ended:
        proc.join(1.0)
    # An executor's manager thread may be reaping the same worker: our waitpid then
    # fails (ECHILD) an instant before that thread records the exit code. Wait for it.
    settle = time.monotonic() + 1.0
    while ended and not any(p.exitcode is not None for p in ended) and time.monotonic() < settle:
        time.sleep(0.01)
    return [p for p in procs if p.exitcode is not None]


def failure(kind: str, what: str, procs: Sequence[Any], exc: BaseException,
            timeout: float) -> BenchmarkFailed:
    """What went wrong, in words: a dead worker (Pool hangs, the executor breaks), or
    a plain timeout."""
    dead = _dead(procs, 1.0 if isinstance(exc, BrokenProcessPool) else 0.0)
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
        self.procs: list[Any] = []

    def __enter__(self) -> WorkerPool:
        arrived, go = self.ctx.Semaphore(0), self.ctx.Semaphore(0)
        try:
            with deadline(self.timeout, f"{self.what} start-up"):
                self.pool, pending = start(self.kind, self.ctx, self.workers, arrived, go,
                                           self.timeout)
                pids = rendezvous(self.kind, pending, self.workers, arrived, go)
            self.procs = worker_processes(self.kind, self.pool)
            if len(set(pids)) != self.workers:
                raise BenchmarkFailed(f"{self.what}: {len(set(pids))} distinct workers ran "
                                      f"the start-up tasks, expected {self.workers}")
        except BaseException as exc:
            if self.pool is not None:
                self.procs += worker_processes(self.kind, self.pool)
            # described before stopping: stopping kills the workers that were fine
            error = (failure(self.kind, self.what, self.procs, exc, self.timeout)
                     if isinstance(exc, Exception) else None)
            stop(self.kind, self.pool, self.procs)
            self.pool = None
            if error is None:
                raise
            raise error from exc
        return self

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
            stop_forkserver()
        arrived, go = ctx.Semaphore(0), ctx.Semaphore(0)
        pool = None
        procs: list[Any] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                pool, pending = start(kind, ctx, workers, arrived, go, timeout)
                pids = rendezvous(kind, pending, workers, arrived, go)
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
        procs: list[Any] = []
        try:
            with deadline(timeout, what):
                t0 = perf_counter()
                with alarms_for_main_thread():
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
