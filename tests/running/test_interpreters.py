"""Finding the interpreters of the version matrix, with fake interpreters on a temporary PATH.

Each fake is a small shell script answering the version query the way that
interpreter would, so nothing here needs 3.14 or a free-threaded build installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mpbench import interpreters
from mpbench.errors import UsageError

pytestmark = pytest.mark.timeout(60)


def fake(directory: Path, name: str, version=(3, 14, 0), implementation="cpython",
         free_threaded=False, gil_enabled=True, broken=False) -> Path:
    """An executable ``name`` in ``directory`` that answers the version query."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    answer = json.dumps({"implementation": implementation, "version": list(version),
                         "free_threaded": free_threaded, "gil_enabled": gil_enabled,
                         "executable": str(path)})
    body = "exit 3" if broken else f"echo '{answer}'"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path):
    """A PATH folder and a pyenv root holding a spread of fake interpreters."""
    bindir, pyenv = tmp_path / "bin", tmp_path / "pyenv"
    fake(bindir, "python3.14", (3, 14, 0))
    fake(bindir, "python3.14t", (3, 14, 0), free_threaded=True, gil_enabled=False)
    fake(bindir, "python3.8", (3, 8, 18))
    fake(bindir, "python3", (3, 10, 14), implementation="pypy")
    fake(bindir, "python3.11", broken=True)
    fake(bindir, "python3.12", (3, 12, 1))
    fake(pyenv / "versions" / "3.12.9" / "bin", "python3.12", (3, 12, 9))
    fake(pyenv / "versions" / "3.13.1t" / "bin", "python3.13t", (3, 13, 1), free_threaded=True)
    fake(bindir / "shims", "python3.9", (3, 9, 1))  # pyenv shims are never asked
    (bindir / "python3.12-config").write_text("#!/bin/sh\n")  # not an interpreter name
    return str(bindir) + os.pathsep + str(bindir / "shims"), [str(pyenv)]


def test_every_cpython_from_39_on_is_named_by_version_and_t(machine):
    path_env, roots = machine
    found = interpreters.discover(path_env, roots)
    assert list(found.found) == ["3.12", "3.13t", "3.14", "3.14t"]
    assert found.found["3.12"].version == (3, 12, 9)  # the newest patch release wins
    assert found.found["3.14t"].free_threaded and not found.found["3.14t"].gil_enabled
    assert found.found["3.13t"].full_version == "3.13.1t"


def test_what_is_turned_down_says_why(machine):
    path_env, roots = machine
    rejected = dict((os.path.basename(path), why)
                    for path, why in interpreters.discover(path_env, roots).rejected)
    assert "older than 3.9" in rejected["python3.8"]
    assert "not CPython (pypy)" in rejected["python3"]
    assert "did not answer" in rejected["python3.11"]
    assert "python3.9" not in rejected  # the shim was never run


def test_choose_names_the_versions_not_installed(machine):
    path_env, roots = machine
    chosen, skipped = interpreters.choose(None, path_env, roots)
    assert set(chosen) == {"3.12", "3.13t", "3.14", "3.14t"}
    for name in ("3.9", "3.10", "3.11", "3.13"):
        assert f"{name}: not installed" in skipped


def test_python_list_picks_and_reports_missing(machine, tmp_path):
    path_env, roots = machine
    chosen, skipped = interpreters.choose(["3.14t", "3.10"], path_env, roots)
    assert list(chosen) == ["3.14t"]
    assert "3.10: not installed" in skipped
    explicit = fake(tmp_path / "elsewhere", "python", (3, 15, 0))
    chosen, _ = interpreters.choose([str(explicit)], path_env, roots)
    assert chosen["3.15"].path == str(explicit)


@pytest.mark.parametrize("text", ["", "3.x", "3.12,,3.13", "3.12,3.12", "python3.12",
                                  "/no/such/python"])
def test_bad_python_lists_are_refused(text):
    with pytest.raises(UsageError):
        interpreters.parse_python_list(text)


@pytest.mark.parametrize("kind", [dict(version=(3, 8, 1)), dict(implementation="pypy"),
                                  dict(broken=True)])
def test_an_explicit_interpreter_that_will_not_do_is_bad_input(tmp_path, kind):
    path = fake(tmp_path, "python", **kind)
    proc = subprocess.run([sys.executable, "-m", "mpbench.interpreters", "--python", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_this_interpreter_answers_for_itself():
    me, why = interpreters.probe(sys.executable)
    assert me is not None, why
    assert me.version == tuple(sys.version_info[:3])
