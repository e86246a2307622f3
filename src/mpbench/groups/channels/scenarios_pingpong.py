"""Pipe ping-pong: one message back and forth between two children.

Runs the round-trip benchmark's own driver,
:class:`mpbench.groups.channels.workloads.runs.PingPongRun` (a ``ping`` and a ``pong``
child over a duplex ``Pipe()``), with the two connections replaced by
:class:`~mpbench.tracing.proxies.TracedConnection`: every ``send_bytes`` is
linked to the ``recv_bytes`` that got it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.channels.workloads.runs import PingPongRun
from mpbench.tracing.proxies import trace_channel
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

NAME = "pipe"
DEFAULTS = {"round_trips": 200, "size": 64, "warmup": 5}


class TracedPingPong(PingPongRun):
    """The benchmark's ping-pong driver on a traced channel."""

    def _open(self) -> Any:
        return trace_channel(super()._open())


def body(run: ScenarioRun) -> None:
    args = run.args
    with run.phase("start"):
        driver = run.enter(TracedPingPong(run.ctx, "pipe", args.size, timeout=run.timeout))
    for phase, count in (("warm-up", args.warmup), ("steady state", args.round_trips)):
        with run.phase(phase):
            driver.round_trips(count, keep=False)
    with run.phase("shutdown"):
        run.leave(driver)


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)
