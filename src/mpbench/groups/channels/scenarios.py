"""The channels group's traced scenarios, each on the benchmarks' own code.

- ``queue``: 2 producers stream to 2 consumers through one bounded Queue. The
  processes run :func:`mpbench.groups.channels.workloads.loops.member` (the channel
  benchmarks' crew member, which runs ``produce``/``consume``) with ends built on a
  :class:`~mpbench.tracing.proxies.TracedQueue`: each ``put`` is linked to the ``get``
  that received it, and each producer's feeder thread (which pickles and writes what
  ``put`` only buffered) has its own track.
- ``pipe``: a ping-pong over a duplex ``Pipe()``, the round-trip benchmark's own driver
  (:class:`~mpbench.groups.channels.workloads.runs.PingPongRun`, a ``ping`` and a
  ``pong`` child) with both connections a
  :class:`~mpbench.tracing.proxies.TracedConnection`: every ``send_bytes`` is linked
  to the ``recv_bytes`` that got it.
- ``queue_64mib``, ``pipe_64mib``: one 64 MiB message, producer to consumer, through
  the throughput benchmark's own driver
  (:class:`~mpbench.groups.channels.workloads.runs.StreamRun`, on the channel the
  benchmark builds: a bounded Queue, or a duplex Pipe with
  ``send_bytes``/``recv_bytes``) over the traced proxies. The timeline shows where a
  big message's time goes: the Queue's feeder thread pickling and writing it while
  the consumer reads and unpickles, or ``send_bytes``/``recv_bytes`` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

from mpbench.groups.channels.workloads.ends import QueueEnd
from mpbench.groups.channels.workloads.loops import member
from mpbench.groups.channels.workloads.opening import open_stream
from mpbench.groups.channels.workloads.runs import PingPongRun, StreamRun
from mpbench.tracing.proxies import TracedQueue, trace_channel
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

MIB = 2**20

# -- queue: 2 producers -> 2 consumers ---------------------------------------------------

QUEUE_DESCRIPTION = "Queue: 2 producers stream to 2 consumers through one bounded Queue."
QUEUE_DEFAULTS = {"messages": 500, "size": 1024, "producers": 2, "consumers": 2, "warmup": 5}


def queue_body(run: ScenarioRun) -> None:
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


def main_queue(argv: Sequence[str]) -> int:
    return scenario_main("queue", argv, QUEUE_DESCRIPTION, QUEUE_DEFAULTS, queue_body)


# -- pipe: ping-pong ---------------------------------------------------------------------

PIPE_DESCRIPTION = "Pipe ping-pong: one message back and forth between two children."
PIPE_DEFAULTS = {"round_trips": 200, "size": 64, "warmup": 5}


class TracedPingPong(PingPongRun):
    """The benchmark's ping-pong driver on a traced channel."""

    def _open(self) -> Any:
        return trace_channel(super()._open())


def pipe_body(run: ScenarioRun) -> None:
    args = run.args
    with run.phase("start"):
        driver = run.enter(TracedPingPong(run.ctx, "pipe", args.size, timeout=run.timeout))
    for phase, count in (("warm-up", args.warmup), ("steady state", args.round_trips)):
        with run.phase(phase):
            driver.round_trips(count, keep=False)
    with run.phase("shutdown"):
        run.leave(driver)


def main_pipe(argv: Sequence[str]) -> int:
    return scenario_main("pipe", argv, PIPE_DESCRIPTION, PIPE_DEFAULTS, pipe_body)


# -- queue_64mib, pipe_64mib: one big message ---------------------------------------------

BIG_DESCRIPTION = "One 64 MiB message through a Queue or a Pipe, producer to consumer."
BIG_DEFAULTS = {"messages": 1, "size": 64 * MIB, "warmup": 1}


class TracedStream(StreamRun):
    """The benchmark's streaming driver on a traced channel."""

    def _open(self) -> Any:
        return trace_channel(super()._open())


def big_body(transport: str) -> Callable[[ScenarioRun], None]:
    def body(run: ScenarioRun) -> None:
        args = run.args
        with run.phase("start"):
            driver = run.enter(TracedStream(run.ctx, transport, args.size, timeout=run.timeout))
        for phase, count in (("warm-up", args.warmup), ("steady state", args.messages)):
            if count:
                with run.phase(phase):
                    driver.stream(count)  # checks that every byte arrived
        with run.phase("shutdown"):
            run.leave(driver)
    return body


def main_big(transport: str, argv: Sequence[str]) -> int:
    return scenario_main(f"{transport}_64mib", argv, BIG_DESCRIPTION, BIG_DEFAULTS,
                         big_body(transport))


def main_queue_64mib(argv: Sequence[str]) -> int:
    return main_big("queue", argv)


def main_pipe_64mib(argv: Sequence[str]) -> int:
    return main_big("pipe", argv)
