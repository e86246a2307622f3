"""Lock: N processes contend for one Lock, acquire -> critical section -> release -> think.

The contenders run :func:`mpbench.groups.sync.workloads.contention.contender_member`
(the contention benchmark's crew member) with a
:class:`~mpbench.tracing.proxies.TracedLock` around the ``Lock``: each
hand-off is linked from the release in one process to the acquire in the
next, and a counter shows who holds the lock. Each phase is the benchmark's
instrumented pass (``contend``), whose check of mutual exclusion (a shared
counter updated non-atomically inside the critical section) runs on every
round.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.sync.workloads import contention
from mpbench.groups.sync.workloads import primitives as sync
from mpbench.tracing.proxies import TracedLock
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main
from mpbench.workloads import busywork

NAME = "lock"
DEFAULTS = {"acquisitions": 200, "nprocs": 4, "critical_us": 1, "think_us": 10, "warmup": 5}


def body(run: ScenarioRun) -> None:
    args = run.args
    ctx = run.ctx
    cal = busywork.calibrate()
    critical, think = cal.iterations_for(args.critical_us), cal.iterations_for(args.think_us)
    lock = TracedLock(sync.make_primitive(ctx, "lock"), ctx.RawArray("q", 2))
    raw = sync.new_state(ctx)
    state = sync.state_view(raw)
    barrier = ctx.Barrier(args.nprocs) if args.nprocs > 1 else None
    members = [(lock, raw, i, barrier, critical, think, 1, run.timeout, None)
               for i in range(args.nprocs)]
    names = [f"worker-{i}" for i in range(args.nprocs)]
    with run.phase("start"):
        crew = run.start_crew(contention.contender_member, members, names)
        crew.recv_all()
    contenders = contention.Contention(contention.crew_driver(crew, state, "lock"), state,
                                       args.nprocs, 1, f"{args.nprocs} processes on one lock")
    for phase, count in (("warm-up", args.warmup), ("steady state", args.acquisitions)):
        with run.phase(phase):
            contenders.instrumented(count * args.nprocs, keep=False)  # checks exclusion
    with run.phase("shutdown"):
        run.leave(crew)


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)
