"""Per-operation samples kept beside a results file (``*.samples.json``).

pyperf stores one value per timed call; latency percentiles and fairness need
every operation. A worker writes what one benchmark kept into a part file;
``mpbench run`` merges the parts into one document::

    {"format": "mpbench-samples", "version": 1,
     "results": "<results file name>",
     "benchmarks": {
        "<benchmark name>": {
           "series": {"<series>": [float, ...], ...},   # seconds unless named otherwise
           "info": [{...}, ...]                          # one entry per timed call
        }, ...}}

Series are concatenated across workers and calls, then thinned evenly to at
most ``MAX_SAMPLES`` values each (``"kept_every"`` says by how much).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

from mpbench.atomic import atomic_write_text
from mpbench.errors import UsageError

FORMAT = "mpbench-samples"
VERSION = 1
MAX_SAMPLES = 100_000
PART_SUFFIX = ".part.json"


def write_part(samples_dir: str, name: str, calls: Iterable[dict[str, Any]]) -> None:
    """Write one worker's sample calls for benchmark ``name``."""
    calls = list(calls)
    if not calls:
        return
    path = os.path.join(samples_dir, f"{os.getpid()}-{abs(hash(name))}{PART_SUFFIX}")
    atomic_write_text(path, json.dumps({"benchmark": name, "calls": calls}))


def merge_parts(samples_dir: str, results_name: str) -> dict[str, Any]:
    """Merge every part file in ``samples_dir`` into one samples document."""
    merged: dict[str, dict[str, Any]] = {}
    try:
        entries = sorted(os.listdir(samples_dir))
    except FileNotFoundError:  # no part written (or the run's folder was removed)
        entries = []
    for entry in entries:
        if not entry.endswith(PART_SUFFIX):
            continue
        with open(os.path.join(samples_dir, entry)) as part_file:
            part = json.load(part_file)
        bench = merged.setdefault(part["benchmark"], {"series": {}, "info": []})
        for call in part["calls"]:
            for key, values in call.get("series", {}).items():
                bench["series"].setdefault(key, []).extend(values)
            if call.get("info"):
                bench["info"].append(call["info"])
    for bench in merged.values():
        bench["kept_every"] = {key: _thin(values) for key, values in bench["series"].items()}
        bench["series"] = {key: values[::bench["kept_every"][key]]
                           for key, values in bench["series"].items()}
    return {"format": FORMAT, "version": VERSION, "results": results_name,
            "benchmarks": merged}


def _thin(values: list[float]) -> int:
    return max(1, -(-len(values) // MAX_SAMPLES))


def samples_path(results_path: str) -> str:
    """``results/x.json`` -> ``results/x.samples.json``."""
    root, _ = os.path.splitext(results_path)
    return root + ".samples.json"


def is_samples_path(path: str) -> bool:
    return path.endswith(".samples.json")


def results_only(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """``paths`` without the samples files given beside their results file (a shell glob
    like ``results/*.json`` picks up both), and those skipped; a samples file given
    alone is refused, naming the results file to give instead."""
    given = {os.path.realpath(path) for path in paths}
    kept, skipped = [], []
    for path in paths:
        if not is_samples_path(path):
            kept.append(path)
            continue
        results = path[: -len(".samples.json")] + ".json"
        if os.path.realpath(results) not in given:
            raise UsageError(f"{path} is a samples file: give its results file, {results}")
        skipped.append(path)
    return kept, skipped


def skipped_line(skipped: Sequence[str]) -> str:
    """One line saying which samples files were left to their results files."""
    names = ", ".join(os.path.basename(path) for path in skipped)
    return (f"skipped {len(skipped)} samples file{'s' if len(skipped) != 1 else ''} "
            f"(read with their results files): {names}")


def load(path: str) -> dict[str, Any]:
    """Load a samples document, checking its format."""
    with open(path) as samples_file:
        document = json.load(samples_file)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not an mpbench samples file")
    return document
