"""One process hands a buffer to another: the timed loops, the crew members, the driver.

A *hand-over* runs from the sender's stamp just before it starts sending (or
writing into the segment, or forking) to the receiver's stamp just after it
holds a usable view or copy. Then, outside that span, the receiver drops the
object, closes what it attached and acknowledges on a raw pipe; the sender
waits for the acknowledgement before the next hand-over, so hand-overs never
overlap (one segment is reused). Stamps are ``time.monotonic_ns()``
(CLOCK_MONOTONIC, system-wide): one in each process per hand-over.

Three passes, each a command to the same processes:

- ``run``: the timed loop, nothing else in it;
- ``check``: a distinct payload per hand-over, compared whole on arrival;
- ``memory``: one hand-over with each side's peak resident memory read
  around it (reset before, ``VmHWM`` after, shared-memory pages counted
  once), to tell how many copies of the payload the method held.

``fork_cow`` has no receiving member: the sender forks a child per
hand-over, which finds the payload already in its (copy-on-write) memory.

Standard library only (numpy only for an array payload).
"""

from __future__ import annotations

import os
import signal
import struct
import sys
from array import array
from collections.abc import Sequence
from time import monotonic_ns
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.groups.shared.workloads.segments import Segments
from mpbench.groups.shared.workloads.transfer import (
    Link,
    check_payload,
    make_payload,
    numpy_module,
    open_link,
    receivers_of,
)
from mpbench.workloads.crew import READY, STOP, Crew, entered, stop_crew
from mpbench.workloads.guard import describe_exit
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss, rss_shmem

ACK = b"\x00"
FAULT_RECEIVER_DIES = "receiver-dies"  # --inject-fault: the receiver dies mid-transfer
# --inject-fault: the process driving the hand-over (the pyperf worker) is killed
# after the receiver got its command and before the sender did, as the OOM
# killer would: the receiver waits on a notice that never comes
FAULT_WORKER_DIES = "worker-dies"
WATCHED_MODULES = ("numpy", "pyperf", "mpbench.catalogue", "mpbench.runner", "matplotlib")
_FORK_ANSWER = struct.Struct("4q")  # the fork child's stamp, and held, peak, base (bytes)


def _stamps(count: int) -> array:
    return array("q", bytes(8 * count))


class Ack:
    """A raw pipe from receiver to sender: one byte per hand-over. Holds the
    ``Connection`` objects (spawn children inherit those) and uses their descriptors."""

    def __init__(self, reader: Any, writer: Any) -> None:
        self.reader, self.writer = reader, writer

    def wait(self) -> None:
        if not os.read(self.reader.fileno(), 1):
            raise EOFError("the receiver closed its acknowledgement pipe")

    def send(self) -> None:
        os.write(self.writer.fileno(), ACK)


# -- the loops --------------------------------------------------------------------

def send_loop(end: Any, obj: Any, count: int, ack: Ack) -> array:
    """``count`` hand-overs of ``obj``; the stamp just before each one starts."""
    send, now = end.send, monotonic_ns
    read, fd = os.read, ack.reader.fileno()
    stamps = _stamps(count)
    for i in range(count):
        stamps[i] = now()
        send(obj)
        if not read(fd, 1):
            raise EOFError("the receiver closed its acknowledgement pipe")
    return stamps


def recv_loop(end: Any, count: int, ack: Ack, die_at: int | None = None) -> array:
    """``count`` hand-overs; the stamp just after each object is held."""
    recv, release, now = end.recv, end.release, monotonic_ns
    write, fd = os.write, ack.writer.fileno()
    stamps = _stamps(count)
    for i in range(count):
        if i == die_at:  # test hook: killed mid-transfer, the sender still writing
            os.kill(os.getpid(), signal.SIGKILL)
        got = recv()
        stamps[i] = now()
        del got  # before closing what it may view
        release()
        write(fd, ACK)
    return stamps


def send_checked(end: Any, size: int, payload: str, count: int, ack: Ack) -> int:
    """Payloads 1 to ``count`` (0 is the one timed: a stale segment would show)."""
    for seq in range(1, count + 1):
        end.send(make_payload(size, payload, seq))
        ack.wait()
    return count


def recv_checked(end: Any, size: int, payload: str, count: int, ack: Ack) -> int:
    for seq in range(1, count + 1):
        got = end.recv()
        try:
            check_payload(got, size, payload, seq)
        finally:
            got = None
            end.release()
        ack.send()
    return count


class Held:
    """Memory one process held for a hand-over: its resident memory at the start
    (``base``), its peak since (``VmHWM``, reset at the start), and ``held``, the
    peak over the base less the shared-memory pages it newly mapped (a segment's
    pages count once, in the process that filled them, not again in each reader)."""

    def __init__(self) -> None:
        reset_peak_rss()
        self.base, self.shmem = rss(), rss_shmem()

    def now(self) -> tuple[int, int, int]:
        """``(held, peak, base)`` in bytes."""
        peak = peak_rss()
        return max(0, peak - self.base - max(0, rss_shmem() - self.shmem)), peak, self.base


