"""The ``channels`` group: Queue, SimpleQueue, JoinableQueue, Pipe and a Manager queue
against message size, beside a raw pipe, a socketpair, pickle and memcpy."""
from __future__ import annotations

from mpbench.groups import Group, Scenario

GROUP = Group(
    name="channels",
    title="Queue, Pipe and friends against message size",
    catalogue="mpbench.benchmarks.channels",
    report="mpbench.reporting.channels.section",
    compare="mpbench.reporting.channels.compare",
    scenarios=(
        Scenario("queue", "Queue, 2 producers -> 2 consumers: put/get linked, the feeder "
                          "threads, messages in flight", "messages",
                 entry="mpbench.tracing.scenarios.queues:main"),
        Scenario("pipe", "Pipe ping-pong between two children: each send linked "
                         "to its recv", "round_trips",
                 entry="mpbench.tracing.scenarios.pingpong:main"),
        Scenario("queue_64mib", "one 64 MiB message through a Queue: pickling, the feeder "
                                "thread's write, the reader's unpickling", "messages",
                 entry="mpbench.tracing.scenarios.bigmessage:main_queue"),
        Scenario("pipe_64mib", "one 64 MiB message through a Pipe (send_bytes/recv_bytes)",
                 "messages",
                 entry="mpbench.tracing.scenarios.bigmessage:main_pipe"),
    ),
    docs="docs/channels.md",
)
