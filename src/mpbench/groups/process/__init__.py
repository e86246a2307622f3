"""The ``process`` group: starting and joining processes per start method, beside
a bare ``os.fork`` and interpreter start-up (and terminating them)."""
from __future__ import annotations

from types import ModuleType

from mpbench.groups.descriptor import Group, Scenario


def load_catalogue() -> ModuleType:
    """The catalogue, imported when asked (it imports pyperf)."""
    from mpbench.groups.process import catalogue as module
    return module


def load_report() -> ModuleType:
    """The report, imported when asked (it imports matplotlib)."""
    from mpbench.groups.process import report as module
    return module


GROUP = Group(
    name="process",
    title="Starting and joining processes",
    catalogue=load_catalogue,
    report=load_report,
    scenarios=(
        Scenario("process", "Process start/join, one child a round: where each start method's "
                            "time goes (spawn: interpreter, imports, unpickling, target)",
                 "rounds",
                 entry="mpbench.groups.process.scenarios:main"),
    ),
    required_metadata=("mpbench_nprocs", "mpbench_operation"),
    docs="docs/process.md",
)
