"""The ``shared`` group: SharedMemory, pickle protocol 5, Value/Array and Manager
proxies, beside memcpy, a raw pipe, a local object and a Pipe() round trip."""

from mpbench.groups import Group

GROUP = Group(
    name="shared",
    title="Shared state and zero-copy",
    catalogue="mpbench.benchmarks.shared",
    report="mpbench.reporting.shared.section",
    compare="mpbench.reporting.shared.compare_section",
    docs="docs/shared.md",
)
