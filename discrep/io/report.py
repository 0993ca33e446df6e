"""The self-contained HTML report: which incidents are disputed, by whom, over which figures.

One file, readable offline and safe to open: inline CSS and inline SVG only, no scripts, and a
Content-Security-Policy that forbids every network request. All article text (titles, outlets,
sentences, URLs, source names) is untrusted: it only ever reaches the page through ``esc`` (or
``highlight``, which escapes before it marks figures); links are kept only for http(s) URLs.
"""
from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from discrep.records.core import Article, Claim, Discrepancy, Incident
from discrep.records.result import ScoreResult

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
LABEL_ORDER = {"contradict": 0, "agree": 1, "unreported": 2}
SHOWN_CONFLICTS = 6  # per incident; the rest fold into a <details>
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22"]
COL = {"contradict": "#c0392b", "agree": "#2e8b57", "unreported": "#aab3bf", "mixed": "#e67e22", "none": "#f0f2f5"}

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d232b;
background:#f4f6f8;line-height:1.4}
header{background:#1d2a3a;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c8d3e0;font-size:13px}
main{padding:16px 28px 40px;max-width:1280px}
a{color:#1a5fb4}h2{font-size:19px;margin:0 0 4px}h3{font-size:15px;margin:16px 0 6px}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:4px 0 16px}
.card{background:#fff;border:1px solid #d9dee5;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}.card span{font-size:12px;color:#5a6573}
.card.contradict b{color:#c0392b}.card.agree b{color:#2e8b57}.card.unreported b{color:#6b7684}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d9dee5;padding:5px 8px;font-size:13px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.overview td.title a{font-weight:600}.overview .top{color:#8a2a1f;font-size:12px}
.note{font-size:12px;color:#5a6573;margin:4px 0 10px}
section.incident{background:#fff;border:1px solid #d9dee5;border-radius:8px;padding:16px 20px;margin:22px 0}
.meta{color:#5a6573;font-size:13px}
.chips{margin:8px 0}.chip{display:inline-block;border:1px solid #d0d6de;border-radius:12px;padding:1px 9px;
font-size:12px;margin:2px 4px 2px 0;background:#f8f9fb}.chip i{color:#6b7684;font-style:normal}
.row{display:flex;gap:28px;flex-wrap:wrap;align-items:flex-start}
.matrix td.cell{min-width:38px;height:28px;text-align:center;font-weight:700;color:#fff;font-size:12px;
vertical-align:middle;padding:2px 4px}
.matrix th.rowh{white-space:nowrap}.matrix th.rowh small{color:#6b7684;font-weight:400;margin-left:6px}
.matrix th.colh{font-size:11px;writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
text-align:left;vertical-align:middle;padding:6px 3px;font-weight:600}
td.contradict,.contradict-bg{background:#c0392b}td.agree{background:#2e8b57}
td.unreported{background:#aab3bf}td.mixed{background:#e67e22}td.none{background:#f0f2f5;color:#aab!important}
td.self{background:#fff}
.legend{font-size:12px;color:#444;margin:6px 0}.legend span{display:inline-block;width:12px;height:12px;
border-radius:2px;vertical-align:-2px;margin:0 4px 0 10px}
.conflict{border:1px solid #ecc9c4;border-left:5px solid #c0392b;border-radius:6px;margin:12px 0;
background:#fdf7f6}
.conflict.agree{border-color:#c5e3d0;border-left-color:#2e8b57;background:#f5fbf7}
.conflict .head{padding:6px 12px;font-size:13px;border-bottom:1px solid #efd8d4;display:flex;
justify-content:space-between;gap:10px;flex-wrap:wrap}
.conflict .sides{display:grid;grid-template-columns:1fr 1fr}
.conflict .side{padding:8px 12px}.conflict .side+.side{border-left:1px dashed #e0b9b3}
.src{font-weight:600}.stype{color:#6b7684;font-size:12px;font-weight:400}
.fig{font-size:24px;font-weight:700;margin:2px 0}.side p{margin:4px 0;font-size:14px}
blockquote{margin:4px 0;padding:2px 0 2px 10px;border-left:3px solid #d9dee5;font-size:14px}
mark{background:#ffe08a;padding:0 2px;border-radius:2px}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;color:#fff;font-weight:600}
.badge.contradict{background:#c0392b}.badge.agree{background:#2e8b57}.badge.unreported{background:#8a94a3}
.conf{display:inline-block;width:70px;height:8px;background:#e5e8ec;border-radius:4px;vertical-align:middle;
margin:0 4px}.conf b{display:block;height:8px;border-radius:4px;background:#555}
details{margin:10px 0}summary{cursor:pointer;font-weight:600;font-size:14px}
ul.facts{margin:6px 0;padding-left:18px;font-size:13px}ul.facts li{margin:5px 0}
.muted{color:#6b7684}svg text{font-family:inherit}
@media print{details{display:block}body{background:#fff}}
"""

NUM_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
             "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|thousand|dozens?|"
             "several|scores|hundreds|thousands")
NUM_RE = re.compile(r"(?<![\w])(?:(?:at least|more than|over|about|nearly|almost|up to|around|some|a total of|"
                    r"fewer than|less than)\s+)?(?:\d[\d,.]*\d|\d|" + NUM_WORDS + r")(?![\w])", re.I)


_BIDI_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def esc(x, isolate: bool = True) -> str:
    """HTML-escape anything (quotes too: safe inside attributes), bidi-isolated.

    Bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and kin) are removed: one in an outlet name would
    reverse the rest of the line, date and title included. A value with right-to-left letters is
    wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so it cannot reorder its neighbours;
    the marks work in text and in attributes (tooltips) alike, and left-to-right text is unchanged."""
    s = "" if x is None else str(x)
    if not s.isascii():
        s = _BIDI_CONTROL.sub("", s)
        if isolate and _RTL.search(s):
            s = "\u2068" + s + "\u2069"
    return html.escape(s, quote=True)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links survive (no javascript:, data:, file:); the caller still escapes."""
    if not url:
        return None
    u = str(url).strip()
    return u if re.match(r"^https?://[^\s<>\"']+$", u, re.I) else None


def highlight(text: str, figures: list[str] | tuple = ()) -> str:
    """The sentence, escaped, with its figures in <mark>. Spans are found on the raw text and each
    piece is escaped on its own, so no markup from the input survives and no entity is split."""
    text = "" if text is None else str(text)
    spans = [m.span() for m in NUM_RE.finditer(text)]
    low = text.lower()
    for f in figures:
        f = (f or "").strip().lower()
        if len(f) < 1:
            continue
        i = low.find(f)
        while i >= 0:
            spans.append((i, i + len(f)))
            i = low.find(f, i + len(f))
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(esc(text[pos:s], isolate=False))
        out.append(f"<mark>{esc(text[s:e], isolate=False)}</mark>")
        pos = e
    out.append(esc(text[pos:], isolate=False))
    return "\u2068" + "".join(out) + "\u2069" if _RTL.search(text) else "".join(out)  # isolated as one


def anchor(incident_id: str) -> str:
    return "inc-" + re.sub(r"[^A-Za-z0-9_-]+", "-", str(incident_id))[:80]


def dispute_score(n_contra: float, n_unrep: int, n_agree: int) -> float:
    """How disputed an incident is: contradictions (weighted by the classifier's confidence) dominate,
    facts left unreported count a little, agreements lower it slightly."""
    return n_contra * 3 + n_unrep * 0.1 - n_agree * 0.1


# ------------------------------------------------------------------ data per incident
@dataclass
class IncidentView:
    incident: Incident
    ds: list[Discrepancy]
    contra: list[Discrepancy] = field(default_factory=list)
    agree: list[Discrepancy] = field(default_factory=list)
    unrep: list[Discrepancy] = field(default_factory=list)
    dispute: float = 0.0

    @classmethod
    def build(cls, inc: Incident, ds: list[Discrepancy]) -> "IncidentView":
        v = cls(inc, ds)
        v.contra = sorted((d for d in ds if d.label == "contradict"), key=lambda d: -d.score)
        v.agree = sorted((d for d in ds if d.label == "agree"), key=lambda d: -d.score)
        v.unrep = [d for d in ds if d.label == "unreported"]
        v.dispute = dispute_score(sum(d.score for d in v.contra), len(v.unrep), len(v.agree))
        return v

    @property
    def sources(self) -> list[str]:
        """Sources in the comparisons, the most contradicted first."""
        n = defaultdict(float)
        for d in self.ds:
            w = {"contradict": 10, "agree": 1}.get(d.label, 0.01)
            n[d.source_a] += w
            n[d.source_b] += w
        return sorted(n, key=lambda s: (-n[s], s))


class _Ctx:
    """Lookups shared by the sections: articles by id, display names and types of sources."""

    def __init__(self, result: ScoreResult):
        self.arts: dict[str, Article] = {a.id: a for a in result.articles}
        self.claims: dict[str, Claim] = {c.claim_id: c for c in result.claims}
        self.names: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        self.outlets: dict[str, set[str]] = defaultdict(set)
        for c in result.claims:
            self.names.setdefault(c.source, c.source_name or c.source)
            bits = [b for b in (c.source_type, c.party) if b and b != "none"]
            self.kind.setdefault(c.source, ", ".join(bits))
            self.outlets[c.source].add(c.outlet)

    def name(self, s: str) -> str:
        return self.names.get(s, s)


# ------------------------------------------------------------------ page
def render(result: ScoreResult, model_uri: str | None = None, figures: list | None = None) -> str:
    """The whole report as one HTML string (``figures``: reconciled figures, shown when given)."""
    ctx = _Ctx(result)
    by_inc: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in result.discrepancies:
        by_inc[d.incident_id].append(d)
    views = [IncidentView.build(inc, by_inc.get(inc.incident_id, [])) for inc in result.incidents]
    compared = sorted((v for v in views if v.ds), key=lambda v: (-v.dispute, str(v.incident.incident_id)))
    quiet = sorted((v for v in views if not v.ds), key=lambda v: str(v.incident.incident_id))  # engine-independent order
    c = result.counts()
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
           "<meta name='referrer' content='no-referrer'>",
           "<meta name='viewport' content='width=device-width,initial-scale=1'>",
           f"<title>discrep report: where the sources disagree</title><style>{CSS}</style></head><body>",
           "<header><h1>Where the sources disagree</h1>"
           f"<p>{c['articles']} articles · {c['claims']} claims · {c['incidents']} incidents"
           f"{' · model ' + esc(model_uri) if model_uri else ''} · generated "
           f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}</p></header><main>"]
    out.append("<div class='cards' id='totals'>" + "".join(
        f"<div class='card {cls}'><b>{n}</b><span>{esc(label)}</span></div>" for cls, n, label in (
            ("", len(compared), "incidents compared"),
            ("contradict", c.get("label_contradict", 0), "contradictions"),
            ("agree", c.get("label_agree", 0), "agreements"),
            ("unreported", c.get("label_unreported", 0), "facts left unreported"),
            ("", c["rejects"], "inputs not used"))) + "</div>")
    out.append(overview_section(compared, ctx))
    if figures:
        out.append(figures_section(figures, {i.incident_id: i.title for i in result.incidents}))
    out.append(sources_section(compared, ctx))
    for i, v in enumerate(compared, 1):
        out.append(incident_section(v, ctx, rank=i))
    if quiet:
        out.append(f"<details id='quiet'><summary>{len(quiet)} incidents with a single source or nothing to "
                   "compare</summary><ul class='facts'>")
        out += [f"<li>{esc(v.incident.title)} <span class='muted'>({len(v.incident.claim_ids)} claims; "
                f"{esc(', '.join(ctx.name(s) for s in v.incident.sources))})</span></li>" for v in quiet]
        out.append("</ul></details>")
    if result.rejects:
        out.append(f"<h3>Input not used ({len(result.rejects)})</h3><table id='rejects'><tr><th>input</th>"
                   "<th>reason</th></tr>")
        out += [f"<tr><td>{esc(r.input)}</td><td>{esc(r.reason)}</td></tr>" for r in result.rejects[:200]]
        if len(result.rejects) > 200:
            out.append(f"<tr><td colspan='2'>… and {len(result.rejects) - 200} more in rejects.jsonl</td></tr>")
        out.append("</table>")
    if not result.incidents:
        out.append("<p>No incidents: nothing in the input could be compared.</p>")
    out.append("</main></body></html>")
    return "".join(out)


def overview_section(views: list[IncidentView], ctx: _Ctx) -> str:
    h = ["<h2>Incidents, most disputed first</h2><p class='note'>Ranked by contradictions (weighted by the "
         "classifier's confidence), then by facts one source states and another leaves unreported. "
         "Bar: <span style='color:#c0392b'>■</span> contradict <span style='color:#2e8b57'>■</span> agree "
         "<span style='color:#aab3bf'>■</span> unreported.</p>",
         "<table class='overview' id='overview'><tr><th>#</th><th>incident</th><th>event dates</th>"
         "<th>places</th><th>sources</th><th>comparisons</th><th class='num'>contra&shy;dict</th>"
         "<th class='num'>agree</th><th class='num'>unre&shy;ported</th></tr>"]
    for i, v in enumerate(views, 1):
        inc = v.incident
        top = (f"<div class='top'>{esc(v.contra[0].reason)}</div>" if v.contra else "")
        h.append(f"<tr data-incident='{esc(inc.incident_id)}'><td class='num'>{i}</td><td class='title'>"
                 f"<a href='#{anchor(inc.incident_id)}'>{esc(inc.title)}</a>{top}</td>"
                 f"<td>{date_range(inc.date_from, inc.date_to)}</td><td>{esc(', '.join(inc.places) or '—')}</td>"
                 f"<td class='num'>{len(inc.sources)}</td><td>{stacked_bar(len(v.contra), len(v.agree), len(v.unrep))}"
                 f"</td><td class='num'>{len(v.contra)}</td><td class='num'>{len(v.agree)}</td>"
                 f"<td class='num'>{len(v.unrep)}</td></tr>")
    h.append("</table>")
    return "".join(h)


def sources_section(views: list[IncidentView], ctx: _Ctx) -> str:
    """Who is in conflict most often, across incidents."""
    st = defaultdict(lambda: {"contradict": 0, "agree": 0, "unreported": 0, "incidents": set()})
    for v in views:
        for d in v.ds:
            for s in (d.source_a, d.source_b):
                st[s]["incidents"].add(v.incident.incident_id)
            if d.label == "unreported":
                st[d.source_b]["unreported"] += 1
            else:
                st[d.source_a][d.label] += 1
                st[d.source_b][d.label] += 1
    if not st:
        return ""
    rows = sorted(st.items(), key=lambda kv: (-kv[1]["contradict"], -kv[1]["agree"], kv[0]))
    h = ["<details id='sources'><summary>Sources: who is contradicted most often "
         f"({len(rows)} sources)</summary><table><tr><th>source</th><th>type</th><th>reported via</th>"
         "<th class='num'>incidents</th><th class='num'>contradictions</th><th class='num'>agreements</th>"
         "<th class='num'>facts of others it leaves unreported</th></tr>"]
    for s, r in rows:
        h.append(f"<tr><td class='src'>{esc(ctx.name(s))}</td><td>{esc(ctx.kind.get(s, ''))}</td>"
                 f"<td>{esc(', '.join(sorted(ctx.outlets.get(s, ()))))}</td><td class='num'>{len(r['incidents'])}</td>"
                 f"<td class='num'>{r['contradict']}</td><td class='num'>{r['agree']}</td>"
                 f"<td class='num'>{r['unreported']}</td></tr>")
    h.append("</table></details>")
    return "".join(h)


def incident_section(v: IncidentView, ctx: _Ctx, rank: int = 0) -> str:
    inc = v.incident
    claims = [ctx.claims[i] for i in inc.claim_ids if i in ctx.claims]
    pubs = sorted({c.published for c in claims if c.published})
    art_ids = list(dict.fromkeys(c.article_id for c in claims))
    h = [f"<section class='incident' id='{anchor(inc.incident_id)}' data-incident='{esc(inc.incident_id)}'>"
         f"<h2>{f'{rank}. ' if rank else ''}{esc(inc.title)}</h2>"
         f"<div class='meta'>event {date_range(inc.date_from, inc.date_to)} · reported "
         f"{date_range(pubs[0], pubs[-1]) if pubs else 'undated'} · "
         f"{esc(', '.join(inc.places) or 'place unknown')} · {len(claims)} claims from {len(art_ids)} articles · "
         f"<b style='color:#c0392b'>{len(v.contra)} contradictions</b>, {len(v.agree)} agreements, "
         f"{len(v.unrep)} unreported</div>"]
    h.append("<div class='chips'>" + "".join(
        f"<span class='chip'>{esc(ctx.name(s))}{' <i>' + esc(ctx.kind[s]) + '</i>' if ctx.kind.get(s) else ''}</span>"
        for s in inc.sources) + "</div>")
    charts = figure_charts(v, ctx)
    h.append(f"<div class='row'><div>{matrix(v, ctx)}</div>{''.join(charts)}</div>")
    if v.contra:
        h.append(f"<h3>Contradictions ({len(v.contra)})</h3>")
        h += [conflict_block(d, ctx.arts, ctx) for d in v.contra[:SHOWN_CONFLICTS]]
        if len(v.contra) > SHOWN_CONFLICTS:
            h.append(f"<details><summary>{len(v.contra) - SHOWN_CONFLICTS} more contradictions</summary>")
            h += [conflict_block(d, ctx.arts, ctx) for d in v.contra[SHOWN_CONFLICTS:]]
            h.append("</details>")
    if v.agree:
        h.append(f"<details class='agreements'><summary>{len(v.agree)} agreements</summary>")
        h += [conflict_block(d, ctx.arts, ctx) for d in v.agree]
        h.append("</details>")
    if v.unrep:
        h.append(unreported_block(v, ctx))
    h.append(articles_block(art_ids, ctx))
    h.append("</section>")
    return "".join(h)


def matrix(v: IncidentView, ctx: _Ctx) -> str:
    """Rows and columns are sources. A cell is red when the two contradict each other on some fact,
    green when they only agree, orange when both, grey when the row states facts the column leaves
    unreported, pale when they were never compared."""
    srcs = v.sources
    pair: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"contradict": 0, "agree": 0, "unreported": 0})
    for d in v.ds:
        if d.label == "unreported":
            pair[(d.source_a, d.source_b)]["unreported"] += 1
        else:
            pair[(d.source_a, d.source_b)][d.label] += 1
            pair[(d.source_b, d.source_a)][d.label] += 1
    h = ["<table class='matrix' aria-label='source by source matrix'><tr><th></th>"]
    h += [f"<th class='colh' title='{esc(ctx.name(s))}'>{esc(short(ctx.name(s), 24))}</th>" for s in srcs]
    h.append("</tr>")
    for a in srcs:
        h.append(f"<tr><th class='rowh' title='{esc(a)}'>{esc(short(ctx.name(a), 40))}"
                 f"{'<small>' + esc(short(a, 20)) + '</small>' if a != ctx.name(a) else ''}</th>")
        for b in srcs:
            if a == b:
                h.append("<td class='cell self'></td>")
                continue
            n = pair.get((a, b), {"contradict": 0, "agree": 0, "unreported": 0})
            if n["contradict"] and n["agree"]:
                cls, txt = "mixed", f"✗{n['contradict']} ✓{n['agree']}"
            elif n["contradict"]:
                cls, txt = "contradict", f"✗{n['contradict']}"
            elif n["agree"]:
                cls, txt = "agree", f"✓{n['agree']}"
            elif n["unreported"]:
                cls, txt = "unreported", f"…{n['unreported']}"
            else:
                cls, txt = "none", "·"
            tip = (f"{ctx.name(a)} vs {ctx.name(b)}: {n['contradict']} contradict, {n['agree']} agree; "
                   f"{n['unreported']} facts stated by {ctx.name(a)} that {ctx.name(b)} leaves unreported")
            h.append(f"<td class='cell {cls}' data-label='{cls}' title='{esc(tip)}'>{esc(txt)}</td>")
        h.append("</tr>")
    h.append("</table><div class='legend'>"
             + "".join(f"<span style='background:{COL[k]}'></span>{t}" for k, t in (
                 ("contradict", "contradict ✗"), ("agree", "agree ✓"), ("mixed", "both"),
                 ("unreported", "row states, column silent …"), ("none", "not compared")))
             + "</div>")
    return "".join(h)


def short(name: str, n: int = 18) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def date_range(a, b) -> str:
    if not a and not b:
        return "undated"
    if not b or a == b:
        return esc(a or b)
    return f"{esc(a)} – {esc(b)}"


def stacked_bar(nc: int, na: int, nu: int, width: int = 120) -> str:
    """Inline SVG bar: shares of contradict / agree / unreported comparisons."""
    tot = nc + na + nu
    if not tot:
        return ""
    x, parts = 0.0, []
    for n, k in ((nc, "contradict"), (na, "agree"), (nu, "unreported")):
        w = width * n / tot
        if w > 0:
            parts.append(f"<rect x='{x:.1f}' y='0' width='{w:.1f}' height='12' fill='{COL[k]}'/>")
        x += w
    return (f"<svg width='{width}' height='12' role='img' aria-label='{nc} contradict, {na} agree, {nu} unreported'>"
            + "".join(parts) + "</svg>")


def _fig_text(c: Claim | None, event: str | None = None) -> str:
    if c is None:
        return "—"
    qs = [q for q in c.quantities if event is None or _matches(q, event)] or c.quantities
    return ", ".join(q.display() + (f" {q.event.replace('_', ' ')}" if q.event else "") for q in qs[:2]) or "—"


def _matches(q, event: str) -> bool:
    """Whether a quantity is about the figure a reason names ("killed", or "launched missiles")."""
    e = (q.event or "").replace("_", " ")
    return bool(e) and event in (e, f"{e} {q.unit or ''}".strip())


def _event_of(d: Discrepancy) -> str | None:
    m = re.match(r"^\s*([\w ]+?):", d.reason or "")
    return m.group(1).strip() if m else None


def conflict_block(d: Discrepancy, arts: dict[str, Article], ctx: _Ctx | None = None) -> str:
    """Two claims side by side: who, the figure, the evidence sentence with the figures marked,
    where it was published (link), and the classifier's reason and confidence."""
    ev = _event_of(d)

    def side(c: Claim | None, src: str) -> str:
        name = ctx.name(src) if ctx else src
        kind = ctx.kind.get(src, "") if ctx else ""
        who = f"<div class='src'>{esc(name)}{' <span class=stype>' + esc(kind) + '</span>' if kind else ''}</div>"
        if c is None:
            return f"<div class='side'>{who}<div class='fig'>—</div><p class='muted'>says nothing about it</p></div>"
        a = arts.get(c.article_id)
        url = safe_url(a.url) if a else None
        title = esc(a.title) if a and a.title else esc(c.outlet)
        src_line = (f"<a href='{esc(url)}' rel='noopener noreferrer nofollow' target='_blank'>{title}</a>"
                    if url else title)
        return (f"<div class='side'>{who}<div class='fig'>{esc(_fig_text(c, ev))}</div>"
                f"<blockquote>{highlight(c.text, [q.text for q in c.quantities])}</blockquote>"
                f"<div class='meta'>{esc(c.outlet)}, {esc(c.published) if c.published else 'undated'} · "
                f"{src_line}</div></div>")

    pct = max(0.0, min(1.0, float(d.score)))
    return (f"<div class='conflict {esc(d.label)}' data-label='{esc(d.label)}'>"
            f"<div class='head'><span><span class='badge {esc(d.label)}'>{esc(d.label)}</span> "
            f"<b>{esc(d.reason)}</b></span><span class='score' title='calibrated probability of the label'>"
            f"confidence <span class='conf'><b style='width:{pct * 100:.0f}%'></b></span>{pct:.2f}</span></div>"
            f"<div class='sides'>{side(d.claim_a, d.source_a)}{side(d.claim_b, d.source_b)}</div></div>")


def unreported_block(v: IncidentView, ctx: _Ctx) -> str:
    """Facts one source states that others leave out, one line per fact (not per pair); explicit
    silences ("declined to comment") are quoted."""
    by_fact: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in v.unrep:
        by_fact[d.claim_a.claim_id].append(d)
    facts = sorted(by_fact.values(), key=lambda ds: (-len(ds), ds[0].claim_a.claim_id))
    h = [f"<details class='unreported'><summary>{len(v.unrep)} times a fact was left unreported "
         f"({len(facts)} facts)</summary><ul class='facts'>"]
    for ds in facts:
        c = ds[0].claim_a
        silent = [d for d in ds if d.claim_b is not None and d.claim_b.kind == "silence"]
        h.append(f"<li><span class='src'>{esc(ctx.name(c.source))}</span>: {highlight(c.text, [q.text for q in c.quantities])}"
                 f" <span class='muted'>— not reported by {esc(', '.join(ctx.name(d.source_b) for d in ds))}</span>")
        for d in silent:
            h.append(f"<br><span class='muted'>{esc(ctx.name(d.source_b))} on it:</span> "
                     f"<q>{esc(d.claim_b.text)}</q>")
        h.append("</li>")
    h.append("</ul></details>")
    return "".join(h)


def articles_block(art_ids: list[str], ctx: _Ctx) -> str:
    items = []
    for i in art_ids:
        a = ctx.arts.get(i)
        if a is None:
            continue
        url = safe_url(a.url)
        t = esc(a.title or a.id)
        link = f"<a href='{esc(url)}' rel='noopener noreferrer nofollow' target='_blank'>{t}</a>" if url else t
        items.append(f"<li>{esc(a.published) if a.published else 'undated'} · {esc(a.outlet)} · {link}</li>")
    if not items:
        return ""
    return f"<details class='articles'><summary>{len(items)} articles</summary><ul class='facts'>{''.join(items)}</ul></details>"


# ------------------------------------------------------------------ charts
def figure_charts(v: IncidentView, ctx: _Ctx, max_charts: int = 2) -> list[str]:
    """One small chart per disputed figure and unit (children killed and people killed are two charts,
    never one axis): each source's figures as intervals on a shared axis, one row per report, earliest
    report first, so a toll that grew over time reads as a staircase and a real disagreement as rows
    that do not overlap."""
    events = []
    for d in v.contra:
        e = _event_of(d)
        if e and e not in events:
            events.append(e)
    out = []
    claims = {}
    for d in v.ds:
        for c in (d.claim_a, d.claim_b):
            if c is not None:
                claims[c.claim_id] = c
    for ev in events[:max_charts]:
        by_unit: dict[str, list] = defaultdict(list)
        for c in claims.values():
            for q in c.quantities:
                if _matches(q, ev) and c.polarity != "negated":
                    by_unit[q.unit or ""].append((c.published.isoformat() if c.published else "", c.source, q, c))
        for unit, rows in sorted(by_unit.items(), key=lambda kv: (-len({r[1] for r in kv[1]}), kv[0])):
            if len({r[1] for r in rows}) < 2 or len(out) >= max_charts:
                continue
            rows = sorted({(r[0], r[1], r[2].low, r[2].high): r for r in rows}.values(),
                          key=lambda r: (r[0], r[2].low, r[1]))[:14]
            name = ev if len(by_unit) == 1 or not unit or ev.endswith(unit) else f"{ev} ({unit})"
            out.append(interval_chart(name, rows, ctx))
    return out


def _nice_max(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def interval_chart(event: str, rows: list, ctx: _Ctx) -> str:
    left, width, rowh, top = 180, 230, 20, 26
    finite = [r[2].high for r in rows if not math.isinf(r[2].high)] + [r[2].low for r in rows]
    xmax = _nice_max(max(finite) * 1.15 if finite else 1)
    height = top + rowh * len(rows) + 24
    colors: dict[str, str] = {}

    def X(val: float) -> float:
        return left + width * min(val, xmax) / xmax

    p = [f"<svg class='chart' width='{left + width + 60}' height='{height}' role='img' "
         f"aria-label='{esc(event)} per source over time'>",
         f"<text x='0' y='14' font-size='13' font-weight='600'>{esc(event)}: figure per source, "
         f"earliest report first</text>"]
    for i in range(5):
        val = xmax * i / 4
        x = X(val)
        p.append(f"<line x1='{x:.1f}' y1='{top - 4}' x2='{x:.1f}' y2='{height - 20}' stroke='#e3e6ea'/>"
                 f"<text x='{x:.1f}' y='{height - 6}' font-size='10' text-anchor='middle' fill='#5a6573'>"
                 f"{esc(_num(val))}</text>")
    for j, (pub, src, q, c) in enumerate(rows):
        col = colors.setdefault(src, PALETTE[len(colors) % len(PALETTE)])
        y = top + j * rowh + rowh / 2
        label = f"{pub[5:] if pub else '?'} {short(ctx.name(src), 20)}"
        p.append(f"<text x='{left - 8}' y='{y + 4:.1f}' font-size='11' text-anchor='end' fill='#333'>"
                 f"<title>{esc(ctx.name(src))}, published {esc(pub or 'undated')}: {esc(c.text)}</title>"
                 f"{esc(label)}</text>")
        x1, x2 = X(q.low), X(q.high if not math.isinf(q.high) else xmax)
        if x2 - x1 > 1:
            p.append(f"<line x1='{x1:.1f}' y1='{y:.1f}' x2='{x2:.1f}' y2='{y:.1f}' stroke='{col}' stroke-width='5' "
                     f"stroke-linecap='round' opacity='0.55'/>")
        if math.isinf(q.high):
            p.append(f"<path d='M{x2 + 7:.1f},{y:.1f} l-7,-5 v10 z' fill='{col}'/>")
        xv = X(q.value if q.value is not None and not math.isinf(q.value) else q.low)
        p.append(f"<circle cx='{xv:.1f}' cy='{y:.1f}' r='4.5' fill='{col}'/>"
                 f"<text x='{max(x2, xv) + 12:.1f}' y='{y + 4:.1f}' font-size='11' fill='#333'>{esc(q.display())}</text>")
    p.append("</svg>")
    return "<div>" + "".join(p) + "</div>"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ------------------------------------------------------------------ hooks
def figures_section(figures, titles: dict | None = None) -> str:
    """Reconciled figures table (filled by the reconciliation stage when present); the incident by its
    title (linked to its section), the id only where no title is known."""
    titles = titles or {}
    h = ["<h2>Reconciled figures</h2><table id='figures'><tr><th>incident</th><th>event</th><th>unit</th>"
         "<th>low</th><th>best</th><th>high</th><th>sources</th><th>grade</th></tr>"]
    for f in sorted(figures, key=lambda f: str(f.get("incident_id") or "")):  # by date: the same for every engine
        g = f.get("grade", "") if isinstance(f, dict) else ""
        iid = f.get("incident_id")
        name = (f"<a href='#{anchor(iid)}'>{esc(titles[iid])}</a>" if titles.get(iid) else esc(iid))
        h.append(f"<tr data-incident='{esc(iid)}'><td>{name}</td>" + "".join(f"<td>{esc(f.get(k))}</td>" for k in
                                  ("event", "unit", "low", "best", "high", "n_sources")) +
                 f"<td>{esc(g)}</td></tr>")
    h.append("</table>")
    return "".join(h)
