"""In a pyperf manager: a worker that dies leaves nothing that keeps pyperf waiting.

pyperf reads a worker's results from a pipe until end of file, then reaps the
worker. Children the worker forked hold that pipe too: if the worker is killed
(the OOM killer, a signal) while a child of its lives, pyperf waits for its own
``--timeout`` (minutes), and the children, their segments and their resource
tracker live on meanwhile. Here a thread of the manager sees each worker end
(``waitid(WNOWAIT)``: pyperf still reaps it) and says how at once, if a signal
ended it (the manager may exit right after pyperf reaps it). If pyperf has not
reaped it ``grace`` seconds later (the child timeout), whatever is left of the
manager's session but itself is stopped, resource trackers last (they then
unlink the segments), and pyperf reads its end of file.

The manager runs no benchmark: a thread there measures nothing. Linux (and
wherever ``os.waitid`` is); elsewhere nothing is watched.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

POLL_SECONDS = 0.05


def _unreaped(pid: int) -> bool:
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None
    except ChildProcessError:
        return False


def _describe(info: os.waitid_result) -> str | None:
    """How a worker ended, if a signal ended it."""
    if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED):
        try:
            name = signal.Signals(info.si_status).name
        except ValueError:
            name = f"signal {info.si_status}"
        return f"the pyperf worker (pid {info.si_pid}) was killed by {name}"
    return None


def _watch(grace: float, failed_prefix: str) -> None:
    from mpbench.procgroup import live_members, stop_group

    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:  # between two workers
            time.sleep(POLL_SECONDS)
            continue
        if info is None:
            continue
        pid = info.si_pid
        how = _describe(info)
        if how:
            print(f"{failed_prefix}{how}", file=sys.stderr, flush=True)
        deadline = time.monotonic() + grace
        while _unreaped(pid) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if _unreaped(pid):
            pgid = os.getpgid(0)
            left = [member for member in live_members(pgid) if member != os.getpid()]
            # said first: once they are gone pyperf reads its end of file and exits
            print(f"{failed_prefix}{len(left)} process(es) the worker (pid {pid}) left "
                  f"behind kept pyperf waiting {grace:g} s: stopped", file=sys.stderr,
                  flush=True)
            stop_group(pgid)
        while _unreaped(pid):
            time.sleep(POLL_SECONDS)


def watch_workers(grace: float, failed_prefix: str) -> bool:
    """Start the watch (see the module's docstring); whether it runs."""
    if not hasattr(os, "waitid") or not hasattr(os, "WNOWAIT"):
        return False
    threading.Thread(target=_watch, args=(grace, failed_prefix), daemon=True,
                     name="mpbench-worker-watch").start()
    return True
