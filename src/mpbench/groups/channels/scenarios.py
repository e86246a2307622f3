"""Queue: 2 producers stream to 2 consumers through one bounded Queue.

The processes run :func:`mpbench.groups.channels.workloads.loops.member` (the channel
benchmarks' crew member, which runs ``produce``/``consume``) with ends built on
a :class:`~mpbench.tracing.proxies.TracedQueue`: each ``put`` is linked to the
``get`` that received it, and each producer's feeder thread (which pickles and
writes what ``put`` only buffered) has its own track.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.channels.workloads.ends import QueueEnd
from mpbench.groups.channels.workloads.loops import member
from mpbench.groups.channels.workloads.opening import open_stream
from mpbench.tracing.proxies import TracedQueue
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

NAME = "queue"
DEFAULTS = {"messages": 500, "size": 1024, "producers": 2, "consumers": 2, "warmup": 5}


def body(run: ScenarioRun) -> None:
    args = run.args
    channel = open_stream("queue", run.ctx, args.size)
    queue = channel.ends[0].out_queue
    names, members = [], []
    for i in range(args.consumers):
        names.append(f"consumer-{i}")
        end = QueueEnd(in_queue=TracedQueue(queue, "queue", _crash_after(run, names[-1])))
        members.append(("consumer", end, args.size, "bytes"))
    for i in range(args.producers):
        names.append(f"producer-{i}")
        end = QueueEnd(out_queue=TracedQueue(queue, "queue", _crash_after(run, names[-1])))
        members.append(("producer", end, args.size, "bytes"))
    with run.phase("start"):
        crew = run.start_crew(member, members, names)
        crew.recv_all()  # every member is ready
    for phase, count in (("warm-up", args.warmup), ("steady state", args.messages)):
        with run.phase(phase):
            _stream(crew, args.consumers, args.producers, count)
    with run.phase("shutdown"):
        run.leave(crew)  # every member told to stop, reaped, its exit code checked
        channel.close()
        queue.close()


def _crash_after(run: ScenarioRun, role: str):
    """Test hook: the faulty process dies halfway through the steady state."""
    return run.args.warmup + run.args.messages // 2 if run.fault_for(role) else None


def _stream(crew, consumers: int, producers: int, count: int) -> None:
    """Every producer sends ``count`` messages; the consumers share them out evenly."""
    total = count * producers
    for i in range(consumers):  # the consumers first: they must be waiting
        crew.send(i, total // consumers + (1 if i < total % consumers else 0))
    for i in range(producers):
        crew.send(consumers + i, count)
    crew.recv_all()


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)
