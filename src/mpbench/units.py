"""Parsing and formatting of sizes, durations and comma-separated lists."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Callable, TypeVar

from mpbench.errors import UsageError

T = TypeVar("T")

_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3,
}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Parse ``64B``, ``4KiB``, ``1MiB``, ``1000`` into bytes (integers only)."""
    match = _SIZE_RE.match(text)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise UsageError(f"bad size {text!r}: expected a whole number with an "
                         "optional unit B, KiB, MiB, GiB (or kB, MB, GB)")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def parse_size_within(text: str, what: str, low: int, high: int,
                      too_small: str | None = None) -> int:
    """:func:`parse_size`, from ``low`` to ``high`` bytes; ``too_small`` says why
    less is refused (default: ``at least <low>``)."""
    size = parse_size(text)
    if size < low:
        raise UsageError(f"bad {what} {text!r}: {too_small or 'at least ' + format_size(low)}")
    if size > high:
        raise UsageError(f"bad {what} {text!r}: at most {format_size(high)}")
    return size


def format_size(nbytes: int) -> str:
    """The shortest exact binary spelling: 1 -> ``1B``, 4096 -> ``4KiB``."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if nbytes >= factor and nbytes % factor == 0:
            return f"{nbytes // factor}{unit}"
    return f"{nbytes}B"


def format_seconds(seconds: float) -> str:
    """Human-readable duration with three significant digits: ``48.2 ms``."""
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(seconds) >= factor:
            return f"{seconds / factor:.3g} {unit}"
    return f"{seconds:.3g} s"


def format_clock(seconds: float) -> str:
    """Wall-clock style ``m:ss`` for progress lines."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def parse_list(text: str, parse_item: Callable[[str], T], what: str) -> list[T]:
    """Parse a comma-separated list; every item through ``parse_item``; no duplicates."""
    items = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in items):
        raise UsageError(f"bad {what} list {text!r}: expected comma-separated values")
    values = [parse_item(part) for part in items]
    if len(set(values)) != len(values):
        raise UsageError(f"bad {what} list {text!r}: duplicate values")
    return values


def one_of(known: Sequence[str], what: str,
           normalise: Callable[[str], str] | None = None) -> Callable[[str], str]:
    """An item parser for :func:`parse_list`: the item (``normalise``-d first) if it is
    one of ``known``."""
    def parse(text: str) -> str:
        name = normalise(text) if normalise else text
        if name not in known:
            raise UsageError(f"unknown {what} {text!r} (known: {', '.join(known)})")
        return name
    return parse


def parse_positive_int(text: str, what: str, maximum: int | None = None) -> int:
    """A whole number >= 1 (and <= ``maximum`` when given)."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"bad {what} {text!r}: expected a whole number") from None
    if value < 1:
        raise UsageError(f"bad {what} {text!r}: must be at least 1")
    if maximum is not None and value > maximum:
        raise UsageError(f"bad {what} {text!r}: at most {maximum}")
    return value


def parse_non_negative_float(text: str, what: str) -> float:
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"bad {what} {text!r}: expected a number") from None
    if not value >= 0 or value == float("inf"):
        raise UsageError(f"bad {what} {text!r}: must be a finite number >= 0")
    return value


def parse_percent(text: str, what: str) -> float:
    """``5``, ``5%`` or ``2.5`` percent, from 0 to 1000, as a fraction (0.05)."""
    number = text.strip()[:-1] if text.strip().endswith("%") else text
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"bad {what} {text!r}: expected a percentage like 5 or 5%") from None
    if not 0 <= value <= 1000:  # also refuses nan and inf
        raise UsageError(f"bad {what} {text!r}: must be a percentage from 0 to 1000")
    return value / 100
