"""Opening a channel of each transport, with the ends its processes use.

:func:`open_stream` makes a one-way channel (a sender end and a receiver end),
:func:`open_pair` a two-way one for a ping-pong; both return a
:class:`Channel`, which owns what has to be closed afterwards.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mpbench.groups.channels.workloads.ends import ConnEnd, FdEnd, QueueEnd, SocketEnd
from mpbench.groups.channels.workloads.messages import QUEUES, RAW, queue_maxsize
from mpbench.workloads.placement import pinned


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
