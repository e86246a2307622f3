"""The ``shared`` group's minimal reference: a hand-written SharedMemory hand-over.

The smallest program that does what ``shared.handover[transfer=shared_memory,
receiver=copy]`` claims to measure, with the same calls and the same two
stamps, and nothing of the harness: no crew, no end classes, no command
pipe, a child from a bare ``os.fork()``. The parent writes the payload into
the segment and sends ``(name, size)`` over a ``Pipe(duplex=False)``; the
child attaches by name, copies out, stamps, closes and acknowledges on a raw
pipe with its stamp. The ratio of the benchmark to this loop is the group's
harness check. Standard library only.
"""

from __future__ import annotations

import os
from multiprocessing import Pipe
from time import monotonic_ns, perf_counter
from typing import Any

from mpbench.workloads.guard import check_wait_status, deadline
from mpbench.workloads.reaping import stop_pids

_STAMP = 8


def minimal_handover(loops: int, segment: Any, payload: bytes,
                     timeout: float) -> tuple[float, float]:
    """``loops`` hand-overs of ``payload`` through ``segment`` to one forked child:
    ``(sum of the spans, wall-clock time of the whole loop)`` in seconds; a span
    runs from just before the parent writes to just after the child holds its copy,
    the whole loop also has every acknowledgement, close and free in it. One more
    hand-over goes first, uncounted: the child has just been forked (the benchmark's
    receiver has been running for a while)."""
    size = len(payload)
    name, buf = segment.name, segment.buf
    reader, writer = Pipe(duplex=False)
    ack_read, ack_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            from multiprocessing.shared_memory import SharedMemory

            writer.close()
            os.close(ack_read)
            for _ in range(loops + 1):
                seg_name, nbytes = reader.recv()
                # Any, as the benchmark's receiver holds it: the stub's buf is Optional
                # (None once closed), and a check here would be a call the benchmark lacks
                attached: Any = SharedMemory(seg_name)
                with attached.buf[:nbytes] as view:
                    data = bytes(view)  # noqa: F841 - held until the stamp
                stamp = monotonic_ns()
                del data
                attached.close()
                os.write(ack_write, stamp.to_bytes(_STAMP, "little"))
            code = 0
        finally:
            os._exit(code)
    reader.close()
    os.close(ack_write)
    spans = 0
    try:
        with deadline(timeout, "minimal SharedMemory hand-over"):
            buf[:size] = payload
            writer.send((name, size))
            os.read(ack_read, _STAMP)  # the warm-up hand-over
            t0 = perf_counter()
            for _ in range(loops):
                start = monotonic_ns()
                buf[:size] = payload
                writer.send((name, size))
                answer = os.read(ack_read, _STAMP)
                if len(answer) != _STAMP:
                    break  # the child died: its exit status says how
                spans += int.from_bytes(answer, "little") - start
            wall = perf_counter() - t0
            status = os.waitpid(pid, 0)[1]
    except BaseException:
        stop_pids([pid])
        raise
    finally:
        writer.close()
        os.close(ack_read)
    check_wait_status(status, "minimal SharedMemory hand-over")
    return spans / 1e9, wall


def time_minimal_handover(loops: int, segment: Any, payload: bytes, timeout: float) -> float:
    """pyperf's time function: the sum of the spans of ``loops`` hand-overs."""
    return minimal_handover(loops, segment, payload, timeout)[0]
