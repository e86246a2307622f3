"""A 64 MiB array handed over by a Queue and by SharedMemory, side by side.

Runs the shared group's hand-over driver,
:class:`mpbench.groups.shared.workloads.handover.HandOverRun` (a sender and a receiver child;
the parent creates the segment and unlinks it), twice in one timeline: first
``queue``, then ``shared_memory`` with a receiver that copies the array out.
The ends are the benchmark's, over traced proxies:

- Queue: ``put`` is linked to the ``get`` that received it; the sender's
  feeder thread pickles the array (``dumps``) and writes it, the receiver
  reads and unpickles it inside ``get``;
- SharedMemory: the sender's copy into the segment is a slice, the small
  notice it sends is linked to the receiver's ``recv``, then the receiver
  attaches and copies the array out.

Each side's hand-over is one slice (``hand over``/``receive``). numpy is
imported only by the children (the payload is an array).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mpbench.groups.channels.workloads.ends import QueueEnd
from mpbench.groups.shared.workloads.handover import HandOverRun
from mpbench.groups.shared.workloads.transfer import Receiving, ShmReceiver, ShmSender
from mpbench.tracing.marks import CAT_MARK, add_slice, now_us
from mpbench.tracing.proxies import TracedConnection, TracedQueue
from mpbench.tracing.scenario import ScenarioRun
from mpbench.tracing.scenario import main as scenario_main

NAME = "shared_handoff"
MIB = 2**20
DEFAULTS = {"handovers": 1, "size": 64 * MIB, "warmup": 1}
SIDES = (("queue", "queue"), ("shared_memory", "shm"))  # transfer, process name prefix


class Marked:
    """A sending or receiving end whose ``send``/``recv`` is one slice in the timeline."""

    def __init__(self, end: Any, label: str) -> None:
        self.end, self.label = end, label

    def send(self, obj: Any) -> None:
        start = now_us()
        self.end.send(obj)
        add_slice(f"hand over ({self.label})", start, now_us(), CAT_MARK)

    def recv(self) -> Any:
        start = now_us()
        got = self.end.recv()
        add_slice(f"receive ({self.label})", start, now_us(), CAT_MARK)
        return got

    def __getattr__(self, name: str) -> Any:  # open, close, release
        if name.startswith("_") or name == "end":
            raise AttributeError(name)
        return getattr(self.end, name)


class TracedBuffer:
    """A segment's buffer whose slice assignment (the sender's copy) is marked."""

    def __init__(self, buf: Any, name: str) -> None:
        self.buf, self.name = buf, name

    def __setitem__(self, key: Any, value: Any) -> None:
        start = now_us()
        self.buf[key] = value
        add_slice("copy into the segment", start, now_us(), CAT_MARK,
                  {"segment": self.name, "bytes": memoryview(value).nbytes})

    def __getitem__(self, key: Any) -> Any:
        return self.buf[key]


class TracedSegment:
    """An attached segment whose ``buf`` is a :class:`TracedBuffer`."""

    def __init__(self, segment: Any) -> None:
        self.segment = segment
        self.buf = TracedBuffer(segment.buf, segment.name)

    def close(self) -> None:
        self.buf = None  # type: ignore[assignment]
        self.segment.close()


class TracedShmSender(ShmSender):
    """The benchmark's SharedMemory sender, its write into the segment marked."""

    def open(self) -> None:
        super().open()
        self.segment = TracedSegment(self.segment)

    def __reduce__(self):
        return (TracedShmSender, (self.name, self.notice, self.payload))


class TracedHandOver(HandOverRun):
    """The benchmark's hand-over driver with traced ends and named processes."""

    def __init__(self, ctx: Any, transfer: str, size: int, prefix: str, timeout: float) -> None:
        super().__init__(ctx, transfer, size, "ndarray", "copy", timeout=timeout)
        self.prefix = prefix

    def _members(self) -> tuple[list[tuple], list[str]]:
        args, names = super()._members()
        traced = [self._traced(member) for member in args]
        return traced, [f"{self.prefix}-{name}" for name in names]

    def _traced(self, member: tuple) -> tuple:
        role, end = member[0], member[5]
        label = "Queue" if self.transfer == "queue" else "SharedMemory"
        if self.transfer == "queue":
            queue = end.out_queue if role == "sender" else end.end.in_queue
            traced = TracedQueue(queue, "queue")
            end = (QueueEnd(out_queue=traced) if role == "sender"
                   else Receiving(QueueEnd(in_queue=traced), self.payload, wrap=False))
        elif role == "sender":
            end = TracedShmSender(end.name, TracedConnection(end.notice, "notice", "a", "b"),
                                  end.payload)
        else:
            end = ShmReceiver(TracedConnection(end.notice, "notice", "b", "a"), end.payload,
                              end.receiver)
        return member[:5] + (Marked(end, label),) + member[6:]


def body(run: ScenarioRun) -> None:
    args = run.args
    for transfer, prefix in SIDES:
        with run.phase(f"start ({prefix})"):
            driver = run.enter(TracedHandOver(run.ctx, transfer, args.size, prefix, run.timeout))
        for phase, count in (("warm-up", args.warmup), ("steady state", args.handovers)):
            if count:
                with run.phase(f"{phase} ({prefix})"):
                    driver.handovers(count)
        with run.phase(f"check ({prefix})"):
            driver.check(1)  # a distinct array, compared whole on arrival
        with run.phase(f"shutdown ({prefix})"):
            run.leave(driver)  # the members stop; the parent unlinks the segment


def main(argv: Sequence[str]) -> int:
    return scenario_main(NAME, argv, __doc__.strip().splitlines()[0], DEFAULTS, body)
