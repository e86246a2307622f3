"""The channels group's catalogue: its transports, payloads and messages.

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

A message is ``bytes`` (``payload="bytes"``) or a list of ints of about the
same pickled size (``payload="object"``); :func:`make_message` makes message
``seq`` of a size and :func:`check_message` checks one that arrived.

The rest of the group: :mod:`~mpbench.groups.channels.workloads.ends` (what each
process holds of a channel), :mod:`~mpbench.groups.channels.workloads.opening` (opening a
channel), :mod:`~mpbench.groups.channels.workloads.loops` (the loops that are timed, and
the crew member that runs them), :mod:`~mpbench.groups.channels.workloads.runs` (a
channel, its processes and the timed calls).

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import os
from typing import Any

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
