"""The ends of a channel: what one process holds of it.

An *end* is an object with ``send(message)`` and ``recv() -> message`` (and,
for a JoinableQueue producer, ``finish()``); ``send`` and ``recv`` are the
transport's own bound methods wherever possible, so a loop that calls them
adds no Python frame. Every end pickles (``__reduce__``) so that spawn and
forkserver children receive it whole.

Standard library only: spawn and forkserver children import this module.
"""

from __future__ import annotations

import functools
import io
import os
import socket
from typing import Any, Callable


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
