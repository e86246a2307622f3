"""The ``shared`` group: SharedMemory, pickle protocol 5, Value/Array and Manager
proxies, beside memcpy, a raw pipe, a local object and a Pipe() round trip."""
from __future__ import annotations

from mpbench.groups import Group, Scenario

GROUP = Group(
    name="shared",
    title="Shared state and zero-copy",
    catalogue="mpbench.benchmarks.shared",
    report="mpbench.reporting.shared.section",
    compare="mpbench.reporting.shared.compare_section",
    scenarios=(
        Scenario("shared_handoff", "a 64 MiB array handed over by Queue and by SharedMemory, "
                                   "side by side: the pickling and the copies as slices",
                 "handovers",
                 entry="mpbench.tracing.scenarios.shared_handoff:main"),
    ),
    docs="docs/shared.md",
)
