"""Guard rails of the layout: script folders that never shadow the stdlib, a group's
folder holding only its roles' modules, module sizes, a light group registry, a docs
page and a tests folder per group, unique test file names."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from conftest import ROOT

from mpbench.groups import NAMES

PACKAGE = ROOT / "src" / "mpbench"
GROUPS_DIR = PACKAGE / "groups"
# A group folder's modules by role (workloads/ aside: any names, standard library only,
# which test_workload_imports checks).
ROLES = {"catalogue": {"catalogue", "setups", "grid"},
         "report": {"results", "figures", "tables", "report"},
         "scenarios": {"scenarios"}}
MAX_LINES = 400    # no module beyond this
SMALL_LINES = 60   # a module under this many lines is small...
MAX_SMALL = 10     # ...and fewer than this many of them, __init__.py files aside
HEAVY = ("pyperf", "psutil", "matplotlib", "numpy", "scipy", "viztracer")


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


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _lines(path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def test_a_group_folder_holds_only_its_roles_modules():
    """Every module under groups/<name>/ is its __init__.py, one of its workloads, or
    named for its role: catalogue, setups, grid; results, figures, tables, report;
    scenarios. The same names in every group, nothing else."""
    allowed = set().union(*ROLES.values())
    folders = sorted(p for p in GROUPS_DIR.iterdir() if (p / "__init__.py").is_file())
    assert folders, "no group folder found"
    strays = []
    for folder in folders:
        for module in sorted(folder.rglob("*.py")):
            inside = module.relative_to(folder).parts
            if "__pycache__" in inside or inside[0] == "workloads":
                continue
            if len(inside) > 1 or (module.stem not in allowed and module.name != "__init__.py"):
                strays.append(str(module.relative_to(PACKAGE)))
    assert strays == [], f"modules of no role ({', '.join(sorted(allowed))}): {strays}"


def test_no_module_exceeds_the_line_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := _lines(p)) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_few_modules_are_small():
    """Splits made only for a line count are merged back: fewer than MAX_SMALL modules
    under SMALL_LINES lines, package __init__.py files aside."""
    small = {str(p.relative_to(PACKAGE)): n for p in _modules()
             if p.name != "__init__.py" and (n := _lines(p)) < SMALL_LINES}
    assert len(small) < MAX_SMALL, f"{len(small)} modules under {SMALL_LINES} lines: {small}"


def test_importing_the_group_registry_stays_light():
    """Every spawned child passes through mpbench.groups: a fresh interpreter importing it
    loads none of mpbench's third-party dependencies."""
    probe = ("import json, sys; sys.path.insert(0, sys.argv[1]); import mpbench.groups; "
             "print(json.dumps(sorted({m.partition('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-I", "-c", probe, str(ROOT / "src")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert loaded & set(HEAVY) == set()


@pytest.mark.parametrize("name", NAMES)
def test_every_group_has_its_tests_folder_and_docs_page(name):
    assert (ROOT / "tests" / name).is_dir(), f"tests/{name}/ is missing"
    assert (ROOT / "docs" / f"{name}.md").is_file(), f"docs/{name}.md is missing"


def test_test_file_names_are_unique():
    """Test modules are imported by basename (no __init__.py in tests/): two of one
    name in different folders would collide."""
    files = [p for p in (ROOT / "tests").rglob("*.py") if "__pycache__" not in p.parts]
    assert [p for p in files if p.name == "__init__.py"] == []
    names = Counter(p.name for p in files)
    assert [name for name, count in names.items() if count > 1] == []
