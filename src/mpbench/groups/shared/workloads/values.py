"""``Value``, ``RawValue``, ``Array`` and ``SharedMemory`` + ``struct``: one access at a time.

Objects (``mpbench_object``), each holding 64-bit integers (typecode ``q``):

===================  ========================================  ==========================
object               what                                      element get / set
===================  ========================================  ==========================
``value``            ``Value('q')`` (``lock=True``: an RLock)  ``v.value`` / ``v.value = 1``
``rawvalue``         ``RawValue('q')``, no lock                ``v.value`` / ``v.value = 1``
``array``            ``Array('q', n)`` (``lock=True``)         ``a[0]`` / ``a[0] = 1``
``rawarray``         ``RawArray('q', n)``, no lock             ``a[0]`` / ``a[0] = 1``
``shared_memory``    a ``SharedMemory`` segment                ``Struct('q').unpack_from(buf)``
                                                               / ``.pack_into(buf, 0, 1)``
``local``            a plain object of the process             ``ns.value`` / ``ns.value = 1``
===================  ========================================  ==========================

Operations (``mpbench_op``): ``get``, ``set``; ``increment`` (``value``:
``with v.get_lock(): v.value += 1``, the read-modify-write that needs the
lock, checked to lose nothing; ``local``: ``ns.value += 1``); ``slice_get`` / ``slice_set`` of a
whole array of ``size`` bytes: ``a[:]`` (a list of ints) and ``a[:] = ints`` for
``array`` and a ``local`` list, ``bytes(view)`` and ``view[:] = data`` for
``shared_memory``.

:func:`prepare` gives a client (or this process, for ``local``) its loop;
:class:`SharedValue` makes the shared object in the parent and checks its
state after each timed call. Standard library only.
"""

from __future__ import annotations

import struct
import types
from itertools import repeat
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.groups.shared.workloads.clients import Check
from mpbench.groups.shared.workloads.segments import Segments, shared_memory_class

TYPECODE = "q"
ITEM = struct.Struct(TYPECODE)
ELEMENT_OBJECTS = ("value", "rawvalue", "array", "rawarray", "shared_memory", "local")
SLICE_OBJECTS = ("array", "shared_memory", "local")
ELEMENT_OPS = ("get", "set")
SLICE_OPS = ("slice_get", "slice_set")
INCREMENT = "increment"
ELEMENTS_OF_ELEMENT_OBJECTS = 16  # an Array of a few items for element access


def api_of(obj: str, op: str) -> str:
    """The call a loop makes, for people (``mpbench_api``)."""
    if op == INCREMENT:
        return "with v.get_lock(): v.value += 1" if obj == "value" else "v.value += 1"
    if op in SLICE_OPS:
        if obj == "shared_memory":
            return "bytes(view)" if op == "slice_get" else "view[:] = data"
        return "a[:]" if op == "slice_get" else "a[:] = ints"
    if obj in ("value", "rawvalue", "local"):
        return "v.value" if op == "get" else "v.value = 1"
    if obj == "shared_memory":
        return "Struct('q').unpack_from(buf)" if op == "get" else "Struct('q').pack_into(buf, 0, 1)"
    return "a[0]" if op == "get" else "a[0] = 1"


# -- the loops (``count`` operations, nothing else) --------------------------------

def attr_get(v: Any, count: int) -> None:
    for _ in repeat(None, count):
        v.value  # noqa: B018 - the property read is what this loop times


def attr_set(v: Any, count: int) -> None:
    for _ in repeat(None, count):
        v.value = 1


def locked_increment(v: Any, count: int) -> None:
    lock = v.get_lock()
    for _ in repeat(None, count):
        with lock:
            v.value += 1


def attr_increment(v: Any, count: int) -> None:
    for _ in repeat(None, count):
        v.value += 1


def item_get(a: Any, count: int) -> None:
    for _ in repeat(None, count):
        a[0]


def item_set(a: Any, count: int) -> None:
    for _ in repeat(None, count):
        a[0] = 1


def struct_get(buf: Any, count: int) -> None:
    unpack = ITEM.unpack_from
    for _ in repeat(None, count):
        unpack(buf)


def struct_set(buf: Any, count: int) -> None:
    pack = ITEM.pack_into
    for _ in repeat(None, count):
        pack(buf, 0, 1)


def slice_get(a: Any, count: int) -> None:
    for _ in repeat(None, count):
        a[:]


def slice_set(a: Any, data: Any, count: int) -> None:
    for _ in repeat(None, count):
        a[:] = data


def bytes_get(view: Any, count: int) -> None:
    for _ in repeat(None, count):
        bytes(view)


