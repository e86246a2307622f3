"""The benchmark catalogue: every benchmark, its parameters and how to set it up.

A group's catalogue module (named by its descriptor in :mod:`mpbench.groups`)
exposes ``GROUP`` (its name), ``OPTIONS`` (extra :class:`~mpbench.options.Option` s),
``FAULTS`` (test hooks) and ``benchmarks(options) -> list[BenchSpec]``. Building the catalogue
is cheap and deterministic: the ``mpbench`` process and every pyperf worker build the
same list from the same options and agree on names and order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from mpbench.errors import UsageError
from mpbench.groups import GROUPS, Group
from mpbench.options import COMMON_OPTIONS, Option, Options, placement_notes
from mpbench.spec import BenchSpec


def group_modules(names: Iterable[str] | None = None) -> list[Any]:
    """Every registered group's catalogue module (or only those of the groups ``names``),
    in catalogue order (:mod:`mpbench.groups`)."""
    wanted = None if names is None else set(names)
    return [group.catalogue() for group in GROUPS if wanted is None or group.name in wanted]


def group_options() -> list[tuple[Group, list[Option]]]:
    """Each registered group with its own options, in catalogue order: those of its
    catalogue's ``OPTIONS`` that no common option and no earlier group already gave."""
    seen = {option.dest for option in COMMON_OPTIONS}
    owned: list[tuple[Group, list[Option]]] = []
    for group in GROUPS:
        own = []
        for option in getattr(group.catalogue(), "OPTIONS", ()):
            if option.dest not in seen:
                seen.add(option.dest)
                own.append(option)
        owned.append((group, own))
    return owned


def all_options() -> list[Option]:
    """Common options, then each group's own, without duplicates."""
    return list(COMMON_OPTIONS) + [option for _, own in group_options() for option in own]


def check_fault(options: Options) -> None:
    """Refuse an ``--inject-fault`` that no group knows (each group ignores the others')."""
    fault = options.get("inject_fault")
    known = [name for module in group_modules() for name in getattr(module, "FAULTS", ())]
    if fault is not None and fault not in known:
        raise UsageError(f"unknown fault {fault!r} (known: {', '.join(known)})")


def _references_next_to_their_checks(specs: list[BenchSpec]) -> list[BenchSpec]:
    """Move each reference just before the first benchmark it checks: the two are
    measured seconds apart, not minutes (this VM's speed drifts over minutes, and
    the ratio of the two is the harness check)."""
    names = {spec.name for spec in specs}
    moved = {spec.name: spec for spec in specs
             if spec.metadata.get("mpbench_is_reference")
             and any(other.reference == spec.name for other in specs)}
    ordered: list[BenchSpec] = []
    for spec in specs:
        if spec.name in moved:
            continue
        reference = spec.reference
        if reference in moved and reference in names:
            ordered.append(moved.pop(reference))
        ordered.append(spec)
    return ordered


def build(options: Options, groups: Iterable[str] | None = None) -> list[BenchSpec]:
    """Every benchmark for these options (of the groups named, else of all): floors
    first within each group, each reference just before the first benchmark it checks."""
    check_fault(options)
    specs: list[BenchSpec] = []
    for module in group_modules(groups):
        group_specs = module.benchmarks(options)
        specs.extend(_references_next_to_their_checks(
            [spec for spec in group_specs if spec.is_floor]
            + [spec for spec in group_specs if not spec.is_floor]))
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise RuntimeError("duplicate benchmark names in the catalogue")
    return specs


def compile_pattern(only: str | None) -> re.Pattern[str] | None:
    """The ``--only`` regular expression, checked."""
    if only is None:
        return None
    from mpbench.pattern import compile_only

    return compile_only(only)


def select(specs: Sequence[BenchSpec], only: str | None) -> list[BenchSpec]:
    """Benchmarks whose name matches ``only`` (``re.search``), plus the floors and
    references they are compared with, so every figure keeps its floor and its
    harness check."""
    pattern = compile_pattern(only)
    if pattern is None:
        return list(specs)
    from mpbench.pattern import matching

    chosen = matching(pattern, (spec.name for spec in specs))
    if not chosen:
        raise UsageError(f"--only {only!r} matches no benchmark (see 'mpbench list')")
    along = {other for spec in specs if spec.name in chosen
             for other in (spec.floor, spec.reference) if other}
    return [spec for spec in specs if spec.name in chosen or spec.name in along]


def notes(options: Options) -> list[str]:
    """Lines to say before a run or a listing: what the catalogue left out, and why."""
    return placement_notes(options)


def find(specs: Sequence[BenchSpec], name: str) -> BenchSpec:
    """The benchmark called ``name``."""
    for spec in specs:
        if spec.name == name:
            return spec
    raise UsageError(f"no benchmark named {name!r}")
