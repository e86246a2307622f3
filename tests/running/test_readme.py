"""The README is a front door: short, every command it shows accepted as shown, every link
(README and docs/) leading somewhere, every docs page reachable from it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from mpbench import cli

pytestmark = pytest.mark.timeout(60)

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _code_lines(text: str) -> list[str]:
    """Lines of the indented code blocks, without their indentation."""
    return [line[4:] for line in text.splitlines() if line.startswith("    ")]


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text().splitlines()
            if line.startswith("#")}


def test_readme_stays_a_front_door():
    lines = README.read_text().splitlines()
    assert len(lines) < 160, f"README.md has {len(lines)} lines: move the detail to docs/"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.split("#")[0]).resolve()
              for target in LINK.findall(README.read_text())}
    missing = [page.name for page in DOCS if page.resolve() not in linked]
    assert not missing, f"docs pages the README does not link: {missing}"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_links_lead_somewhere(page):
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} leads nowhere"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: no heading for {target}"


def test_every_mpbench_command_in_the_readme_is_accepted_as_shown():
    parser = cli.build_parser()
    commands = [shlex.split(line, comments=True) for line in _code_lines(README.read_text())
                if line.startswith("mpbench ")]
    shown = {args[1] for args in commands}
    assert shown == set(parser._subparsers._group_actions[0].choices), "a line per command"
    for args in commands:
        try:
            parser.parse_args(args[1:])
        except SystemExit:
            pytest.fail(f"README: {shlex.join(args)} is refused")


def test_every_nox_session_in_the_readme_exists():
    sessions = set(re.findall(r"@nox\.session\s*\ndef (\w+)", (ROOT / "noxfile.py").read_text()))
    shown = set(re.findall(r"\bnox -s (\w+)", README.read_text()))
    assert shown == sessions, "the README names every nox session, and only those"
