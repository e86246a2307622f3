"""The benchmark groups, registered here: one import line per group.

Each group is a package ``mpbench.groups.<name>`` holding everything that is its own:
its catalogue, its workloads (``workloads/``, standard library only), its report and
its traced scenarios. Its ``GROUP`` (a :class:`~mpbench.groups.descriptor.Group`) is
its descriptor. Adding a group is its folder, one line below, its docs page and its
tests folder; the catalogue, the report, the comparison, ``validate``, ``fleet``,
``harness`` and ``mpbench trace`` all read the groups from here.

Kept light: importing this package imports the descriptors only, never pyperf or
matplotlib, so a spawn child that passes through it on its way to a workload pays
next to nothing.
"""

from __future__ import annotations

from mpbench.groups.channels import GROUP as CHANNELS
from mpbench.groups.descriptor import Group, Scenario
from mpbench.groups.pool import GROUP as POOL
from mpbench.groups.process import GROUP as PROCESS
from mpbench.groups.shared import GROUP as SHARED
from mpbench.groups.sync import GROUP as SYNC

__all__ = ["GROUPS", "NAMES", "Group", "Scenario", "all_groups", "get"]

# Catalogue, report and trace order.
GROUPS: tuple[Group, ...] = (PROCESS, CHANNELS, SYNC, POOL, SHARED)
NAMES = tuple(group.name for group in GROUPS)


def all_groups() -> list[Group]:
    """Every registered group, in :data:`GROUPS` order."""
    return list(GROUPS)


def get(name: str) -> Group:
    """The group called ``name`` (KeyError if there is none)."""
    for group in GROUPS:
        if group.name == name:
            return group
    raise KeyError(name)