def send_measured(end: Any, obj: Any, ack: Ack) -> tuple[int, int, int]:
    held = Held()
    end.send(obj)
    ack.wait()
    return held.now()


def recv_measured(end: Any, ack: Ack) -> tuple[int, int, int]:
    held = Held()
    got = end.recv()
    memory = held.now()  # while holding it
    del got
    end.release()
    ack.send()
    return memory


# -- fork and copy-on-write ----------------------------------------------------------

def _hold_inherited(source: Any, receiver: str) -> Any:
    if receiver == "copy":
        return source.copy() if hasattr(source, "copy") else bytes(memoryview(source))
    # bytes(b) and b[:] return b itself: copying bytes takes a memoryview
    return source[:] if hasattr(source, "copy") else memoryview(source)


def _fork_child(source: Any, receiver: str, fd: int, measure: bool,
                expect: tuple[int, str, int] | None, die: bool) -> None:  # pragma: no cover
    code = 1
    try:
        if die:
            os.kill(os.getpid(), signal.SIGKILL)
        held = Held() if measure else None
        got = _hold_inherited(source, receiver)
        stamp = monotonic_ns()
        memory = held.now() if held else (0, 0, 0)
        if expect:
            check_payload(got, *expect)
        os.write(fd, _FORK_ANSWER.pack(stamp, *memory))
        code = 0
    except BaseException as exc:
        try:
            sys.stderr.write(f"fork child: {type(exc).__name__}: {exc}\n")
        except Exception:
            pass
    finally:
        os._exit(code)


def fork_handovers(obj: Any, count: int, receiver: str, *, size: int = 0,
                   payload: str = "bytes", check: bool = False, measure: bool = False,
                   die_at: int | None = None) -> tuple[int, tuple, tuple]:
    """``count`` hand-overs to a child forked for each: ``(total span ns, memory of
    the last child, memory of this process)``, each memory a :meth:`Held.now`
    triple (zeros unless ``measure``). The span runs from just before ``os.fork()``
    to the child holding its view (or copy); the child's exit and its reaping come
    after."""
    read_fd, write_fd = os.pipe()
    total = 0
    child: list[int] = [0, 0, 0]
    sender = Held() if measure else None
    try:
        for i in range(count):
            source = make_payload(size, payload, i + 1) if check else obj
            expect = (size, payload, i + 1) if check else None
            start = monotonic_ns()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - child
                _fork_child(source, receiver, write_fd, measure, expect, i == die_at)
            status = os.waitpid(pid, 0)[1]
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                raise BenchmarkFailed(f"fork child ended with {describe_exit(code)}")
            stamp, *child = _FORK_ANSWER.unpack(os.read(read_fd, _FORK_ANSWER.size))
            total += stamp - start
    finally:
        os.close(read_fd)
        os.close(write_fd)
    return total, tuple(child), sender.now() if sender else (0, 0, 0)


# -- crew members ---------------------------------------------------------------------

