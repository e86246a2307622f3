"""The traced scenarios: names, scripts in ``trace/``, what each shows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mpbench.errors import UsageError

SCRIPTS_ENV = "MPBENCH_TRACE_SCRIPTS"
# viztracer's --min_duration for every scenario (see mpbench.tracing.record)
MIN_DURATION_US = 10.0


@dataclass(frozen=True)
class Scenario:
    """One traced scenario: ``trace/trace_<name>.py`` runs it.

    ``count`` names the script option that ``mpbench trace --count N`` sets
    (messages, round trips, rounds or acquisitions per process).
    """

    name: str
    summary: str
    count: str

    @property
    def script(self) -> str:
        return f"trace_{self.name}.py"


SCENARIOS: Sequence[Scenario] = (
    Scenario("process", "Process start/join, one child a round: where each start method's "
                        "time goes (spawn: interpreter, imports, unpickling, target)", "rounds"),
    Scenario("queue", "Queue, 2 producers -> 2 consumers: put/get linked, the feeder "
                      "threads, messages in flight", "messages"),
    Scenario("pipe", "Pipe ping-pong between two children: each send linked "
                     "to its recv", "round_trips"),
    Scenario("queue_64mib", "one 64 MiB message through a Queue: pickling, the feeder "
                            "thread's write, the reader's unpickling", "messages"),
    Scenario("pipe_64mib", "one 64 MiB message through a Pipe (send_bytes/recv_bytes)",
             "messages"),
    Scenario("lock", "4 processes contending for one Lock: hand-offs from each release "
                     "to the next acquire, who holds the lock", "acquisitions"),
)

BY_NAME: Dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}


def parse_scenario(text: str) -> Scenario:
    """A scenario by name, or :class:`UsageError` naming the known ones."""
    try:
        return BY_NAME[text]
    except KeyError:
        raise UsageError(f"unknown scenario {text!r} (known: {', '.join(BY_NAME)})") from None


def select(names: Sequence[str]) -> List[Scenario]:
    """The scenarios named (all of them when ``names`` is empty), in catalogue order."""
    if not names:
        return list(SCENARIOS)
    wanted = {parse_scenario(name).name for name in names}
    return [scenario for scenario in SCENARIOS if scenario.name in wanted]


def scripts_dir() -> Path:
    """The ``trace/`` folder: ``$MPBENCH_TRACE_SCRIPTS``, ``./trace`` or the checkout's.

    The scripts are not part of the installed package (``trace`` is a stdlib
    module name, so the folder is never a package).
    """
    candidates: List[Optional[str]] = [os.environ.get(SCRIPTS_ENV), "trace",
                                       str(Path(__file__).resolve().parents[3] / "trace")]
    for candidate in filter(None, candidates):
        folder = Path(candidate)
        if (folder / SCENARIOS[0].script).is_file():
            return folder.resolve()
    raise UsageError("the trace/ scenario scripts were not found: run mpbench trace from the "
                     f"mpbench checkout, or set {SCRIPTS_ENV} to the folder")
