"""Channels between processes, and the loops that drive them.

Transports (names are the ``mpbench_transport`` metadata values):

=================  ==========================================  =========================
name               what                                        bytes / object payload
=================  ==========================================  =========================
``queue``          ``multiprocessing.Queue`` (bounded)         ``put`` / ``get``
``simplequeue``    ``multiprocessing.SimpleQueue``             ``put`` / ``get``
``joinablequeue``  ``multiprocessing.JoinableQueue`` (bounded)  ``put`` / ``get`` + ``task_done``
``pipe``           ``Pipe(duplex=True)`` (a socketpair)        ``send_bytes`` / ``send``
``pipe_simplex``   ``Pipe(duplex=False)`` (an ``os.pipe``)     ``send_bytes`` / ``send``
``manager_queue``  ``Manager().Queue()`` proxy (bounded)       ``put`` / ``get``
``os_pipe``        floor: raw ``os.pipe``                      ``os.write`` / ``os.readinto``
``socketpair``     floor: raw ``socket.socketpair``            ``sendall`` / ``recv_into``
=================  ==========================================  =========================

An *end* is whatever one process holds of a channel: an object with
``send(message)`` and ``recv() -> message`` (and, for a JoinableQueue
producer, ``finish()``). The loops below (:func:`produce`, :func:`consume`,
:func:`ping`, :func:`pong`) take an end as a parameter and never build a
channel themselves, so a caller may hand them a wrapped end (the traced
scenarios do) and run the very code the benchmarks time.

:class:`StreamRun` and :class:`PingPongRun` set a channel up with its
processes (a :class:`~mpbench.workloads.crew.Crew`, every timed side a
child) and time it; the pyperf worker only coordinates, outside the timed
region. Time stamps come from ``time.monotonic_ns`` (``CLOCK_MONOTONIC``,
system-wide), so a stamp taken in one process compares with one taken in
another: a producer stamps its first send, the consumer its last receive;
each side of a ping-pong stamps its own sends and receives and keeps them
locally, so nothing travels with a message to carry its stamp.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import functools
import io
import os
import signal
import socket
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.crew import READY, Crew, entered, stop_crew
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss
from mpbench.workloads.placement import pinned

monotonic_ns = time.monotonic_ns

QUEUES = ("queue", "simplequeue", "joinablequeue", "manager_queue")
PIPES = ("pipe", "pipe_simplex")
RAW = ("os_pipe", "socketpair")
CHANNELS = ("queue", "simplequeue", "joinablequeue", "pipe", "pipe_simplex", "manager_queue")
TRANSPORTS = CHANNELS + RAW
PAYLOADS = ("bytes", "object")
BOUNDED = ("queue", "joinablequeue", "manager_queue")

# A bounded queue holds at most this many bytes of messages (and 2 to 1000 messages).
QUEUE_BYTES = 4 * 2**20
QUEUE_MAX_ITEMS = 1000
# Ints in [2**20, 2**31) pickle as 4-byte BININT and are not CPython's cached small ints.
OBJECT_BASE = 1 << 20
_PATTERN = bytes(range(251)) * 2
DYING_CONSUMER = "dying-consumer"  # a consumer that dies halfway (``--inject-fault``)
# Round trips per timed call whose stamps go into the samples file.
SAMPLES_PER_CALL = 64


def api_of(transport: str, payload: str) -> str:
    """What a transport's ends call: ``put/get``, ``send_bytes/recv_bytes``..."""
    if transport in QUEUES:
        return "put/get+task_done" if transport == "joinablequeue" else "put/get"
    if transport in PIPES:
        return "send_bytes/recv_bytes" if payload == "bytes" else "send/recv"
    if transport == "os_pipe":
        return "os.write/os.readinto" if hasattr(os, "readinto") else "os.write/FileIO.readinto"
    if transport == "socketpair":
        return "sendall/recv_into"
    raise ValueError(f"unknown transport {transport!r}")


