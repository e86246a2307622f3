"""Handing a large buffer from one process to another: payloads and the ends of each method.

Transfers (names are the ``mpbench_transfer`` metadata values):

=================  ==================================================  ===========
name               the sender ... / the receiver ...                   receiver
=================  ==================================================  ===========
``queue``          ``Queue.put(obj)`` (pickled by the feeder thread)   copy
                   / ``Queue.get()``
``send_bytes``     ``Connection.send_bytes(obj)`` / ``recv_bytes()``   copy
``pickle5``        ``pickle.dumps(obj, protocol=5, buffer_callback)``  copy
                   then one ``send_bytes`` frame for the pickle and
                   one per out-of-band buffer / ``recv_bytes`` each,
                   ``pickle.loads(..., buffers=frames)``
``shared_memory``  writes into a ``SharedMemory`` segment created      view, copy
                   once and sends a small notice over a ``Pipe`` /
                   attaches by name and views (or copies out)
``fork_cow``       forks a child that reads the parent's pages         view, copy
                   (copy-on-write), see :mod:`mpbench.groups.shared.workloads.handover`
``os_pipe``        floor: ``os.write`` / ``readinto`` on a raw pipe    copy
=================  ==================================================  ===========

A payload is ``bytes`` or a one-dimensional ``uint8`` numpy array of the
same bytes. numpy is imported only where the payload is an array: nothing
in this module imports it at the top, and a child handing over bytes never
loads it (a test checks). Where a method cannot carry a ``bytes`` object
out of band (pickle5), the sender wraps it in a ``pickle.PickleBuffer``, as
a program would.

The ends of ``queue``, ``send_bytes`` and ``os_pipe`` are those of the
channels group (:mod:`mpbench.groups.channels.workloads.ends`). Every receiving end has
``recv() -> obj`` and ``release()`` (close what ``recv`` opened, once the
object is dropped). Standard library only.
"""

from __future__ import annotations

import pickle
import struct
from time import perf_counter
from typing import Any

from mpbench.errors import BenchmarkFailed
from mpbench.groups.channels.workloads.ends import ConnEnd, FdEnd, QueueEnd
from mpbench.groups.channels.workloads.messages import make_message
from mpbench.groups.shared.workloads.segments import shared_memory_class

TRANSFERS = ("queue", "send_bytes", "pickle5", "shared_memory", "fork_cow")
FLOOR = "os_pipe"
ALL_TRANSFERS = TRANSFERS + (FLOOR,)
VIEWING = ("shared_memory", "fork_cow")  # the receiver may view the sender's bytes
PAYLOADS = ("bytes", "ndarray")
RECEIVERS = ("view", "copy")
DTYPE = "uint8"

_FRAME_COUNT = struct.Struct("<I")  # prefix of the first pickle5 frame: buffers that follow


def receivers_of(transfer: str) -> tuple[str, ...]:
    """What a receiver can hold after ``transfer``: a view of the sender's bytes, or a copy."""
    if transfer not in ALL_TRANSFERS:
        raise ValueError(f"unknown transfer {transfer!r}")
    return RECEIVERS if transfer in VIEWING else ("copy",)


_numpy: Any = None


def numpy_module() -> Any:
    """numpy, imported on first use (only where the payload is an array)."""
    global _numpy
    if _numpy is None:
        import numpy

        _numpy = numpy
    return _numpy


# -- payloads ------------------------------------------------------------------

def make_payload(size: int, payload: str = "bytes", seq: int = 0) -> Any:
    """``size`` bytes with a pattern that shifts with ``seq``: ``bytes``, or a writable
    ``uint8`` array of the same bytes (``payload="ndarray"``)."""
    data = make_message(size, "bytes", seq)
    if payload == "bytes":
        return data
    if payload != "ndarray":
        raise ValueError(f"unknown payload {payload!r}")
    return numpy_module().frombuffer(data, dtype=DTYPE).copy()


class PayloadMismatch(BenchmarkFailed):
    """A hand-over delivered something else than the payload sent."""


