"""Finding the CPython interpreters a version matrix runs on.

``nox -s bench_matrix`` imports this module straight from ``src/`` (before
mpbench is installed anywhere), so it uses the standard library only.

An interpreter is asked who it is by running :data:`QUERY`; what it answers
decides, not its file name: a ``python3.12`` that is really PyPy, or a
CPython older than :data:`MIN_VERSION`, is rejected with the reason. Each
interpreter is named by its version plus ``t`` for a free-threaded build
(``3.13t``); when several files answer for one name, the newest patch
release wins, then the first found (PATH before pyenv).
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mpbench.errors import UsageError

MIN_VERSION = (3, 9)
# Named in "not installed" lines when absent: what a full matrix would cover today.
EXPECTED = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t")
QUERY = ("import json, sys, sysconfig; "
         "gil = getattr(sys, '_is_gil_enabled', None); "
         "print(json.dumps({'implementation': sys.implementation.name, "
         "'version': list(sys.version_info[:3]), "
         "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')), "
         "'gil_enabled': gil() if gil else True, "
         "'executable': sys.executable}))")
PROBE_TIMEOUT = 30.0
_FILE_NAME = re.compile(r"^python3(\.\d+t?)?$")
_VERSION_NAME = re.compile(r"^3\.(\d+)(t?)$")


@dataclass(frozen=True)
class Interpreter:
    """A CPython that answered the query."""

    path: str
    version: tuple[int, int, int]
    free_threaded: bool
    gil_enabled: bool = True

    @property
    def name(self) -> str:
        """``3.12``, ``3.13t``: version plus ``t`` for a free-threaded build."""
        return f"{self.version[0]}.{self.version[1]}" + ("t" if self.free_threaded else "")

    @property
    def full_version(self) -> str:
        return ".".join(map(str, self.version)) + ("t" if self.free_threaded else "")


@dataclass
class Discovery:
    """What :func:`discover` found: interpreters by name, and files it turned down."""

    found: dict[str, Interpreter] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def missing(self, expected: Iterable[str] = EXPECTED) -> list[str]:
        """Names of :data:`EXPECTED` that no interpreter answered for."""
        return [name for name in expected if name not in self.found]


def probe(path: str, timeout: float = PROBE_TIMEOUT) -> tuple[Interpreter | None, str]:
    """Ask ``path`` who it is: ``(Interpreter, "")`` for a usable CPython, else
    ``(None, why not)``."""
    try:
        proc = subprocess.run([path, "-I", "-c", QUERY], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"does not run ({exc.__class__.__name__})"
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        implementation = str(answer["implementation"])
        version = tuple(int(part) for part in answer["version"])[:3]
        free_threaded = bool(answer["free_threaded"])
        gil_enabled = bool(answer.get("gil_enabled", True))
    except (ValueError, KeyError, IndexError, TypeError):
        return None, "did not answer the version query (not a Python 3?)"
    if implementation != "cpython":
        return None, f"not CPython ({implementation})"
    if len(version) != 3 or version[:2] < MIN_VERSION:
        return None, f"CPython {'.'.join(map(str, version))} is older than " \
                     f"{'.'.join(map(str, MIN_VERSION))}"
    return Interpreter(path, (version[0], version[1], version[2]), free_threaded,
                       gil_enabled), ""


def _executables(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    paths = []
    for name in names:
        path = os.path.join(directory, name)
        if _FILE_NAME.match(name) and os.path.isfile(path) and os.access(path, os.X_OK):
            paths.append(path)
    return paths


def candidates(path_env: str | None = None,
               pyenv_roots: Sequence[str] | None = None) -> list[str]:
    """Files worth asking, in order of preference: ``python3`` and ``python3.N[t]``
    on PATH, then every pyenv version's ``bin/``; duplicates (same real file) once."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    if pyenv_roots is None:
        pyenv_roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    found: list[str] = []
    for directory in path_env.split(os.pathsep):
        # pyenv's shims answer only for activated versions (and complain otherwise);
        # the versions themselves are read below
        if directory and os.path.basename(os.path.normpath(directory)) != "shims":
            found += _executables(directory)
    for root in filter(None, pyenv_roots):
        for bindir in sorted(glob.glob(os.path.join(root, "versions", "*", "bin"))):
            found += _executables(bindir)
    unique: list[str] = []
    seen = set()
    for path in found:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def discover(path_env: str | None = None, pyenv_roots: Sequence[str] | None = None,
             extra: Sequence[str] = ()) -> Discovery:
    """Every usable CPython >= 3.9 on PATH, under pyenv and in ``extra``, by name."""
    result = Discovery()
    for path in list(extra) + candidates(path_env, pyenv_roots):
        interpreter, why = probe(path)
        if interpreter is None:
            result.rejected.append((path, why))
            continue
        known = result.found.get(interpreter.name)
        if known is None or interpreter.version > known.version:
            result.found[interpreter.name] = interpreter
    result.found = dict(sorted(result.found.items(), key=lambda item: _sort_key(item[0])))
    return result


