"""Pool: Pool(2) maps 40 no-op tasks in chunks of 4.

Runs the pool benchmarks' own code: :class:`mpbench.groups.pool.workloads.pools.WorkerPool`
(the pool is up once each worker has run a rendezvous task) and
:class:`mpbench.groups.pool.workloads.dispatch.Dispatch` (one ``Pool.map`` call, its
results checked), on a :class:`TracedPool`, a ``multiprocessing.Pool`` whose chunks are
marked on their way out and back.

A Pool moves work through two ``SimpleQueue``: its *task handler* thread writes
each chunk ``(job, i, func, args, kwds)`` to the task queue (``_quick_put``), a
worker reads it (``inqueue.get``), runs it and writes ``(job, i, result)`` to
the result queue (``outqueue.put``), which the *result handler* thread reads
(``_quick_get``). :class:`TracedPool` swaps in queues and quick functions that
mark each of those four calls as a slice carrying ``job:i`` (unique per chunk,
carried by the pool's own messages: nothing is added to them), so the
post-processor draws an arrow from the parent's dispatch to the worker and one
back. Sentinels (``None``) are not marked.

Workers get the traced queues as ``Process`` arguments (pickled for spawn and
forkserver) and announce their role (``worker-N``) from the pool's initializer.
Untraced, the same wrapping happens and only the marks are skipped.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from multiprocessing import pool as mp_pool
from multiprocessing.queues import SimpleQueue
from typing import Any, Callable

from mpbench.groups.pool.workloads import tasks as pool_tasks
from mpbench.groups.pool.workloads.dispatch import Dispatch
from mpbench.groups.pool.workloads.pools import WorkerPool
from mpbench.tracing.marks import CAT_MESSAGE, add_slice, announce_role, now_us
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

TASKS, RESULTS = "pool task", "pool result"
# Pool's private helpers (no type stubs): the functions that run a chunk of map/starmap
_POOL: Any = mp_pool
CHUNK_RUNNERS = (_POOL.mapstar, _POOL.starmapstar)


def chunk_args(channel: str, obj: Any, side: str) -> dict[str, Any] | None:
    """The mark's args for a task or result message (None for a sentinel)."""
    if not isinstance(obj, tuple) or len(obj) < 3:
        return None
    job, index = obj[0], obj[1]
    args: dict[str, Any] = {"msg": f"{channel}:{job}:{index}", "side": side,
                            "channel": channel, "job": job, "index": index}
    if channel == TASKS and len(obj) == 5:
        func, call_args = obj[2], obj[3]
        args["tasks"] = len(call_args[0][1]) if func in CHUNK_RUNNERS else 1
    return args


class TracedSimpleQueue(SimpleQueue):
    """The pool's task or result queue: ``get`` and ``put`` (the workers' side) marked."""

    def __init__(self, *, ctx: Any, channel: str) -> None:
        super().__init__(ctx=ctx)
        self._channel = channel

    def __getstate__(self) -> Any:
        state: Any = super().__getstate__()
        return (*state, self._channel)

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state[:-1])
        self._channel = state[-1]

    def get(self) -> Any:
        start = now_us()
        obj = super().get()
        args = chunk_args(self._channel, obj, "recv")
        if args:
            add_slice(f"get {self._channel}", start, now_us(), CAT_MESSAGE, args)
        return obj

    def put(self, obj: Any) -> None:
        start = now_us()
        super().put(obj)
        args = chunk_args(self._channel, obj, "send")
        if args:
            add_slice(f"put {self._channel}", start, now_us(), CAT_MESSAGE, args)


def marked_send(send: Callable[[Any], None], channel: str) -> Callable[[Any], None]:
    """The task handler's ``_quick_put``, marked: the parent's dispatch of a chunk."""
    def quick_put(obj: Any) -> None:
        start = now_us()
        send(obj)
        args = chunk_args(channel, obj, "send")
        if args:
            add_slice("dispatch chunk", start, now_us(), CAT_MESSAGE, args)
    return quick_put


def marked_recv(recv: Callable[[], Any], channel: str) -> Callable[[], Any]:
    """The result handler's ``_quick_get``, marked: a chunk's results back in the parent."""
    def quick_get() -> Any:
        start = now_us()
        obj = recv()
        args = chunk_args(channel, obj, "recv")
        if args:
            add_slice("collect results", start, now_us(), CAT_MESSAGE, args)
        return obj
    return quick_get


def worker_role(name: str | None = None) -> str:
    """``ForkPoolWorker-3`` -> ``worker-3`` (this process's name when ``name`` is None)."""
    name = name or multiprocessing.current_process().name
    suffix = name.rsplit("-", 1)[-1]
    return f"worker-{suffix}" if suffix.isdigit() else name


def announce_worker(initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    """The traced pool's initializer: say who this worker is, then the real one."""
    announce_role(worker_role())
    if initializer is not None:
        initializer(*initargs)


class TracedPool(mp_pool.Pool):
    """``multiprocessing.Pool`` with marked task and result messages."""

    def __init__(self, processes: int | None = None,
                 initializer: Callable[..., Any] | None = None, initargs: tuple = (),
                 maxtasksperchild: int | None = None, context: Any = None) -> None:
        super().__init__(processes, announce_worker, (initializer, initargs),
                         maxtasksperchild, context)

    def _setup_queues(self) -> None:
        me: Any = self  # Pool's private attributes have no type stubs
        me._inqueue = TracedSimpleQueue(ctx=me._ctx, channel=TASKS)
        me._outqueue = TracedSimpleQueue(ctx=me._ctx, channel=RESULTS)
        me._quick_put = marked_send(me._inqueue._writer.send, TASKS)
        me._quick_get = marked_recv(me._outqueue._reader.recv, RESULTS)


class TracedPoolContext:
    """A multiprocessing context whose ``Pool`` is a :class:`TracedPool` (everything else
    is the context's own): hand it to the benchmarks' pool code."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def Pool(self, processes: int | None = None,
             initializer: Callable[..., Any] | None = None, initargs: tuple = (),
             maxtasksperchild: int | None = None) -> TracedPool:
        return TracedPool(processes, initializer, initargs, maxtasksperchild, self._ctx)

    def __getattr__(self, name: str) -> Any:
        if name == "_ctx":
            raise AttributeError(name)
        return getattr(self._ctx, name)


# -- the scenario ---------------------------------------------------------------------------

NAME = "pool"
DEFAULTS = {"tasks": 40, "chunksize": 4, "workers": 2}


def body(run: ScenarioRun) -> None:
    args = run.args
    handle = WorkerPool("pool", TracedPoolContext(run.ctx), args.workers, run.timeout)
    with run.phase("start"):
        handle.__enter__()  # up: every worker has run a rendezvous task
        run.drivers.append(handle)
        for proc in handle.procs:
            run.procs.append(proc)
            run.roles[proc.pid] = worker_role(proc.name)
    with run.phase("steady state"):
        Dispatch(handle, "map", pool_tasks.identity, range(args.tasks), args.chunksize).time(1)
    with run.phase("shutdown"):
        run.leave(handle)  # close(); join(), every worker's exit code checked


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)

