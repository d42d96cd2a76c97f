"""The page of one trace: question, answer and checks, each step, facts and threads, the evidence
with syntax-highlighted spans, every LLM call, timings and configuration; labelling controls."""

from __future__ import annotations

from functools import cache
from html import escape

from walkrag.retrieval.ranking import why_text
from walkrag.traces.pages import label_badge, layout, ms, pretty, query_string, when
from walkrag.traces.record import Trace, TraceEvidence

_STEP_SKIP = {"i", "n", "name", "action", "at_ms", "ms", "hits", "evidence", "facts", "threads", "new_threads", "query",
              "queries", "found", "dropped", "decision", "error"}
_LANG_ALIASES = {"shell": "bash", "markdown": "md", "asciidoc": "text", "plain": "text", "c_sharp": "csharp",
                 "tsx": "tsx", "javascript": "js", "typescript": "ts"}


@cache
def formatter_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="friendly").get_style_defs(".hl")


def _lexer(language: str | None, path: str):
    from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
    from pygments.util import ClassNotFound

    for attempt in (lambda: get_lexer_by_name(_LANG_ALIASES.get(language or "", language or "")),
                    lambda: get_lexer_for_filename(path)):
        try:
            return attempt()
        except (ClassNotFound, ValueError):
            continue
    return TextLexer()


def highlight(text: str, language: str | None, path: str, start_line: int) -> str:
    """The span as HTML: highlighted by Pygments, numbered from its first line (escaped by Pygments)."""
    from pygments import highlight as render
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(cssclass="hl", linenos="inline", linenostart=max(1, start_line), wrapcode=True)
    return render(text or " ", _lexer(language, path), formatter)


def _items(values) -> str:
    """Facts, threads or queries: strings or dicts, as a list (a dict shows its text and its citation)."""
    out = []
    for v in values or []:
        if isinstance(v, dict):
            text = v.get("text") or v.get("fact") or v.get("query") or v.get("target") or v.get("name") or ""
            extra = {k: x for k, x in v.items() if k not in ("text", "fact", "query", "target", "name") and x}
            cite = v.get("ref") or v.get("source") or v.get("citation")
            out.append(f"<li>{escape(str(text))}"
                       + (f' <code class="ref">{escape(str(cite))}</code>' if cite else "")
                       + (f' <span class="muted small">{escape(_compact(extra))}</span>' if extra else "") + "</li>")
        else:
            out.append(f"<li>{escape(str(v))}</li>")
    return f"<ul>{''.join(out)}</ul>" if out else ""


def _compact(d: dict) -> str:
    parts = []
    for k, v in d.items():
        if k in ("ref", "source", "citation"):
            continue
        text = v if isinstance(v, str | int | float | bool) else pretty(v).replace("\n", " ")
        parts.append(f"{k}: {text}")
    return " · ".join(parts)[:600]


def _refs(refs, cls: str = "refs") -> str:
    return f'<div class="{cls}">' + " ".join(f"<code>{escape(str(r))}</code>" for r in refs[:24]) + "</div>"


def _step(step: dict, facts: dict, threads: dict) -> str:
    head = f'<span class="step-name">{escape(str(step.get("name", "step")))}</span>'
    query = step.get("query") or step.get("queries")
    if query:
        q = query if isinstance(query, str) else "; ".join(map(str, query))
        head += f' <span class="q">“{escape(q)}”</span>'
    if step.get("ms") is not None:
        head += f' <span class="muted">{escape(ms(step["ms"]))}</span>'
    if step.get("at_ms") is not None:
        head += f' <span class="muted small">at {escape(ms(step["at_ms"]))}</span>'
    body = f'<div class="decision">{escape(str(step["decision"]))}</div>' if step.get("decision") else ""
    if step.get("error"):
        body += f'<div class="error">{escape(str(step["error"]))}</div>'
    rest = {k: v for k, v in step.items() if k not in _STEP_SKIP and v not in (None, [], {}, "", 0)}
    if rest:
        body += f'<div class="muted small">{escape(_compact(rest))}</div>'
    hits = step.get("hits") or step.get("evidence") or []
    refs = [h.get("ref") or f'{h.get("path")}:{h.get("start_line")}-{h.get("end_line")}'
            for h in hits if isinstance(h, dict)]
    if refs:
        body += _refs(refs)
    if step.get("found"):
        body += '<div class="sub"><b>found</b></div>' + _refs(step["found"])
    if step.get("dropped"):
        body += '<div class="sub"><b>dropped as irrelevant</b></div>' + _refs(step["dropped"], "refs dropped")
    for key, known in (("facts", facts), ("threads", threads), ("new_threads", threads)):
        values = step.get(key)
        if values:
            shown = [known.get(v, v) if isinstance(v, int) else v for v in values]
            body += f'<div class="sub"><b>{key.replace("_", " ")}</b>{_items(shown)}</div>'
    return f"<li>{head}{body}</li>"


def _evidence(e: TraceEvidence) -> str:
    state = "" if e.relevant is None else ("true" if e.relevant else "false")
    flags = "".join(f'<span class="badge flag">{f}</span>' for f, on in (("shown", e.shown), ("cited", e.cited)) if on)
    score = f"{e.score:.4f}" if e.score is not None else ""
    return f"""<section class="ev" id="ev-{e.rank}" data-rank="{e.rank}" data-relevant="{state}">
<header><span class="rank">#{e.rank}</span> <code class="ref">{escape(e.ref)}</code>
{f'<span class="sym">{escape(e.symbol)}</span>' if e.symbol else ""} <span class="muted">{escape(score)}</span> {flags}
<span class="why muted small">{escape(why_text(e.why))}</span>
<span class="marks"><button type="button" class="mark yes" data-value="true" title="relevant (r)">✓ relevant</button>
<button type="button" class="mark no" data-value="false" title="not relevant (r)">✗ not</button></span></header>
{f'<div class="crumb muted small">{escape(e.header)}</div>' if e.header else ""}
{highlight(e.text, e.language, e.path, e.start_line)}
</section>"""


