"""``mpbench ab REF CAND``: two Python environments on one machine, interleaved, in pairs.

REF and CAND are interpreters: a path (a venv's ``python``), a command on
PATH, or a version name that :mod:`mpbench.interpreters` resolves (``3.12``,
``3.13t``). Every selected benchmark runs under both, pair after pair: in each
pair its reference and candidate pyperf managers run back to back, seconds
apart, in an order drawn at random and reversed in the next pair (AB BA).
The machine's drift is then shared by both sides of a pair and cancels in its
log ratio; the verdicts are judged on the pairs (randomized multiple
interleaved trials: Abedi and Brecht, ICPE 2017).

Both sides run this mpbench's workloads and this pyperf: their packages are
put first on the workers' ``PYTHONPATH`` (pyperf passes it on), so the two
sides differ only by their interpreter and what its environment installs
(a library, a ``sitecustomize``). The workloads need the standard library only.

With ``--detect PCT``, pairs are added two at a time (AB BA) until the median
benchmark's interval could call a change of PCT, or ``--pairs`` is reached.
With ``--fail-on-slower PCT``, benchmarks called slower beyond PCT are
measured again in as many confirmation pairs before the files are written
(the gate's second stage, :mod:`mpbench.reporting.gate`): :class:`AbRun`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pyperf

from mpbench import interpreters, passes, workdirs
from mpbench.errors import UsageError
from mpbench.modes import DESIGNS, DETECT_MAX_PAIRS, Mode
from mpbench.reporting import gate
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.verdict import AB_KEY, CONFIRM_KEY, Comparison, Verdict, median_detectable
from mpbench.results import bench_metadata
from mpbench.runner import RunPlan, RunSide, SuiteRun
from mpbench.spec import BenchSpec

AB_PREFIX = "mpbench-ab-"
SIDE_KEY = "mpbench_ab_side"
PROBE_TIMEOUT = 120.0
# The code each side runs before anything is measured: can it import the workloads,
# does it build the same catalogue, and what does it say of itself.
PROBE = """\
import json, sys
from mpbench import catalogue, machine
config = json.loads(sys.argv[1])
specs = catalogue.build(config["options"], config["groups"])
print(json.dumps({"metadata": machine.machine_metadata(),
                  "names": [spec.name for spec in specs]}))
"""


@dataclass
class Environment:
    """One side: the interpreter as given, what it is, and what it said of itself."""

    role: str  # "REF" or "CAND"
    given: str
    interpreter: interpreters.Interpreter
    metadata: dict[str, Any]
    names: list[str]

    @property
    def path(self) -> str:
        return self.interpreter.path


def resolve(text: str, role: str) -> interpreters.Interpreter:
    """The CPython ``text`` names (path, command or version name), or UsageError."""
    import shutil

    if not text.strip():
        raise UsageError(f"{role}: empty interpreter name")
    if os.sep in text:
        path = os.path.abspath(text)
        if not os.path.exists(path):
            raise UsageError(f"{role} {text}: no such file")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise UsageError(f"{role} {text}: not an executable file")
    elif interpreters.is_version_name(text):
        found = interpreters.discover().found
        if text not in found:
            known = ", ".join(found) or "none"
            raise UsageError(f"{role} {text}: no such interpreter on PATH or under pyenv "
                             f"(found: {known})")
        return found[text]
    else:
        which = shutil.which(text)
        if which is None:
            raise UsageError(f"{role} {text}: not found on PATH (give a path, a command or "
                             "a version such as 3.12)")
        path = which
    interpreter, why = interpreters.probe(path)
    if interpreter is None:
        raise UsageError(f"{role} {text}: {why}")
    return interpreter


def make_shim(directory: str) -> str:
    """A folder holding this mpbench and this pyperf (links), for the workers'
    ``PYTHONPATH``: both sides run the same workloads under the same pyperf."""
    import pyperf

    import mpbench

    shim = os.path.join(directory, "site")
    os.makedirs(shim, exist_ok=True)
    for module in (mpbench, pyperf):
        package = os.path.dirname(os.path.abspath(module.__file__ or ""))
        os.symlink(package, os.path.join(shim, os.path.basename(package)))
    return shim


def shim_environment(shim: str) -> dict[str, str]:
    """The environment a side's manager and workers get on top of ours."""
    rest = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": shim + (os.pathsep + rest if rest else "")}


def _project_hint() -> str:
    """How to install mpbench in another environment: this source tree when known."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    if os.path.exists(os.path.join(root, "pyproject.toml")):
        return root
    return "mpbench"


def probe_side(role: str, given: str, interpreter: interpreters.Interpreter,
               env: dict[str, str], options: dict[str, Any], groups: Sequence[str]
               ) -> Environment:
    """Ask the side's interpreter to import the workloads and build the catalogue."""
    config = json.dumps({"options": options, "groups": list(groups)})
    try:
        proc = subprocess.run([interpreter.path, "-c", PROBE, config], capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL,
                              env={**os.environ, **env})
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"{role} {given}: does not run ({exc.__class__.__name__})") from None
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        metadata, names = dict(answer["metadata"]), list(answer["names"])
    except (ValueError, KeyError, IndexError, TypeError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"{role} {given}: cannot import mpbench's workloads ({last}); "
                         f"install mpbench there: {interpreter.path} -m pip install "
                         f"{_project_hint()}") from None
    return Environment(role, given, interpreter, metadata, names)


