"""A self-contained HTML eval report: inline CSS, inline SVG plots, a few lines of inline script.

Nothing is fetched when it opens (no CDN, no fonts, no images), so it works
offline and can be attached to a CI run. :func:`screenshot` renders it with a
headless Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

from walkrag.evals import svg
from walkrag.evals.metrics import CURVE_KS, HEADLINE

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666}table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top}th{background:#f5f6f8}
td.l,th.l{text-align:left}.regression{background:#fde2e0;color:#a61b0f;font-weight:600}
.improvement{background:#e1f5e7;color:#17683a}.dim{color:#888}.gold{color:#17683a;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #e3e3e3;border-radius:6px;background:#fff}
.chart .title{font-size:13px;font-weight:600}.chart .tick,.chart .legend{font-size:11px;fill:#555}
.chart .grid{stroke:#eee}.charts svg{width:calc(50% - 14px);min-width:420px;height:auto}.fail{color:#a61b0f;font-weight:600}.ok{color:#17683a;font-weight:600}
input#filter{padding:4px 8px;width:320px;margin:4px 0}code{font-size:12px}
"""

SCRIPT = """
(function(){
  var input=document.getElementById('filter'), rows=document.querySelectorAll('table.questions tbody tr');
  input.addEventListener('input',function(){var q=input.value.toLowerCase();
    rows.forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});
  document.getElementById('rendered').textContent=
    document.querySelectorAll('svg.chart').length+' charts, '+rows.length+' question rows';
  document.body.setAttribute('data-ready','1');
})();
"""


