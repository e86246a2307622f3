"""The ``sync`` group: Lock, RLock, Semaphore, Event and Condition under contention
from N processes, beside threading.Lock, an uncontended acquire and a ping-pong."""
from __future__ import annotations

from mpbench.groups import Group, Scenario

GROUP = Group(
    name="sync",
    title="Locks, semaphores, events and conditions under contention",
    catalogue="mpbench.benchmarks.sync",
    report="mpbench.reporting.sync.section",
    compare="mpbench.reporting.sync.compare",
    scenarios=(
        Scenario("lock", "4 processes contending for one Lock: hand-offs from each release "
                         "to the next acquire, who holds the lock", "acquisitions",
                 entry="mpbench.tracing.scenarios.lockhandoff:main"),
    ),
    docs="docs/sync.md",
)