def handover_member(conn: Any, role: str, transfer: str, receiver: str, size: int,
                    payload: str, end: Any, ack: Ack | None, fault: str | None) -> None:
    """Crew target: the ``sender`` or the ``receiver`` of a transfer.

    Commands: ``("run", n)`` (answer: the stamps of n hand-overs),
    ``("check", n)``, ``("memory", 1)`` (answer: :meth:`Held.now`), ``("modules", 0)``
    (answer: which of :data:`WATCHED_MODULES` this process has imported).
    """
    if payload == "ndarray":
        numpy_module()  # before READY: the import is set-up, not a hand-over
    obj = make_payload(size, payload) if role == "sender" else None
    if hasattr(end, "open"):
        end.open()
    dying = fault == FAULT_RECEIVER_DIES
    try:
        conn.send(READY)
        while True:
            command = conn.recv()
            if command is STOP:
                return
            kind, count = command
            if kind == "modules":
                conn.send([name for name in WATCHED_MODULES if name in sys.modules])
            elif transfer == "fork_cow":
                conn.send(fork_handovers(obj, count, receiver, size=size, payload=payload,
                                         check=kind == "check", measure=kind == "memory",
                                         die_at=count // 2 if dying and kind == "run" else None))
            elif ack is None:
                raise ValueError(f"{transfer}: a sender and a receiver need the ack pipe")
            elif role == "sender":
                conn.send(send_loop(end, obj, count, ack) if kind == "run"
                          else send_checked(end, size, payload, count, ack) if kind == "check"
                          else send_measured(end, obj, ack))
            else:
                conn.send(recv_loop(end, count, ack, count // 2 if dying else None)
                          if kind == "run"
                          else recv_checked(end, size, payload, count, ack) if kind == "check"
                          else recv_measured(end, ack))
    finally:
        if hasattr(end, "close"):
            end.close()


class HandOverRun:
    """A sender child and a receiver child (``fork_cow``: the sender alone) set up for
    ``transfer``; the parent creates (and at the end unlinks) the segment of
    ``shared_memory``. ``time(loops)`` returns the seconds of ``loops`` hand-overs,
    the sum of their spans. ``cpus`` pins both (and a fork child, which inherits it)."""

    def __init__(self, ctx: Any, transfer: str, size: int, payload: str = "bytes",
                 receiver: str = "copy", *, timeout: float = 30.0,
                 fault: str | None = None, cpus: Sequence[int] | None = None) -> None:
        if receiver not in receivers_of(transfer):
            raise ValueError(f"{transfer} has no {receiver!r} receiver")
        self.ctx, self.transfer, self.size = ctx, transfer, size
        self.payload, self.receiver, self.timeout, self.fault = payload, receiver, timeout, fault
        self.cpus = list(cpus) if cpus is not None else None
        self.what = f"{transfer} hand-over of {size} B ({payload}, {receiver})"
        self.segments = Segments()
        self.link: Link | None = None
        self.crew: Crew | None = None

    def _members(self) -> tuple[list[tuple], list[str]]:
        spec = (self.transfer, self.receiver, self.size, self.payload)
        if self.transfer == "fork_cow":
            fault = self.fault if self.fault == FAULT_RECEIVER_DIES else None
            return [("sender",) + spec + (None, None, fault)], ["sender"]
        name = None
        if self.transfer == "shared_memory":
            name = self.segments.create(self.size).name
        self.link = open_link(self.ctx, self.transfer, self.size, self.payload, self.receiver,
                              name)
        ack_reader, ack_writer = self.ctx.Pipe(duplex=False)
        self.link.connections += [ack_reader, ack_writer]
        ack = Ack(ack_reader, ack_writer)
        return ([("sender",) + spec + (self.link.sender, ack, None),
                 ("receiver",) + spec + (self.link.receiver, ack,
                                         self.fault if self.fault == FAULT_RECEIVER_DIES
                                         else None)],
                ["sender", "receiver"])

    def __enter__(self) -> HandOverRun:
        try:
            args, names = self._members()
            self.crew = Crew(self.ctx, handover_member, args, timeout=self.timeout,
                             what=self.what, names=names, cpus=[self.cpus] * len(args))
            self.crew.__enter__()
            if self.link is not None:
                self.link.release()
            self.crew.wait_ready()
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            stop_crew(self, exc_type, exc, tb)
        finally:
            if self.link is not None:
                self.link.release()
            self.segments.clear()

    def _command(self, kind: str, count: int) -> list[Any]:
        crew = entered(self.crew, self.what)
        try:
            for index in reversed(range(len(crew))):  # the receiver first: it must be waiting
                crew.send(index, (kind, count))
                if self.fault == FAULT_WORKER_DIES and kind == "run" and index:
                    os.kill(os.getpid(), signal.SIGKILL)
            return crew.recv_all()
        except BenchmarkFailed as exc:
            raise BenchmarkFailed(f"{exc}{self._deaths(str(exc))}") from None

    def _deaths(self, said: str) -> str:
        """Members killed by a signal: when the receiver dies, the sender's broken pipe
        may be what the crew hears first."""
        notes = []
        for proc in entered(self.crew, self.what).procs:
            proc.join(0.5)
            if (proc.exitcode is not None and proc.exitcode < 0
                    and f"{proc.name} ended with" not in said):
                notes.append(f"; {proc.name} ended with {describe_exit(proc.exitcode)}")
        return "".join(notes)

    def handovers(self, count: int) -> float:
        """``count`` hand-overs: the sum of their spans, in seconds."""
        answers = self._command("run", count)
        if self.transfer == "fork_cow":
            return answers[0][0] / 1e9
        starts, ends = answers
        return sum(map(int.__sub__, ends, starts)) / 1e9

    time = handovers

    def check(self, count: int = 2) -> None:
        """``count`` payloads, each unlike the one timed and the one before, compared
        whole by the receiver."""
        self._command("check", count)

    def memory(self) -> dict[str, tuple[int, int, int]]:
        """``(held, peak, base)`` bytes of each side for one hand-over, by role
        (``fork_cow``: ``sender`` and ``child``). Best run first, before the
        allocator holds freed buffers it would reuse unseen."""
        answers = self._command("memory", 1)
        if self.transfer == "fork_cow":
            return {"sender": answers[0][2], "child": answers[0][1]}
        return {"sender": answers[0], "receiver": answers[1]}

    def modules(self) -> dict[str, list[str]]:
        """Which of :data:`WATCHED_MODULES` each member has imported."""
        names = entered(self.crew, self.what).names
        return dict(zip(names, self._command("modules", 0)))

