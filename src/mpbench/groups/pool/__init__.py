"""The ``pool`` group: Pool and ProcessPoolExecutor start-up, dispatch per API and
chunksize, payloads and break-even, beside a plain loop and a minimal forked pool."""
from __future__ import annotations

from types import ModuleType

from mpbench.groups.descriptor import Group, Scenario


def load_catalogue() -> ModuleType:
    """The catalogue, imported when asked (it imports pyperf)."""
    from mpbench.groups.pool import catalogue as module
    return module


def load_report() -> ModuleType:
    """The report, imported when asked (it imports matplotlib)."""
    from mpbench.groups.pool import report as module
    return module


GROUP = Group(
    name="pool",
    title="Pools and executors",
    catalogue=load_catalogue,
    report=load_report,
    scenarios=(
        Scenario("pool", "Pool(2), 40 tasks in chunks of 4: the task and result handler "
                         "threads, each chunk linked from the parent's dispatch to its worker "
                         "and back", "tasks",
                 entry="mpbench.groups.pool.scenarios:main"),
    ),
    docs="docs/pool.md",
)