def queue_maxsize(transport: str, size: int) -> int | None:
    """The bound of a bounded queue for messages of ``size`` bytes (``None``: unbounded)."""
    if transport not in BOUNDED:
        return None
    return max(2, min(QUEUE_MAX_ITEMS, QUEUE_BYTES // max(size, 1)))


# -- messages -----------------------------------------------------------------

def object_items(size: int) -> int:
    """How many ints make a list whose pickle is about ``size`` bytes: 5 bytes an
    int, 2 more per batch of 1000, about 16 for the list itself."""
    return max(1, (size - 16) * 1000 // 5002)


def make_message(size: int, payload: str = "bytes", seq: int = 0) -> Any:
    """A message of ``size`` bytes: ``bytes`` with a pattern that shifts with ``seq``,
    or (``payload="object"``) a list of ints whose pickle is about ``size`` bytes,
    its first item ``OBJECT_BASE + seq``."""
    if payload == "object":
        first = OBJECT_BASE + seq
        return list(range(first, first + object_items(size)))
    if payload != "bytes":
        raise ValueError(f"unknown payload {payload!r}")
    start = seq % 251
    unit = _PATTERN[start:start + 251]
    reps, rest = divmod(size, 251)
    return unit * reps + unit[:rest]


def message_length(size: int, payload: str = "bytes") -> int:
    """``len()`` of a message as the receiver gets it: bytes, or items of the list."""
    return object_items(size) if payload == "object" else size


def pickled_size(size: int, payload: str = "bytes") -> int:
    """Bytes that go through the channel for one message once pickled (Queue, ``send``)."""
    from multiprocessing.reduction import ForkingPickler

    return len(ForkingPickler.dumps(make_message(size, payload)))


class MessageMismatch(Exception):
    """A message arrived cut, altered or out of order."""


def check_message(message: Any, size: int, payload: str, seq: int) -> None:
    """Raise :class:`MessageMismatch` unless ``message`` is message ``seq`` whole."""
    expected = make_message(size, payload, seq)
    got = bytes(message) if isinstance(message, (bytearray, memoryview)) else message
    if got != expected:
        length = len(got) if hasattr(got, "__len__") else "?"
        raise MessageMismatch(f"message {seq} of {size} B ({payload}) arrived altered "
                              f"or out of order (length {length})")


# -- ends -----------------------------------------------------------------------

class QueueEnd:
    """Sends with ``out_queue.put``, receives with ``in_queue.get`` (either may be absent).

    ``joinable``: every received item is acknowledged with ``task_done()``, and
    :meth:`finish` waits with ``join()`` until everything sent was acknowledged.
    """

    def __init__(self, out_queue: Any = None, in_queue: Any = None, joinable: bool = False):
        self.out_queue, self.in_queue, self.joinable = out_queue, in_queue, joinable
        if out_queue is not None:
            self.send = out_queue.put
        if in_queue is not None:
            self.recv = self._get_and_done if joinable else in_queue.get

    def _get_and_done(self) -> Any:
        item = self.in_queue.get()
        self.in_queue.task_done()
        return item

    def finish(self) -> None:
        if self.joinable and self.out_queue is not None:
            self.out_queue.join()

    def __reduce__(self):
        return (QueueEnd, (self.out_queue, self.in_queue, self.joinable))


class ConnEnd:
    """A ``multiprocessing.connection.Connection`` end: ``send_bytes``/``recv_bytes``
    (``api="bytes"``) or pickled ``send``/``recv`` (``api="object"``)."""

    def __init__(self, writer: Any = None, reader: Any = None, api: str = "bytes"):
        self.writer, self.reader, self.api = writer, reader, api
        if writer is not None:
            self.send = writer.send_bytes if api == "bytes" else writer.send
        if reader is not None:
            self.recv = reader.recv_bytes if api == "bytes" else reader.recv

    def __reduce__(self):
        return (ConnEnd, (self.writer, self.reader, self.api))


def _reader_into(fd: int) -> Callable[[memoryview], int]:
    """A C-level ``readinto(view) -> bytes read`` on ``fd``: ``os.readinto`` (Python
    3.14+) or, before it, an unbuffered ``io.FileIO`` over the same descriptor
    (one ``read(2)`` into the buffer either way)."""
    if hasattr(os, "readinto"):
        return functools.partial(os.readinto, fd)
    return io.FileIO(fd, "rb", closefd=False).readinto


def _read_rest(readinto: Callable[[memoryview], int], view: memoryview, got: int,
               what: str) -> None:
    """Finish a message that arrived in pieces (or raise EOFError if the peer closed)."""
    size = len(view)
    while got < size:
        more = readinto(view[got:])
        if not more:
            raise EOFError(f"{what} closed" + (" mid-message" if got else ""))
        got += more


class FdEnd:
    """The raw-pipe floor: ``os.write`` and ``os.readinto`` on the file descriptors
    of ``Pipe(duplex=False)`` connections (so spawn children inherit them), with no
    pickling and no framing. A message is exactly ``size`` bytes; :meth:`recv`
    fills and returns one reused buffer.

    ``send`` is ``os.write`` itself: a write to a blocking pipe returns only once
    every byte is written (POSIX), and calling it directly keeps a Python frame
    out of the floor.
    """

    def __init__(self, writer: Any = None, reader: Any = None, size: int = 0):
        self.writer, self.reader, self.size = writer, reader, size
        if writer is not None:
            self.send = functools.partial(os.write, writer.fileno())
        if reader is not None:
            self.recv = self._first_recv

    def _first_recv(self) -> bytearray:
        # The buffer is made in the process that receives, not in the parent that
        # built the end: forked children would each count it as resident.
        self.recv = _exact_receiver(_reader_into(self.reader.fileno()), self.size, "raw pipe")
        return self.recv()

    def __reduce__(self):
        return (FdEnd, (self.writer, self.reader, self.size))


def _exact_receiver(readinto: Callable[[memoryview], int], size: int,
                    what: str) -> Callable[[], bytearray]:
    """``recv()`` reading exactly ``size`` bytes into one reused buffer, returned."""
    buf = bytearray(size)
    view = memoryview(buf)

    def recv() -> bytearray:
        got = readinto(view)
        if got != size:
            _read_rest(readinto, view, got, what)
        return buf
    return recv


class SocketEnd:
    """The socketpair floor: ``sendall`` and ``recv_into`` on the socket under a
    ``Pipe(duplex=True)`` connection, no pickling, no framing; messages of
    exactly ``size`` bytes, received into one reused buffer."""

    def __init__(self, conn: Any, size: int = 0, sending: bool = True, receiving: bool = True):
        self.conn, self.size, self.sending, self.receiving = conn, size, sending, receiving
        self.sock = socket.socket(fileno=os.dup(conn.fileno()))
        if sending:
            self.send = self.sock.sendall
        if receiving:
            self.recv = self._first_recv

    def _first_recv(self) -> bytearray:
        self.recv = _exact_receiver(self.sock.recv_into, self.size, "socket")  # see FdEnd
        return self.recv()

    def __reduce__(self):
        return (SocketEnd, (self.conn, self.size, self.sending, self.receiving))


# -- channels ------------------------------------------------------------------

@dataclass
class Channel:
    """A channel and the ends its processes use.

    For a stream, ``ends`` is ``(sender, receiver)`` (every producer gets the
    same sender end); for a ping-pong, ``(a, b)``, each end sending to the
    other. ``helper_pids`` are processes the channel itself runs (a
    Manager's server). :meth:`release` drops the parent's copies of
    connections once the children hold theirs; :meth:`close` ends everything.
    """

    transport: str
    ends: tuple[Any, Any]
    connections: list[Any] = field(default_factory=list)
    manager: Any = None

    @property
    def helper_pids(self) -> list[int]:
        process = getattr(self.manager, "_process", None)
        return [process.pid] if process is not None and process.pid else []

    def release(self) -> None:
        for conn in self.connections:
            conn.close()
        self.connections = []

    def close(self) -> None:
        self.release()
        for end in self.ends:
            sock = getattr(end, "sock", None)
            if sock is not None:
                sock.close()
        if self.manager is not None:
            self.manager.shutdown()
            self.manager = None


def _new_queue(transport: str, ctx: Any, size: int, manager: Any) -> Any:
    maxsize = queue_maxsize(transport, size)
    if transport == "queue":
        return ctx.Queue(maxsize)
    if transport == "joinablequeue":
        return ctx.JoinableQueue(maxsize)
    if transport == "simplequeue":
        return ctx.SimpleQueue()
    return manager.Queue(maxsize)


def _start_manager(transport: str, ctx: Any, cpus: Sequence[int] | None) -> Any:
    if transport != "manager_queue":
        return None
    with pinned(cpus):  # the server inherits the placement
        return ctx.Manager()


def open_stream(transport: str, ctx: Any, size: int, payload: str = "bytes",
                cpus: Sequence[int] | None = None) -> Channel:
    """A one-way channel: ``ends = (sender, receiver)``.

    ``cpus`` pins a helper process the channel starts (a Manager's server).
    """
    api = "bytes" if payload == "bytes" else "object"
    ends: tuple[Any, Any]
    if transport in QUEUES:
        manager = _start_manager(transport, ctx, cpus)
        q = _new_queue(transport, ctx, size, manager)
        joinable = transport == "joinablequeue"
        return Channel(transport, (QueueEnd(out_queue=q, joinable=joinable),
                                   QueueEnd(in_queue=q, joinable=joinable)), manager=manager)
    if payload != "bytes" and transport in RAW:
        raise ValueError(f"{transport} carries raw bytes only")
    if transport in ("pipe", "socketpair"):
        left, right = ctx.Pipe(duplex=True)
        if transport == "pipe":
            ends = (ConnEnd(writer=left, api=api), ConnEnd(reader=right, api=api))
        else:
            ends = (SocketEnd(left, size, receiving=False), SocketEnd(right, size, sending=False))
        return Channel(transport, ends, [left, right])
    if transport in ("pipe_simplex", "os_pipe"):
        reader, writer = ctx.Pipe(duplex=False)
        if transport == "pipe_simplex":
            ends = (ConnEnd(writer=writer, api=api), ConnEnd(reader=reader, api=api))
        else:
            ends = (FdEnd(writer=writer, size=size), FdEnd(reader=reader, size=size))
        return Channel(transport, ends, [reader, writer])
    raise ValueError(f"unknown transport {transport!r}")


def open_pair(transport: str, ctx: Any, size: int, payload: str = "bytes",
              cpus: Sequence[int] | None = None) -> Channel:
    """A two-way channel for a ping-pong: ``ends = (a, b)``, each sending to the other."""
    api = "bytes" if payload == "bytes" else "object"
    ends: tuple[Any, Any]
    if transport in QUEUES:
        manager = _start_manager(transport, ctx, cpus)
        there, back = (_new_queue(transport, ctx, size, manager) for _ in range(2))
        joinable = transport == "joinablequeue"
        ends = (QueueEnd(there, back, joinable), QueueEnd(back, there, joinable))
        return Channel(transport, ends, manager=manager)
    if payload != "bytes" and transport in RAW:
        raise ValueError(f"{transport} carries raw bytes only")
    if transport in ("pipe", "socketpair"):
        left, right = ctx.Pipe(duplex=True)
        if transport == "pipe":
            ends = (ConnEnd(left, left, api), ConnEnd(right, right, api))
        else:
            ends = (SocketEnd(left, size), SocketEnd(right, size))
        return Channel(transport, ends, [left, right])
    if transport in ("pipe_simplex", "os_pipe"):
        r_there, w_there = ctx.Pipe(duplex=False)
        r_back, w_back = ctx.Pipe(duplex=False)
        if transport == "pipe_simplex":
            ends = (ConnEnd(w_there, r_back, api), ConnEnd(w_back, r_there, api))
        else:
            ends = (FdEnd(w_there, r_back, size), FdEnd(w_back, r_there, size))
        return Channel(transport, ends, [r_there, w_there, r_back, w_back])
    raise ValueError(f"unknown transport {transport!r}")


# -- the loops that are timed ---------------------------------------------------

def produce(end: Any, messages: Iterable[Any]) -> int:
    """Send every message through ``end``; return the monotonic stamp (ns) of the first send.

    The benchmarks pass ``itertools.repeat(message, count)``: one message
    object, sent ``count`` times.
    """
    send = end.send
    start = monotonic_ns()
    for message in messages:
        send(message)
    return start


def consume(end: Any, count: int) -> tuple[int, int, int]:
    """Receive ``count`` messages; return (messages, total ``len()``, stamp of the last, ns).

    Counting what arrived is how a benchmark knows every message came whole.
    """
    recv = end.recv
    length = 0
    for _ in range(count):
        length += len(recv())
    return count, length, monotonic_ns()


def consume_checked(end: Any, count: int, size: int, payload: str) -> tuple[int, int, int]:
    """:func:`consume`, checking that message ``i`` is ``make_message(size, payload, i)``."""
    length = 0
    for seq in range(count):
        message = end.recv()
        check_message(message, size, payload, seq)
        length += len(message)
    return count, length, monotonic_ns()


def _stamps(count: int) -> array:
    return array("q", bytes(8 * count))


def stamp_plan(count: int, samples: int | None = None) -> tuple[int, int, int]:
    """Which of ``count`` round trips are stamped: ``(lead, stride, stamped)``.

    ``lead`` round trips go unstamped first, then ``stamped`` groups of
    ``stride``, the last of each group stamped. Stamping a subset keeps the
    clock calls out of most round trips (they are not free when both processes
    share a CPU) while still sampling the whole call evenly.
    """
    stamped = count if samples is None else max(0, min(samples, count))
    if not stamped:
        return count, 1, 0
    stride = count // stamped
    return count - stride * stamped, stride, stamped


def ping(end: Any, message: Any, count: int, samples: int | None = None
         ) -> tuple[int, int, array, array]:
    """``count`` round trips: send ``message``, wait for the echo.

    Returns ``(start, stop, sent, got)``: stamps (ns) before the first send and
    after the last echo, and for the round trips :func:`stamp_plan` picks
    (every one by default) the stamps just before the send and just after
    the echo. The echo side must run :func:`pong` with the same arguments.
    """
    send, recv, now = end.send, end.recv, monotonic_ns
    lead, stride, stamped = stamp_plan(count, samples)
    sent, got = _stamps(stamped), _stamps(stamped)
    quiet = stride - 1
    start = now()
    for _ in range(lead):
        send(message)
        recv()
    for k in range(stamped):
        for _ in range(quiet):
            send(message)
            recv()
        sent[k] = now()
        send(message)
        recv()
        got[k] = now()
    return start, now(), sent, got


def pong(end: Any, count: int, samples: int | None = None) -> array:
    """Echo ``count`` messages; for the round trips :func:`stamp_plan` picks, return
    the stamp (ns) taken between the receive and the echo."""
    send, recv, now = end.send, end.recv, monotonic_ns
    lead, stride, stamped = stamp_plan(count, samples)
    turned = _stamps(stamped)
    quiet = stride - 1
    for _ in range(lead):
        send(recv())
    for k in range(stamped):
        for _ in range(quiet):
            send(recv())
        message = recv()
        turned[k] = now()
        send(message)
    return turned


def ping_checked(end: Any, size: int, payload: str, count: int
                 ) -> tuple[int, int, array, array]:
    """:func:`ping` with message ``i`` distinct, checking that each echo is whole."""
    sent, got = _stamps(count), _stamps(count)
    start = monotonic_ns()
    for i in range(count):
        sent[i] = monotonic_ns()
        end.send(make_message(size, payload, i))
        check_message(end.recv(), size, payload, i)
        got[i] = monotonic_ns()
    return start, monotonic_ns(), sent, got


# -- crew members -----------------------------------------------------------------

def member(conn: Any, role: str, end: Any, size: int = 0, payload: str = "bytes",
           verify: bool = False) -> None:
    """Crew target: one process of a channel benchmark, driven over ``conn``.

    Roles: ``producer`` (command: how many messages to send; answer: the
    stamp of its first send), ``consumer`` (how many to receive; answer:
    messages, total length, stamp of the last), ``ping`` and ``pong``
    (``(round trips, stamped round trips)``, after one unstamped warm-up
    round trip; answer: their stamps). ``verify`` sends distinct messages and
    checks each one on arrival (tests).
    """
    message = make_message(size, payload) if role in ("producer", "ping") else None
    reset_peak_rss()  # the peak from here on is the workload's, not the set-up's
    conn.send(READY)
    while True:
        count = conn.recv()
        if count is None:
            return
        if role == "producer":
            messages = ((make_message(size, payload, i) for i in range(count)) if verify
                        else repeat(message, count))
            start = produce(end, messages)
            if hasattr(end, "finish"):
                end.finish()
            conn.send(start)
        elif role == "consumer":
            conn.send(consume_checked(end, count, size, payload) if verify
                      else consume(end, count))
        elif role == DYING_CONSUMER:  # test hook: killed mid-stream, without a word
            consume(end, count // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        elif role == "ping":
            count, samples = count
            if verify:
                conn.send(ping_checked(end, size, payload, count))
            else:
                ping(end, message, 1)  # warm-up: the echo side may still be waking up
                conn.send(ping(end, message, count, samples))
        elif role == "pong":
            count, samples = count
            if not verify:
                pong(end, 1)
            conn.send(pong(end, count, None if verify else samples))
        else:
            raise ValueError(f"unknown role {role!r}")


# -- drivers: a channel, its processes, and the timed calls ------------------------------

class _ChannelRun:
    """Shared set-up of :class:`StreamRun` and :class:`PingPongRun`."""

    metric = ""

    def __init__(self, ctx: Any, transport: str, size: int, payload: str, *,
                 cpus: Sequence[int] | None, timeout: float, verify: bool,
                 member_cpus: Sequence[Sequence[int] | None] | None = None) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown transport {transport!r}")
        if payload not in PAYLOADS:
            raise ValueError(f"unknown payload {payload!r}")
        self.ctx, self.transport, self.size, self.payload = ctx, transport, size, payload
        self.cpus = list(cpus) if cpus is not None else None
        # per member (consumer then producers; ping then pong): cross-cpu placement
        self.member_cpus = list(member_cpus) if member_cpus is not None else None
        self.timeout, self.verify = timeout, verify
        self.what = f"{transport} {self.metric} of {size} B ({payload})"
        self.channel: Channel | None = None
        self.crew: Crew | None = None
        self.base_rss: dict[int, int] = {}

    def _open(self) -> Channel:
        raise NotImplementedError

    def _members(self, channel: Channel) -> tuple[list[tuple], list[str]]:
        raise NotImplementedError

    def __enter__(self):
        self.channel = self._open()
        try:
            args, names = self._members(self.channel)
            self.crew = Crew(self.ctx, member, args, timeout=self.timeout, what=self.what,
                             names=names, cpus=self.member_cpus or [self.cpus] * len(args))
            self.crew.__enter__()
            self.channel.release()
            self.crew.wait_ready()
            reset_peak_rss()
            self.base_rss = {pid: rss(pid) for pid in self.pids()}
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            stop_crew(self, exc_type, exc, tb)
        finally:
            if self.channel is not None:
                channel, self.channel = self.channel, None
                channel.close()

    def pids(self) -> list[int]:
        """Every process of the benchmark: this one, the crew, the channel's helpers."""
        members = [p.pid for p in self.crew.procs] if self.crew else []
        helpers = self.channel.helper_pids if self.channel else []
        return [os.getpid()] + members + helpers

    def peak_rss(self) -> dict[int, int]:
        """Peak resident memory per process (``VmHWM``, bytes) since the members were
        ready; :attr:`base_rss` holds each one's resident memory at that moment
        (the interpreter, and a sender's message), so the difference is what
        moving messages held."""
        return {pid: peak_rss(pid) for pid in self.pids()}


class StreamRun(_ChannelRun):
    """``producers`` children stream messages to one consumer child through one channel.

    ``time(loops)`` makes every producer send ``loops`` messages and returns
    the seconds from the first producer's first send to the consumer's last
    receive (pyperf's ``inner_loops`` = ``producers`` gives seconds per message).
    """

    metric = "throughput"

    def __init__(self, ctx: Any, transport: str, size: int, payload: str = "bytes",
                 producers: int = 1, *, cpus: Sequence[int] | None = None,
                 timeout: float = 30.0, verify: bool = False,
                 consumer: str = "consumer",
                 member_cpus: Sequence[Sequence[int] | None] | None = None) -> None:
        if producers > 1 and transport not in QUEUES:
            raise ValueError(f"{transport} has one writer: N producers need a queue")
        super().__init__(ctx, transport, size, payload, cpus=cpus, timeout=timeout,
                         verify=verify, member_cpus=member_cpus)
        self.producers = producers
        self.consumer_role = consumer

    def _open(self) -> Channel:
        return open_stream(self.transport, self.ctx, self.size, self.payload, self.cpus)

    def _members(self, channel: Channel) -> tuple[list[tuple], list[str]]:
        sender, receiver = channel.ends
        spec = (self.size, self.payload, self.verify)
        args = ([(self.consumer_role, receiver) + spec]
                + [("producer", sender) + spec] * self.producers)
        return args, ["consumer"] + [f"producer-{i}" for i in range(self.producers)]

    def stream(self, count: int) -> float:
        """Every producer sends ``count`` messages; seconds until the consumer has all."""
        crew = entered(self.crew, self.what)
        crew.send(0, count * self.producers)  # the consumer first: it must be waiting
        for index in range(1, self.producers + 1):
            crew.send(index, count)
        answers = crew.recv_all()
        received, length, last = answers[0]
        first = min(answers[1:])
        expected = count * self.producers
        if received != expected or length != expected * message_length(self.size, self.payload):
            raise BenchmarkFailed(f"{self.what}: the consumer got {received} messages of total "
                                  f"length {length}, expected {expected} of "
                                  f"{message_length(self.size, self.payload)} each")
        return (last - first) / 1e9

    time = stream

    def prime_count(self) -> int:
        """Messages per producer for a priming call: enough to fill a bounded queue."""
        maxsize = queue_maxsize(self.transport, self.size) or 0
        return max(3, min(64, maxsize + 2, QUEUE_BYTES // self.size + 2))


class PingPongRun(_ChannelRun):
    """A ping child and an echo (pong) child exchange one message back and forth.

    ``time(loops)`` runs ``loops`` round trips and returns their seconds; the
    stamps of up to :data:`SAMPLES_PER_CALL` round trips per call go into
    :attr:`sample_calls` for the samples file: series ``one_way_ns``, the
    out and back one-way latencies (ns) of each stamped round trip in turn,
    so consecutive pairs add up to its round trip.
    """

    metric = "round_trip"

    def __init__(self, ctx: Any, transport: str, size: int, payload: str = "bytes", *,
                 cpus: Sequence[int] | None = None, timeout: float = 30.0,
                 verify: bool = False, samples_per_call: int = SAMPLES_PER_CALL,
                 member_cpus: Sequence[Sequence[int] | None] | None = None) -> None:
        super().__init__(ctx, transport, size, payload, cpus=cpus, timeout=timeout,
                         verify=verify, member_cpus=member_cpus)
        self.samples_per_call = samples_per_call
        self.sample_calls: list[dict[str, Any]] = []

    def _open(self) -> Channel:
        return open_pair(self.transport, self.ctx, self.size, self.payload, self.cpus)

    def _members(self, channel: Channel) -> tuple[list[tuple], list[str]]:
        a, b = channel.ends
        spec = (self.size, self.payload, self.verify)
        return [("ping", a) + spec, ("pong", b) + spec], ["ping", "pong"]

    def round_trips(self, count: int, keep: bool = True) -> float:
        """``count`` round trips; their seconds, from the ping side's stamps. Each
        call starts with one more, untimed, round trip: the echo side may still
        be waking up from the command that started it."""
        crew = entered(self.crew, self.what)
        command = (count, self.samples_per_call)
        crew.send(1, command)
        crew.send(0, command)
        (start, stop, sent, got), turned = crew.recv_all()
        if keep:
            self._keep(sent, got, turned, count)
        return (stop - start) / 1e9

    def time(self, loops: int) -> float:
        return self.round_trips(loops)

    def _keep(self, sent: array, got: array, turned: array, count: int) -> None:
        # out and back of each stamped round trip, in that order: their sum is the round trip
        one_way: list[int] = []
        for k in range(len(sent)):
            one_way += (turned[k] - sent[k], got[k] - turned[k])
        self.sample_calls.append({
            "series": {"one_way_ns": one_way},
            "info": {"size": self.size, "round_trips": count, "stamped": len(sent)},
        })
