"""Traced stand-ins for a Queue, a Connection and a Lock.

The workloads take their channel or lock as a parameter; a traced scenario
hands them one of these instead. Each call is marked in the timeline as a
slice carrying an id, so the post-processor can draw an arrow from a
``put``/``send`` to the matching ``get``/``recv`` in another process, and from
a lock's release to the next acquire:

- a Queue has many writers and readers: the id travels with the message,
  which is put as ``(id, payload)`` and unwrapped by ``get``;
- a Connection is one writer and one reader per direction and keeps order:
  the k-th message sent one way is the k-th received, so ids are counted on
  both ends and the payload is left untouched (``send_bytes`` stays a bytes
  write);
- a Lock shares a small slot holding the id of the last release, written by
  the holder just before it releases and read by the next holder just after
  it acquires.

Untraced (no viztracer in the process), the same wrapping happens and only
the marks are skipped, so the overhead measurement compares like with like.
The proxies pickle with their target (spawn and forkserver children get them
as process arguments). Standard library only.
"""

from __future__ import annotations

import os
from typing import Any

from mpbench.tracing.marks import CAT_LOCK, CAT_MESSAGE, add_slice, crash_now, now_us


def payload_bytes(obj: Any) -> int | None:
    """Size of a bytes-like payload (``None`` for other objects: not pickled to count)."""
    try:
        return memoryview(obj).nbytes
    except TypeError:
        return None


class TracedQueue:
    """A ``multiprocessing.Queue`` whose ``put``/``get`` are marked and linked.

    ``crash_after`` (tests only) kills the process on that many ``put`` or
    ``get`` calls, as a crash would, mid-stream.
    """

    def __init__(self, queue: Any, channel: str = "queue",
                 crash_after: int | None = None) -> None:
        self.queue = queue
        self.channel = channel
        self.crash_after = crash_after
        self.calls = 0

    def _count_call(self) -> None:
        self.calls += 1
        if self.crash_after is not None and self.calls > self.crash_after:
            crash_now()

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        self._count_call()
        msg = f"{self.channel}:{os.getpid()}:{self.calls}"
        start = now_us()
        self.queue.put((msg, obj), block, timeout)
        add_slice(f"put {self.channel}", start, now_us(), CAT_MESSAGE,
                  {"msg": msg, "side": "send", "channel": self.channel,
                   "bytes": payload_bytes(obj)})

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        self._count_call()
        start = now_us()
        msg, obj = self.queue.get(block, timeout)
        add_slice(f"get {self.channel}", start, now_us(), CAT_MESSAGE,
                  {"msg": msg, "side": "recv", "channel": self.channel})
        return obj

    def put_nowait(self, obj: Any) -> None:
        self.put(obj, False)

    def get_nowait(self) -> Any:
        return self.get(False)

    def __getattr__(self, name: str) -> Any:
        # close, join_thread, qsize...; never for private names, so that
        # unpickling (which looks up __setstate__ before queue is set) works.
        if name.startswith("_") or name == "queue":
            raise AttributeError(name)
        return getattr(self.queue, name)


