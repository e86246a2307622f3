"""Write a report into a temporary folder, then move it into place.

A report folder may hold other things (``reports/traces/``, a README): only
the report's own entries are replaced. Figures move as one directory rename,
then ``summary.md`` and ``index.html`` (last, so the page never points at
figures that are not there yet). A failed build leaves the old report whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from mpbench.errors import UsageError

ENTRIES = ("figures", "summary.md", "comparison.json", "index.html")


def prepare_outdir(outdir: str) -> str:
    """Create ``outdir`` if needed; refuse a path we cannot write into."""
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise UsageError(f"-o {outdir}: exists and is not a directory")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {outdir}: cannot create it ({exc.strerror})") from None
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise UsageError(f"-o {outdir}: not writable")
    return outdir


@contextmanager
def staged(outdir: str) -> Iterator[str]:
    """Yield a temporary folder inside ``outdir``; on success move its entries in."""
    tmp = tempfile.mkdtemp(prefix=".report-", dir=outdir)
    try:
        yield tmp
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
