"""Where ``mpbench run``'s results go: checked before measuring, published without
ever replacing a file, kept somewhere when the end goes wrong.

- :func:`check_output`, before anything runs: the results file and its samples
  file must not exist (nor a directory in their place), their names (and the
  ``-2``, ``-3``... alternatives) must fit the file system's limits, the
  folder must take a new file, and have room for a rough estimate of the
  output (:func:`estimate_bytes`).
- :func:`publish`, at the end: both files are written complete in the run's
  work folder (same file system), then linked into place exclusively
  (``link(2)`` fails rather than replace; ``O_EXCL`` where links are not
  supported), the results file first: there is never a samples file without
  its results file. A name taken in the meantime (another run with the same
  ``-o``) moves the results to the next free ``NAME-2.json``...; a write that
  fails (disk full) moves them to a fresh folder under the temporary
  directory, or, when that fails too, keeps the run's work folder with the
  per-benchmark pyperf files. The caller says which, in one line.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from mpbench.atomic import link_exclusive
from mpbench.errors import UsageError
from mpbench.samples import samples_path

ALTERNATIVES = 99  # NAME-2.json ... NAME-99.json
# Rough bytes per benchmark in the results file (its metadata) and per run
# (values and run metadata), as seen in results files here; samples files are
# about as big again, and the per-benchmark files and temporary copies double
# both: the estimate is a floor, to refuse a folder that cannot hold the output.
BENCH_BYTES = 2048
RUN_BYTES = 256
COPIES = 4
FIXED_FILES = 8  # owner file, logs, temporary and final files: a block each at least


def _format_bytes(n: float) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{int(n)} B"


def alternative(path: str, n: int) -> str:
    """``results/x.json`` -> ``results/x-<n>.json``."""
    root, ext = os.path.splitext(path)
    return f"{root}-{n}{ext}"


def _candidates(path: str) -> Iterator[str]:
    yield path
    for n in range(2, ALTERNATIVES + 1):
        yield alternative(path, n)


def estimate_bytes(runs_per_benchmark: Sequence[int], block: int = 4096) -> int:
    """A rough floor of the space a run needs beside its results file."""
    payload = sum(BENCH_BYTES + RUN_BYTES * runs for runs in runs_per_benchmark)
    return COPIES * payload + FIXED_FILES * block + len(runs_per_benchmark) * 2 * block


def _refuse_existing(path: str, what: str) -> None:
    if os.path.isdir(path):
        raise UsageError(f"-o {path}: {what} is a directory")
    if os.path.lexists(path):
        raise UsageError(f"-o {path}: {what} already exists (pyperf never overwrites results)")


def _check_names(path: str, parent: str) -> None:
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
        path_max = os.pathconf(parent, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    longest = samples_path(alternative(path, ALTERNATIVES))
    name = os.path.basename(path)
    if len(os.fsencode(os.path.basename(longest))) > name_max:
        room = name_max - (len(os.fsencode(os.path.basename(longest))) - len(os.fsencode(name)))
        raise UsageError(f"-o {path}: file name too long ({len(os.fsencode(name))} bytes; at "
                         f"most {room} here, so that {os.path.basename(samples_path(path))} "
                         "and its alternatives fit)")
    if len(os.fsencode(longest)) >= path_max:
        raise UsageError(f"-o {path}: path too long ({len(os.fsencode(path))} bytes; the "
                         f"file system takes paths under {path_max})")


def _probe(parent: str, path: str) -> None:
    """Create and remove a file in ``parent``: read-only, full or forbidden shows now."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".mpbench-probe-", dir=parent)
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot create a file in {parent}: {exc.strerror}") from None
    try:
        os.write(fd, b"probe")
        os.fsync(fd)
    except OSError as exc:
        raise UsageError(f"-o {path}: cannot write in {parent}: {exc.strerror}") from None
    finally:
        os.close(fd)
        os.unlink(probe)