def default_outdir(directory: str = "results") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(directory, f"ab-{stamp}")


def prepare_outdir(outdir: str) -> str:
    """A new or empty folder for both results files and the comparison."""
    outdir = os.path.abspath(outdir)
    if os.path.exists(outdir) and (not os.path.isdir(outdir) or os.listdir(outdir)):
        raise UsageError(f"-o {outdir}: exists and is not an empty directory")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"-o {outdir}: cannot create it ({exc.strerror})") from None
    return outdir


@dataclass
class AbRequest:
    """What ``mpbench ab`` (or ``selftest aa``) was asked to do."""

    ref: str
    cand: str
    specs: Sequence[BenchSpec]
    options: dict[str, Any]
    mode: Mode
    outdir: str
    argv: Sequence[str] = ()
    pairs: int | None = None
    min_effect: float = 0.05
    fail_on_slower: float | None = None
    seed: int | None = None
    detect: float | None = None  # add pairs until the median detectable change is this


def check_detect(detect: float | None, min_effect: float) -> None:
    """``--detect`` must lie above ``--min-effect``: no interval detects less."""
    if detect is not None and detect <= min_effect:
        raise UsageError(f"--detect {detect:.1%} is not above --min-effect {min_effect:.1%}: "
                         "no verdict can detect a change smaller than the minimum effect")


def run_ab(request: AbRequest, out=sys.stdout) -> int:
    """Run both sides interleaved, write ref.json, cand.json and the comparison; the
    exit status (1: a benchmark failed or the gate tripped; 130: interrupted)."""
    ref_i = resolve(request.ref, "REF")
    cand_i = resolve(request.cand, "CAND")
    outdir = prepare_outdir(request.outdir)
    scratch = workdirs.fresh(os.path.dirname(outdir), "." + AB_PREFIX,
                             lambda text: print(text, file=out))
    try:
        env = shim_environment(make_shim(scratch))
        groups = sorted({spec.group for spec in request.specs})
        sides = [probe_side("REF", request.ref, ref_i, env, request.options, groups),
                 probe_side("CAND", request.cand, cand_i, env, request.options, groups)]
        plan, notes = plan_for(request, sides, env, outdir)
        for note in notes:
            print(f"note: {note}", file=out, flush=True)
        ab_run = AbRun(plan, request, out=out)
        status = ab_run.run()
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
        if not os.listdir(outdir):
            os.rmdir(outdir)  # nothing written (refused, interrupted): no empty folder left
    if status == 130:
        return status
    written = [saved.results for saved in ab_run.saved_sides if saved is not None]
    if len(written) < 2:
        print("ab: a side wrote no results; nothing to compare", file=out)
        return 1
    from mpbench.reporting.compare_build import build_comparison

    gate_status = build_comparison(written, outdir, (), request.min_effect,
                                   request.fail_on_slower)
    return max(status, gate_status)


def plan_for(request: AbRequest, sides: Sequence[Environment], env: dict[str, str],
             outdir: str) -> tuple[RunPlan, list[str]]:
    """The run plan: both sides, the pairs, the benchmarks both catalogues hold."""
    notes = []
    specs = list(request.specs)
    for side in sides:
        missing = [spec.name for spec in specs if spec.name not in side.names]
        if missing:
            notes.append(f"{side.role} {side.given} has no {', '.join(missing)}: left out")
        specs = [spec for spec in specs if spec.name in side.names]
    if not specs:
        raise UsageError("REF and CAND share no benchmark of this selection: nothing to run")
    versions = {side.metadata.get("mpbench_version") for side in sides}
    if len(versions) > 1:
        notes.append("the two sides report different mpbench versions: " + ", ".join(
            f"{side.role} {side.metadata.get('mpbench_version')}" for side in sides))
    design = DESIGNS[request.mode.name]
    pairs = request.pairs or design.pairs
    if request.detect is not None:  # --pairs is then the most it may grow to
        pairs = min(design.pairs, request.pairs or DETECT_MAX_PAIRS)
    seed = request.seed if request.seed is not None else secrets.randbits(32)
    ab_id = new_id()
    run_sides = [RunSide(os.path.join(outdir, f"{name}.json"), label=name,
                         python=side.path, env=env, command="ab",
                         metadata={**side.metadata, SIDE_KEY: name,
                                   "mpbench_ab_interpreter": side.path})
                 for name, side in zip(("ref", "cand"), sides)]
    jobs = passes.schedule_pairs(specs, range(1, pairs + 1), design.workers_for, seed)
    plan = RunPlan(specs, request.options, design.mode(request.mode), run_sides[0].output,
                   argv=list(request.argv), passes=pairs, sides=run_sides, jobs=jobs,
                   run_metadata={AB_KEY: ab_id, "mpbench_ab_pairs": pairs,
                                 "mpbench_ab_seed": seed})
    return plan, notes


