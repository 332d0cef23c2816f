"""A self-contained HTML report: inline CSS and inline SVG charts, no external requests.

Pure function of the report dict, so it can be rendered again from an old
``report.json`` (``render_html(json.load(...))``).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any, Mapping, Sequence

from .report import BEIR_COLUMNS, SET_COLUMNS, fmt

__all__ = ["render_html", "bar_chart", "latency_chart"]

PALETTE = ("#2f6db5", "#e08a1e", "#3a9a5b", "#b8423c", "#7a5bb5", "#8a6d3b", "#d16ba5", "#5f7f8f")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d232b;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#5b6672;font-size:12.5px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e6eaef;text-align:right;vertical-align:top}
th{background:#f3f6f9;font-weight:600}td:first-child,th:first-child{text-align:left}
table.fail td{text-align:left;max-width:380px;word-break:break-word}table.fail td:first-child{white-space:nowrap}.kind{white-space:nowrap;color:#9b2c2c}
.charts{display:flex;flex-wrap:wrap;gap:18px}.chart{border:1px solid #e1e6ec;border-radius:6px;padding:8px;background:#fff}
svg text{font-family:system-ui,sans-serif}details{margin:6px 0}summary{cursor:pointer;font-weight:600}
code{background:#f3f6f9;padding:1px 4px;border-radius:3px}.bad{color:#9b2c2c}
"""


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _legend(names: Sequence[str], x: float, y: float) -> str:
    parts = []
    for i, name in enumerate(names):
        xi = x + i * 110
        parts.append(f'<rect x="{xi}" y="{y - 9}" width="10" height="10" fill="{_color(i)}"/>'
                     f'<text x="{xi + 14}" y="{y}" font-size="11">{escape(name)}</text>')
    return "".join(parts)


def bar_chart(title: str, groups: Sequence[str], series: Mapping[str, Sequence[float | None]],
              ymax: float = 1.0) -> str:
    """Grouped bars: one group per metric (or category), one bar per configuration."""
    names = list(series)
    n = max(1, len(names))
    bar_w = max(6.0, min(22.0, 150.0 / n))
    group_w = bar_w * n + 18
    left, top, h = 40, 46, 190
    width = left + group_w * max(1, len(groups)) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" height="{top + h + 26}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           f'<text x="{left}" y="14" font-size="13" font-weight="600">{escape(title)}</text>',
           _legend(names, left, 28)]
    for t in range(5):
        v = ymax * t / 4
        y = top + h - h * t / 4
        out.append(f'<line x1="{left}" x2="{width - 6:.0f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e8ed"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{v:.2f}</text>')
    for g, label in enumerate(groups):
        gx = left + 9 + g * group_w
        for i, name in enumerate(names):
            val = series[name][g]
            x = gx + i * bar_w
            if val is None:
                out.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + h - 3}" font-size="9" text-anchor="middle">–</text>')
                continue
            bh = h * max(0.0, min(val, ymax)) / ymax
            out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{bar_w - 2:.1f}" height="{bh:.1f}" '
                       f'fill="{_color(i)}"><title>{escape(name)} {escape(label)}: {val:.3f}</title></rect>')
            if bar_w >= 14:
                out.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{top + h - bh - 3:.1f}" font-size="8.5" '
                           f'text-anchor="middle">{val:.2f}</text>')
        out.append(f'<text x="{gx + bar_w * n / 2:.1f}" y="{top + h + 14}" font-size="11" text-anchor="middle">'
                   f'{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def latency_chart(title: str, series: Mapping[str, Sequence[float]]) -> str:
    """Every request as a dot on a log-scaled millisecond axis, one row per series; p50 and p95 marked."""
    from .metrics import percentile

    rows = [(name, [v for v in vals if v is not None and v > 0]) for name, vals in series.items()]
    rows = [(n, v) for n, v in rows if v]
    if not rows:
        return ""
    lo = math.floor(math.log10(min(min(v) for _, v in rows)))
    hi = math.ceil(math.log10(max(max(v) for _, v in rows)))
    hi = max(hi, lo + 1)
    left, width, row_h, top = 150, 760, 34, 24
    height = top + row_h * len(rows) + 30
    sx = lambda ms: left + (math.log10(ms) - lo) / (hi - lo) * (width - left - 10)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           f'<text x="4" y="14" font-size="13" font-weight="600">{escape(title)}</text>']
    for e in range(lo, hi + 1):
        x = sx(10 ** e)
        label = f"{10 ** e:g} ms" if e >= 0 else f"{10 ** e:g}"
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 24}" stroke="#e4e8ed"/>'
                   f'<text x="{x:.1f}" y="{height - 10}" font-size="10" text-anchor="middle">{label}</text>')
    for r, (name, vals) in enumerate(rows):
        cy = top + r * row_h + row_h / 2
        color = _color(r)
        out.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" font-size="11" text-anchor="end">{escape(name)}</text>')
        for j, v in enumerate(vals):
            jitter = ((j * 7919) % 13 - 6) * 1.1
            out.append(f'<circle cx="{sx(v):.1f}" cy="{cy + jitter:.1f}" r="2.2" fill="{color}" fill-opacity="0.45"/>')
        for q, dash in ((50, ""), (95, ' stroke-dasharray="3,2"')):
            p = percentile(vals, q)
            x = sx(p)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{cy - 12:.1f}" y2="{cy + 12:.1f}" stroke="#111" '
                       f'stroke-width="1.6"{dash}><title>{escape(name)} p{q}: {p:.1f} ms</title></line>')
    out.append("</svg>")
    return "".join(out)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _lat(s: Mapping[str, Any], key: str) -> str:
    lat = s.get(key) or {}
    return f"{lat['p50_ms']:.1f} / {lat['p95_ms']:.1f}" if lat.get("n") else "-"


