"""Tables and headline sentences, rendered to Markdown and to HTML from one model."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from mpbench.reporting.plotting import Figure


@dataclass
class Table:
    """A titled table of already formatted cells."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[str]]
    note: str = ""


@dataclass
class Headline:
    """One number a person reads first, with the benchmarks it comes from."""

    text: str
    sources: Sequence[str] = ()


@dataclass
class Section:
    """A part of a report: headlines, figures, tables.

    The first headline is the section's line on the report's first screen; the
    others are shown in the section, after its figures.
    """

    key: str
    title: str
    intro: str = ""
    headlines: list[Headline] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


Source = TypeVar("Source")


def build_section(key: str, title: str, intro: str, source: Source, outdir: str,
                  headlines: Callable[[Source], list[Headline]],
                  figures: Sequence[Callable[[Source, str], Figure | None]],
                  tables: Sequence[Callable[[Source], Table | None]]) -> Section:
    """The one assembler of a group's section: its headlines, then every figure and table
    its builders draw from ``source`` (a builder returning None is left out)."""
    return Section(key, title, intro, headlines(source),
                   [f for f in (draw(source, outdir) for draw in figures) if f],
                   [t for t in (make(source) for make in tables) if t])


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table) -> str:
    numeric = numeric_columns(table)
    lines = [f"**{table.title}**", "",
             "| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def headline_markdown(headline: Headline) -> str:
    sources = ", ".join(f"`{name}`" for name in headline.sources)
    return f"- {headline.text}" + (f" ({sources})" if sources else "")


def table_html(table: Table) -> str:
    """The table in a box as wide as the window; numeric columns right-aligned."""
    numeric = numeric_columns(table)

    def cell(tag: str, text: object, right: bool) -> str:
        # a number never wraps; a sentence in a numeric column ("equal by design") may
        if right and reads_as_number(str(text)):
            return f"<{tag} class='num nowrap'>{html.escape(str(text))}</{tag}>"
        return (f"<{tag} class='num'>" if right else f"<{tag}>") + \
            f"{_breakable(str(text))}</{tag}>"

    head = "".join(cell("th", c, num) for c, num in zip(table.columns, numeric))
    body = "".join("<tr>" + "".join(cell("td", c, num) for c, num in zip(row, numeric))
                   + "</tr>" for row in table.rows)
    note = f"<p class='note'>{html.escape(table.note)}</p>" if table.note else ""
    return (f"<h3>{html.escape(table.title)}</h3><div class='scroll'><table><thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody></table></div>{note}")


# What may follow a number in a cell that reads as one: units, "x" of a ratio, "k" of k/s.
UNITS = frozenset("ns us µs ms s min h B KB MB GB TB KiB MiB GiB TiB k K M G x ops".split())
PLACEHOLDERS = frozenset({"", "-", "–", "—", "?", "n/a", "unknown", "none"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[+-]?\d+)?")
_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # innermost (...) or [...]


def reads_as_number(text: str) -> bool:
    """Whether a cell is a number with its unit: ``1.23 ms``, ``1.05x``, ``+12%``,
    ``8.42 us +- 1.09 us``, ``40.4 us (101 MB/s, 2.19x floor)`` (an aside in brackets is
    not read); not ``1 us inside, 10 us between`` nor ``6.18.44-fc-v669``."""
    text = text.strip()
    while _ASIDE.search(text):
        text = _ASIDE.sub("", text)
    if not re.match(r"[~<>≈±+\-−]?\s*\d", text):
        return False
    return all(word in UNITS for word in re.findall(r"[^\W\d_]+", _NUMBER.sub(" ", text)))


def numeric_columns(table: Table) -> list[bool]:
    """Per column: whether most of its cells (placeholders such as "-" left aside) read as
    numbers; such a column is right-aligned."""
    found = []
    for index in range(len(table.columns)):
        cells = [str(row[index]).strip() for row in table.rows if index < len(row)]
        cells = [c for c in cells if c.lower() not in PLACEHOLDERS]
        found.append(bool(cells) and 2 * sum(map(reads_as_number, cells)) > len(cells))
    return found


_UNIT_AFTER = re.compile(r"(?<=\d) (?=(?:%|(?:" + "|".join(UNITS) + r")\b))")


def _breakable(text: str) -> str:
    """Escaped text where a long name (``group.bench[key=value,...]``) may wrap: before
    ``[``, after ``,``, ``/`` and a ``.`` between names; a number keeps its unit."""
    words = []
    for word in text.split(" "):
        escaped = html.escape(word)
        if len(word) > 16:
            escaped = re.sub(r"(?<=[,/])|(?=\[)|(?<=[A-Za-z_]\.)(?=[A-Za-z_])", "<wbr>",
                             escaped)
        words.append(escaped)
    return _UNIT_AFTER.sub("&nbsp;", " ".join(words))


def anchor_markdown(title: str) -> str:
    """The anchor GitHub-style Markdown gives a heading: ``#locks-semaphores``."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return "#" + kept.replace(" ", "-")


def lead_markdown(section: Section) -> str:
    """The section's first-screen line, linking to the section."""
    return (f"- {section.headlines[0].text} "
            f"([{section.title}]({anchor_markdown(section.title)}))")


def lead_html(section: Section) -> str:
    """The section's first-screen line, linking to the section."""
    return (f"<li>{html.escape(section.headlines[0].text)} "
            f"<a class='more' href='#{section.key}'>{html.escape(section.title)} &rarr;</a></li>")


def headline_html(headline: Headline) -> str:
    sources = ", ".join(f"<code>{html.escape(name)}</code>" for name in headline.sources)
    return (f"<li>{html.escape(headline.text)}"
            + (f" <span class='src'>({sources})</span>" if sources else "") + "</li>")
