"""``mpbench selftest aa``: two identical runs must compare as "no change".

Runs a selection twice, back to back, with the same options, compares the
second run with the first and prints the false-alarm rate: the share of
benchmarks called slower or faster although nothing changed. On a machine
whose drift the verdict accounts for, that share stays at or below
``ALLOWED`` (the exit status is 1 above it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone

from mpbench.errors import UsageError
from mpbench.options import Options

DEFAULT_ONLY = r"^process\."
ALLOWED = 0.05


def default_outdir(directory: str = "results") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(directory, f"aa-{stamp}")


def prepare(outdir: str) -> str:
    """A new or empty folder for the two results files and the comparison."""
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and (not os.path.isdir(outdir) or os.listdir(outdir)):
        raise UsageError(f"-o {outdir}: exists and is not an empty directory")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {outdir}: cannot create it ({exc.strerror})") from None
    return outdir


def run_argv(argv: Sequence[str]) -> list:
    """The ``mpbench run`` arguments a self-test's command line stands for (recorded in
    ``mpbench_command``): without ``aa``, ``--min-effect`` and ``-o``."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--min-effect", "-o", "--output"):
            skip = True
        elif arg != "aa" and not arg.startswith(("--min-effect=", "--output=")):
            kept.append(arg)
    return kept


def false_alarms(comparison_json: str) -> tuple:
    """(benchmarks called slower or faster, benchmarks compared) from ``comparison.json``."""
    with open(comparison_json) as handle:
        doc = json.load(handle)
    results = doc["results"]
    return sum(1 for r in results if r["verdict"] != "within noise"), len(results)


def run_aa(specs: Sequence, options: Options, mode, passes: int, min_effect: float,
           outdir: str, argv: Sequence[str]) -> int:
    """Run ``specs`` twice, compare, print the false-alarm rate; the exit status."""
    from mpbench.reporting.compare_build import build_comparison
    from mpbench.runner import RunPlan, SuiteRun

    paths = [os.path.join(outdir, f"aa-{n}.json") for n in (1, 2)]
    for number, path in enumerate(paths, 1):
        print(f"A/A self-test: run {number} of 2", flush=True)
        status = SuiteRun(RunPlan(specs, options, mode, path, argv=argv, passes=passes)).run()
        if status == 130:
            return status
        if not os.path.exists(path):
            print("A/A self-test: the run wrote no results; nothing to compare")
            return 1
    report = os.path.join(outdir, "compare")
    build_comparison(paths[:1], report, paths[1:], min_effect)
    called, total = false_alarms(os.path.join(report, "comparison.json"))
    rate = called / total
    print(f"A/A self-test: {called} of {total} benchmarks called slower or faster between two "
          f"identical runs: false-alarm rate {rate:.1%} (min effect {min_effect:.0%}; "
          f"at most {ALLOWED:.0%} expected); files in {os.path.relpath(outdir)}")
    return 0 if rate <= ALLOWED else 1