def _summary_table(report: Mapping[str, Any], columns: Sequence[tuple[str, str]]) -> str:
    header = ["config", "n", *(label for _, label in columns), "search ms p50 / p95"]
    beir = report["kind"] == "beir"
    if not beir:
        header.append("answer ms p50 / p95")
    rows = []
    for name, res in report["results"].items():
        s = res["summary"]
        row = [escape(name), str(s["questions"]), *(fmt(s.get(k)) for k, _ in columns), _lat(s, "search_latency")]
        if not beir:
            row.append(_lat(s, "answer_latency"))
        rows.append(row)
    return _table(header, rows)


def _failures(res: Mapping[str, Any]) -> str:
    fails = res.get("failures") or []
    if not fails:
        return "<p>No failing questions.</p>"
    # the split beside the id: a failure on a held-out (test) question is not one to tune away
    ids = [str(f.get("id")) + (f" ({f['split']})" if f.get("split") else "") for f in fails]
    rows = [[escape(i), f'<span class="kind">{escape(f["kind"])}</span>', escape(f["question"]),
             escape(f["expected"]), escape(f["got"])] for i, f in zip(ids, fails)]
    return _table(["id", "failure", "question", "expected", "got"], rows, "fail")


def _any(series: Mapping[str, Sequence[float | None]]) -> bool:
    return any(v is not None for vals in series.values() for v in vals)


