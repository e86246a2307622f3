"""The group registry: every group registered once, every part it names importable."""

from __future__ import annotations

import pkgutil

import pytest
from conftest import ROOT

import mpbench.groups as groups
from mpbench import catalogue
from mpbench.tracing import registry

pytestmark = pytest.mark.timeout(60)


def test_every_group_module_is_registered_and_named_like_its_group():
    packages = {info.name for info in pkgutil.iter_modules(groups.__path__) if info.ispkg}
    assert packages == set(groups.NAMES)
    for name in groups.NAMES:
        assert groups.get(name).name == name


@pytest.mark.parametrize("name", groups.NAMES)
def test_the_parts_a_group_names_exist(name):
    group = groups.get(name)
    catalogue_module = group.catalogue()
    assert catalogue_module.GROUP == name
    assert callable(catalogue_module.benchmarks)
    report = group.report()
    assert callable(report.section) and callable(report.compare_section)
    assert (ROOT / group.docs).is_file()


def test_catalogue_and_scenarios_come_from_the_registry():
    specs = catalogue.build({"mode": "fast"})
    assert [g for g in groups.NAMES if any(s.group == g for s in specs)] == list(groups.NAMES)
    assert [s.name for s in registry.SCENARIOS] == [
        s.name for g in groups.all_groups() for s in g.scenarios]
