"""Is this a trace ``mpbench view`` can show? Checked before any server starts.

A trace is Chrome trace JSON (``.json`` or ``.json.gz``): an object with a
non-empty ``traceEvents`` list, or such a list alone. An empty or truncated
file, a results or samples file, a file over :data:`MAX_BYTES` (decompressed),
or a folder without a trace is refused in one line (exit status 2) instead of
reaching vizviewer (a traceback, or all the memory) or a server with nothing
to show.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
from typing import Any

from mpbench.errors import UsageError

SUFFIXES = (".json", ".json.gz")
# Read at most this much (decompressed): a small .json.gz may expand to gigabytes.
MAX_BYTES = 128 * 2**20


def _load(path: str) -> Any:
    """The JSON of ``path``, reading at most :data:`MAX_BYTES` (decompressed)."""
    opener: Any = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{path}: over {MAX_BYTES // 2**20} MiB"
                         f"{' once decompressed' if path.endswith('.gz') else ''}: "
                         "not a trace mpbench view opens (mpbench's stay under 20 MB)")
    return json.loads(raw.decode("utf-8"))


def check_trace_file(path: str) -> None:
    """Raise :class:`UsageError` unless ``path`` is a trace file."""
    if not path.endswith(SUFFIXES):
        raise UsageError(f"{path}: not a trace (.json or .json.gz)")
    if not os.path.isfile(path):
        raise UsageError(f"{path}: not a regular file")
    if os.path.getsize(path) == 0:
        raise UsageError(f"{path}: empty file, not a trace")
    try:
        data = _load(path)
    except RecursionError:
        raise UsageError(f"{path}: not a trace (JSON nested too deeply)") from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable trace (truncated, or not JSON: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") \
            from None
    if isinstance(data, dict) and data.get("format") == "mpbench-samples":
        raise UsageError(f"{path}: a samples file, not a trace")
    if isinstance(data, dict) and "benchmarks" in data and "version" in data:
        raise UsageError(f"{path}: a results file, not a trace (mpbench report {path} "
                         "makes figures of it)")
    events = data.get("traceEvents") if isinstance(data, dict) else data
    if not isinstance(events, list) or not events:
        raise UsageError(f"{path}: JSON, but not a trace (no traceEvents)")


def traces_in(folder: str) -> list[str]:
    """The trace files directly in ``folder``."""
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))
                       + glob.glob(os.path.join(folder, "*.json.gz"))):
        try:
            check_trace_file(path)
        except UsageError:
            continue
        found.append(path)
    return found


def check_trace_folder(folder: str) -> None:
    """Raise :class:`UsageError` unless ``folder`` holds at least one trace."""
    if not traces_in(folder):
        raise UsageError(f"{folder}: no traces in this folder (mpbench trace -o {folder} "
                         "records some)")