def is_version_name(text: str) -> bool:
    """``3.12``, ``3.13t``: a name :func:`discover` may find an interpreter for."""
    return bool(_VERSION_NAME.match(text))


def _sort_key(name: str) -> tuple[int, int, int]:
    match = _VERSION_NAME.match(name)
    return (3, int(match.group(1)), int(bool(match.group(2)))) if match else (99, 0, 0)


def parse_python_list(text: str) -> list[str]:
    """``--python 3.12,3.13t,/opt/py/bin/python3``: version names or interpreter paths."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or not all(items):
        raise UsageError(f"bad --python list {text!r}: expected comma-separated versions "
                         "(3.12, 3.13t) or interpreter paths")
    for item in items:
        if os.sep in item:
            if not (os.path.isfile(item) and os.access(item, os.X_OK)):
                raise UsageError(f"--python: {item} is not an executable file")
        elif not _VERSION_NAME.match(item):
            raise UsageError(f"--python: bad version {item!r} (expected e.g. 3.12 or 3.13t)")
    if len(set(items)) != len(items):
        raise UsageError(f"bad --python list {text!r}: duplicate values")
    return items


def choose(wanted: Sequence[str] | None, path_env: str | None = None,
           pyenv_roots: Sequence[str] | None = None
           ) -> tuple[dict[str, Interpreter], list[str]]:
    """The interpreters to run: every one found, or those ``wanted`` names.

    Returns ``(name -> interpreter, lines saying what was skipped and why)``.
    A path in ``wanted`` that is not a usable CPython raises :class:`UsageError`.
    """
    paths = [item for item in wanted or () if os.sep in item]
    for path in paths:
        interpreter, why = probe(path)
        if interpreter is None:
            raise UsageError(f"--python: {path}: {why}")
    found = discover(path_env, pyenv_roots, extra=paths)
    skipped = [f"{path}: {why}" for path, why in found.rejected]
    if not wanted:
        skipped += [f"{name}: not installed" for name in found.missing()]
        return dict(found.found), skipped
    chosen: dict[str, Interpreter] = {}
    for item in wanted:
        if os.sep in item:
            real = os.path.realpath(item)
            match = [i for i in found.found.values() if os.path.realpath(i.path) == real]
            interpreter = match[0] if match else probe(item)[0]
            if interpreter is not None:
                chosen[interpreter.name] = interpreter
        elif item in found.found:
            chosen[item] = found.found[item]
        else:
            skipped.append(f"{item}: not installed")
    return chosen, skipped


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mpbench.interpreters [--python LIST]``: print what a matrix would run."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mpbench.interpreters")
    parser.add_argument("--python", metavar="LIST")
    args = parser.parse_args(argv)
    try:
        wanted = parse_python_list(args.python) if args.python else None
        chosen, skipped = choose(wanted)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, interpreter in chosen.items():
        print(f"{name:7} {interpreter.full_version:10} {interpreter.path}")
    for line in skipped:
        print(f"skipped {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
