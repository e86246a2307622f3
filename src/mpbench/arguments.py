"""argparse glue shared by ``mpbench`` and the pyperf entry point."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, NoReturn

from mpbench import catalogue
from mpbench.errors import UsageError
from mpbench.options import COMMON_OPTIONS, Option, Options

USAGE_EXIT = 2


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (no usage dump), exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(USAGE_EXIT)


def argparse_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Wrap a parser raising :class:`UsageError` for argparse's ``type=``."""
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def _add_option(container: argparse._ActionsContainer, option: Option) -> None:
    container.add_argument(option.flag, dest=option.dest, metavar=option.metavar,
                           type=argparse_type(option.parse),
                           help=argparse.SUPPRESS if option.hidden else option.help)


def add_selection_arguments(parser: argparse.ArgumentParser, *,
                            modes: bool = False) -> argparse._ArgumentGroup:
    """``--only`` and every catalogue option, under one ``--help`` heading per family:
    "selection" (``--only`` and the parameters several groups share), "mode" (with
    ``modes``: ``--fast | --rigorous | --debug-single-value`` and how long a child may
    take), then each group's own options under the group's name, titled as in its report.
    Returns the "mode" heading (without ``modes``, "selection"), for the caller's own
    options of that family (``--passes``, ``--pairs``)."""
    selection = parser.add_argument_group(
        "selection", "which benchmarks run, and the parameters several groups share")
    selection.add_argument("--only", metavar="REGEX",
                           help="run only benchmarks whose name matches REGEX (re.search); "
                                "the floors they are compared with come along")
    mode = selection
    if modes:
        mode = parser.add_argument_group("mode", "how the benchmarks are measured (the mode "
                                                 "also picks each group's grid)")
        _add_modes(parser, mode)
    for option in COMMON_OPTIONS:
        _add_option(mode if option.heading == "mode" else selection, option)
    for group, own in catalogue.group_options():
        if own:
            heading = parser.add_argument_group(group.name, group.title)
            for option in own:
                _add_option(heading, option)
    return mode


def _add_modes(parser: argparse.ArgumentParser, mode: argparse._ArgumentGroup) -> None:
    """``--fast | --rigorous | --debug-single-value``: how hard pyperf works, and which
    catalogue a group offers for it (``--fast`` has a coarser channel size grid)."""
    modes = mode.add_mutually_exclusive_group()
    modes.add_argument("--fast", dest="mode", action="store_const", const="fast",
                       help="rough answers quickly (pyperf --fast: 10 processes x 2 values; "
                            "coarser grids)")
    modes.add_argument("--rigorous", dest="mode", action="store_const", const="rigorous",
                       help="more worker processes (pyperf --rigorous: 40 x 3)")
    modes.add_argument("--debug-single-value", dest="mode", action="store_const",
                       const="debug", help="one value per benchmark: smoke tests only, "
                                           "the numbers mean nothing")
    parser.set_defaults(mode="default")


def pyperf_mode(args: argparse.Namespace) -> str:
    """The mode of a pyperf command line (a ``bench/`` script run by hand)."""
    for flag, mode in (("fast", "fast"), ("rigorous", "rigorous"),
                       ("debug_single_value", "debug")):
        if getattr(args, flag, False):
            return mode
    return "default"


def options_from_args(args: argparse.Namespace) -> Options:
    """The catalogue options the user gave (absent ones are ``None``), and the run mode."""
    from mpbench.options import resolve_placements

    options = {option.dest: getattr(args, option.dest, None)
               for option in catalogue.all_options()}
    options["mode"] = getattr(args, "mode", None)
    return resolve_placements(options)


def fail(message: str, prog: str = "mpbench") -> NoReturn:
    """Report bad input in one line and exit with status 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(USAGE_EXIT)
