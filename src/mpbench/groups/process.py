"""The ``process`` group: starting and joining processes per start method, beside
a bare ``os.fork`` and interpreter start-up (and terminating them)."""
from __future__ import annotations

from mpbench.groups import Group, Scenario

GROUP = Group(
    name="process",
    title="Starting and joining processes",
    catalogue="mpbench.benchmarks.process",
    report="mpbench.reporting.process.section",
    compare="mpbench.reporting.process.compare",
    scenarios=(
        Scenario("process", "Process start/join, one child a round: where each start method's "
                            "time goes (spawn: interpreter, imports, unpickling, target)",
                 "rounds",
                 entry="mpbench.tracing.scenarios.startjoin:main"),
    ),
    docs="README.md#process-starting-and-joining-processes",
)