def check_payload(obj: Any, size: int, payload: str, seq: int) -> None:
    """Raise :class:`PayloadMismatch` unless ``obj`` is payload ``seq``, whole."""
    if payload == "ndarray":
        np = numpy_module()
        if not isinstance(obj, np.ndarray) or obj.dtype != np.dtype(DTYPE) or obj.shape != (size,):
            raise PayloadMismatch(f"hand-over {seq}: expected a {DTYPE} array of {size} items, "
                                  f"got {type(obj).__name__} {getattr(obj, 'shape', '')}")
    with memoryview(obj) as view:
        got = view.cast("B") if view.format != "B" else view
        if got.nbytes != size or bytes(got) != make_message(size, "bytes", seq):
            raise PayloadMismatch(f"hand-over {seq} of {size} B ({payload}) arrived altered, "
                                  f"cut or stale ({got.nbytes} B)")


def time_copy_into_new(loops: int, src: Any) -> float:
    """Floor: ``loops`` x ``bytes(src)``, a new object each time (allocated, its pages
    faulted in while copying, freed), as a receiver copying out does; pyperf's
    time function."""
    t0 = perf_counter()
    for _ in range(loops):
        bytes(src)
    return perf_counter() - t0


# -- pickle protocol 5 -----------------------------------------------------------

def pickle5_frames(obj: Any) -> tuple[bytes, list[memoryview]]:
    """``obj`` pickled with protocol 5: the pickle stream (without the payload's bytes,
    which go out of band) and one flat memoryview per out-of-band buffer."""
    if isinstance(obj, bytes):
        obj = pickle.PickleBuffer(obj)  # bytes pickle in band; a PickleBuffer does not
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    return stream, [buffer.raw() for buffer in buffers]


def pickle5_loads(stream: Any, frames: list[Any]) -> Any:
    """The object back from :func:`pickle5_frames`' output, over the frames (no copy)."""
    return pickle.loads(stream, buffers=frames)


class Pickle5End:
    """``Connection`` frames: the pickle stream (prefixed with the number of buffers),
    then each out-of-band buffer as its own ``send_bytes`` frame."""

    def __init__(self, writer: Any = None, reader: Any = None) -> None:
        self.writer, self.reader = writer, reader

    def send(self, obj: Any) -> None:
        stream, frames = pickle5_frames(obj)
        send_bytes = self.writer.send_bytes
        send_bytes(_FRAME_COUNT.pack(len(frames)) + stream)
        for frame in frames:
            send_bytes(frame)

    def recv(self) -> Any:
        recv_bytes = self.reader.recv_bytes
        first = recv_bytes()
        count = _FRAME_COUNT.unpack_from(first)[0]
        frames = [recv_bytes() for _ in range(count)]
        return pickle5_loads(memoryview(first)[_FRAME_COUNT.size:], frames)

    def release(self) -> None:
        pass

    def __reduce__(self):
        return (Pickle5End, (self.writer, self.reader))


# -- shared memory -----------------------------------------------------------------

def attach(name: str) -> Any:
    """``SharedMemory(name)``: attach as a program does by default (tracked by the
    resource tracker on every Python version that has one)."""
    return shared_memory_class()(name)


class ShmSender:
    """Writes the payload into a segment created once (by the parent, which unlinks it),
    then sends a small notice: ``(name, nbytes)``, plus dtype and shape for an array."""

    def __init__(self, name: str, notice: Any, payload: str) -> None:
        self.name, self.notice, self.payload = name, notice, payload
        self.segment: Any = None

    def open(self) -> None:
        """Attach once, before anything is timed."""
        self.segment = attach(self.name)

    def send(self, obj: Any) -> None:
        with memoryview(obj) as view:
            nbytes = view.nbytes
            self.segment.buf[:nbytes] = view
        if self.payload == "ndarray":
            self.notice.send((self.name, nbytes, str(obj.dtype), obj.shape))
        else:
            self.notice.send((self.name, nbytes))

    def close(self) -> None:
        if self.segment is not None:
            self.segment.close()
            self.segment = None

    def __reduce__(self):
        return (ShmSender, (self.name, self.notice, self.payload))


