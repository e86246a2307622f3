"""Write files so a reader never sees half of one: temp file, fsync, then into place,
replacing a file only when asked to."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

LINK_UNSUPPORTED = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.ENOSYS,
                    errno.EMLINK}


def link_exclusive(src: str, dst: str) -> None:
    """Make ``dst`` a name of complete file ``src``; ``FileExistsError`` if ``dst`` exists.

    ``link(2)`` never replaces. Where links are not supported, ``dst`` is
    claimed with ``O_EXCL`` (an empty file for an instant), then replaced by
    ``src``."""
    try:
        os.link(src, dst)
        return
    except OSError as exc:
        if isinstance(exc, FileExistsError) or exc.errno not in LINK_UNSUPPORTED:
            raise
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        shutil.copyfile(src, src + ".copy")
        os.replace(src + ".copy", dst)
    except BaseException:
        os.unlink(dst)
        raise


@contextmanager
def atomic_open(path: str, mode: str = "w", replace: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path``; it becomes ``path`` only on success.

    ``replace=False``: never replace anything (``FileExistsError`` if ``path``
    appeared meanwhile)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        os.fchmod(fd, _new_file_mode())  # mkstemp's 0600 would make results private
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            link_exclusive(tmp, path)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _new_file_mode() -> int:
    """The mode an ordinary new file gets under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_text(path: str, text: str, replace: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, replace=replace) as handle:
        handle.write(text)
