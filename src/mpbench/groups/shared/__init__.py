"""The ``shared`` group: SharedMemory, pickle protocol 5, Value/Array and Manager
proxies, beside memcpy, a raw pipe, a local object and a Pipe() round trip."""
from __future__ import annotations

from types import ModuleType

from mpbench.groups.descriptor import Group, Scenario


def load_catalogue() -> ModuleType:
    """The catalogue, imported when asked (it imports pyperf)."""
    from mpbench.groups.shared import catalogue as module
    return module


def load_report() -> ModuleType:
    """The report, imported when asked (it imports matplotlib)."""
    from mpbench.groups.shared import report as module
    return module


GROUP = Group(
    name="shared",
    title="Shared state and zero-copy",
    catalogue=load_catalogue,
    report=load_report,
    scenarios=(
        Scenario("shared_handoff", "a 64 MiB array handed over by Queue and by SharedMemory, "
                                   "side by side: the pickling and the copies as slices",
                 "handovers",
                 entry="mpbench.groups.shared.scenarios:main"),
    ),
    docs="docs/shared.md",
)
