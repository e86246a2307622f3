"""The benchmark catalogue: names, parameters as metadata, floors beside figures."""

from __future__ import annotations

import pytest

from mpbench import catalogue
from mpbench.errors import UsageError


@pytest.fixture(scope="module")
def specs():
    return catalogue.build({})


def test_names_are_unique_and_grouped(specs):
    names = [spec.name for spec in specs]
    assert len(names) == len(set(names))
    for spec in specs:
        assert spec.name.startswith(spec.group + ".")


def test_every_figure_names_a_floor_that_exists(specs):
    names = {spec.name for spec in specs}
    for spec in specs:
        if spec.is_floor:
            assert spec.metadata["mpbench_is_floor"] == 1
        elif spec.group == "process":
            assert spec.floor in names, spec.name


def test_process_metadata_carries_every_parameter(specs):
    for spec in (s for s in specs if s.group == "process"):
        md = spec.metadata
        assert md["mpbench_metric"] in {"start", "time_to_target", "join", "start_join",
                                        "terminate"}
        assert isinstance(md["mpbench_nprocs"], int)
        if not spec.is_floor:
            assert md["mpbench_method"] in {"fork", "spawn", "forkserver"}
        for value in md.values():
            assert isinstance(value, (int, float, str)) and value != ""


def test_default_parameters_are_left_out_of_names(specs):
    names = {spec.name for spec in specs}
    assert "process.start_join[method=spawn]" in names
    assert "process.start_join[method=spawn,nprocs=4]" in names
    assert "process.start_join[method=fork,parent_mem=1GiB]" in names


def test_select_brings_floors_along(specs):
    chosen = [s.name for s in catalogue.select(specs, r"start_join\[method=spawn,nprocs=4\]")]
    assert chosen == ["process.interpreter_startup[mode=isolated,nprocs=4]",
                      "process.start_join[method=spawn,nprocs=4]"]


def test_select_rejects_patterns_matching_nothing(specs):
    with pytest.raises(UsageError, match="matches no benchmark"):
        catalogue.select(specs, "no-such-benchmark")
    with pytest.raises(UsageError, match="bad --only pattern"):
        catalogue.select(specs, "start_join[")


def test_options_shape_the_catalogue():
    specs = catalogue.build({"methods": ["fork"], "nprocs": [1, 3], "parent_mem": [0]})
    names = [spec.name for spec in specs]
    assert "process.start_join[method=fork,nprocs=3]" in names
    assert not any("spawn" in name or "forkserver" in name for name in names)
    assert not any("parent_mem" in name for name in names)
