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
