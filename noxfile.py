"""nox sessions: ``nox -s bench`` (the main job) and ``nox -s tests``, plus
``trace``, ``compare``, ``aa`` and ``bench_matrix``. Arguments after ``--`` go to the
command a session runs.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

MATRIX = ("3.9", "3.10", "3.11", "3.12", "3.13")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks and build the report: ``nox -s bench -- [mpbench run options]``."""
    session.install(".")
    session.run("mpbench", "run", "--report", "reports", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite: ``nox -s tests -- [pytest options]``."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def trace(session: nox.Session) -> None:
    """Record multi-process timelines: ``nox -s trace -- [mpbench trace options]``."""
    session.install(".")
    session.run("mpbench", "trace", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """Compare results files: ``nox -s compare -- A.json B.json [C.json ...] [-o DIR]``."""
    if not session.posargs:
        session.error("usage: nox -s compare -- A.json B.json [C.json ...] [-o DIR]")
    session.install(".")
    session.run("mpbench", "compare", *session.posargs)


@nox.session
def aa(session: nox.Session) -> None:
    """A/A self-test: ``nox -s aa -- [selection and mode options]`` runs a selection twice
    (default: the process group, --fast) and prints the false-alarm rate of the comparison."""
    session.install(".")
    session.run("mpbench", "selftest", "aa", *session.posargs)


def _version_of(python: str) -> Optional[str]:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def find_interpreters() -> Tuple[Dict[str, str], List[str]]:
    """CPython 3.9-3.13 found on PATH or under pyenv: (version -> path, skipped versions)."""
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    found: Dict[str, str] = {}
    for version in MATRIX:
        candidates = [shutil.which(f"python{version}") or ""]
        for root in filter(None, roots):
            candidates += sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin",
                                                        f"python{version}")), reverse=True)
        if sys.version_info[:2] == tuple(map(int, version.split("."))):
            candidates.insert(0, sys.executable)
        for candidate in filter(None, candidates):
            if _version_of(candidate) == version:
                found[version] = candidate
                break
    return found, [v for v in MATRIX if v not in found]


@nox.session
def bench_matrix(session: nox.Session) -> None:
    """The suite on every CPython 3.9-3.13 found, then the version comparison.

    ``nox -s bench_matrix -- --fast`` passes options to every ``mpbench run``.
    """
    found, skipped = find_interpreters()
    session.log(f"interpreters found: {', '.join(f'{v} ({p})' for v, p in found.items()) or 'none'}")
    if skipped:
        session.warn(f"skipped (not installed): {', '.join(skipped)}")
    if not found:
        session.error("no CPython 3.9-3.13 found on PATH or under pyenv")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    outdir = os.path.join("results", f"matrix-{stamp}")
    os.makedirs(outdir, exist_ok=True)
    results = []
    for version, python in found.items():
        venv = os.path.join(".nox", f"bench_matrix-py{version}")
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            session.run(python, "-m", "venv", venv, external=True)
        session.run(os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", ".",
                    external=True)
        out = os.path.join(outdir, f"py{version}.json")
        session.run(os.path.join(venv, "bin", "mpbench"), "run", "-o", out, *session.posargs,
                    external=True, success_codes=[0, 1])
        if os.path.exists(out):
            results.append(out)
    if len(results) < 2:
        session.warn("fewer than two results files: no comparison")
        return
    session.install(".")
    session.run("mpbench", "compare", *results, "-o", os.path.join("reports", "matrix"))
    if skipped:
        session.warn(f"versions skipped (not installed): {', '.join(skipped)}")
