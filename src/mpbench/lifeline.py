"""Processes that die with their parent: nothing outlives a killed ``mpbench``.

``mpbench`` starts its work (pyperf managers, traced scenarios, the viewer)
in sessions of their own, so that a terminal's Ctrl-C reaches only ``mpbench``,
which stops them. When ``mpbench`` itself is killed (SIGKILL, OOM), nobody is
left to do that: each child watches its parent instead.

- Linux: ``prctl(PR_SET_PDEATHSIG)`` asks the kernel to signal us when the
  parent exits; the signal's handler stops our session (every process in our
  group but the resource tracker, which then unlinks what they left; see
  :func:`mpbench.procgroup.stop_group`) and exits.
- Elsewhere: a thread polls ``os.getppid()`` (not in a pyperf worker, which
  forks: a thread there would change what a fork costs).

Who watches whom, in ``mpbench run``: the pyperf manager watches ``mpbench``
and a worker watches the manager (both in :mod:`mpbench.suite`); either one
stops the whole session, the worker's multiprocessing children included.
``python -m mpbench.lifeline PARENT_PID -- CMD...`` runs a command we do not
own (``python -m viztracer ...``) under a guardian that does the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Callable

from mpbench.workloads.reaping import set_pdeathsig as _set_pdeathsig

PARENT_DIED = signal.SIGUSR2  # nothing else in mpbench or pyperf uses it
POLL_SECONDS = 0.2
EXIT_PARENT_DIED = 125


def _poll_parent(parent_pid: int, on_gone: Callable[[], None]) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        on_gone()

    threading.Thread(target=watch, name="mpbench-lifeline", daemon=True).start()


def on_parent_death(parent_pid: int, action: Callable[[], None],
                    allow_thread: bool = True) -> str:
    """Run ``action`` (from a signal handler, in the main thread) once our parent
    ``parent_pid`` is gone. Returns how we watch: ``prctl``, ``poll`` or ``none``."""
    me = os.getpid()

    def handler(signum: int, frame: object) -> None:
        if os.getpid() == me:  # a fork child inherits the handler, not the job
            action()

    signal.signal(PARENT_DIED, handler)
    if _set_pdeathsig(PARENT_DIED):
        how = "prctl"
    elif allow_thread:
        _poll_parent(parent_pid, lambda: os.kill(me, PARENT_DIED))
        how = "poll"
    else:
        how = "none"
    if os.getppid() != parent_pid:  # it died before we started watching
        os.kill(me, PARENT_DIED)
    return how


def die_with_parent(parent_pid: int) -> str:
    """Be killed (SIGKILL) as soon as our parent ``parent_pid`` is gone: for a
    process that owns nothing needing clean-up (the trace viewer's server)."""
    if _set_pdeathsig(signal.SIGKILL):
        if os.getppid() != parent_pid:
            os._exit(EXIT_PARENT_DIED)
        return "prctl"
    _poll_parent(parent_pid, lambda: os._exit(EXIT_PARENT_DIED))
    return "poll"


def stop_session_and_exit(term: bool = True) -> None:
    """Stop every other process of our process group, then exit."""
    from mpbench.procgroup import stop_group

    try:
        stop_group(os.getpgid(0), term=term)
    finally:
        os._exit(EXIT_PARENT_DIED)


def tie_session_to_parent(parent_pid: int, term: bool = True,
                          allow_thread: bool = True) -> str:
    """When our parent ``parent_pid`` dies, stop our session and exit.

    For the leader of a session ``mpbench`` started, and for processes of that
    session whose own parent is in it (a pyperf worker and its manager)."""
    return on_parent_death(parent_pid, lambda: stop_session_and_exit(term),
                           allow_thread=allow_thread)


def guard(parent_pid: int, cmd: Sequence[str]) -> int:
    """Run ``cmd`` in our process group; if ``parent_pid`` dies, stop the group.

    The command's exit status is ours (128 + N when signal N ended it)."""
    tie_session_to_parent(parent_pid, term=False)
    proc = subprocess.Popen(list(cmd))
    returncode = proc.wait()
    return 128 - returncode if returncode < 0 else returncode


def guarded(cmd: Sequence[str], parent_pid: int | None = None) -> list[str]:
    """``cmd`` run under a guardian that stops it if this process dies."""
    parent = os.getpid() if parent_pid is None else parent_pid
    return [sys.executable, "-m", "mpbench.lifeline", str(parent), "--", *cmd]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        print("usage: python -m mpbench.lifeline PARENT_PID -- COMMAND...", file=sys.stderr)
        return 2
    return guard(int(argv[0]), argv[2:])


if __name__ == "__main__":
    sys.exit(main())
