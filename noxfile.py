"""nox sessions: ``nox -s bench`` (the main job) and ``nox -s tests``, plus
``lint``, ``trace``, ``compare``, ``ab``, ``aa`` and ``bench_matrix``. Arguments after
``--`` go to the command a session runs.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks and build the report: ``nox -s bench -- [mpbench run options]``."""
    session.install(".")
    session.run("mpbench", "run", "--report", "reports", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite: ``nox -s tests -- [pytest options]``; the quick loop is
    ``nox -s tests -- -m "not slow and not browser"`` (markers in pyproject.toml)."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Style and type gate: ruff (configured in pyproject.toml) over the whole tree, mypy
    on ``src/mpbench``."""
    session.install(".[lint]")
    session.run("ruff", "check", "src", "tests", "bench", "trace", "noxfile.py",
                *session.posargs)
    session.run("mypy")


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
def ab(session: nox.Session) -> None:
    """Two interpreters interleaved on this machine: ``nox -s ab -- REF CAND [options]``
    (paths, commands or versions such as 3.12 and 3.13t; see docs/comparing.md)."""
    if len(session.posargs) < 2:
        session.error("usage: nox -s ab -- REF CAND [mpbench ab options]")
    session.install(".")
    session.run("mpbench", "ab", *session.posargs)


@nox.session
def aa(session: nox.Session) -> None:
    """A/A self-test: ``nox -s aa -- [selection and mode options]`` runs ``mpbench ab`` with
    this interpreter on both sides (default: the process group, --fast) and prints the false
    alarms, the gate's outcome and the smallest change this machine can see."""
    session.install(".")
    session.run("mpbench", "selftest", "aa", *session.posargs)


def _interpreters_module():
    """mpbench.interpreters straight from src/ (standard library only): nox's own
    Python has no mpbench installed."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    from mpbench import interpreters

    return interpreters


def _split_python_option(args: list[str]) -> tuple[str | None, list[str]]:
    """``--python LIST`` (or ``--python=LIST``) out of the arguments meant for mpbench run."""
    rest: list[str] = []
    wanted: str | None = None
    it = iter(args)
    for arg in it:
        if arg == "--python":
            wanted = next(it, "")
        elif arg.startswith("--python="):
            wanted = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return wanted, rest


@nox.session
def bench_matrix(session: nox.Session) -> None:
    """The suite on every CPython >= 3.9 found (free-threaded builds too), then the comparison.

    ``nox -s bench_matrix -- [--python 3.12,3.13t,PATH] [mpbench run options]``.
    """
    interpreters = _interpreters_module()
    wanted_text, run_args = _split_python_option(list(session.posargs))
    try:
        wanted = interpreters.parse_python_list(wanted_text) if wanted_text is not None else None
        found, skipped = interpreters.choose(wanted)
    except interpreters.UsageError as exc:
        # bad input: one line and exit status 2, as every mpbench command does
        print(f"nox > bench_matrix: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    session.log("interpreters: " + (", ".join(f"{name} ({i.path})" for name, i in found.items())
                                    or "none"))
    for line in skipped:
        session.warn(f"skipped {line}")
    if not found:
        session.error("no usable CPython >= 3.9 found on PATH or under pyenv")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    outdir = os.path.join("results", f"matrix-{stamp}")
    os.makedirs(outdir, exist_ok=True)
    results = []
    for version, interpreter in found.items():
        venv = os.path.join(".nox", f"bench_matrix-py{version}")
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            session.run(interpreter.path, "-m", "venv", venv, external=True)
        session.run(os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", ".",
                    external=True)
        out = os.path.join(outdir, f"py{version}.json")
        session.run(os.path.join(venv, "bin", "mpbench"), "run", "-o", out, *run_args,
                    external=True, success_codes=[0, 1])
        if os.path.exists(out):
            results.append(out)
    if len(results) < 2:
        session.warn("fewer than two results files: no comparison")
        return
    session.install(".")
    session.run("mpbench", "compare", *results, "-o", os.path.join("reports", "matrix"))
    if skipped:
        session.warn(f"skipped: {'; '.join(skipped)}")
