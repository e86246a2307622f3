"""The ``pool`` group: Pool and ProcessPoolExecutor start-up, dispatch per API and
chunksize, payloads and break-even, beside a plain loop and a minimal forked pool."""
from __future__ import annotations

from mpbench.groups import Group, Scenario

GROUP = Group(
    name="pool",
    title="Pools and executors",
    catalogue="mpbench.benchmarks.pool",
    report="mpbench.reporting.pool.section",
    compare="mpbench.reporting.pool.compare_section",
    scenarios=(
        Scenario("pool", "Pool(2), 40 tasks in chunks of 4: the task and result handler "
                         "threads, each chunk linked from the parent's dispatch to its worker "
                         "and back", "tasks",
                 entry="mpbench.tracing.scenarios.pool:main"),
    ),
    docs="docs/pool.md",
)
