"""A channel, its processes and the timed calls: :class:`StreamRun` and :class:`PingPongRun`.

Each sets a channel up (:mod:`~mpbench.groups.channels.workloads.opening`) with its
processes (a :class:`~mpbench.workloads.crew.Crew` running
:func:`~mpbench.groups.channels.workloads.loops.member`, every timed side a child)
and times it; the pyperf worker only coordinates, outside the timed region.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.groups.channels.workloads.loops import member
from mpbench.groups.channels.workloads.messages import (
    PAYLOADS,
    QUEUE_BYTES,
    QUEUES,
    TRANSPORTS,
    message_length,
    queue_maxsize,
)
from mpbench.groups.channels.workloads.opening import Channel, open_pair, open_stream
from mpbench.workloads.crew import Crew, entered, stop_crew
from mpbench.workloads.memory import peak_rss, reset_peak_rss, rss

# Round trips per timed call whose stamps go into the samples file.
SAMPLES_PER_CALL = 64


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
