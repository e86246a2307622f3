"""The ``channels`` group: Queue, SimpleQueue, JoinableQueue, Pipe and a Manager queue
against message size, beside a raw pipe, a socketpair, pickle and memcpy."""
from __future__ import annotations

from types import ModuleType

from mpbench.groups.descriptor import Group, Scenario


def load_catalogue() -> ModuleType:
    """The catalogue, imported when asked (it imports pyperf)."""
    from mpbench.groups.channels import catalogue as module
    return module


def load_report() -> ModuleType:
    """The report, imported when asked (it imports matplotlib)."""
    from mpbench.groups.channels import report as module
    return module


GROUP = Group(
    name="channels",
    title="Channels: Queue, Pipe and friends against message size",
    catalogue=load_catalogue,
    report=load_report,
    scenarios=(
        Scenario("queue", "Queue, 2 producers -> 2 consumers: put/get linked, the feeder "
                          "threads, messages in flight", "messages",
                 entry="mpbench.groups.channels.scenarios:main_queue"),
        Scenario("pipe", "Pipe ping-pong between two children: each send linked "
                         "to its recv", "round_trips",
                 entry="mpbench.groups.channels.scenarios:main_pipe"),
        Scenario("queue_64mib", "one 64 MiB message through a Queue: pickling, the feeder "
                                "thread's write, the reader's unpickling", "messages",
                 entry="mpbench.groups.channels.scenarios:main_queue_64mib"),
        Scenario("pipe_64mib", "one 64 MiB message through a Pipe (send_bytes/recv_bytes)",
                 "messages",
                 entry="mpbench.groups.channels.scenarios:main_pipe_64mib"),
    ),
    required_metadata=("mpbench_size", "mpbench_producers", "mpbench_transport",
                       "mpbench_messages", "mpbench_payload", "mpbench_placement"),
    docs="docs/channels.md",
)