def _f(v, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _metrics_table(report: dict) -> str:
    runs = report["runs"]
    deltas = {(d["candidate"], d["metric"]): d for d in report.get("comparison", [])}
    k = report["k"]
    names = list(dict.fromkeys([*HEADLINE, f"recall@{k}", f"full@{k}", f"span_hit@{k}"]))
    names += [n for n in ("answer_coverage", "faithfulness", "citation_validity") if n in runs[0]["metrics"]]
    head = "".join(f"<th>{escape(r['config']['name'])}</th>" for r in runs)
    head += "".join(f"<th>Δ {escape(r['config']['name'])} (95% CI)</th>" for r in runs[1:])
    rows = []
    for n in names:
        cells = "".join(f"<td>{_f(r['metrics'].get(n))}</td>" for r in runs)
        for r in runs[1:]:
            d = deltas.get((r["config"]["name"], n))
            if d is None or d["delta"] is None:
                cells += '<td class="dim">—</td>'
            else:
                mark = {"regression": " ▼", "improvement": " ▲"}.get(d["status"], "")
                cells += (f'<td class="{escape(d["status"].replace(" ", "-"))}" title="{escape(d["status"])}, '
                          f'n={d["n"]}">{d["delta"]:+.3f} [{d["ci_low"]:+.3f}, {d["ci_high"]:+.3f}]{mark}</td>')
        rows.append(f'<tr><th class="l">{escape(n)}</th>{cells}</tr>')
    lat = "".join(f"<td>{r['latency_ms']['p50']:.1f} / {r['latency_ms']['p95']:.1f}</td>" for r in runs)
    rows.append(f'<tr><th class="l">latency p50 / p95 ms</th>{lat}{"<td></td>" * (len(runs) - 1)}</tr>')
    tok = "".join(f"<td>{r['tokens']['prompt'] + r['tokens']['completion']}</td>" for r in runs)
    rows.append(f'<tr><th class="l">answer tokens</th>{tok}{"<td></td>" * (len(runs) - 1)}</tr>')
    return (f'<table id="metrics"><thead><tr><th class="l">metric</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _levels_table(run: dict) -> str:
    cols = list(HEADLINE)
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    rows = "".join(
        f'<tr><th class="l">{escape(level)}</th><td>{row["n"]}</td>'
        + "".join(f"<td>{_f(row.get(c))}</td>" for c in cols) + "</tr>"
        for level, row in run["per_level"].items()
    )
    return (f'<table class="levels"><caption class="l">{escape(run["config"]["name"])}</caption><thead><tr>'
            f'<th class="l">level</th><th>n</th>{head}</tr></thead><tbody>{rows}</tbody></table>')


def _questions_table(run: dict) -> str:
    k = run["k"]
    rows = []
    for q in run["questions"]:
        gold = set(q["gold_files"])
        top = ", ".join(
            f'<span class="gold">{escape(f)}</span>' if f in gold else escape(f) for f in q["files"][:5]
        )
        m = q["metrics"]
        extra = f'<br><span class="fail">{escape(q["error"])}</span>' if q.get("error") else ""
        rows.append(
            f'<tr><td class="l">{escape(q["id"])}</td><td class="l">{escape(q["level"] or "")}</td>'
            f'<td class="l">{escape(q["question"])}{extra}</td>'
            f'<td class="l"><code>{"<br>".join(escape(g) for g in q["gold_files"])}</code></td>'
            f'<td class="l"><code>{top}</code></td><td>{_f(m.get(f"recall@{k}"), 2)}</td>'
            f'<td>{_f(m.get("ndcg@10"), 2)}</td><td>{_f(m.get("mrr"), 2)}</td><td>{q["latency_ms"]:.0f}</td></tr>'
        )
    return (
        '<table class="questions"><thead><tr><th class="l">id</th><th class="l">level</th><th class="l">question</th>'
        f'<th class="l">gold</th><th class="l">top files</th><th>recall@{k}</th><th>ndcg@10</th><th>mrr</th>'
        f'<th>ms</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def charts(report: dict) -> list[str]:
    runs = report["runs"]
    names = [r["config"]["name"] for r in runs]
    levels = list(dict.fromkeys(level for r in runs for level in r["per_level"]))
    out = []
    for metric in ("recall@10", "ndcg@10"):
        values = [[r["per_level"].get(level, {}).get(metric) for level in levels] for r in runs]
        out.append(svg.grouped_bars(f"chart-levels-{metric.replace('@', '')}", f"{metric} per level",
                                    levels, names, values, y_label=metric))
    ks = sorted({*CURVE_KS, report["k"]})
    curve = [[r["metrics"].get(f"recall@{n}") for n in ks] for r in runs]
    out.append(svg.lines("chart-recall", "recall@k", ks, names, curve, y_label="recall", x_label="k (distinct files)"))
    out.append(svg.histogram("chart-latency", "latency distribution", names,
                             [r["latency_ms"]["values"] for r in runs], x_label="ms per question"))
    return out


def render_html(report: dict) -> str:
    """The report as one HTML page (the ``report`` dict of :func:`walkrag.evals.report.report_dict`)."""
    runs = report["runs"]
    ds = report.get("dataset", {})
    fail = report.get("fail_under", {})
    verdict = ""
    if fail.get("thresholds"):
        cls, word = ("ok", "passed") if fail.get("ok") else ("fail", "FAILED")
        items = "".join(f"<li>{escape(f)}</li>" for f in fail.get("failures", []))
        limits = ", ".join(f"{escape(k)} ≥ {v:g}" for k, v in fail["thresholds"].items())
        verdict = f'<p class="{cls}" id="fail-under">fail-under {word} ({limits})</p><ul>{items}</ul>'
    regressions = [d for d in report.get("comparison", []) if d["status"] == "regression"]
    reg = "".join(
        f'<li class="regression">{escape(d["candidate"])}: {escape(d["metric"])} {d["delta"]:+.3f} '
        f'(95% CI {d["ci_low"]:+.3f} to {d["ci_high"]:+.3f}) against {escape(d["baseline"])}</li>'
        for d in regressions
    )
    body = [
        "<h1>walkrag eval</h1>",
        f'<p class="meta">{escape(str(ds.get("path", "dataset")))} · {ds.get("n", len(runs[0]["questions"]))} '
        f'questions · mode {escape(report["mode"])} · k={report["k"]} · judge {escape(report.get("judge") or "—")} · '
        f'{escape(report.get("created", ""))} · <span id="rendered"></span></p>',
        verdict,
        f'<ul id="regressions">{reg}</ul>' if reg else "",
        "<h2>Overall</h2>", _metrics_table(report),
        '<h2>Plots</h2><div class="charts">', *charts(report), "</div>",
        "<h2>Per level</h2>", *(_levels_table(r) for r in runs),
    ]
    body.append('<h2>Questions</h2><input id="filter" placeholder="filter questions" aria-label="filter questions">')
    for r in runs:
        body += [f"<h3>{escape(r['config']['name'])}</h3>", _questions_table(r)]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>walkrag eval · {escape(report['mode'])}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}<script>{SCRIPT}</script></body></html>"
    )


def write_html(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def find_chromium() -> str | None:
    """A Chromium or Chrome binary: ``WALKRAG_CHROMIUM``, else the usual names on PATH."""
    explicit = os.environ.get("WALKRAG_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(binary: str, profile: str) -> list[str]:
    return [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}"]


def screenshot(html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 1800,
               timeout: float = 60) -> Path:
    """Render ``html_path`` with headless Chromium into ``png_path``; raises ``RuntimeError`` without one."""
    binary = find_chromium()
    if binary is None:
        raise RuntimeError("no Chromium found for --screenshot: install chromium or set WALKRAG_CHROMIUM")
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="walkrag-chromium-") as profile:
        proc = subprocess.run(
            [*chromium_args(binary, profile), f"--window-size={width},{height}", f"--screenshot={png}",
             Path(html_path).resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout,
        )
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    return png
