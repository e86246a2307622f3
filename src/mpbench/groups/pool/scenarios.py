"""Pool: Pool(2) maps 40 no-op tasks in chunks of 4.

Runs the pool benchmarks' own code: :class:`mpbench.groups.pool.workloads.pools.WorkerPool`
(the pool is up once each worker has run a rendezvous task) and
:class:`mpbench.groups.pool.workloads.dispatch.Dispatch` (one ``Pool.map`` call, its
results checked), on a :class:`~mpbench.groups.pool.traced_pool.TracedPool`: each
chunk is linked from the parent's task handler thread to the worker that ran it,
and back to the result handler thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.pool.traced_pool import TracedPoolContext, worker_role
from mpbench.groups.pool.workloads import tasks as pool_tasks
from mpbench.groups.pool.workloads.dispatch import Dispatch
from mpbench.groups.pool.workloads.pools import WorkerPool
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

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