LOOPS: dict[tuple[str, str], Callable[..., None]] = {
    ("attr", "get"): attr_get, ("attr", "set"): attr_set,
    ("item", "get"): item_get, ("item", "set"): item_set,
    ("struct", "get"): struct_get, ("struct", "set"): struct_set,
    ("list", "slice_get"): slice_get, ("list", "slice_set"): slice_set,
    ("bytes", "slice_get"): bytes_get, ("bytes", "slice_set"): slice_set,
}


def _nothing() -> None:
    pass


class _Attached:
    """A client's attachment to the segment, and a view of its first ``nbytes``."""

    def __init__(self, name: str, nbytes: int) -> None:
        self.segment = shared_memory_class()(name)
        self.view = self.segment.buf[:nbytes]

    def close(self) -> None:
        self.view.release()
        self.segment.close()


def items_for(size: int) -> int:
    """Array items of ``size`` bytes (at least one)."""
    return max(1, size // ITEM.size)


def prepare(obj: str, op: str, handle: Any, size: int = 0) -> tuple[Callable, tuple, Callable]:
    """``(loop, args, cleanup)`` for ``op`` on ``obj``: ``handle`` is the shared object
    (the segment's name for ``shared_memory``; ignored for ``local``, made here)."""
    cleanup: Callable[[], None] = _nothing
    if obj == "shared_memory":
        attached = _Attached(handle, size if op in SLICE_OPS else ITEM.size)
        target: Any = attached.view
        cleanup = attached.close
        kind = "bytes" if op in SLICE_OPS else "struct"
    elif obj == "local":
        if op in SLICE_OPS:
            target, kind = [0] * items_for(size), "list"
        else:
            target, kind = types.SimpleNamespace(value=0), "attr"
    else:
        target = handle
        kind = "list" if op in SLICE_OPS else "attr" if obj in ("value", "rawvalue") else "item"
    if op == INCREMENT:
        if obj not in ("value", "local"):
            raise ValueError("increment is measured on a Value (with its lock) and locally")
        return (locked_increment if obj == "value" else attr_increment), (target,), cleanup
    loop = LOOPS[kind, op]
    if op == "slice_set":
        data = b"\x01" * size if kind == "bytes" else [1] * items_for(size)
        return loop, (target, data), cleanup
    return loop, (target,), cleanup


class SharedValue(Check):
    """The shared object of one benchmark, made in the parent, and the check of its
    state around each timed call: a ``set`` must leave 1, an ``increment`` exactly
    one more per operation (lost updates fail the benchmark)."""

    def __init__(self, ctx: Any, obj: str, op: str, size: int = 0) -> None:
        self.obj, self.op, self.size = obj, op, size
        self.segments = Segments()
        items = items_for(size) if op in SLICE_OPS else ELEMENTS_OF_ELEMENT_OBJECTS
        self.handle: Any = None
        if obj == "value":
            self.handle = ctx.Value(TYPECODE, 0)
        elif obj == "rawvalue":
            self.handle = ctx.RawValue(TYPECODE, 0)
        elif obj == "array":
            self.handle = ctx.Array(TYPECODE, items)
        elif obj == "rawarray":
            self.handle = ctx.RawArray(TYPECODE, items)
        elif obj == "shared_memory":
            self.segment = self.segments.create(items * ITEM.size)
            self.handle = self.segment.name
        elif obj != "local":
            raise ValueError(f"unknown object {obj!r}")

    def close(self) -> None:
        self.segments.clear()

    def read(self) -> int:
        """The first element, as the parent sees it."""
        if self.obj in ("value", "rawvalue"):
            return self.handle.value
        if self.obj == "shared_memory":
            return ITEM.unpack_from(self.segment.buf)[0]
        return self.handle[0]

    def write(self, value: int) -> None:
        if self.obj in ("value", "rawvalue"):
            self.handle.value = value
        elif self.obj == "shared_memory":
            ITEM.pack_into(self.segment.buf, 0, value)
        else:
            self.handle[0] = value

    def reset(self) -> None:
        if self.op in ("set", INCREMENT):
            self.write(0)

    def verify(self, operations: int) -> None:
        if self.op not in ("set", INCREMENT):
            return
        # reset() zeroed it before the call (the clients' untimed first calls came earlier)
        expected = operations if self.op == INCREMENT else 1
        got = self.read()
        if got != expected:
            raise BenchmarkFailed(f"{self.obj} {self.op}: the parent reads {got} after "
                                  f"{operations} operations, expected {expected}"
                                  + (" (lost updates: the lock did not hold)"
                                     if self.op == INCREMENT else ""))


def specs_for(obj: str, op: str, handle: Any, size: int, clients: int) -> list[tuple]:
    """:func:`prepare`'s arguments for each of ``clients`` clients."""
    return [(obj, op, handle, size)] * clients
