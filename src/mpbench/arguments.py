"""argparse glue shared by ``mpbench`` and the pyperf entry point."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, NoReturn

from mpbench import catalogue
from mpbench.errors import UsageError
from mpbench.options import Options

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


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--only`` plus every catalogue option (common and per group)."""
    parser.add_argument("--only", metavar="REGEX",
                        help="run only benchmarks whose name matches REGEX (re.search); "
                             "the floors they are compared with come along")
    for option in catalogue.all_options():
        parser.add_argument(option.flag, dest=option.dest, metavar=option.metavar,
                            type=argparse_type(option.parse),
                            help=argparse.SUPPRESS if option.hidden else option.help)


def add_mode_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fast | --rigorous | --debug-single-value``: how hard pyperf works, and which
    catalogue a group offers for it (``--fast`` has a coarser channel size grid)."""
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--fast", dest="mode", action="store_const", const="fast",
                       help="rough answers quickly (pyperf --fast: 10 processes x 2 values)")
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
