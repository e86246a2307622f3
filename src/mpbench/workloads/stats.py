"""Small statistics for samples and shares: percentiles, Jain's fairness index, thinning.

Standard library only (children import the workloads package).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of already sorted values.

    Linear interpolation between the closest ranks (numpy's default
    ``linear`` method): the 50th of ``[1, 2, 3, 4]`` is 2.5.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q!r} outside 0..100")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def jain_index(shares: Sequence[float]) -> float:
    """Jain's fairness index ``(sum x)^2 / (n * sum x^2)``.

    1.0 when every process got the same share, ``1/n`` when one process got
    everything. All zeros (nobody did anything) counts as fair: 1.0.
    """
    if not shares:
        raise ValueError("fairness of no shares")
    total = float(sum(shares))
    squares = float(sum(x * x for x in shares))
    if squares == 0:
        return 1.0
    return total * total / (len(shares) * squares)


def max_min_ratio(shares: Sequence[float]) -> float | None:
    """Largest share over smallest; ``None`` when some process got nothing (starved)."""
    if not shares:
        raise ValueError("ratio of no shares")
    smallest = min(shares)
    if smallest <= 0:
        return None
    return max(shares) / smallest


def thin_sorted(sorted_values: Sequence[float], keep: int) -> list[float]:
    """At most ``keep`` evenly spaced order statistics, the minimum and maximum included.

    Thinning a sorted list this way keeps its quantiles: what a samples file
    stores when a call produced more operations than are worth writing down.
    """
    count = len(sorted_values)
    if count <= keep:
        return list(sorted_values)
    if keep < 2:
        return [sorted_values[-1]] if keep == 1 else []
    step = (count - 1) / (keep - 1)
    return [sorted_values[round(i * step)] for i in range(keep)]


def summary(sorted_values: Sequence[float], prefix: str) -> dict:
    """``{prefix_p50, prefix_p99, prefix_max, prefix_count}`` of sorted values (empty: count
    only)."""
    if not sorted_values:
        return {f"{prefix}_count": 0}
    return {f"{prefix}_p50": percentile(sorted_values, 50),
            f"{prefix}_p99": percentile(sorted_values, 99),
            f"{prefix}_max": sorted_values[-1],
            f"{prefix}_count": len(sorted_values)}
