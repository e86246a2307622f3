"""Process start/join: where a start method's time goes.

Runs :func:`mpbench.groups.process.workloads.start_join.time_start_join`, the code the
``process.start_join`` benchmark times, one process a round. The target
announces the child's role instead of doing nothing (one event); for spawn the
timeline shows the child's imports, the unpickling of the process object and
the target, after the untraced start of the interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.process.workloads.start_join import time_start_join
from mpbench.tracing.marks import announce_target
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

NAME = "process"
DEFAULTS = {"rounds": 5}


def body(run: ScenarioRun) -> None:
    # The first round is the cold one: for forkserver it boots the server.
    with run.phase("warm-up"):
        time_start_join(1, run.ctx, 1, run.timeout, target=announce_target)
    with run.phase("steady state"):
        time_start_join(run.args.rounds, run.ctx, 1, run.timeout, target=announce_target)


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)
