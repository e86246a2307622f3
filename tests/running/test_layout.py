"""Guard rails of the layout: script folders that never shadow the stdlib."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize("folder", ["bench", "trace"])
def test_script_folders_are_not_packages(folder):
    assert (ROOT / folder).is_dir()
    assert not (ROOT / folder / "__init__.py").exists()


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is 3.10+")
@pytest.mark.parametrize("folder", ["bench", "trace"])
def test_no_script_is_named_like_a_stdlib_module(folder):
    for script in (ROOT / folder).glob("*.py"):
        assert script.stem not in sys.stdlib_module_names, script


def test_package_modules_do_not_shadow_stdlib_names():
    """Module names that would shadow the stdlib if a folder reached sys.path."""
    if sys.version_info < (3, 10):
        pytest.skip("sys.stdlib_module_names is 3.10+")
    for module in (ROOT / "src" / "mpbench").rglob("*.py"):
        if module.stem not in ("__init__", "__main__"):
            assert module.stem not in sys.stdlib_module_names, module


def test_every_test_has_a_timeout(pytestconfig, request):
    """pytest-timeout's global setting is on, and no test turns it off."""
    assert float(pytestconfig.getini("timeout")) > 0
    for item in request.session.items:
        for mark in item.iter_markers("timeout"):
            seconds = mark.args[0] if mark.args else mark.kwargs.get("timeout")
            assert seconds and float(seconds) > 0, item.nodeid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/shm: Linux")
def test_another_jobs_segment_is_not_seen_as_a_tests(tmp_path):
    """The /dev/shm checks see only what the tests' own processes made: a segment
    another job makes meanwhile in the machine's /dev/shm is not among them."""
    import os

    import conftest

    machine = getattr(conftest, "MACHINE_SHM_FD", None)
    if machine is None and os.geteuid() != 0:
        pytest.skip("no /dev/shm of the tests' own here (needs the right to mount)")
    name = f"psm_another_job_{os.getpid()}"
    where = machine if machine is not None else os.open("/dev/shm", os.O_RDONLY)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=where)
    os.close(fd)
    try:
        assert name not in conftest.shm_segments()
    finally:
        os.unlink(name, dir_fd=where)
        if machine is None:
            os.close(where)
