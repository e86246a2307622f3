"""nox sessions: ``nox -s bench`` (the main job) and ``nox -s tests``.

Arguments after ``--`` go to the command a session runs.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmark suite: ``nox -s bench -- [mpbench run options]``."""
    session.install(".")
    session.run("mpbench", "run", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite: ``nox -s tests -- [pytest options]``."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)
