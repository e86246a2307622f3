"""Whether a run's output folder is still there, in place, with room.

``mpbench run`` works in a folder beside its results file for minutes. If
that folder is removed or renamed meanwhile (``rm -r results``, ``mv``), or its
disk fills up, every benchmark after would fail, with pyperf saying nothing
useful ("(no output)": it could not even write its log). :class:`OutputWatch`
holds the work folder open (:class:`mpbench.workdirs.Anchor`), is asked before
each benchmark and when one fails, and names the cause once; the run then
stops and publishes what finished (in the output folder if it is there again,
else rescued to the temporary directory: :mod:`mpbench.publish`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Callable

from mpbench import publish, workdirs


class OutputWatch:
    """The work folder ``workdir`` of a run whose results go to ``output``."""

    def __init__(self, workdir: str, output: str, say: Callable[[str], None]) -> None:
        self.anchor = workdirs.Anchor(workdir)
        self.folder = os.path.dirname(output)
        self.say = say
        self.reason: str | None = None

    def stopped(self, after_failure: bool = False) -> str | None:
        """Why the run cannot go on (said once): the output folder was removed or moved,
        or (``after_failure``: a benchmark just failed) its disk is full."""
        if self.reason:
            return self.reason
        where = self.anchor.where()
        if where != self.anchor.path:
            moved = f"moved to {publish.show(os.path.dirname(where))}" if where else "removed"
            self.reason = f"the output folder {publish.show(self.folder)} was {moved}"
        elif after_failure:
            self.reason = publish.space_left(self.folder)
        if self.reason:
            self.say(f"stopped: {self.reason}; nothing more is run")
        return self.reason

    def where(self) -> str | None:
        """The work folder's path now (None: removed)."""
        return self.anchor.where()

    @contextmanager
    def workdir(self) -> Iterator[str]:
        """The work folder, or, once it was removed (the samples with it), a temporary
        one standing in for it while the results are published."""
        where = self.where()
        if where is not None:
            yield where
            return
        stand_in = tempfile.mkdtemp(prefix="mpbench-run-")
        try:
            yield stand_in
        finally:
            shutil.rmtree(stand_in, ignore_errors=True)

    def close(self) -> None:
        self.anchor.close()


def open_log(path: str) -> IO[str]:
    """``path`` opened for writing; /dev/null if its folder just went away (the
    benchmark then fails, and :meth:`OutputWatch.stopped` says why)."""
    try:
        return open(path, "w")
    except OSError:
        return open(os.devnull, "w")