def _calls(trace: Trace) -> str:
    out = []
    for c in trace.calls:
        msgs = "".join(f'<div class="msg"><b>{escape(m.get("role", ""))}</b><pre>{escape(m.get("content", ""))}</pre></div>'
                       for m in c.messages) or '<p class="muted">messages were not captured for this call</p>'
        output = f'<div class="msg"><b>output</b><pre>{escape(c.output)}</pre></div>' if c.output is not None else ""
        approx = "~" if c.usage_estimated else ""
        status = "ok" if c.ok else f"failed: {c.error or ''}"
        out.append(f"""<details class="call"><summary>#{c.seq} {escape(c.model or "?")} · prompt
{escape(c.prompt_version or "-")} · {escape(c.purpose or "")} · {approx}{c.prompt_tokens}+{approx}{c.completion_tokens} tokens ·
{escape(ms(c.latency_ms))} · {escape(status)}</summary>{msgs}{output}</details>""")
    return "".join(out)


def _checks(checks) -> str:
    rows = []
    for c in checks or []:
        if isinstance(c, dict):
            mark = "✓" if c.get("ok") else "✗"
            rows.append(f'<li class="{"ok" if c.get("ok") else "fail"}">{mark} {escape(str(c.get("name")))}'
                        f' <span class="muted small">{escape(str(c.get("detail") or ""))}</span></li>')
    return f'<ul class="checks">{"".join(rows)}</ul>' if rows else ""


def trace_page(trace: Trace, *, newer: str | None, older: str | None, filters: dict) -> str:
    qs = query_string(filters)
    nav = (f'<a href="/traces{qs}" id="to-list">← list</a>'
           + (f' · <a href="/traces/{escape(newer)}{qs}" id="prev-trace">newer (k)</a>' if newer else "")
           + (f' · <a href="/traces/{escape(older)}{qs}" id="next-trace">older (j)</a>' if older else ""))
    d = trace.detail
    answer = ""
    if trace.answer is not None:
        note = f'<p class="muted">{escape(d["note"])}</p>' if d.get("note") else ""
        answer = f'<h2>Answer</h2>{note}<div class="answer">{escape(trace.answer)}</div>{_checks(d.get("checks"))}'
    error = f'<p class="error">{escape(trace.error)}</p>' if trace.error else ""
    facts_by_id = {f.get("id"): f for f in d.get("facts") or [] if isinstance(f, dict)}
    threads_by_id = {t.get("id"): t for t in d.get("threads") or [] if isinstance(t, dict)}
    steps = "".join(_step(s, facts_by_id, threads_by_id) for s in trace.steps)
    facts = f"<h2>Facts</h2>{_items(d.get('facts'))}" if d.get("facts") else ""
    threads = f"<h2>Threads</h2>{_items(d.get('threads'))}" if d.get("threads") else ""
    searches = ("<details><summary>searches the walk ran</summary><ol class='steps'>"
                + "".join(_step(s, {}, {}) for s in d["searches"]) + "</ol></details>") if d.get("searches") else ""
    timings = d.get("timings") or {}
    timing_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(ms(v))}</td></tr>" for k, v in timings.items())
    prompts = "".join(f"<details><summary>prompt template {escape(k)}</summary><pre>{pretty(v)}</pre></details>"
                      for k, v in (d.get("prompts") or {}).items())
    extra = {k: v for k, v in d.items() if k in ("record", "usage", "model", "prompt_version", "llm_error") and v}
    label_state = trace.label or "unlabeled"
    body = f"""<nav class="crumbs">{nav}</nav>
<div class="meta muted"><span class="kind">{escape(trace.kind)}</span> {escape(when(trace.created))} ·
{escape(ms(trace.duration_ms))} · {escape(str(trace.config.get("source", "")))} · {escape(trace.status)} ·
<code>{escape(trace.id)}</code></div>
<h1 id="question">{escape(trace.question)}</h1>
<div class="labelbar">
  <span>label: <span id="label-state" class="badge {escape(trace.label or "none")}">{escape(label_state)}</span></span>
  <button type="button" id="label-good" class="good">Good (g)</button>
  <button type="button" id="label-bad" class="bad">Bad (b)</button>
  <button type="button" id="label-clear" class="link">clear (u)</button>
  <textarea id="note" rows="2" placeholder="note (n to write, Ctrl+Enter to save)">{escape(trace.note or "")}</textarea>
  <button type="button" id="save-note">Save note</button>
</div>
{error}{answer}
<h2>Steps</h2><ol class="steps">{steps}</ol>{searches}
{facts}{threads}
<h2>Evidence <span class="muted small">({len(trace.evidence)}; ] / [ to move, r to mark)</span></h2>
{"".join(_evidence(e) for e in trace.evidence) or '<p class="muted">no evidence</p>'}
{"<h2>LLM calls</h2>" + _calls(trace) if trace.calls else ""}{prompts}
{f'<h2>Timings</h2><table class="timings">{timing_rows}</table>' if timing_rows else ""}
<details><summary>configuration</summary><pre>{pretty(trace.config)}</pre></details>
{f"<details><summary>more</summary><pre>{pretty(extra)}</pre></details>" if extra else ""}"""
    return layout(trace.question[:80], body, page="trace",
                  data={"id": trace.id, "label": trace.label or "", "newer": newer, "older": older, "filters": qs})


# Re-exported so the app can show a badge in lists built elsewhere.
__all__ = ["formatter_css", "highlight", "label_badge", "trace_page"]
