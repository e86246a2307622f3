"""Write a report into a temporary folder, then move it into place.

A report folder may hold other things (``reports/traces/``, a README): only
the report's own entries are replaced, and only when they are what a report
writes there (``figures`` a folder, the others regular files): anything else
in their place is refused before the build starts. Figures move as one
directory rename, then ``summary.md`` and ``index.html`` (last, so the page
never points at figures that are not there yet). A failed or interrupted
build leaves the old report whole; the temporary folder of a killed build
(``.report-<pid>-*``) is removed by the next build into the same folder.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mpbench.errors import UsageError

ENTRIES = ("figures", "summary.md", "comparison.json", "index.html")
FOLDERS = ("figures",)
STAGING_PREFIX = ".report-"


def check_entries(outdir: str, entries: Sequence[str] = ENTRIES) -> None:
    """Refuse an ``entries`` name in ``outdir`` that a build would destroy: a
    folder where a file goes, anything but a folder at ``figures``."""
    for entry in entries:
        path = os.path.join(outdir, entry)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UsageError(f"-o {outdir}: cannot inspect {entry} ({exc.strerror})") from None
        wanted = stat.S_ISDIR if entry in FOLDERS else stat.S_ISREG
        if not wanted(mode):
            kind = "a folder" if entry in FOLDERS else "a regular file"
            raise UsageError(f"-o {outdir}: {path} is in the way (not {kind}); "
                             "move it or choose another folder")


def prepare_outdir(outdir: str, entries: Sequence[str] = ENTRIES) -> str:
    """Create ``outdir`` if needed; refuse a path we cannot write into, or whose
    report entries (``entries``) are not what a report writes there."""
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise UsageError(f"-o {outdir}: exists and is not a directory")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {outdir}: cannot create it ({exc.strerror})") from None
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise UsageError(f"-o {outdir}: not writable")
    check_entries(outdir, entries)
    return outdir


def _say(line: str) -> None:
    print(line, flush=True)


@contextmanager
def staged(outdir: str) -> Iterator[str]:
    """Yield a temporary folder inside ``outdir``; on success move its entries in."""
    from mpbench import workdirs

    check_entries(outdir)
    tmp = workdirs.fresh(outdir, STAGING_PREFIX, _say)
    try:
        yield tmp
        check_entries(outdir)  # again: the build took a while
        for entry in ENTRIES:
            src = os.path.join(tmp, entry)
            if not os.path.exists(src):
                continue
            dst = os.path.join(outdir, entry)
            if os.path.isdir(src):
                old = None
                if os.path.exists(dst):
                    old = os.path.join(tmp, ".old-" + entry)
                    os.rename(dst, old)
                os.rename(src, dst)
            else:
                os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
