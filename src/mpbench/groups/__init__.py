"""Benchmark groups, registered in one place: :data:`NAMES`.

Each group is a module of this package named like the group. Its ``GROUP``
(a :class:`Group`) is the group's starting point: it names, by module path,
the catalogue (benchmarks, options, test faults), the report and comparison
sections, and lists the traced scenarios and the docs page. Adding a group
is its own modules plus one entry in :data:`NAMES`; the catalogue, the
report, the comparison and ``mpbench trace`` all read the groups from here.

Kept light: a descriptor holds module paths, not modules, so listing the
groups imports neither pyperf nor matplotlib, and a spawn child that imports
``mpbench`` on its way to a workload pays nothing for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

# Catalogue, report and trace order. The one registration line of a group.
NAMES = ("process", "channels", "sync", "pool", "shared")


@dataclass(frozen=True)
class Scenario:
    """One traced scenario: ``entry`` (``module:function``, called with the script's
    arguments) is what ``mpbench trace`` runs, through a launcher it writes
    (:func:`mpbench.tracing.registry.write_launcher`); ``trace/trace_<name>.py``
    does the same by hand.

    ``count`` names the script option that ``mpbench trace --count N`` sets
    (messages, round trips, rounds or acquisitions per process).
    """

    name: str
    summary: str
    count: str
    entry: str = ""

    @property
    def script(self) -> str:
        return f"trace_{self.name}.py"


@dataclass(frozen=True)
class Group:
    """What a benchmark group is made of.

    - ``catalogue``: module with ``GROUP`` (the name), ``OPTIONS``, ``FAULTS``
      and ``benchmarks(options) -> list[BenchSpec]``;
    - ``report``: module with ``section(results, outdir) -> Section | None``;
    - ``compare``: module with ``compare_section(sets, outdir) -> Section | None``;
    - ``scenarios``: the traced scenarios showing the group's workloads;
    - ``docs``: the page that says what each figure includes.
    """

    name: str
    title: str
    catalogue: str
    report: str | None = None
    compare: str | None = None
    scenarios: Sequence[Scenario] = ()
    docs: str = ""

    def part(self, which: str) -> ModuleType:
        """The module named by field ``which`` (``catalogue``, ``report``, ``compare``);
        callers check the field first: a group without that part raises LookupError."""
        path = getattr(self, which)
        if not path:
            raise LookupError(f"group {self.name} has no {which} module")
        return importlib.import_module(path)


def all_groups() -> list[Group]:
    """Every registered group, in :data:`NAMES` order."""
    return [importlib.import_module(f"{__name__}.{name}").GROUP for name in NAMES]


def get(name: str) -> Group:
    """The group called ``name``."""
    if name not in NAMES:
        raise KeyError(name)
    return importlib.import_module(f"{__name__}.{name}").GROUP
