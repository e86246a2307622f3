"""``index.html`` and ``summary.md`` from report sections.

The page is self-contained: figures are embedded as PNG data URIs (with a link
to each SVG beside the page), the style is inline, there is no script and no
network access, so it opens from disk anywhere. Tables take the window's width (a
sideways scroll only on windows too narrow for them); prose and figures keep a readable
width of at most 1100 px; numeric columns are right-aligned (:func:`tables.numeric_columns`).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence

from mpbench.reporting.tables import (
    Section,
    Table,
    headline_html,
    headline_markdown,
    lead_html,
    lead_markdown,
    table_html,
    table_markdown,
)

FIRST_SCREEN = 8  # at most this many lines before the first figure: one per section

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa}
main{padding:1.5em 2em 4em}
main>p,main>ul,main>nav,main>h1,figure,p.note{max-width:1100px}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}
.sub{color:#555;margin-top:0}
ul.headlines li{margin:.35em 0}.src{color:#777;font-size:.85em}
a.more{white-space:nowrap;font-size:.85em}
figure{margin:1.5em 0;background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1em}
figure img{max-width:100%;height:auto}figcaption{color:#444;font-size:.9em;margin:.5em 0}
figcaption.title{font-weight:600;color:#1d1d1f;font-size:1em;margin:0 0 .5em}
table{border-collapse:collapse;margin:.5em 0;background:#fff;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td:not(.num){min-width:7em}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fbfbfb}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
td.nowrap{white-space:nowrap}
.scroll{overflow-x:auto}code{font-size:.88em;background:#f0f0f0;padding:0 .2em;border-radius:3px}
.note{color:#555;font-size:.88em}nav a{margin-right:1em}
"""


def _figure_html(outdir: str, figure) -> str:
    with open(os.path.join(outdir, figure.png), "rb") as png:
        data = base64.b64encode(png.read()).decode("ascii")
    return (f"<figure id='{figure.stem}'><figcaption class='title'>{html.escape(figure.title)}"
            f"</figcaption><img alt='{html.escape(figure.title)}' "
            f"src='data:image/png;base64,{data}'><figcaption>{html.escape(figure.caption)} "
            f"<a href='{figure.svg}'>SVG</a></figcaption></figure>")


def first_screen(sections: Sequence[Section]) -> list[Section]:
    """The sections whose first headline opens the report (in page order)."""
    return [s for s in sections if s.headlines][:FIRST_SCREEN]


def render_html(outdir: str, title: str, subtitle: str, sections: Sequence[Section],
                machine: Table, method_notes: Sequence[str]) -> str:
    """The whole page as a string."""
    nav = "".join(f"<a href='#{s.key}'>{html.escape(s.title)}</a>" for s in sections)
    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1><p class='sub'>{html.escape(subtitle)}</p>",
        f"<nav>{nav}<a href='#machine'>Machine</a><a href='#method'>Method</a></nav>",
    ]
    leads = first_screen(sections)
    if leads:
        parts.append("<h2 id='summary'>In short</h2><ul class='headlines'>"
                     + "".join(lead_html(s) for s in leads) + "</ul>")
    for s in sections:
        parts.append(f"<h2 id='{s.key}'>{html.escape(s.title)}</h2>")
        if s.intro:
            parts.append(f"<p>{html.escape(s.intro)}</p>")
        parts.extend(_figure_html(outdir, f) for f in s.figures)
        if s.headlines:
            parts.append("<h3>The numbers</h3><ul class='headlines'>"
                         + "".join(headline_html(h) for h in s.headlines) + "</ul>")
        parts.extend(table_html(t) for t in s.tables)
    parts.append("<h2 id='machine'>Machine</h2>" + table_html(machine))
    parts.append("<h2 id='method'>Method</h2><ul>"
                 + "".join(f"<li>{html.escape(n)}</li>" for n in method_notes) + "</ul>")
    parts.append("</main></body></html>\n")
    return "".join(parts)


def render_markdown(title: str, subtitle: str, sections: Sequence[Section], machine: Table,
                    method_notes: Sequence[str]) -> str:
    """``summary.md``: the headline numbers first, then every table."""
    lines = [f"# {title}", "", subtitle, ""]
    leads = first_screen(sections)
    if leads:
        lines += ["## In short", ""] + [lead_markdown(s) for s in leads] + [""]
    for s in sections:
        if s.tables or s.figures or s.headlines:
            lines += [f"## {s.title}", ""]
            lines += [f"![{f.title}]({f.png})" for f in s.figures] + [""] if s.figures else []
            if s.headlines:
                lines += [headline_markdown(h) for h in s.headlines] + [""]
            for t in s.tables:
                lines += [table_markdown(t), ""]
    lines += ["## Machine", "", table_markdown(machine), "", "## Method", ""]
    lines += [f"- {n}" for n in method_notes] + [""]
    return "\n".join(lines)
