"""``--only REGEX``, checked and matched within bounds.

A pattern is user input like any other: a bad one is one line and exit
status 2, never a traceback or a hang. Checked before use:

- at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` nested groups
  (a linear scan, before the regular expression parser, which recurses);
- compiled inside a guard: ``a{9999999999}`` (``OverflowError``) or anything
  else ``re`` rejects is refused, naming the pattern;
- matched against the benchmark names within :data:`MATCH_SECONDS` in total:
  a pattern that backtracks for ever (``(.*.*)*X``) is stopped by an interval
  timer (``re`` checks for signals while it matches) and refused. The names
  are few and short, so an honest pattern takes milliseconds. Without
  ``setitimer`` (not Unix) or outside the main thread, no time bound.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from mpbench.errors import UsageError

MAX_LENGTH = 1000
MAX_DEPTH = 100
MATCH_SECONDS = 1.0


def _depth(text: str) -> int:
    """The deepest nesting of groups in ``text`` (escapes and character sets skipped)."""
    depth = deepest = 0
    in_set = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest


def compile_only(text: str) -> re.Pattern[str]:
    """``text`` compiled, or :class:`UsageError` saying why not."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    if len(text) > MAX_LENGTH:
        raise UsageError(f"bad --only pattern {shown!r}: longer than {MAX_LENGTH} characters")
    if _depth(text) > MAX_DEPTH:
        raise UsageError(f"bad --only pattern {shown!r}: groups nested deeper than {MAX_DEPTH}")
    try:
        return re.compile(text)
    except re.error as exc:
        raise UsageError(f"bad --only pattern {shown!r}: {exc}") from None
    except (OverflowError, RecursionError, ValueError, MemoryError) as exc:
        raise UsageError(f"bad --only pattern {shown!r}: {exc or type(exc).__name__}") \
            from None


class _TooSlow(Exception):
    pass


def _stop(signum: int, frame: Any) -> None:
    raise _TooSlow


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`_TooSlow` in the block after ``seconds`` (main thread, Unix)."""
    if (not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _stop)
    outer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer[0] > 0:  # someone else's timer: give it back
            signal.setitimer(signal.ITIMER_REAL, *outer)


def matching(pattern: re.Pattern[str], names: Iterable[str],
             seconds: float = MATCH_SECONDS) -> set[str]:
    """The names ``pattern`` finds something in (``re.search``), within ``seconds``."""
    names = list(names)
    try:
        with _deadline(seconds):
            return {name for name in names if pattern.search(name)}
    except _TooSlow:
        raise UsageError(f"--only {pattern.pattern!r}: matching the benchmark names took over "
                         f"{seconds:g} s (nested repetitions like (.*)*); simplify it") from None
