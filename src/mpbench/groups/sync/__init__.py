"""The ``sync`` group: Lock, RLock, Semaphore, Event and Condition under contention
from N processes, beside threading.Lock, an uncontended acquire and a ping-pong."""
from __future__ import annotations

from types import ModuleType

from mpbench.groups.descriptor import Group, Scenario


def load_catalogue() -> ModuleType:
    """The catalogue, imported when asked (it imports pyperf)."""
    from mpbench.groups.sync import catalogue as module
    return module


def load_report() -> ModuleType:
    """The report, imported when asked (it imports matplotlib)."""
    from mpbench.groups.sync import report as module
    return module


GROUP = Group(
    name="sync",
    title="Locks, semaphores, events and conditions under contention",
    catalogue=load_catalogue,
    report=load_report,
    scenarios=(
        Scenario("lock", "4 processes contending for one Lock: hand-offs from each release "
                         "to the next acquire, who holds the lock", "acquisitions",
                 entry="mpbench.groups.sync.scenarios:main"),
    ),
    required_metadata=("mpbench_nprocs", "mpbench_operation", "mpbench_primitive"),
    # a lock round trip is ~100 ns: the scheduler moves it more than the harness does
    harness_target=1.3,
    docs="docs/sync.md",
)
