"""Server-rendered HTML of the trace UI: the layout, the list of traces and the live page.

Every value is escaped here; the pages load only ``/static/`` assets (no CDN), and
``ui.js`` adds the keyboard shortcuts and the labelling calls.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import urlencode

from walkrag.traces.store import KINDS

SHORTCUTS = [
    ("j / k", "next / previous trace (in a list: move the cursor; Enter or o opens)"),
    ("g / b", "label the trace good / bad (G / B: label and go to the next one)"),
    ("u", "clear the label"),
    ("n", "write a note (Ctrl+Enter saves, Esc leaves the box)"),
    ("] / [", "next / previous evidence"),
    ("r", "toggle the current evidence relevant / not relevant"),
    ("l", "back to the list"),
    ("?", "show or hide this help"),
]


def when(ts: float | None) -> str:
    if not ts:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def ms(value) -> str:
    if not isinstance(value, int | float):
        return ""
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def query_string(filters: dict, **extra) -> str:
    data = {k: v for k, v in {**filters, **extra}.items() if v not in (None, "", 0)}
    return ("?" + urlencode(data)) if data else ""


def label_badge(label: str | None) -> str:
    if not label:
        return '<span class="badge none">unlabeled</span>'
    return f'<span class="badge {escape(label)}">{escape(label)}</span>'


def layout(title: str, body: str, *, page: str, data: dict | None = None) -> str:
    attrs = " ".join(f'data-{escape(k)}="{escape(str(v))}"' for k, v in (data or {}).items() if v is not None)
    help_rows = "".join(f"<tr><th><kbd>{escape(k)}</kbd></th><td>{escape(v)}</td></tr>" for k, v in SHORTCUTS)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · walkrag traces</title>
<link rel="stylesheet" href="/static/ui.css">
<link rel="stylesheet" href="/static/pygments.css">
<script src="/static/ui.js" defer></script>
</head>
<body data-page="{escape(page)}" {attrs}>
<header class="top">
  <a class="brand" href="/traces">walkrag traces</a>
  <nav><a href="/traces">Traces</a> <a href="/live">Ask live</a>
  <button type="button" class="link" id="help-toggle" title="keyboard shortcuts">? shortcuts</button></nav>
</header>
<main>
{body}
</main>
<aside id="help" hidden><h2>Keyboard shortcuts</h2><table>{help_rows}</table></aside>
<div id="toast" role="status" aria-live="polite"></div>
</body>
</html>
"""


def _select(name: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    opts = "".join(
        f'<option value="{escape(v)}"{" selected" if v == (chosen or "") else ""}>{escape(t)}</option>'
        for v, t in options
    )
    return f'<select name="{name}" id="f-{name}">{opts}</select>'


def list_page(rows: list[dict], *, total: int, filters: dict, page: int, page_size: int, stats: dict) -> str:
    kinds = [("", "every kind"), *((k, k) for k in KINDS)]
    labels = [("", "any label"), ("unlabeled", "unlabeled"), ("labeled", "labeled (or marked)"),
              ("good", "good"), ("bad", "bad")]
    form = f"""<form class="filters" method="get" action="/traces">
  {_select("kind", kinds, filters.get("kind"))}
  {_select("label", labels, filters.get("label"))}
  <input type="search" name="q" id="f-q" placeholder="question contains..." value="{escape(filters.get("q") or "")}">
  <button type="submit">Filter</button>
  <span class="muted">{total} trace(s) · {stats.get("good", 0)} good · {stats.get("bad", 0)} bad</span>
</form>"""
    qs = query_string(filters)
    body_rows = []
    for r in rows:
        checks = "" if r["checks_ok"] is None else ("✓" if r["checks_ok"] else "✗ checks")
        status = "" if r["status"] == "ok" else f'<span class="badge bad">{escape(r["status"])}</span>'
        body_rows.append(f"""<tr class="row" data-id="{escape(r["id"])}" data-href="/traces/{escape(r["id"])}{qs}">
  <td class="muted nowrap">{escape(when(r["created"]))}</td>
  <td><span class="kind">{escape(r["kind"])}</span></td>
  <td class="q"><a href="/traces/{escape(r["id"])}{qs}">{escape(r["question"])}</a> {status}</td>
  <td class="num">{r["n_evidence"]}</td>
  <td class="num">{escape(checks)}</td>
  <td class="num">{escape(ms(r["duration_ms"]))}</td>
  <td class="label-cell">{label_badge(r["label"])}{' <span class="note-mark" title="has a note">✎</span>' if r["note"] else ""}</td>
</tr>""")
    table = (
        '<table class="traces"><thead><tr><th>when</th><th>kind</th><th>question</th><th>evidence</th>'
        "<th>checks</th><th>time</th><th>label</th></tr></thead><tbody>" + "".join(body_rows) + "</tbody></table>"
        if rows else '<p class="empty">No traces yet. Run <code>walkrag search "..."</code>, '
                     '<code>walkrag ask "..."</code>, or use <a href="/live">Ask live</a>.</p>'
    )
    pager = []
    if page > 1:
        pager.append(f'<a href="/traces{query_string(filters, page=page - 1)}">← newer</a>')
    if page * page_size < total:
        pager.append(f'<a href="/traces{query_string(filters, page=page + 1)}">older →</a>')
    return layout("Traces", f"<h1>Traces</h1>{form}{table}<p class='pager'>{' · '.join(pager)}</p>", page="list",
                  data={"filters": qs})


def live_page(has_walk: bool, has_llm: bool) -> str:
    modes = [("walk", "walk" if has_walk else "walk (not available yet: streams the ask steps)"),
             ("ask", "ask"), ("search", "search")]
    body = f"""<h1>Ask live</h1>
<form id="live-form" class="live">
  <input type="text" id="live-q" name="q" placeholder="Ask a question about the indexed folder" required maxlength="2000">
  {_select("mode", modes, "walk" if has_walk else "ask")}
  <label><input type="checkbox" id="live-llm" {"checked" if has_llm else "disabled"}> use the LLM</label>
  <button type="submit">Ask</button>
</form>
<p class="muted">{"LLM configured." if has_llm else "No LLM configured: answers are extractive."}
Each step appears as it happens; the finished trace opens from the link at the end.</p>
<ol id="live-steps" class="steps"></ol>
<div id="live-answer" class="answer" hidden></div>
<p id="live-done"></p>"""
    return layout("Ask live", body, page="live")


def not_found_page(message: str) -> str:
    return layout("Not found", f"<h1>Not found</h1><p>{escape(message)}</p><p><a href='/traces'>All traces</a></p>",
                  page="error")


def pretty(value) -> str:
    return escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))
