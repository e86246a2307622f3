"""A crew: child processes started once, then driven by the parent over one pipe each.

Benchmarks whose processes must be running before the clock starts (a consumer
blocked on a queue, N contenders for a lock) start a crew in their setup,
outside the timed region, and command it in every timed call. The crew owns
the failure handling those benchmarks share:

- a member's exception travels back as text and fails the benchmark with it;
- a member that dies (or is killed) is noticed at once through its sentinel,
  not only when a timeout expires;
- every wait is bounded by the crew's timeout;
- on the way out every member is stopped, reaped and its exit code checked,
  so no child outlives the benchmark and no failure goes unreported;
- a member dies with the process that drives it (Linux: ``PR_SET_PDEATHSIG``),
  so a pyperf worker killed mid-command (the OOM killer) leaves no member
  blocked for ever on a peer, holding segments and pyperf's result pipe.

A member runs ``target(conn, *args)``: it reads commands with ``conn.recv()``
until it receives :data:`STOP` (``None``) and answers with ``conn.send()``.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Sequence
from multiprocessing import connection
from typing import Any, Callable

from mpbench.errors import BenchmarkFailed
from mpbench.workloads.guard import ChildTimeout, check_exitcodes, describe_exit
from mpbench.workloads.reaping import die_with_parent, stop_processes

STOP = None
READY = "ready"  # what a member answers once it is set up
ERROR_TAG = "mpbench-crew-error"
STOP_GRACE = 5.0

Target = Callable[..., None]


def entered(crew: Crew | None, what: str) -> Crew:
    """``crew``, or RuntimeError when its owner is used outside its ``with`` block."""
    if crew is None:
        raise RuntimeError(f"{what}: used outside its with block")
    return crew


def stop_crew(owner: Any, exc_type: Any = None, exc: Any = None, tb: Any = None) -> None:
    """Exit ``owner.crew``, if any, after setting it to None (a second call does nothing):
    the ``__exit__`` of an object that runs a crew in its ``with`` block."""
    crew, owner.crew = owner.crew, None
    if crew is not None:
        crew.__exit__(exc_type, exc, tb)


def pin(cpus: Iterable[int] | None) -> None:
    """Restrict this process to ``cpus`` (no-op for ``None`` or where unsupported)."""
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cpus))


def _member_main(conn: Any, target: Target, args: tuple,
                 cpus: Sequence[int] | None) -> None:
    """Child side: tie to the parent, pin, run the target, report an exception as text
    before dying of it."""
    die_with_parent()
    try:
        pin(cpus)
        target(conn, *args)
    except BaseException as exc:
        try:
            conn.send((ERROR_TAG, "".join(traceback.format_exception_only(type(exc), exc))
                       .strip() or type(exc).__name__))
        except (OSError, ValueError):
            pass
        raise


class Crew:
    """``len(args)`` children running ``target(conn, *args[i])``, driven by the parent.

    Use as a context manager: leaving it (normally or by an exception) stops
    and reaps every member. ``names`` label members in messages and in the
    process table; ``cpus[i]`` pins member ``i`` (``None``: not pinned).
    """

    def __init__(self, ctx: Any, target: Target, args: Sequence[tuple], *, timeout: float,
                 what: str, names: Sequence[str] | None = None,
                 cpus: Sequence[Sequence[int] | None] | None = None) -> None:
        self.ctx = ctx
        self.target = target
        self.args = list(args)
        self.timeout = timeout
        self.what = what
        self.names = list(names) if names else [f"member-{i}" for i in range(len(self.args))]
        self.cpus = list(cpus) if cpus else [None] * len(self.args)
        self.procs: list[Any] = []
        self.conns: list[Any] = []

    def __len__(self) -> int:
        return len(self.args)

    def __enter__(self) -> Crew:
        try:
            for args, name, cpus in zip(self.args, self.names, self.cpus):
                parent_end, child_end = self.ctx.Pipe(duplex=True)
                proc = self.ctx.Process(target=_member_main, name=name,
                                        args=(child_end, self.target, args, cpus))
                self.procs.append(proc)
                self.conns.append(parent_end)
                proc.start()
                child_end.close()
        except BaseException:
            self._kill()
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self._kill()
            return
        self.stop()

    # -- commands -------------------------------------------------------------

    def send(self, index: int, command: Any) -> None:
        """Send ``command`` to member ``index``."""
        try:
            self.conns[index].send(command)
        except (BrokenPipeError, ConnectionResetError):
            self.procs[index].join(1.0)
            raise self._died(index) from None

    def send_all(self, command: Any) -> None:
        """Send the same ``command`` to every member."""
        for index in range(len(self)):
            self.send(index, command)

    def recv(self, index: int) -> Any:
        """The next answer of member ``index``."""
        return self.recv_from([index])[0]

    def recv_all(self) -> list[Any]:
        """One answer from every member, in member order."""
        return self.recv_from(range(len(self)))

    def recv_from(self, indices: Iterable[int]) -> list[Any]:
        """One answer from each member in ``indices``, in that order.

        Waits on the members' pipes and sentinels together, so a member that
        dies without answering fails the benchmark at once.
        """
        indices = list(indices)
        answers: dict = {}
        by_conn = {self.conns[i]: i for i in indices}
        by_sentinel = {self.procs[i].sentinel: i for i in indices}
        pending = set(indices)
        while pending:
            ready = connection.wait([self.conns[i] for i in pending]
                                    + [self.procs[i].sentinel for i in pending], self.timeout)
            if not ready:
                late = ", ".join(self.names[i] for i in sorted(pending))
                raise ChildTimeout(f"{self.what}: no answer from {late} within "
                                   f"{self.timeout:g} s")
            for item in ready:
                index = by_conn.get(item, by_sentinel.get(item))
                if index not in pending:
                    continue
                conn = self.conns[index]
                if item is conn or conn.poll():
                    try:
                        answers[index] = self._unwrap(index, conn.recv())
                    except EOFError:
                        raise self._died(index) from None
                    pending.discard(index)
                else:
                    raise self._died(index)
        return [answers[i] for i in indices]

    def wait_ready(self, who: str = "member") -> None:
        """Every member's first answer must be :data:`READY` (its set-up went well)."""
        answers = self.recv_all()
        if any(answer != READY for answer in answers):
            raise BenchmarkFailed(f"{self.what}: a {who} did not start cleanly: {answers}")

    def check_alive(self) -> None:
        """Fail at once if a member has died (for a parent waiting on something else,
        e.g. a semaphore its members should release)."""
        ready = connection.wait([proc.sentinel for proc in self.procs], 0)
        for index, proc in enumerate(self.procs):
            if proc.sentinel in ready:
                raise self._died(index)

    # -- end ------------------------------------------------------------------

    def stop(self) -> None:
        """Tell every member to stop, reap it, and check it ended well."""
        deadline_each = max(self.timeout, STOP_GRACE)
        for conn in self.conns:
            try:
                conn.send(STOP)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(deadline_each)
        hung = [p.name for p in self.procs if p.exitcode is None]
        self._kill()
        if hung:
            raise ChildTimeout(f"{self.what}: {', '.join(hung)} did not stop within "
                               f"{deadline_each:g} s")
        check_exitcodes(self.procs, self.what)

    def _kill(self) -> None:
        stop_processes(self.procs)
        for conn in self.conns:
            conn.close()
        self.conns = []

    def _unwrap(self, index: int, answer: Any) -> Any:
        if isinstance(answer, tuple) and len(answer) == 2 and answer[0] == ERROR_TAG:
            self.procs[index].join(1.0)
            raise BenchmarkFailed(f"{self.what}: {self.names[index]} failed: {answer[1]}")
        return answer

    def _died(self, index: int) -> BenchmarkFailed:
        proc = self.procs[index]
        conn = self.conns[index]
        try:
            while conn.poll():  # an error report sent just before dying says more
                self._unwrap(index, conn.recv())
        except (EOFError, OSError):
            pass
        proc.join(1.0)
        return BenchmarkFailed(f"{self.what}: {proc.name} ended with "
                               f"{describe_exit(proc.exitcode)} before answering")
