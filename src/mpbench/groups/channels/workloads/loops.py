"""The loops a channel benchmark's children run, and the crew member that runs them.

The loops (:func:`produce`, :func:`consume`, :func:`ping`, :func:`pong`)
take an end (:mod:`~mpbench.groups.channels.workloads.ends`) as a parameter and never
build a channel themselves, so a caller may hand them a wrapped end (the
traced scenarios do) and run the very code the benchmarks time. Time stamps
come from ``time.monotonic_ns`` (``CLOCK_MONOTONIC``, system-wide), so a stamp
taken in one process compares with one taken in another: a producer stamps its
first send, the consumer its last receive; each side of a ping-pong stamps its
own sends and receives and keeps them locally, so nothing travels with a
message to carry its stamp.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import os
import signal
import time
from array import array
from collections.abc import Iterable
from itertools import repeat
from typing import Any

from mpbench.groups.channels.workloads.messages import DYING_CONSUMER, check_message, make_message
from mpbench.workloads.crew import READY
from mpbench.workloads.memory import reset_peak_rss

monotonic_ns = time.monotonic_ns


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
