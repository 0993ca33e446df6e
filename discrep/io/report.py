"""The self-contained HTML report: which incidents are disputed, by whom, over which figures.

One file, readable offline and safe to open: inline CSS and inline SVG only, no scripts, and a
Content-Security-Policy that forbids every network request. The page is the jinja2 template
``templates/report.html`` with autoescape: every value it prints passes through ``esc`` (escaped,
bidi-isolated) unless it is Markup made here (``highlight`` escapes before it marks figures), so
escaping is the default, not a call to remember; links are kept only for http(s) URLs. This module
prepares the data (views, matrix cells, chart geometry); the template holds all markup.
"""
from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from discrep.records.core import Article, Claim, Discrepancy, Incident
from discrep.records.result import ScoreResult
from discrep.stages.salience import REPORT_MIN_SALIENCE

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
_COMPOUND = re.compile(r"-[^\W\d_]")  # a hyphen, then a letter
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


def highlight(text: str, figures: list[str] | tuple = ()) -> Markup:
    """The sentence, escaped, with its figures in <mark>. Spans are found on the raw text and each
    piece is escaped on its own, so no markup from the input survives and no entity is split."""
    text = "" if text is None else str(text)
    # a number joined to a word by a hyphen is part of that word ("a nine-storey building", "a 3-day-old
    # post"), not a figure, unless the figure as extracted is the compound itself
    spans = [m.span() for m in NUM_RE.finditer(text) if not _COMPOUND.match(text, m.end())]
    low = text.lower()
    for f in figures:
        f = (f or "").strip().lower()
        if len(f) < 1:
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(f) + r"(?!\w)", low):
            if "-" in f or not _COMPOUND.match(low, m.end()):
                spans.append(m.span())
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
    return Markup("\u2068" + "".join(out) + "\u2069" if _RTL.search(text) else "".join(out))  # isolated as one


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

    def __init__(self, result: ScoreResult, min_salience: float | None = None):
        self.min_salience = REPORT_MIN_SALIENCE if min_salience is None else min_salience
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

    def names_of(self, sources) -> str:
        return ", ".join(self.name(s) for s in sources)


# ------------------------------------------------------------------ template
def _finalize(value):
    """Every ``{{ value }}`` of the template: Markup as it is, anything else through ``esc``."""
    return value if isinstance(value, Markup) else Markup(esc(value))


def _one_line(source: str) -> str:
    """The template's lines joined with their indentation dropped: readable source, the same one-line page."""
    return "".join(line.lstrip() for line in source.splitlines())


