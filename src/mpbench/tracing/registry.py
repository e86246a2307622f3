"""The traced scenarios: names, scripts in ``trace/``, what each shows."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from mpbench.errors import UsageError
from mpbench.groups import Scenario

SCRIPTS_ENV = "MPBENCH_TRACE_SCRIPTS"
# viztracer's --min_duration for every scenario (see mpbench.tracing.record)
MIN_DURATION_US = 10.0


def _all_scenarios() -> Sequence[Scenario]:
    from mpbench.groups import all_groups

    return tuple(scenario for group in all_groups() for scenario in group.scenarios)


# Every group's scenarios, in group order (each group lists its own: mpbench.groups).
SCENARIOS: Sequence[Scenario] = _all_scenarios()

BY_NAME: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}


def parse_scenario(text: str) -> Scenario:
    """A scenario by name, or :class:`UsageError` naming the known ones."""
    try:
        return BY_NAME[text]
    except KeyError:
        raise UsageError(f"unknown scenario {text!r} (known: {', '.join(BY_NAME)})") from None


def select(names: Sequence[str]) -> list[Scenario]:
    """The scenarios named (all of them when ``names`` is empty), in catalogue order."""
    if not names:
        return list(SCENARIOS)
    wanted = {parse_scenario(name).name for name in names}
    return [scenario for scenario in SCENARIOS if scenario.name in wanted]


def scripts_dir() -> Path:
    """The ``trace/`` folder: ``$MPBENCH_TRACE_SCRIPTS``, ``./trace`` or the checkout's.

    The scripts are not part of the installed package (``trace`` is a stdlib
    module name, so the folder is never a package).
    """
    candidates: list[str | None] = [os.environ.get(SCRIPTS_ENV), "trace",
                                       str(Path(__file__).resolve().parents[3] / "trace")]
    for candidate in filter(None, candidates):
        folder = Path(candidate)
        if (folder / SCENARIOS[0].script).is_file():
            return folder.resolve()
    raise UsageError("the trace/ scenario scripts were not found: run mpbench trace from the "
                     f"mpbench checkout, or set {SCRIPTS_ENV} to the folder")
