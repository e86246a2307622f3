"""The ``pool`` group: Pool and ProcessPoolExecutor start-up, dispatch per API and
chunksize, payloads and break-even, beside a plain loop and a minimal forked pool."""

from mpbench.groups import Group

GROUP = Group(
    name="pool",
    title="Pools and executors",
    catalogue="mpbench.benchmarks.pool",
    docs="docs/pool.md",
)
