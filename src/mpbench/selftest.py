"""``mpbench selftest aa|ab``: an unchanged interpreter must compare as "no change",
and a real slowdown must be seen.

``aa``
Runs :mod:`mpbench.ab` with this interpreter on both sides (interleaved
pairs, as a real A/B runs) and reports what an unchanged comparison gives on
this machine:

- the false alarms: benchmarks called slower or faster although nothing
  changed (at most :data:`ALLOWED` of them expected);
- the gate's outcome at ``--fail-on-slower`` (default :data:`DEFAULT_GATE`);
- the distribution of the detectable changes: the smallest regression this
  machine can catch, benchmark by benchmark.

The exit status is 1 when the false alarms exceed :data:`ALLOWED` or the gate
tripped.

``ab`` runs a selection (default ``process.os_fork`` alone, in
:data:`AB_PAIRS` pairs of ``--fast``) on two throw-away venvs of this
interpreter, alike but for the candidate's ``sitecustomize``: a busy spin before
each ``os.fork()``, sized to ``--slowdown`` (default :data:`DEFAULT_SLOWDOWN`)
of the ``os_fork`` workload timed just before in a process as heavy as a
worker. Its exit status is 1 when ``process.os_fork`` is not called slower.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
from collections.abc import Sequence
from typing import Any

from mpbench import ab

DEFAULT_ONLY = r"^process\."
ALLOWED = 0.05
DEFAULT_GATE = 0.10
DEFAULT_SLOWDOWN = 0.10
SLOWED = "process.os_fork"
# os_fork's pairs spread by 11 to 16 % here (docs/comparing.md): calling a 10 % change
# with good odds takes 60 to 130 pairs, --fast ones the cheapest (2.5 s a pair here; the
# default mode's pairs cost twice as much and spread as much).
AB_ONLY = r"^process\.os_fork$"
AB_PAIRS = 100
AB_MODE, AA_MODE = "fast", "fast"
SITECUSTOMIZE = """\
# mpbench selftest ab: os.fork() made slower by a busy spin before it forks, so that the
# spin adds to every fork cycle whole (after the fork it would overlap the child's run)
import os
import time

_SPIN = {spin!r}
_fork = os.fork


def fork():
    end = time.perf_counter() + _SPIN
    while time.perf_counter() < end:
        pass
    return _fork()


os.fork = fork
"""
# The benchmark's own fork cycle, timed in a process that imported what a pyperf worker
# imports (a fork's cost grows with the parent's memory): the spin is sized from it.
FORK_CYCLE = """\
import sys
import pyperf, mpbench.suite
from mpbench import catalogue
from mpbench.options import resolve_placements
from mpbench.groups.process.workloads.start_join import time_os_fork
catalogue.build(resolve_placements({"mode": "default"}), ["process"])
loops = int(sys.argv[1])
time_os_fork(20, 1, 30.0)
print(time_os_fork(loops, 1, 30.0) / loops)
"""


def default_outdir(kind: str = "aa", directory: str = "results") -> str:
    return ab.default_outdir(directory).replace(os.sep + "ab-", os.sep + f"{kind}-")


def run_argv(argv: Sequence[str]) -> list:
    """The ``mpbench ab`` arguments a self-test's command line stands for (recorded in
    ``mpbench_command``): without ``aa`` and ``-o``."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-o", "--output"):
            skip = True
        elif arg != "aa" and not arg.startswith("--output="):
            kept.append(arg)
    return kept


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(doc: dict[str, Any], seconds_per_pair: float | None = None
            ) -> tuple[list[str], bool]:
    """What an A/A comparison says, in lines, and whether it passed."""
    results = doc["results"]
    called = [r for r in results if r["verdict"] in ("slower", "faster")]
    counts = doc["candidates"][0]["counts"]
    detectable = [r["detectable"] for r in results if r["detectable"] is not None]
    lines = [f"A/A self-test: {len(called)} of {len(results)} benchmarks called slower or "
             f"faster between two identical interpreters (at most {ALLOWED:.0%} expected): "
             + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)]
    lines += [f"    false alarm: {r['benchmark']} {r['verdict']} {r['ratio']:.2f}x "
              f"[{r['interval'][0]:.2f}, {r['interval'][1] or math.inf:.2f}]" for r in called]
    if detectable:
        lines.append("A/A self-test: the smallest change each benchmark could have called: "
                     f"median {statistics.median(detectable):.1%}, 90th percentile "
                     f"{quantile(detectable, 0.9):.1%}, largest {max(detectable):.1%}: on "
                     f"this machine a regression above {statistics.median(detectable):.0%} "
                     "is caught in a typical benchmark")
    lines += power_lines(results, doc["min_effect"], seconds_per_pair)
    gate = doc.get("gate")
    if gate:
        lines.append(f"A/A self-test: the gate at --fail-on-slower {gate['threshold']:.0%} "
                     + ("TRIPPED (a false trip)" if gate["tripped"] else "passed"))
    passed = len(called) <= ALLOWED * len(results) and not (gate and gate["tripped"])
    return lines, passed