class TracedConnection:
    """One end of a ``Pipe`` whose sends and receives are marked and linked.

    ``me`` and ``peer`` name the two ends ("a", "b"): the k-th message sent
    from a is ``pipe:a>b:k`` on both sides.
    """

    def __init__(self, conn: Any, channel: str = "pipe", me: str = "a", peer: str = "b") -> None:
        self.conn = conn
        self.channel = channel
        self.me = me
        self.peer = peer
        self.sent = 0
        self.received = 0

    # The end stamp is taken by the caller: a stamp taken inside a helper call
    # that the scheduler stretches would straddle the slice's edge.
    def _sent(self, start: float, end: float, nbytes: int | None) -> None:
        self.sent += 1
        add_slice(f"send {self.channel}", start, end, CAT_MESSAGE,
                  {"msg": f"{self.channel}:{self.me}>{self.peer}:{self.sent}", "side": "send",
                   "channel": self.channel, "bytes": nbytes})

    def _received(self, start: float, end: float) -> None:
        self.received += 1
        add_slice(f"recv {self.channel}", start, end, CAT_MESSAGE,
                  {"msg": f"{self.channel}:{self.peer}>{self.me}:{self.received}",
                   "side": "recv", "channel": self.channel})

    def send_bytes(self, buf: Any, offset: int = 0, size: int | None = None) -> None:
        start = now_us()
        self.conn.send_bytes(buf, offset, size)
        self._sent(start, now_us(), size if size is not None else payload_bytes(buf))

    def send(self, obj: Any) -> None:
        start = now_us()
        self.conn.send(obj)
        self._sent(start, now_us(), payload_bytes(obj))

    def recv_bytes(self, maxlength: int | None = None) -> bytes:
        start = now_us()
        data = self.conn.recv_bytes(maxlength)
        self._received(start, now_us())
        return data

    def recv_bytes_into(self, buf: Any, offset: int = 0) -> int:
        start = now_us()
        got = self.conn.recv_bytes_into(buf, offset)
        self._received(start, now_us())
        return got

    def recv(self) -> Any:
        start = now_us()
        obj = self.conn.recv()
        self._received(start, now_us())
        return obj

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "conn":
            raise AttributeError(name)
        return getattr(self.conn, name)


def traced_pipe_ends(left: Any, right: Any, channel: str = "pipe"):
    """The two connections of a ``Pipe()`` as traced ends ``a`` and ``b``."""
    return (TracedConnection(left, channel, "a", "b"), TracedConnection(right, channel, "b", "a"))


class TracedLock:
    """A ``multiprocessing.Lock`` whose hand-offs are marked and linked.

    ``last_release`` is a shared ``RawArray('q', 2)``: ``(pid, n)`` of the last
    release, written by the holder before it releases, read by the next holder
    after it acquires (both inside the critical section, so always consistent).
    """

    def __init__(self, lock: Any, last_release: Any, name: str = "lock") -> None:
        self.lock = lock
        self.last_release = last_release
        self.name = name
        self.releases = 0

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        start = now_us()
        got = self.lock.acquire(block, timeout) if timeout is not None \
            else self.lock.acquire(block)
        if got:
            pid, n = self.last_release[0], self.last_release[1]
            add_slice(f"acquire {self.name}", start, now_us(), CAT_LOCK,
                      {"op": "acquire", "after": f"{pid}:{n}" if pid else None})
        return got

    def release(self) -> None:
        self.releases += 1
        pid = os.getpid()
        self.last_release[0], self.last_release[1] = pid, self.releases
        start = now_us()
        self.lock.release()
        add_slice(f"release {self.name}", start, now_us(), CAT_LOCK,
                  {"op": "release", "release": f"{pid}:{self.releases}"})

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "lock":
            raise AttributeError(name)
        return getattr(self.lock, name)


def trace_channel(channel: Any) -> Any:
    """Replace the ends of a :class:`mpbench.groups.channels.workloads.opening.Channel` (a Queue or
    a Pipe) by the same ends over traced proxies; the channel, for chaining."""
    from mpbench.groups.channels.workloads.ends import ConnEnd, QueueEnd

    names = {}
    if len(channel.connections) == 2:
        left, right = channel.connections
        names = {id(conn): traced for conn, traced
                 in zip(channel.connections, traced_pipe_ends(left, right, channel.transport))}
    traced_queues: dict = {}

    def queue(q: Any) -> Any:
        if q is None:
            return None
        return traced_queues.setdefault(id(q), TracedQueue(q, channel.transport))

    def conn(c: Any) -> Any:
        if c is None:
            return None
        if id(c) not in names:
            raise ValueError("a traced Pipe channel needs its two connections")
        return names[id(c)]

    ends: list[QueueEnd | ConnEnd] = []
    for end in channel.ends:
        if isinstance(end, QueueEnd):
            ends.append(QueueEnd(queue(end.out_queue), queue(end.in_queue), end.joinable))
        elif isinstance(end, ConnEnd):
            ends.append(ConnEnd(conn(end.writer), conn(end.reader), end.api))
        else:
            raise ValueError(f"cannot trace {type(end).__name__} ends")
    channel.ends = tuple(ends)
    return channel
