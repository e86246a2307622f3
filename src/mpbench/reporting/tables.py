"""Tables and headline sentences, rendered to Markdown and to HTML from one model."""

from __future__ import annotations

import html
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
    lines = [f"**{table.title}**", "",
             "| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def headline_markdown(headline: Headline) -> str:
    sources = ", ".join(f"`{name}`" for name in headline.sources)
    return f"- {headline.text}" + (f" ({sources})" if sources else "")


def table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in table.rows)
    note = f"<p class='note'>{html.escape(table.note)}</p>" if table.note else ""
    return (f"<h3>{html.escape(table.title)}</h3><div class='scroll'><table><thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody></table></div>{note}")


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