class ShmReceiver:
    """Reads the notice, attaches the segment by name, returns a view of it (nothing
    read yet) or a copy; :meth:`release` closes the attachment once the object is dropped."""

    def __init__(self, notice: Any, payload: str, receiver: str) -> None:
        self.notice, self.payload, self.receiver = notice, payload, receiver
        self.segment: Any = None

    def open(self) -> None:
        """Import what attaching needs before anything is timed."""
        shared_memory_class()

    def recv(self) -> Any:
        note = self.notice.recv()
        self.segment = segment = attach(note[0])
        copy = self.receiver == "copy"
        if self.payload == "bytes":
            if copy:
                with segment.buf[:note[1]] as view:
                    return bytes(view)
            return segment.buf[:note[1]]
        array = numpy_module().ndarray(note[3], dtype=note[2], buffer=segment.buf)
        return array.copy() if copy else array

    def release(self) -> None:
        if self.segment is not None:
            segment, self.segment = self.segment, None
            segment.close()

    def __reduce__(self):
        return (ShmReceiver, (self.notice, self.payload, self.receiver))


# -- wrapping the channels group's ends ---------------------------------------------

class Receiving:
    """A channels end seen as a receiver. For an array payload sent as raw bytes
    (``recv_bytes``, a raw pipe), ``wrap`` makes a ``uint8`` array over the received
    bytes (``numpy.frombuffer``: no copy; read-only over ``bytes``). ``Queue.get``
    returns the unpickled array itself: nothing to wrap."""

    def __init__(self, end: Any, payload: str, wrap: bool = True) -> None:
        self.end, self.payload, self.wrap = end, payload, wrap and payload == "ndarray"

    def recv(self) -> Any:
        got = self.end.recv()  # looked up per call: a raw-pipe end rebinds it once
        return numpy_module().frombuffer(got, dtype=DTYPE) if self.wrap else got

    def release(self) -> None:
        pass

    def __reduce__(self):
        return (Receiving, (self.end, self.payload, self.wrap))


# -- links: the two ends of one transfer ----------------------------------------------

class Link:
    """The sending and receiving ends of one transfer, and the connections the parent
    drops once its children hold theirs (:meth:`release`)."""

    def __init__(self, sender: Any, receiver: Any, connections: list[Any]) -> None:
        self.sender, self.receiver, self.connections = sender, receiver, connections

    def release(self) -> None:
        for conn in self.connections:
            conn.close()
        self.connections = []


def open_link(ctx: Any, transfer: str, size: int, payload: str, receiver: str,
              segment_name: str | None = None) -> Link:
    """The ends of ``transfer`` (not ``fork_cow``, which has no channel): for
    ``shared_memory``, ``segment_name`` is a segment of at least ``size`` bytes."""
    if receiver not in receivers_of(transfer):
        raise ValueError(f"{transfer} has no {receiver!r} receiver")
    if transfer == "queue":
        queue = ctx.Queue()
        return Link(QueueEnd(out_queue=queue),
                    Receiving(QueueEnd(in_queue=queue), payload, wrap=False), [])
    reader, writer = ctx.Pipe(duplex=False)
    ends: tuple[Any, Any]
    if transfer == "send_bytes":
        ends = (ConnEnd(writer=writer), Receiving(ConnEnd(reader=reader), payload))
    elif transfer == "pickle5":
        ends = (Pickle5End(writer=writer), Pickle5End(reader=reader))
    elif transfer == "shared_memory":
        if segment_name is None:
            raise ValueError("shared_memory needs a segment")
        ends = (ShmSender(segment_name, writer, payload), ShmReceiver(reader, payload, receiver))
    elif transfer == FLOOR:
        ends = (FdEnd(writer=writer, size=size), Receiving(FdEnd(reader=reader, size=size),
                                                           payload))
    else:
        raise ValueError(f"no channel for transfer {transfer!r}")
    return Link(ends[0], ends[1], [reader, writer])