def pairs_for(sd: float, change: float, min_effect: float) -> int:
    """Pairs a benchmark whose pairs spread by ``sd`` (log) needs for its interval to call
    a ``change`` whose estimate lands where it is (a coin toss: the minimum)."""
    from mpbench.reporting.intervals import t_quantile

    gap = math.log1p(change) - math.log1p(min_effect)
    pairs = 2
    while pairs < 400 and t_quantile(0.95, pairs - 1) * sd / math.sqrt(pairs) > gap:
        pairs += 1
    return pairs


def power_lines(results: list[dict[str, Any]], min_effect: float,
                seconds_per_pair: float | None = None) -> list[str]:
    """What this machine's pairs can see, simulated from their spreads (:mod:`power`), and
    how many pairs a 10 % change in the median benchmark needs."""
    from mpbench.reporting.power import simulate

    paired = [r for r in results if r["level"] == "pair" and r["se"] is not None]
    if len(paired) < 2:
        return []
    pairs = min(r["units"][0] for r in paired)
    sds = [r["se"] * math.sqrt(r["units"][0]) for r in paired]
    found = simulate(sds, pairs, max(4, pairs), min_effect, threshold=min_effect,
                     effects=(0.10, 0.20), trials=2000)
    lines = [f"A/A self-test: simulated from these pairs' spreads ({found.trials} comparisons): "
             f"one benchmark 10% slower is called slower {found.called[0.10]:.0%} of the time "
             f"(20%: {found.called[0.20]:.0%}); --fail-on-slower {min_effect:.0%} trips on it "
             f"{found.tripped[0.10]:.0%} of the time (20%: {found.tripped[0.20]:.0%}) and on "
             f"an unchanged selection {found.false_trips:.1%}"]
    sd = statistics.median(sds)
    if 0.10 > min_effect:
        needed = pairs_for(sd, 0.10, min_effect)
        cost = f" (about {needed * seconds_per_pair / 60:.0f} minutes for this selection)" \
            if seconds_per_pair else ""
        lines.append(f"A/A self-test: the median benchmark's pairs spread by {sd:.1%}; to call "
                     f"a 10% change there takes about --pairs {needed}{cost}")
    return lines


def fork_cycle(python: str = sys.executable, env: dict[str, str] | None = None,
               rounds: int = 300) -> float:
    """Seconds of one ``process.os_fork`` round (fork, the child's ``os._exit(0)``,
    ``waitpid``), timed by its own workload in a fresh ``python`` (with ``env`` added)
    that imported what a pyperf worker imports."""
    import subprocess

    proc = subprocess.run([python, "-c", FORK_CYCLE, str(rounds)], capture_output=True,
                          text=True, timeout=120, check=True, env={**os.environ, **(env or {})})
    return float(proc.stdout.strip())


