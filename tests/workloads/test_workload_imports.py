"""What a child process imports is the standard library only.

Spawn and forkserver children import the workload modules; a workload that pulls in pyperf,
numpy or matplotlib at module level would put that import inside every measured start-up.
Each module under ``src/mpbench/workloads/`` (the helpers every group uses) and
``src/mpbench/groups/<name>/workloads/`` is imported here in a fresh interpreter, and every
module that import added to ``sys.modules`` must be the standard library's or mpbench's own
light path to a workload: the package, its errors, the group registry and descriptors, and
workload modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

SRC = ROOT / "src"
WORKLOADS = [SRC / "mpbench" / "workloads",
             *sorted((SRC / "mpbench" / "groups").glob("*/workloads"))]

# Run in the fresh interpreter: import one module, print what the import added and which
# of those are not the standard library's. Only the modules the import *adds* count, so
# whatever site and .pth files load first (an editable install's finder) does not.
PROBE = r"""
import json, os, sys, sysconfig
src, name = sys.argv[1], sys.argv[2]
by_path = sys.argv[3:] == ["by-path"] or not hasattr(sys, "stdlib_module_names")
sys.path.insert(0, src)
before = set(sys.modules)
__import__(name)
added = sorted(set(sys.modules) - before)

def is_stdlib(module_name):
    top = module_name.partition(".")[0]
    if top.startswith("_sysconfigdata_"):  # sysconfig's per-platform data, named at run time
        return True
    if not by_path:  # 3.10+
        return top in sys.stdlib_module_names
    if top in sys.builtin_module_names:  # 3.9: by where the module lives
        return True
    path = getattr(sys.modules.get(module_name), "__file__", None)
    if path is None:
        return True  # frozen or namespace-less builtin parts of the stdlib
    path = os.path.realpath(path)
    roots = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
    site = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}
    return (any(path.startswith(root + os.sep) for root in roots)
            and not any(path.startswith(root + os.sep) for root in site))

def is_allowed(module_name):
    # __mp_main__: multiprocessing.spawn's alias of __main__, set when it is imported
    parts = module_name.split(".")
    return (module_name in ("mpbench", "mpbench.errors", "mpbench.groups",
                            "mpbench.groups.descriptor", "__mp_main__")
            or parts[:2] == ["mpbench", "workloads"]
            or (parts[:2] == ["mpbench", "groups"] and len(parts) == 3)  # a descriptor
            or (parts[:2] == ["mpbench", "groups"] and parts[3:4] == ["workloads"]))

print(json.dumps({"added": added,
                  "foreign": [m for m in added if not (is_stdlib(m) or is_allowed(m))]}))
"""


def workload_modules() -> list[str]:
    """Every module of the workloads packages, the packages themselves included."""
    names = ["mpbench.workloads"]
    for path in sorted(p for folder in WORKLOADS for p in folder.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name not in names:
            names.append(name)
    return names


def imported_by(module: str, src: Path = SRC, by_path: bool = False) -> dict:
    """What importing ``module`` in a fresh interpreter added to ``sys.modules``
    (``by_path``: tell the standard library by location, as on 3.9)."""
    done = subprocess.run([sys.executable, "-I", "-c", PROBE, str(src), module,
                           *(["by-path"] if by_path else [])],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
    return json.loads(done.stdout)


def test_every_workload_module_is_listed():
    modules = workload_modules()
    assert len(modules) > 20 and "mpbench.groups.channels.workloads.messages" in modules


@pytest.mark.parametrize("module", workload_modules())
def test_a_workload_imports_only_the_standard_library(module):
    found = imported_by(module)
    assert module in found["added"]
    assert found["foreign"] == [], f"{module} imports {found['foreign']} at module level"


@pytest.mark.parametrize("module", ["mpbench.groups.channels.workloads.runs",
                                    "mpbench.groups.pool.workloads.pools"])
def test_the_3_9_path_check_agrees(module):
    assert imported_by(module, by_path=True)["foreign"] == []


@pytest.mark.parametrize("by_path", [False, True])
def test_the_probe_sees_a_third_party_import(tmp_path, by_path):
    """The check itself can fail: a module importing pyperf (installed here) is caught."""
    package = tmp_path / "mpbench" / "workloads"
    package.mkdir(parents=True)
    (tmp_path / "mpbench" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "heavy.py").write_text("import json\nimport pyperf\n")
    foreign = imported_by("mpbench.workloads.heavy", tmp_path, by_path)["foreign"]
    assert "pyperf" in foreign and "json" not in foreign
