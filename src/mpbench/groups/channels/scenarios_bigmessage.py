"""One 64 MiB message through a Queue or a Pipe, producer to consumer.

Runs the throughput benchmark's own driver,
:class:`mpbench.groups.channels.workloads.runs.StreamRun` (a producer and a consumer
child on the channel the benchmark builds: a bounded Queue, or a duplex Pipe
with ``send_bytes``/``recv_bytes``), its ends over the traced proxies. The
timeline shows where a big message's time goes: the Queue's feeder thread
pickling and writing it while the consumer reads and unpickles, or
``send_bytes``/``recv_bytes`` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.channels.workloads.runs import StreamRun
from mpbench.tracing.proxies import trace_channel
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

MIB = 2**20
DEFAULTS = {"messages": 1, "size": 64 * MIB, "warmup": 1}


class TracedStream(StreamRun):
    """The benchmark's streaming driver on a traced channel."""

    def _open(self) -> Any:
        return trace_channel(super()._open())


def body_for(transport: str):
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


def main_for(transport: str, argv: Sequence[str]) -> int:
    return scenario_main(f"{transport}_64mib", argv, __doc__.strip().splitlines()[0],
                         DEFAULTS, body_for(transport))


def main_queue(argv: Sequence[str]) -> int:
    return main_for("queue", argv)


def main_pipe(argv: Sequence[str]) -> int:
    return main_for("pipe", argv)