def check_output(path: str, create_parent: bool = False,
                 runs_per_benchmark: Sequence[int] = ()) -> str:
    """Refuse an output we could not write, before running anything; its absolute path."""
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    _refuse_existing(path, "it")
    _refuse_existing(samples_path(path), f"its samples file {os.path.basename(samples_path(path))}")
    _check_names(path, parent)
    if create_parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"-o {path}: cannot create {parent}: {exc.strerror}") from None
    if not os.path.isdir(parent):
        raise UsageError(f"-o {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"-o {path}: directory {parent} is not writable")
    _probe(parent, path)
    stats = os.statvfs(parent)
    free = stats.f_bavail * stats.f_frsize
    need = estimate_bytes(runs_per_benchmark, stats.f_frsize or 4096)
    if runs_per_benchmark and free < need:
        raise UsageError(f"-o {path}: only {_format_bytes(free)} free in {parent}; the results "
                         f"need about {_format_bytes(need)}")
    return path


SPACE_PROBE = 64 * 1024  # what the next benchmark needs at least: its log and files


def space_left(folder: str) -> str | None:
    """``"no space left on device in FOLDER"`` if ``folder`` cannot take a small file
    now (a full disk or quota: pyperf then fails with no output at all), else None."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".mpbench-probe-", dir=folder)
    except OSError as exc:
        return _no_space(exc, folder)
    try:
        os.write(fd, b"\0" * SPACE_PROBE)
        os.fsync(fd)
    except OSError as exc:
        return _no_space(exc, folder)
    finally:
        os.close(fd)
        os.unlink(probe)
    return None


def _no_space(exc: OSError, folder: str) -> str | None:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{os.strerror(exc.errno).lower()} in {show(folder)}"
    return None


def _first_missing(path: str) -> str | None:
    """The outermost folder of ``path`` that does not exist yet (``None``: all do)."""
    missing = None
    while path and not os.path.lexists(path):
        missing, parent = path, os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _remove_empty_tree(top: str | None) -> None:
    """Remove ``top`` and the folders below it, if they hold no file."""
    if top is None:
        return
    for folder, _, _ in os.walk(top, topdown=False):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def check_run_targets(output: str | None, default: str, report: str | None,
                      runs_per_benchmark: Sequence[int] = ()) -> tuple[str, str | None]:
    """``mpbench run``'s results file (``default`` when ``output`` is None) and its
    ``--report`` folder, both checked before measuring; on a refusal, the folders
    these checks created are removed again: nothing is left written."""
    from mpbench.reporting.output import ENTRIES, prepare_outdir

    wanted = os.path.abspath(output or default)
    made = [_first_missing(os.path.dirname(wanted))] if output is None else []
    try:
        path = check_output(wanted, create_parent=output is None,
                            runs_per_benchmark=runs_per_benchmark)
        if report is None:
            return path, None
        report_dir = os.path.abspath(report)
        for own in (path, samples_path(path)):
            inside = report_dir == own or report_dir.startswith(own + os.sep)
            clash = (os.path.dirname(own) == report_dir
                     and os.path.basename(own) in ENTRIES)
            if inside or clash:
                raise UsageError(f"--report {report}: the report would take the place of "
                                 f"{show(own)} (or the other way round); choose another folder")
        made.append(_first_missing(report_dir))
        return path, prepare_outdir(report_dir)
    except UsageError:
        for top in made:
            _remove_empty_tree(top)
        raise


@dataclass
class Published:
    """Where the results went, and whether that is where they were asked to go."""

    asked: str
    results: str
    samples: str | None
    problem: str | None = None  # why not at ``asked``
    kept_workdir: str | None = None  # the per-benchmark files, when nothing else worked

    @property
    def as_asked(self) -> bool:
        return self.results == self.asked and self.problem is None

    def describe(self) -> str:
        """One line: where the results are."""
        if self.as_asked:
            return f"wrote {show(self.results)}"
        if self.kept_workdir:
            return (f"could not write {show(self.asked)} ({self.problem}), nor anywhere else: "
                    f"the per-benchmark pyperf files are kept in {show(self.kept_workdir)}")
        return f"{self.problem}: results written to {show(self.results)} instead"


def show(path: str) -> str:
    """``path`` relative to the current folder when under it, else absolute."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(path: str, write: Callable[[Any], None]) -> None:
    with open(path, "w") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def _unlink_quietly(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


def _write_samples(path: str, document: dict[str, Any], results: str) -> None:
    _write(path, lambda handle: json.dump({**document, "results": os.path.basename(results)},
                                          handle))


def _place(output: str, tmp_results: str, tmp_samples: str | None,
           document: dict[str, Any] | None) -> Published:
    """Link both files under the first free name; raises OSError on a write failure."""
    for candidate in _candidates(output):
        try:
            link_exclusive(tmp_results, candidate)
        except FileExistsError:
            continue
        samples = samples_path(candidate) if tmp_samples else None
        if tmp_samples and samples and document is not None:
            if candidate != output:  # the samples name their results file
                try:
                    _write_samples(tmp_samples, document, candidate)
                except BaseException:
                    _unlink_quietly(candidate)
                    raise
            try:
                link_exclusive(tmp_samples, samples)
            except FileExistsError:
                _unlink_quietly(candidate)
                continue
            except BaseException:
                _unlink_quietly(candidate)
                raise
        _fsync_dir(os.path.dirname(candidate))
        problem = None if candidate == output else \
            f"{show(output)} appeared during the run (another run with the same -o?)"
        return Published(output, candidate, samples, problem)
    raise FileExistsError(errno.EEXIST, f"{output} and its {ALTERNATIVES - 1} alternatives exist")


def _rescue(output: str, suite: Any, document: dict[str, Any] | None, workdir: str,
            reason: str) -> Published:
    """Write the results somewhere else; failing that, keep the work folder."""
    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="mpbench-rescued-")
        results = os.path.join(folder, os.path.basename(output))
        _write(results, suite.dump)
        samples = None
        if document is not None:
            samples = samples_path(results)
            _write_samples(samples, document, results)
        return Published(output, results, samples, f"could not write {show(output)} ({reason})")
    except OSError:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    kept = os.path.join(os.path.dirname(workdir),
                        time.strftime("mpbench-unsaved-%Y%m%dT%H%M%S"))
    try:
        os.rename(workdir, kept)
    except OSError:
        kept = workdir
    return Published(output, "", None, reason, kept_workdir=kept)


def publish(output: str, suite: Any, document: dict[str, Any] | None,
            workdir: str) -> Published:
    """Write ``suite`` (a pyperf ``BenchmarkSuite``) and its samples ``document``
    to ``output`` without replacing anything; see the module's docstring."""
    tmp_results = os.path.join(workdir, "results.json.tmp")
    tmp_samples = os.path.join(workdir, "samples.json.tmp") if document is not None else None
    try:
        _write(tmp_results, suite.dump)
        if tmp_samples and document is not None:
            _write_samples(tmp_samples, document, output)
        published = _place(output, tmp_results, tmp_samples, document)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        published = _rescue(output, suite, document, workdir, reason)
    finally:
        _unlink_quietly(tmp_results)
        _unlink_quietly(tmp_samples)
    return published
