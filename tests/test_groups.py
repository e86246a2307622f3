"""The group registry: every group registered once, every part it names importable."""

from __future__ import annotations

import pkgutil

import pytest

import mpbench.groups as groups
from mpbench import catalogue
from mpbench.tracing import registry

pytestmark = pytest.mark.timeout(60)


def test_every_group_module_is_registered_and_named_like_its_group():
    modules = {info.name for info in pkgutil.iter_modules(groups.__path__)}
    assert modules == set(groups.NAMES)
    for name in groups.NAMES:
        assert groups.get(name).name == name


@pytest.mark.parametrize("name", groups.NAMES)
def test_the_parts_a_group_names_exist(name):
    group = groups.get(name)
    catalogue_module = group.part("catalogue")
    assert catalogue_module.GROUP == name
    assert callable(catalogue_module.benchmarks)
    if group.report:
        assert callable(group.part("report").section)
    if group.compare:
        assert callable(group.part("compare").compare_section)
    assert group.docs


def test_catalogue_and_scenarios_come_from_the_registry():
    specs = catalogue.build({"mode": "fast"})
    assert [g for g in groups.NAMES if any(s.group == g for s in specs)] == list(groups.NAMES)
    assert [s.name for s in registry.SCENARIOS] == [
        s.name for g in groups.all_groups() for s in g.scenarios]
