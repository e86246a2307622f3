"""What a benchmark group is: :class:`Group`, its descriptor, and :class:`Scenario`.

A group's descriptor is the ``GROUP`` of its package (``groups/<name>/__init__.py``).
It says, once, what the generic parts of mpbench need to know about the group:

- ``title`` heads its report section, its comparison section and ``mpbench list``;
- ``catalogue()`` and ``report()`` import its catalogue (benchmarks, options, faults)
  and its report (``section``, ``compare_section``, ``fleet_row``) when asked: both pull in
  pyperf or matplotlib, which the descriptor must not;
- ``scenarios`` are its traced scenarios, ``docs`` its reference page;
- ``required_metadata``: what ``validate`` insists every benchmark of the group carries;
- ``harness_target``: how far its minimal-reference ratio may stray (``harness``).

Plain classes rather than dataclasses: a spawned child imports the registry, and so every
descriptor, on its way to its workload, and :mod:`dataclasses` would bring :mod:`inspect`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

DEFAULT_HARNESS_TARGET = 1.10


class Scenario:
    """One traced scenario: ``entry`` (``module:function``, called with the script's
    arguments) is what ``mpbench trace`` runs, through a launcher it writes
    (:func:`mpbench.tracing.registry.write_launcher`); ``trace/trace_<name>.py`` does
    the same by hand. ``count`` names the script option that ``mpbench trace --count N``
    sets (messages, round trips, rounds or acquisitions per process)."""

    __slots__ = ("name", "summary", "count", "entry")

    def __init__(self, name: str, summary: str, count: str, entry: str = "") -> None:
        self.name, self.summary, self.count, self.entry = name, summary, count, entry

    @property
    def script(self) -> str:
        return f"trace_{self.name}.py"

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, entry={self.entry!r})"


class Group:
    """A benchmark group, as the catalogue, the report, ``compare``, ``validate``,
    ``fleet``, ``harness`` and ``mpbench trace`` see it."""

    __slots__ = ("name", "title", "docs", "scenarios", "required_metadata", "harness_target",
                 "_catalogue", "_report")

    def __init__(self, name: str, title: str, *, catalogue: Callable[[], ModuleType],
                 report: Callable[[], ModuleType], docs: str,
                 scenarios: Sequence[Scenario] = (), required_metadata: Sequence[str] = (),
                 harness_target: float = DEFAULT_HARNESS_TARGET) -> None:
        self.name, self.title, self.docs = name, title, docs
        self.scenarios = tuple(scenarios)
        self.required_metadata = tuple(required_metadata)
        self.harness_target = harness_target
        self._catalogue, self._report = catalogue, report

    def catalogue(self) -> ModuleType:
        """The catalogue module: ``GROUP``, ``OPTIONS``, ``FAULTS``, ``benchmarks(options)``."""
        return self._catalogue()

    def report(self) -> ModuleType:
        """The report module: ``section(results, outdir)``, ``compare_section(comparison,
        outdir)`` and ``fleet_row(result, results)``."""
        return self._report()

    def __repr__(self) -> str:
        return f"Group({self.name!r})"