def _set_sections(report: Mapping[str, Any]) -> list[str]:
    results = report["results"]
    names = list(results)
    retrieval = [("hit@1", "Hit@1"), ("hit@5", "Hit@5"), ("recall@10", "R@10"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10")]
    answer = [("citation_accuracy", "CiteAcc"), ("lead_accuracy", "Lead"), ("evidence_coverage", "EvCov"), ("answer_contains", "AnsCont"),
              ("refusal_precision", "RefP"), ("refusal_recall", "RefR")]
    charts = []
    for title, cols in (("Retrieval", retrieval), ("Answers", answer)):
        series = {n: [results[n]["summary"].get(k) for k, _ in cols] for n in names}
        if _any(series):
            charts.append(bar_chart(title, [label for _, label in cols], series))
    groups = [g for g in results[names[0]]["breakdown"] if g.startswith(("split=", "category=", "lang="))]
    for key, label in (("hit@5", "Hit@5"), ("citation_accuracy", "Citation accuracy")):
        shown = [g for g in groups if any(results[n]["breakdown"].get(g, {}).get(key) is not None for n in names)]
        series = {n: [results[n]["breakdown"].get(g, {}).get(key) for g in shown] for n in names}
        if shown:
            charts.append(bar_chart(f"{label} by group", [g.split("=", 1)[1] for g in shown], series))
    lat = {f"{n} search": [q["search_ms"] for q in results[n]["questions"]] for n in names}
    if report.get("answers"):
        lat.update({f"{n} answer": [q["answer_ms"] for q in results[n]["questions"]] for n in names})
    charts.append(latency_chart("Latency per question (log scale; solid p50, dashed p95)", lat))
    out = ['<h2>Charts</h2><div class="charts">' + "".join(f'<div class="chart">{c}</div>' for c in charts if c) + "</div>"]
    cols = [("hit@5", "Hit@5"), ("recall@10", "R@10"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
            ("citation_accuracy", "CiteAcc"), ("lead_accuracy", "Lead"), ("evidence_coverage", "EvCov"), ("answer_contains", "AnsCont"),
            ("refusal_rate", "Refused")]
    out.append("<h2>Breakdown by answerability, split, language and category</h2>")
    for n in names:
        rows = [[escape(g), str(s["questions"]), *(fmt(s.get(k)) for k, _ in cols)] for g, s in results[n]["breakdown"].items()]
        out.append(f"<h3>{escape(n)}</h3>" + _table(["group", "n", *(label for _, label in cols)], rows))
    return out


def _beir_sections(report: Mapping[str, Any]) -> list[str]:
    results = report["results"]
    names = list(results)
    series = {n: [results[n]["summary"].get(k) for k, _ in BEIR_COLUMNS] for n in names}
    charts = [bar_chart("Retrieval", [label for _, label in BEIR_COLUMNS], series),
              latency_chart("Search latency per query (log scale; solid p50, dashed p95)",
                            {n: results[n]["search_ms"] for n in names})]
    return ['<h2>Charts</h2><div class="charts">' + "".join(f'<div class="chart">{c}</div>' for c in charts if c) + "</div>"]


def render_html(report: Mapping[str, Any]) -> str:
    """The whole report as one HTML document."""
    beir = report["kind"] == "beir"
    sets = ", ".join(f"{s['name']} ({s['questions']} questions)" for s in report["sets"])
    corpus = report["corpus"]
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    configs = "".join(
        f"<li><code>{escape(c['name'])}</code>: "
        f"{escape(', '.join(f'{k}={v}' for k, v in c['overrides'].items()) or 'defaults')}"
        f" — mode {escape(str(c['settings']['mode']))}, k {c['settings']['k']}, chunk {c['settings']['chunk_size']}, "
        f"model {escape(str(c['settings']['model']))}</li>" for c in report["configs"])
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>rag eval — {escape(sets)}</title><style>{CSS}</style></head><body>",
        f"<h1>Evaluation report: {escape(sets)}</h1>",
        f'<p class="meta">{escape(report["created"])} · corpus {escape(corpus["fingerprint"])} '
        f'({corpus["documents"]} documents, languages {escape(", ".join(corpus["languages"]))}) · '
        f'{"retrieval only (BEIR)" if beir else ("answers: " + ("yes" if report.get("answers") else "no"))}<br>'
        f"{escape(versions)}</p>",
        f"<h2>Configurations</h2><ul>{configs}</ul>",
        "<h2>Summary</h2>" + _summary_table(report, BEIR_COLUMNS if beir else SET_COLUMNS),
    ]
    parts += _beir_sections(report) if beir else _set_sections(report)
    parts.append("<h2>Failing questions</h2>")
    for name, res in report["results"].items():
        count = len(res.get("failures") or [])
        parts.append(f"<details{' open' if name == next(iter(report['results'])) else ''}>"
                     f"<summary>{escape(name)}: {count} failure(s)</summary>{_failures(res)}</details>")
    parts.append("</body></html>")
    return "\n".join(parts)
