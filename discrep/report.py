"""The self-contained HTML report: which incidents are disputed, by whom, over which figures.

All article text is untrusted: everything goes through ``html.escape``; the page makes no
network requests (inline CSS, no scripts).
"""
from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import datetime, timezone

from .pipeline import ScoreResult

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
header{background:#1d2a3a;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c8d3e0;font-size:14px}main{padding:18px 28px;max-width:1200px}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d9dee5;padding:6px 8px;font-size:13px;
text-align:left;vertical-align:top}th{background:#eef1f5}section.incident{background:#fff;border:1px solid #d9dee5;
border-radius:6px;padding:14px 18px;margin:18px 0}h2{font-size:18px;margin:0 0 6px}.meta{color:#5a6573;font-size:13px}
.matrix td.cell{width:34px;height:26px;text-align:center;font-weight:600;color:#fff}
.agree{background:#2e8b57}.contradict{background:#c0392b}.unreported{background:#b0b7c3}.mixed{background:#e67e22}
.none{background:#f0f2f5;color:#999!important}.self{background:#fff}
.conflict{display:grid;grid-template-columns:1fr 1fr;gap:12px;border-left:4px solid #c0392b;padding:8px 12px;
margin:10px 0;background:#fdf6f5}.conflict.agree{border-color:#2e8b57;background:#f4fbf6}
.conflict .fig{font-size:22px;font-weight:700}.reason{grid-column:1/3;font-size:13px;color:#333}
mark{background:#ffe08a;padding:0 2px}.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;
color:#fff;margin-right:4px}.overview td.num{text-align:right}.src{font-weight:600}
svg text{font-size:11px;fill:#333}
"""
NUM_RE = re.compile(r"(?<![\w])(?:(?:at least|more than|over|about|nearly|up to|around|some|a total of)\s+)?"
                    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"seventeen|twenty|dozens|several|scores|hundreds)(?![\w])", re.I)


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def highlight(text: str) -> str:
    """Escape the sentence, then mark figures (escaping first means no markup from the input survives)."""
    safe = esc(text)
    return NUM_RE.sub(lambda m: f"<mark>{m.group(0)}</mark>", safe)


def dispute_score(n_contra: int, n_unrep: int, n_agree: int) -> float:
    return n_contra * 3 + n_unrep * 0.5 - n_agree * 0.1


def render(result: ScoreResult, model_uri: str | None = None, figures: list | None = None) -> str:
    by_inc = defaultdict(list)
    for d in result.discrepancies:
        by_inc[d.incident_id].append(d)
    arts = {a.id: a for a in result.articles}
    rows = []
    for inc in result.incidents:
        ds = by_inc.get(inc.incident_id, [])
        nc = sum(d.label == "contradict" for d in ds)
        na = sum(d.label == "agree" for d in ds)
        nu = sum(d.label == "unreported" for d in ds)
        rows.append((dispute_score(nc, nu, na), inc, nc, na, nu, ds))
    rows = [r for r in rows if r[5]] + [r for r in rows if not r[5]]
    rows.sort(key=lambda r: (-r[0] if r[5] else 1e9, r[1].incident_id))
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
           f"<title>discrep report</title><style>{CSS}</style></head><body>"]
    c = result.counts()
    out.append(f"<header><h1>Where the sources disagree</h1><p>{c['articles']} articles · {c['claims']} claims · "
               f"{c['incidents']} incidents · {c.get('label_contradict', 0)} contradictions · "
               f"{c.get('label_unreported', 0)} unreported · {c.get('label_agree', 0)} agreements"
               f"{' · model ' + esc(model_uri) if model_uri else ''} · generated "
               f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}</p></header><main>")
    out.append("<h2>Incidents, most disputed first</h2><table class='overview' id='overview'><tr><th>#</th>"
               "<th>incident</th><th>dates</th><th>sources</th><th>contradict</th><th>unreported</th>"
               "<th>agree</th></tr>")
    for i, (_, inc, nc, na, nu, ds) in enumerate(rows, 1):
        if not ds:
            continue
        out.append(f"<tr><td>{i}</td><td><a href='#{esc(inc.incident_id)}'>{esc(inc.title)}</a></td>"
                   f"<td>{esc(inc.date_from)}{' – ' + esc(inc.date_to) if inc.date_to != inc.date_from else ''}</td>"
                   f"<td class='num'>{len(inc.sources)}</td><td class='num'>{nc}</td><td class='num'>{nu}</td>"
                   f"<td class='num'>{na}</td></tr>")
    out.append("</table>")
    if figures:
        out.append(figures_section(figures))
    for _, inc, nc, na, nu, ds in rows:
        if not ds:
            continue
        out.append(incident_section(inc, ds, arts, result))
    quiet = [r[1] for r in rows if not r[5]]
    if quiet:
        out.append(f"<details><summary>{len(quiet)} incidents with a single source or nothing to compare</summary><ul>")
        out += [f"<li>{esc(i.title)} ({len(i.claim_ids)} claims)</li>" for i in quiet]
        out.append("</ul></details>")
    if result.rejects:
        out.append(f"<h2>Input not used ({len(result.rejects)})</h2><table><tr><th>input</th><th>reason</th></tr>")
        out += [f"<tr><td>{esc(r.input)}</td><td>{esc(r.reason)}</td></tr>" for r in result.rejects[:200]]
        out.append("</table>")
    out.append("</main></body></html>")
    return "".join(out)


def incident_section(inc, ds, arts, result) -> str:
    srcs = sorted({d.source_a for d in ds} | {d.source_b for d in ds})
    cell = {}
    for d in ds:
        key = tuple(sorted([d.source_a, d.source_b]))
        cell.setdefault(key, []).append(d.label)
    names = {c.source: c.source_name for c in result.claims}
    h = [f"<section class='incident' id='{esc(inc.incident_id)}'><h2>{esc(inc.title)}</h2>"
         f"<div class='meta'>{esc(inc.date_from)} · {esc(', '.join(inc.places) or 'place unknown')} · sources: "
         f"{esc(', '.join(names.get(s, s) for s in inc.sources))}</div>"]
    h.append("<table class='matrix'><tr><th></th>" + "".join(f"<th title='{esc(names.get(s, s))}'>{esc(s)}</th>"
                                                              for s in srcs) + "</tr>")
    for a in srcs:
        h.append(f"<tr><th>{esc(a)}</th>")
        for b in srcs:
            if a == b:
                h.append("<td class='cell self'></td>")
                continue
            labs = cell.get(tuple(sorted([a, b])), [])
            cls = ("contradict" if "contradict" in labs else "agree" if "agree" in labs else
                   "unreported" if labs else "none")
            sym = {"contradict": "✗", "agree": "✓", "unreported": "…", "none": "·"}[cls]
            h.append(f"<td class='cell {cls}' data-label='{cls}' title='{esc(a)} vs {esc(b)}: {esc(', '.join(labs))}'>{sym}</td>")
        h.append("</tr>")
    h.append("</table>")
    for d in sorted(ds, key=lambda d: ({"contradict": 0, "agree": 1, "unreported": 2}[d.label], -d.score)):
        if d.label == "unreported":
            continue
        h.append(conflict_block(d, arts))
    unrep = [d for d in ds if d.label == "unreported"]
    if unrep:
        h.append(f"<details><summary>{len(unrep)} facts left unreported by another source</summary><ul>")
        h += [f"<li><span class='src'>{esc(d.source_b)}</span> on: {highlight(d.claim_a.text)} "
              f"<em>({esc(d.reason)}, {d.score:.2f})</em></li>" for d in unrep]
        h.append("</ul></details>")
    h.append("</section>")
    return "".join(h)


def conflict_block(d, arts) -> str:
    def side(c, src):
        if c is None:
            return f"<div><div class='src'>{esc(src)}</div><div class='fig'>—</div><p>says nothing</p></div>"
        a = arts.get(c.article_id)
        link = (f" <a href='{esc(a.url)}' rel='noopener noreferrer'>{esc(a.outlet)}</a>" if a and a.url
                and a.url.startswith(("http://", "https://")) else f" {esc(a.outlet) if a else ''}")
        fig = ", ".join(q.display() + (f" {q.event.replace('_', ' ')}" if q.event else "") for q in c.quantities[:2])
        return (f"<div><div class='src'>{esc(c.source_name or src)}</div><div class='fig'>{esc(fig or '—')}</div>"
                f"<p>{highlight(c.text)}</p><div class='meta'>{link}, {esc(c.published)}</div></div>")

    return (f"<div class='conflict {esc(d.label)}' data-label='{esc(d.label)}'>{side(d.claim_a, d.source_a)}"
            f"{side(d.claim_b, d.source_b)}<div class='reason'><span class='badge {esc(d.label)}'>{esc(d.label)}"
            f"</span> {esc(d.reason)} · score {d.score:.2f}</div></div>")


def figures_section(figures) -> str:
    """Reconciled figures table (filled by the reconciliation stage when present)."""
    h = ["<h2>Reconciled figures</h2><table id='figures'><tr><th>incident</th><th>event</th><th>unit</th>"
         "<th>low</th><th>best</th><th>high</th><th>sources</th><th>grade</th></tr>"]
    for f in figures:
        g = f.get("grade", "") if isinstance(f, dict) else ""
        h.append("<tr>" + "".join(f"<td>{esc(f.get(k))}</td>" for k in
                                  ("incident_id", "event", "unit", "low", "best", "high", "n_sources")) +
                 f"<td>{esc(g)}</td></tr>")
    h.append("</table>")
    return "".join(h)
