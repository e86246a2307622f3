"""What a benchmark of the catalogue is: :class:`BenchSpec`, what its set-up yields
(:class:`Prepared`) inside a pyperf worker (:class:`WorkerEnv`), and its name.

Every group's catalogue builds these; :mod:`mpbench.catalogue` gathers them across the
registered groups.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from mpbench.options import Options

MetadataValue = Union[int, float, str]
TimeFunc = Callable[[int], float]


@dataclass
class WorkerEnv:
    """What a benchmark's setup may use inside a pyperf worker."""

    options: Options
    scratch_dir: str
    child_timeout: float


@dataclass
class Prepared:
    """A benchmark ready to time.

    ``time_func(loops)`` returns seconds for ``loops`` rounds. ``metadata``
    holds values measured during setup (e.g. the parent's RSS).
    ``sample_calls`` receives one entry per ``time_func`` call when the
    benchmark keeps per-operation samples: a mapping of series name to a
    list of floats (seconds unless the series says otherwise), plus any
    ``info`` the report needs; the warm-up calls are dropped before writing.
    """

    time_func: TimeFunc
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    sample_calls: list[dict[str, Any]] | None = None


Setup = Callable[[WorkerEnv], AbstractContextManager[Prepared]]


@dataclass(frozen=True)
class BenchSpec:
    """One benchmark of the catalogue.

    ``metadata`` carries every parameter under ``mpbench_*`` keys so that no
    consumer parses names. ``loops`` fixes the rounds per value (for time
    functions that time only part of each round, where pyperf's calibration
    would ask for thousands of rounds). ``weight`` scales the number of
    pyperf worker processes (below 1 for slow benchmarks). ``cost`` is a
    rough wall-clock estimate in seconds for one pyperf value, for progress.
    """

    name: str
    metadata: Mapping[str, MetadataValue]
    setup: Setup
    inner_loops: int | None = None
    loops: int | None = None
    weight: float = 1.0
    cost: float = 0.1

    @property
    def group(self) -> str:
        return str(self.metadata["mpbench_group"])

    @property
    def floor(self) -> str | None:
        floor = self.metadata.get("mpbench_floor")
        return None if floor is None else str(floor)

    @property
    def is_floor(self) -> bool:
        return bool(self.metadata.get("mpbench_is_floor"))

    @property
    def reference(self) -> str | None:
        """The minimal hand-written loop this benchmark is checked against, if any."""
        reference = self.metadata.get("mpbench_reference")
        return None if reference is None else str(reference)


def bench_name(base: str, params: Sequence[tuple[str, Any]]) -> str:
    """``process.start_join`` + ``[("method", "spawn")]`` -> ``process.start_join[method=spawn]``.

    Parameters at their default are left out by the caller, so the plain
    case keeps the plain name.
    """
    if not params:
        return base
    return base + "[" + ",".join(f"{key}={val}" for key, val in params) + "]"


@contextmanager
def timed(time_func: TimeFunc, **metadata: MetadataValue) -> Iterator[Prepared]:
    """Setup helper for benchmarks with nothing to set up or tear down."""
    yield Prepared(time_func, dict(metadata))