def new_id() -> str:
    """The id both files of one ``ab`` run carry (``mpbench_ab``)."""
    return secrets.token_hex(6)


def confirmation_pairs(design_pairs: int) -> int:
    """Pairs of the gate's second stage: as many as the first (at least 4)."""
    return max(4, design_pairs)


class AbRun(SuiteRun):
    """A :class:`SuiteRun` of two sides whose runs carry the ab id and their pair."""

    def __init__(self, plan: RunPlan, request: AbRequest, out: Any = sys.stdout) -> None:
        super().__init__(plan, out)
        self.request = request
        self.ab_id = str(plan.run_metadata[AB_KEY])
        self.first_pairs = max(job.pass_no for job in self.jobs)
        self.most_pairs = request.pairs or DETECT_MAX_PAIRS
        self.precise = request.detect is None
        self.confirming = False

    def tag(self, bench: pyperf.Benchmark, job: passes.Job) -> pyperf.Benchmark:
        bench = passes.tag(bench, job.pass_no, job.position)
        extra: dict[str, Any] = {AB_KEY: self.ab_id}
        if job.pass_no > self.first_pairs:
            extra[CONFIRM_KEY] = 1
        bench.update_metadata(extra)
        return bench

    def verdicts(self) -> list[Verdict]:
        """The candidate's verdicts on what has run so far (pairs level)."""
        sets = []
        for side, outcomes in zip(self.sides, self.outcomes_by_side):
            results = {o.spec.name: Result(o.spec.name, bench_metadata(o.benchmark),
                                           list(o.benchmark.get_values()), o.benchmark)
                       for index, o in enumerate(outcomes)
                       if o.benchmark is not None and not self._ended(index)}
            sets.append(ResultSet(side.output, results, label=side.label))
        if not all(rs.results for rs in sets):
            return []
        comparison = Comparison.of(sets, 0, self.request.min_effect)
        return list(comparison.verdicts[0].values()) if comparison.names else []

    def more_jobs(self) -> list[passes.Job]:
        """With ``--detect``, more pairs until the median benchmark sees it; then, once,
        confirmation pairs for the benchmarks the gate's first stage flags."""
        return self.precision_pairs() or self.confirmation_jobs()

    def precision_pairs(self) -> list[passes.Job]:
        """Two more pairs (AB BA) of every benchmark while the median detectable change
        is above ``--detect`` and fewer than ``--pairs`` pairs have run."""
        target = self.request.detect
        if self.precise or target is None:
            return []
        verdicts = self.verdicts()
        if not verdicts:  # every benchmark failed: more pairs would not run
            self.precise = True
            return []
        seen = median_detectable(verdicts)
        if seen <= target or self.first_pairs >= self.most_pairs:
            self.precise = True
            short = "" if seen <= target else ", the most --pairs allows: stopped short of it"
            self.say(f"--detect {target * 100:g}%: the median benchmark could see {seen:.1%} "
                     f"after {self.first_pairs} pairs{short}")
            return []
        start = self.first_pairs + 1
        self.first_pairs = min(self.most_pairs, self.first_pairs + 2)
        self.plan.run_metadata["mpbench_ab_pairs"] = self.first_pairs
        added = f"pair {start}" if start == self.first_pairs else \
            f"pairs {start} to {self.first_pairs}"
        self.say(f"--detect {target * 100:g}%: the median benchmark could see {seen:.1%} "
                 f"after {start - 1} pairs; adding {added}")
        workers = {job.spec.name: job.processes for job in self.jobs}
        seed = int(self.plan.run_metadata["mpbench_ab_seed"]) + start
        return passes.schedule_pairs(self.plan.specs, range(start, self.first_pairs + 1),
                                     lambda spec: workers[spec.name], seed)

    def confirmation_jobs(self) -> list[passes.Job]:
        """Once: confirmation pairs for the benchmarks the gate's first stage flags."""
        threshold = self.request.fail_on_slower
        if threshold is None or self.confirming:
            return []
        self.confirming = True
        flagged = {v.name for v in gate.flagged(self.verdicts(), threshold)}
        if not flagged:
            self.say(f"--fail-on-slower {threshold:.0%}: no benchmark called slower beyond it "
                     f"in {self.first_pairs} pairs; no confirmation needed")
            return []
        count = confirmation_pairs(self.first_pairs)
        self.say(f"--fail-on-slower {threshold:.0%}: {len(flagged)} benchmark(s) called slower "
                 f"beyond it; measuring them again in {count} confirmation pairs: "
                 + ", ".join(sorted(flagged)))
        seed = hash((self.ab_id, "confirm")) & 0xFFFFFFFF
        design_workers = {job.spec.name: job.processes for job in self.jobs}
        pairs = range(self.first_pairs + 1, self.first_pairs + count + 1)
        return [job for job in passes.schedule_pairs(self.plan.specs, pairs,
                                                     lambda spec: design_workers[spec.name],
                                                     seed)
                if job.spec.name in flagged]
