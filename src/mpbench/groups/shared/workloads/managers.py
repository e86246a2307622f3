"""Manager proxies, one call at a time: ``dict`` get/set, ``list`` append, ``Namespace``
attribute get/set, from N client processes at once, and the same loop on a local object.

Every proxy call is a request pickled over a connection to the manager's
server process (a thread per client connection there), the operation run by
that thread, and the reply pickled back: at least one ``Pipe()`` round trip
(the floor the group measures beside it, with the channels group's
ping-pong). The loops below are written as a program writes them (``d[k]``,
``lst.append(x)``, ``ns.value``) and run unchanged on a local ``dict``,
``list`` or ``SimpleNamespace``. Standard library only.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from itertools import repeat
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.groups.shared.workloads.clients import Check
from mpbench.groups.shared.workloads.values import attr_get, attr_set
from mpbench.workloads.placement import pinned

OBJECTS = ("dict", "list", "namespace")
OPS: dict[str, tuple[str, ...]] = {"dict": ("get", "set"), "list": ("append",),
                                   "namespace": ("get", "set")}
API = {("dict", "get"): "d[k]", ("dict", "set"): "d[k] = 1", ("list", "append"): "lst.append(1)",
       ("namespace", "get"): "ns.value", ("namespace", "set"): "ns.value = 1"}


def dict_get(d: Any, key: str, count: int) -> None:
    for _ in repeat(None, count):
        d[key]


def dict_set(d: Any, key: str, count: int) -> None:
    for _ in repeat(None, count):
        d[key] = 1


def list_append(lst: Any, count: int) -> None:
    append = lst.append
    for _ in repeat(None, count):
        append(1)


def client_key(index: int) -> str:
    """Each client reads and writes its own key of the dict."""
    return f"client-{index}"


def _nothing() -> None:
    pass


def prepare(obj: str, op: str, proxy: Any, index: int = 0) -> tuple[Callable, tuple, Callable]:
    """``(loop, args, cleanup)`` for ``op`` on ``proxy`` (any object with the API of
    ``obj``: a Manager proxy, or a local one)."""
    if op not in OPS.get(obj, ()):
        raise ValueError(f"no operation {op!r} on {obj!r}")
    if obj == "dict":
        return (dict_get if op == "get" else dict_set), (proxy, client_key(index)), _nothing
    if obj == "list":
        return list_append, (proxy,), _nothing
    return (attr_get if op == "get" else attr_set), (proxy,), _nothing


def local_object(obj: str, clients: int = 1) -> Any:
    """The local counterpart: a ``dict`` with each client's key, a ``list``, a namespace."""
    if obj == "dict":
        return {client_key(i): 0 for i in range(clients)}
    if obj == "list":
        return []
    if obj == "namespace":
        return types.SimpleNamespace(value=0)
    raise ValueError(f"unknown object {obj!r}")


class Managed(Check):
    """A ``Manager()`` (its server started here) and one object of ``obj`` in it,
    reset before and checked after every timed call by this process, through
    its own proxy: what the clients changed must be there for the parent to see.
    ``cpus`` pins the server process (it inherits this process's affinity)."""

    def __init__(self, ctx: Any, obj: str, op: str, clients: int,
                 cpus: Sequence[int] | None = None) -> None:
        self.obj, self.op, self.clients = obj, op, clients
        with pinned(cpus):
            self.manager = ctx.Manager()
        try:
            if obj == "dict":
                self.proxy: Any = self.manager.dict(local_object("dict", clients))
            elif obj == "list":
                self.proxy = self.manager.list()
            else:
                self.proxy = self.manager.Namespace(value=0)
        except BaseException:
            self.close()
            raise

    def specs(self) -> list[tuple]:
        return [(self.obj, self.op, self.proxy, index) for index in range(self.clients)]

    def close(self) -> None:
        if self.manager is not None:
            manager, self.manager = self.manager, None
            manager.shutdown()

    def reset(self) -> None:
        if self.obj == "list":
            del self.proxy[:]
        elif self.op == "set":
            if self.obj == "dict":
                self.proxy.update(local_object("dict", self.clients))
            else:
                self.proxy.value = 0

    def verify(self, operations: int) -> None:
        if self.obj == "list":
            got = len(self.proxy)
            if got != operations:
                raise BenchmarkFailed(f"Manager list: the parent sees {got} items after "
                                      f"{operations} appends")
        elif self.op == "set":
            seen = (self.proxy.copy() if self.obj == "dict" else {"value": self.proxy.value})
            unset = [key for key, value in seen.items() if value != 1]
            if unset:
                raise BenchmarkFailed(f"Manager {self.obj}: the parent sees {unset} unchanged "
                                      "after the clients set them")