def make_slow_venv(directory: str, spin: float) -> str:
    """A venv of this interpreter (no pip) whose ``sitecustomize`` slows ``os.fork``;
    its python."""
    import sysconfig
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=True).create(directory)
    purelib = sysconfig.get_path("purelib", vars={"base": directory, "platbase": directory})
    os.makedirs(purelib, exist_ok=True)
    with open(os.path.join(purelib, "sitecustomize.py"), "w") as handle:
        handle.write(SITECUSTOMIZE.format(spin=spin))
    return os.path.join(directory, "bin", "python")


def slowdown_lines(doc: dict[str, Any], spin: float) -> tuple[list[str], bool]:
    """Was ``process.os_fork`` called slower, and by how much was it made slower?"""
    found = [r for r in doc["results"] if r["benchmark"] == SLOWED]
    if not found:
        return [f"A/B self-test: {SLOWED} was not compared"], False
    r = found[0]
    expected = 1 + spin / r["reference_mean"]
    high = r["interval"][1]
    lines = [f"A/B self-test: {SLOWED} made {expected - 1:.1%} slower (a {spin * 1e6:.0f} us "
             f"spin before each fork, over the reference's mean): read {r['ratio']:.3f}x "
             f"[{r['interval'][0]:.3f}, {high if high is not None else math.inf:.3f}], "
             f"{r['verdict']}"]
    others = [x for x in doc["results"] if x["verdict"] == "slower" and x["benchmark"] != SLOWED]
    if others:
        lines.append("A/B self-test: also slower (they fork too): "
                     + ", ".join(f"{x['benchmark']} {x['ratio']:.2f}x" for x in others))
    return lines, r["verdict"] == "slower"


def run_ab_check(request: ab.AbRequest, slowdown: float, out: Any = sys.stdout) -> int:
    """``selftest ab``: a venv of this interpreter against one whose fork is slower; the
    status."""
    import shutil
    import tempfile

    scratch = tempfile.mkdtemp(prefix="mpbench-slow-venv-")
    try:
        # two venvs alike but for the spin: against this interpreter's own environment
        # (its site-packages, .pth files, an editable install's finder) the candidate's
        # lighter processes forked faster and hid half of a 220 us spin
        request.ref = make_slow_venv(os.path.join(scratch, "ref"), 0.0)
        env = ab.shim_environment(ab.make_shim(scratch))
        spin = slowdown * fork_cycle(request.ref, env)
        request.cand = make_slow_venv(os.path.join(scratch, "cand"), spin)
        print(f"A/B self-test: two venvs of {sys.executable}; the candidate spins "
              f"{spin * 1e6:.0f} us before each os.fork() ({slowdown:.0%} of a fork cycle "
              "timed here), the reference 0 us", file=out, flush=True)
        status = ab.run_ab(request, out=out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if status == 130:
        return status
    path = os.path.join(request.outdir, "comparison.json")
    if not os.path.exists(path):
        print("A/B self-test: no comparison was written", file=out)
        return 1
    with open(path) as handle:
        lines, seen = slowdown_lines(json.load(handle), spin)
    for line in lines:
        print(line, file=out)
    return 0 if seen else 1


def run_aa(request: ab.AbRequest, out: Any = sys.stdout) -> int:
    """Run ``ab`` with one interpreter on both sides, print what it says; the status."""
    import time

    started = time.monotonic()
    status = ab.run_ab(request, out=out)
    if status == 130:
        return status
    path = os.path.join(request.outdir, "comparison.json")
    if not os.path.exists(path):
        print("A/A self-test: no comparison was written", file=out)
        return 1
    with open(path) as handle:
        doc = json.load(handle)
    pairs = min((r["units"][0] for r in doc["results"]), default=0)
    lines, passed = summary(doc, (time.monotonic() - started) / pairs if pairs else None)
    for line in lines:
        print(line, file=out)
    print(f"A/A self-test: files in {os.path.relpath(request.outdir)}", file=out)
    return 0 if passed and status == 0 else 1