@lru_cache(maxsize=1)
def _template():
    import jinja2

    class OneLine(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            src, name, uptodate = super().get_source(environment, template)
            return _one_line(src), name, uptodate

    env = jinja2.Environment(loader=OneLine(str(Path(__file__).with_name("templates"))), autoescape=True,
                             finalize=_finalize, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
    env.filters["joined"] = lambda xs, sep=", ": sep.join(str(x) for x in xs)  # a str: escaped (and isolated) once
    env.globals.update(anchor=anchor, short=short, safe_url=safe_url, highlight=highlight, fig_text=_fig_text,
                       event_of=_event_of, bar_rects=bar_rects, legend=LEGEND, colors=COL, shown=SHOWN_CONFLICTS,
                       clamp01=lambda x: max(0.0, min(1.0, float(x))), csp=Markup(CSP), css=Markup(CSS))
    return env.get_template("report.html")


def _macro(name: str):
    return getattr(_template().environment.get_template("report_macros.html").module, name)


# ------------------------------------------------------------------ page
def render(result: ScoreResult, model_uri: str | None = None, figures: list | None = None,
           min_salience: float | None = None) -> str:
    """The whole report as one HTML string (``figures``: reconciled figures, shown when given; ``min_salience``:
    the least salience of an unreported fact listed, None: stages.salience.REPORT_MIN_SALIENCE)."""
    ctx = _Ctx(result, min_salience)
    by_inc: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in result.discrepancies:
        by_inc[d.incident_id].append(d)
    views = [IncidentView.build(inc, by_inc.get(inc.incident_id, [])) for inc in result.incidents]
    compared = sorted((v for v in views if v.ds), key=lambda v: (-v.dispute, str(v.incident.incident_id)))
    quiet = sorted((v for v in views if not v.ds), key=lambda v: str(v.incident.incident_id))  # engine-independent order
    c = result.counts()
    cards = [("", len(compared), "incidents compared"),
             ("contradict", c.get("label_contradict", 0), "contradictions"),
             ("agree", c.get("label_agree", 0), "agreements"),
             ("unreported", c.get("label_unreported", 0), "facts left unreported"),
             ("", c["rejects"], "inputs not used")]
    return _template().render(
        counts=c, model_uri=model_uri, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        cards=cards, compared=compared, ctx=ctx, figures=_sorted_figures(figures) if figures else None,
        titles={i.incident_id: i.title for i in result.incidents}, source_rows=source_rows(compared),
        sections=[incident_data(v, ctx, rank=i) for i, v in enumerate(compared, 1)], quiet=quiet,
        rejects=result.rejects, incidents=result.incidents)


def source_rows(views: list[IncidentView]) -> list[tuple[str, dict]]:
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
    return sorted(st.items(), key=lambda kv: (-kv[1]["contradict"], -kv[1]["agree"], kv[0]))


def incident_data(v: IncidentView, ctx: _Ctx, rank: int = 0) -> dict:
    """What one incident's section shows: its claims' dates, the matrix, the charts, facts, articles."""
    inc = v.incident
    claims = [ctx.claims[i] for i in inc.claim_ids if i in ctx.claims]
    art_ids = list(dict.fromkeys(c.article_id for c in claims))
    arts = [ctx.arts[i] for i in art_ids if i in ctx.arts]
    return {"view": v, "rank": rank, "pubs": sorted({c.published for c in claims if c.published}),
            "n_claims": len(claims), "n_articles": len(art_ids), "matrix": matrix_data(v, ctx),
            "charts": figure_charts(v, ctx), "facts": unreported_facts(v, ctx),
            "articles": [(a, safe_url(a.url)) for a in arts]}


def incident_section(v: IncidentView, ctx: _Ctx, rank: int = 0) -> str:
    return str(_macro("incident_section")(incident_data(v, ctx, rank), ctx))


LEGEND = (("contradict", "contradict ✗"), ("agree", "agree ✓"), ("mixed", "both"),
          ("unreported", "row states, column silent …"), ("none", "not compared"))


def matrix_data(v: IncidentView, ctx: _Ctx) -> dict:
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
    rows = []
    for a in srcs:
        cells = []
        for b in srcs:
            if a == b:
                cells.append(None)
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
            cells.append({"cls": cls, "text": txt, "tip": tip})
        rows.append((a, cells))
    return {"sources": srcs, "rows": rows}


def short(name: str, n: int = 18) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def bar_rects(nc: int, na: int, nu: int, width: int = 120) -> list[tuple[str, str, str]]:
    """The overview's inline bar: (x, width, colour) of the contradict / agree / unreported shares."""
    tot = nc + na + nu
    x, parts = 0.0, []
    for n, k in ((nc, "contradict"), (na, "agree"), (nu, "unreported")):
        w = width * n / tot if tot else 0
        if w > 0:
            parts.append((f"{x:.1f}", f"{w:.1f}", COL[k]))
        x += w
    return parts


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


def conflict_block(d: Discrepancy, arts: dict[str, Article] | None = None, ctx: _Ctx | None = None) -> str:
    """Two claims side by side: who, the figure, the evidence sentence with the figures marked,
    where it was published (link), and the classifier's reason and confidence."""
    if ctx is None:
        ctx = _Ctx(ScoreResult(articles=list((arts or {}).values())))
    return str(_macro("conflict_block")(d, ctx))


def unreported_facts(v: IncidentView, ctx: _Ctx) -> dict:
    """Facts one source states that others leave out, one line per fact (not per pair), the most salient first
    (stages.salience); facts under the report's least salience are counted, not listed; each silent source
    named once. Explicit silences ("declined to comment") are quoted."""
    by_fact: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in v.unrep:
        by_fact[d.claim_a.claim_id].append(d)

    def top(ds):
        return max((d.salience for d in ds if d.salience is not None), default=None)

    facts = [ds for ds in by_fact.values() if (top(ds) is None or top(ds) >= ctx.min_salience)]
    facts.sort(key=lambda ds: (-(top(ds) or 0.0), -len(ds), ds[0].claim_a.claim_id))
    rows = []
    for ds in facts:
        ranked = sorted(ds, key=lambda d: -(d.salience or 0.0))
        names = dict.fromkeys(ctx.name(d.source_b) for d in ranked  # one row per figure: each source once
                              if d.salience is None or d.salience >= ctx.min_salience)
        rest = [n for n in dict.fromkeys(ctx.name(d.source_b) for d in ranked) if n not in names]
        rows.append({"claim": ds[0].claim_a, "silent_names": ", ".join(names), "rest": ", ".join(rest),
                     "salience": top(ds),
                     "silences": list(dict.fromkeys((ctx.name(d.source_b), d.claim_b.text) for d in ds
                                                    if d.claim_b is not None and d.claim_b.kind == "silence"))})
    return {"facts": rows, "n_facts": len(by_fact), "hidden": len(by_fact) - len(facts),
            "min_salience": ctx.min_salience}


# ------------------------------------------------------------------ charts
def figure_charts(v: IncidentView, ctx: _Ctx, max_charts: int = 2) -> list[dict]:
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
            out.append(chart_data(name, rows, ctx))
    return out


def _nice_max(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def chart_data(event: str, rows: list, ctx: _Ctx) -> dict:
    """Geometry of one interval chart (coordinates as the SVG prints them)."""
    left, width, rowh, top = 180, 230, 20, 26
    finite = [r[2].high for r in rows if not math.isinf(r[2].high)] + [r[2].low for r in rows]
    xmax = _nice_max(max(finite) * 1.15 if finite else 1)
    height = top + rowh * len(rows) + 24
    colors: dict[str, str] = {}

    def X(val: float) -> float:
        return left + width * min(val, xmax) / xmax

    ticks = [{"x": f"{X(xmax * i / 4):.1f}", "label": _num(xmax * i / 4)} for i in range(5)]
    out = []
    for j, (pub, src, q, c) in enumerate(rows):
        col = colors.setdefault(src, PALETTE[len(colors) % len(PALETTE)])
        y = top + j * rowh + rowh / 2
        x1, x2 = X(q.low), X(q.high if not math.isinf(q.high) else xmax)
        xv = X(q.value if q.value is not None and not math.isinf(q.value) else q.low)
        out.append({"src": src, "pub": pub, "claim": c, "q": q, "col": col, "y": f"{y:.1f}", "ty": f"{y + 4:.1f}",
                    "label": f"{pub[5:] if pub else '?'} {short(ctx.name(src), 20)}", "line": x2 - x1 > 1,
                    "x1": f"{x1:.1f}", "x2": f"{x2:.1f}", "arrow": f"{x2 + 7:.1f}" if math.isinf(q.high) else None,
                    "xv": f"{xv:.1f}", "vx": f"{max(x2, xv) + 12:.1f}"})
    return {"event": event, "width": left + width + 60, "height": height, "top": top, "left": left,
            "ticks": ticks, "rows": out}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ------------------------------------------------------------------ hooks
def _sorted_figures(figures) -> list:
    return sorted(figures, key=lambda f: str(f.get("incident_id") or ""))  # by date: the same for every engine


def figures_section(figures, titles: dict | None = None) -> str:
    """Reconciled figures table (filled by the reconciliation stage when present); the incident by its
    title (linked to its section), the id only where no title is known."""
    return str(_macro("figures_section")(_sorted_figures(figures), titles or {}))
