"""The traced scenarios: names, what each runs and shows, and their launchers."""

from __future__ import annotations

import os
from collections.abc import Sequence

from mpbench.errors import UsageError
from mpbench.groups import GROUPS, Scenario

# viztracer's --min_duration for every scenario (see mpbench.tracing.record)
MIN_DURATION_US = 10.0


# Every group's scenarios, in group order (each group lists its own: mpbench.groups).
SCENARIOS: Sequence[Scenario] = tuple(scenario for group in GROUPS for scenario in group.scenarios)

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


LAUNCHER = '''"""mpbench trace's launcher of scenario {name}: {module}.{function} of the
mpbench installed at {where}. Spawn and forkserver children re-import it: nothing
at module level."""

if __name__ == "__main__":
    import sys

    from {module} import {function}

    sys.exit({function}(sys.argv[1:]))
'''


def write_launcher(scenario: Scenario, folder: str) -> str:
    """Write the script that runs ``scenario`` from the installed package into
    ``folder`` (ours, and nothing else in it: it becomes ``sys.path[0]``); its path.

    Never a ``trace/`` script found in the current folder: whoever can write
    there would choose what runs."""
    import mpbench

    module, function = scenario.entry.split(":")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, scenario.script)
    with open(path, "w") as handle:
        handle.write(LAUNCHER.format(name=scenario.name, module=module, function=function,
                                     where=os.path.dirname(os.path.dirname(mpbench.__file__))))
    return path
