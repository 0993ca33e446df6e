#!/usr/bin/env python3
"""Consistency checker for the discrep example articles and gold annotations.

Usage:  python3 data/gold/check_gold.py [DATA_DIR]

Checks the bundled articles' gold (claims.jsonl, incidents.jsonl, pairs.jsonl) and every
self-contained extra claim file (claims_*.jsonl, whose lines carry their article's outlet and
publication date; the article is the file's lines in order, one paragraph each).

DATA_DIR defaults to the parent of this file's folder (i.e. ``data/``). Uses only the
standard library and PyYAML. Exits 0 when every check passes, 1 otherwise; warnings
do not fail the run.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import yaml

SOURCE_TYPES = {"government", "military", "official", "media", "anonymous"}
PARTIES = {"russia", "ukraine", "other", "none"}
EVENTS = {"killed", "injured", "shot_down", "launched", "damaged", "other"}
POLARITIES = {"affirmed", "negated", "hedged"}
LABELS = {"agree", "contradict", "unreported"}
ARTICLE_FIELDS = ("id", "outlet", "published", "title", "text", "url", "lang")

errors: list[str] = []
warnings: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def warn(msg: str) -> None:
    warnings.append(msg)


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def is_iso_date(s) -> bool:
    if not isinstance(s, str):
        return False
    try:
        _dt.date.fromisoformat(s)
        return True
    except ValueError:
        return False


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{path.name}:{n}: invalid JSON ({e})")
    return rows


# --------------------------------------------------------------------------- articles
class _ArticleHTML(HTMLParser):
    """Collects text inside <article> (skipping script/style) plus <title> and <meta>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.in_title = False
        self.parts: list[str] = []
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article":
            self.depth += 1
        elif tag in ("script", "style"):
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = a.get("name") or a.get("property")
            if key and a.get("content") is not None:
                self.meta[key] = a["content"]
        if self.depth and tag in ("p", "br", "div", "li", "h1", "h2", "h3"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag == "article" and self.depth:
            self.depth -= 1
        elif tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False
        if self.depth and tag in ("p", "div", "li", "h1", "h2", "h3"):
            self.parts.append(" ")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.depth and not self.skip:
            self.parts.append(data)


def load_articles(ex_dir: Path) -> dict[str, dict]:
    arts: dict[str, dict] = {}

    def add(a: dict, where: str) -> None:
        if a["id"] in arts:
            err(f"{where}: duplicate article id {a['id']!r}")
        arts[a["id"]] = a

    jl = ex_dir / "articles.jsonl"
    if not jl.exists():
        err(f"missing {jl}")
    else:
        for n, row in enumerate(read_jsonl(jl), 1):
            missing = [k for k in ARTICLE_FIELDS if not row.get(k)]
            if missing:
                err(f"articles.jsonl:{n}: missing fields {missing}")
                if "id" in missing or "text" in missing:
                    continue
            if row.get("published") and not is_iso_date(row["published"]):
                err(f"articles.jsonl:{n}: published {row['published']!r} is not an ISO date")
            add(dict(row, format="jsonl"), f"articles.jsonl:{n}")

    for p in sorted(ex_dir.glob("*.txt")):
        raw = p.read_text(encoding="utf-8")
        head, sep, body = raw.partition("\n\n")
        if not sep:
            err(f"{p.name}: no blank line separating header from body")
            continue
        lines = head.split("\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        for k in ("outlet", "published", "lang"):
            if k not in headers:
                err(f"{p.name}: missing header {k.capitalize()}:")
        if headers.get("published") and not is_iso_date(headers["published"]):
            err(f"{p.name}: Published {headers['published']!r} is not an ISO date")
        add({"id": p.stem, "title": lines[0].strip(), "outlet": headers.get("outlet"),
             "published": headers.get("published"), "lang": headers.get("lang"),
             "text": body.strip(), "format": "txt"}, p.name)

    for p in sorted(ex_dir.glob("*.html")):
        parser = _ArticleHTML()
        parser.feed(p.read_text(encoding="utf-8"))
        text = norm_ws("".join(parser.parts))
        if not text:
            err(f"{p.name}: no text inside <article>")
        pub = parser.meta.get("article:published_time", "")
        if not is_iso_date(pub[:10]):
            err(f"{p.name}: missing/invalid article:published_time meta")
        if not parser.meta.get("author"):
            err(f"{p.name}: missing author meta")
        add({"id": p.stem, "title": norm_ws(parser.title), "outlet": parser.meta.get("author"),
             "published": pub[:10], "lang": "en", "text": text, "format": "html"}, p.name)
    return arts


def contains(article: dict, sentence: str) -> bool:
    if article["format"] == "html":
        return norm_ws(sentence) in article["text"]
    return sentence in article["text"]


# --------------------------------------------------------------------------- sources / incidents
def load_sources(path: Path) -> dict[str, dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        err("sources.yaml: expected a top-level 'sources' list")
        return out
    for i, s in enumerate(data["sources"]):
        sid = s.get("id") if isinstance(s, dict) else None
        if not sid:
            err(f"sources.yaml: entry {i} has no id")
            continue
        if sid in out:
            err(f"sources.yaml: duplicate id {sid!r}")
        if not s.get("name"):
            err(f"sources.yaml: {sid}: missing name")
        if s.get("type") not in SOURCE_TYPES:
            err(f"sources.yaml: {sid}: type {s.get('type')!r} not in {sorted(SOURCE_TYPES)}")
        if s.get("party") not in PARTIES:
            err(f"sources.yaml: {sid}: party {s.get('party')!r} not in {sorted(PARTIES)}")
        for k in ("aliases", "roles"):
            v = s.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                err(f"sources.yaml: {sid}: {k} must be a list of non-empty strings")
        out[sid] = s
    return out


def load_incidents(path: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for n, row in enumerate(read_jsonl(path), 1):
        lab = row.get("incident")
        if not lab:
            err(f"incidents.jsonl:{n}: missing incident label")
            continue
        if lab in out:
            err(f"incidents.jsonl:{n}: duplicate incident {lab!r}")
        if not is_iso_date(row.get("date")):
            err(f"incidents.jsonl:{n}: date {row.get('date')!r} is not an ISO date")
        if not isinstance(row.get("places"), list) or not row["places"]:
            err(f"incidents.jsonl:{n}: places must be a non-empty list")
        if not row.get("title"):
            err(f"incidents.jsonl:{n}: missing title")
        out[lab] = row
    return out


# --------------------------------------------------------------------------- claims
def check_quantity(q, where: str) -> None:
    if not isinstance(q, dict):
        err(f"{where}: quantity is not an object")
        return
    if q.get("event") not in EVENTS:
        err(f"{where}: event {q.get('event')!r} not in {sorted(EVENTS)}")
    if not q.get("unit"):
        err(f"{where}: quantity without unit")
    lo, hi = q.get("low"), q.get("high")
    if not isinstance(lo, (int, float)) or isinstance(lo, bool):
        err(f"{where}: low must be a number, got {lo!r}")
        return
    if hi is not None and (not isinstance(hi, (int, float)) or isinstance(hi, bool)):
        err(f"{where}: high must be a number or null, got {hi!r}")
        return
    if lo < 0:
        err(f"{where}: negative low {lo}")
    if hi is not None and lo > hi:
        err(f"{where}: low {lo} > high {hi} ({q.get('text')!r})")
    if not q.get("text"):
        err(f"{where}: quantity without text")


def check_claims(claims, arts, sources, incidents, fname="claims.jsonl"):
    seen = set()
    index: dict[tuple, dict] = {}
    for n, c in enumerate(claims, 1):
        where = f"{fname}:{n}"
        aid, sent = c.get("article_id"), c.get("sentence")
        if aid not in arts:
            err(f"{where}: unknown article_id {aid!r}")
            continue
        if not isinstance(sent, str) or not sent.strip():
            err(f"{where}: empty sentence")
            continue
        if sent != sent.strip():
            err(f"{where}: sentence has leading/trailing whitespace")
        if not contains(arts[aid], sent):
            err(f"{where}: sentence is not a substring of {aid}: {sent[:70]!r}")
        if (aid, sent) in seen and not c.get("duplicate"):
            err(f"{where}: duplicate claim line for {aid}")
        if c.get("duplicate") and (aid, sent) not in seen:
            err(f"{where}: marked duplicate but no earlier identical line in {aid}")
        seen.add((aid, sent))
        index[(aid, sent)] = c
        if c.get("caption") is True:
            continue
        q_texts = []
        for k in ("incident", "source", "quantities", "date", "places", "polarity", "silence"):
            if k not in c:
                err(f"{where}: missing field {k!r}")
        if c.get("incident") is not None and c["incident"] not in incidents:
            err(f"{where}: unknown incident {c['incident']!r}")
        if c.get("source") not in sources:
            err(f"{where}: unknown source {c.get('source')!r}")
        for i, q in enumerate(c.get("quantities") or []):
            check_quantity(q, f"{where} quantity {i}")
            if isinstance(q, dict) and q.get("text"):
                q_texts.append(q["text"])
                if q["text"].lower() not in sent.lower():
                    err(f"{where}: quantity text {q['text']!r} not found in sentence")
        d = c.get("date")
        if d is not None:
            if not is_iso_date(d):
                err(f"{where}: date {d!r} is not ISO")
            elif arts[aid].get("published") and is_iso_date(arts[aid]["published"]) and d > arts[aid]["published"]:
                err(f"{where}: event date {d} is after publication {arts[aid]['published']}")
            inc = incidents.get(c.get("incident"))
            if inc and d != inc.get("date"):
                warn(f"{where}: date {d} differs from incident {inc['incident']} date {inc.get('date')}")
        if not isinstance(c.get("places"), list):
            err(f"{where}: places must be a list")
        st = c.get("source_text", None)
        if st is not None and (not isinstance(st, str) or st not in sent):
            err(f"{where}: source_text {st!r} is not a substring of the sentence")
        if c.get("polarity") not in POLARITIES:
            err(f"{where}: polarity {c.get('polarity')!r} not in {sorted(POLARITIES)}")
        if c.get("silence") is True:
            if c.get("silent_source") not in sources:
                err(f"{where}: silence without a known silent_source ({c.get('silent_source')!r})")
            if not c.get("topic"):
                err(f"{where}: silence without topic")
        elif c.get("silence") is not False:
            err(f"{where}: silence must be true or false")
    for aid in arts:
        if not any(k[0] == aid for k in index):
            err(f"article {aid!r} has no gold claim lines")
    return index


def extra_articles(rows: list[dict], fname: str, media_names: set[str]) -> dict[str, dict]:
    """Articles of a self-contained gold file (claims_*.jsonl): each line carries its article's
    outlet and publication date, and the article text is its lines in order, one paragraph each."""
    arts: dict[str, dict] = {}
    for n, r in enumerate(rows, 1):
        where = f"{fname}:{n}"
        aid = r.get("article_id")
        if not aid:
            err(f"{where}: missing article_id")
            continue
        for k in ("outlet", "published"):
            if not r.get(k):
                err(f"{where}: missing {k}")
        if r.get("published") and not is_iso_date(r["published"]):
            err(f"{where}: published {r['published']!r} is not an ISO date")
        a = arts.setdefault(aid, {"id": aid, "outlet": r.get("outlet"), "published": r.get("published"),
                                  "format": "gold", "paras": []})
        if (r.get("outlet"), r.get("published")) != (a["outlet"], a["published"]):
            err(f"{where}: outlet/published differ from earlier lines of {aid}")
        if isinstance(r.get("sentence"), str):
            a["paras"].append(r["sentence"])
    for a in arts.values():
        a["text"] = "\n\n".join(a.pop("paras"))
        if a["outlet"] and a["outlet"].lower() not in media_names:
            err(f"{fname}: article {a['id']}: outlet {a['outlet']!r} is not a media source in sources.yaml")
    return arts


# --------------------------------------------------------------------------- pairs
def _overlap(a, b) -> bool:
    (alo, ahi), (blo, bhi) = a, b
    return (ahi is None or blo <= ahi) and (bhi is None or alo <= bhi)


def _intervals(claim, event, unit):
    return [(q["low"], q["high"]) for q in claim.get("quantities") or []
            if q.get("event") == event and (unit is None or q.get("unit") == unit)]


def check_pairs(pairs, arts, sources, incidents, index):
    for n, p in enumerate(pairs, 1):
        where = f"pairs.jsonl:{n}"
        if p.get("incident") not in incidents:
            err(f"{where}: unknown incident {p.get('incident')!r}")
        sa, sb = p.get("source_a"), p.get("source_b")
        for k, s in (("source_a", sa), ("source_b", sb)):
            if s not in sources:
                err(f"{where}: unknown {k} {s!r}")
        if sa == sb:
            err(f"{where}: source_a and source_b are both {sa!r}")
        label = p.get("label")
        if label not in LABELS:
            err(f"{where}: label {label!r} not in {sorted(LABELS)}")
        if p.get("event") not in EVENTS:
            err(f"{where}: event {p.get('event')!r} not in {sorted(EVENTS)}")
        if not p.get("reason"):
            err(f"{where}: missing reason")
        claims = {}
        for side in ("a", "b"):
            ref = p.get(side)
            if ref is None:
                if side == "a":
                    err(f"{where}: a must not be null")
                continue
            aid, sent = ref.get("article_id"), ref.get("sentence")
            if aid not in arts:
                err(f"{where}: {side}: unknown article_id {aid!r}")
                continue
            if not isinstance(sent, str) or not contains(arts[aid], sent):
                err(f"{where}: {side}: sentence not found in {aid}")
                continue
            c = index.get((aid, sent))
            if c is None:
                err(f"{where}: {side}: sentence has no line in claims.jsonl")
                continue
            claims[side] = c
        ca, cb = claims.get("a"), claims.get("b")
        if ca:
            if ca.get("source") != sa:
                err(f"{where}: source_a {sa!r} but the claim's source is {ca.get('source')!r}")
            if ca.get("incident") != p.get("incident"):
                err(f"{where}: a's claim is labelled {ca.get('incident')!r}, pair says {p.get('incident')!r}")
        if cb:
            b_src = cb.get("silent_source") if cb.get("silence") else cb.get("source")
            if b_src != sb:
                err(f"{where}: source_b {sb!r} but the b claim's speaker/silent source is {b_src!r}")
        if label == "unreported":
            if p.get("b") is not None and cb and not cb.get("silence"):
                err(f"{where}: unreported pair whose b is not an explicit silence")
        elif label in ("agree", "contradict"):
            if p.get("b") is None:
                err(f"{where}: {label} pair needs a b sentence")
            elif ca and cb:
                ia = _intervals(ca, p.get("event"), p.get("unit"))
                ib = _intervals(cb, p.get("event"), p.get("unit"))
                if not ia or not ib:
                    warn(f"{where}: no {p.get('event')}/{p.get('unit')} quantity on both sides; interval check skipped")
                else:
                    overlaps = any(_overlap(x, y) for x in ia for y in ib)
                    if label == "contradict" and overlaps:
                        err(f"{where}: labelled contradict but intervals overlap {ia} / {ib}")
                    if label == "agree" and not overlaps:
                        err(f"{where}: labelled agree but intervals are disjoint {ia} / {ib}")
                    if p.get("qualifier_compatible") and set(ia) == set(ib):
                        err(f"{where}: qualifier_compatible but the intervals are identical")
        if p.get("qualifier_compatible") and label != "agree":
            err(f"{where}: qualifier_compatible is only meaningful on agree pairs")


# --------------------------------------------------------------------------- main
def main(argv: list[str]) -> int:
    data = Path(argv[1]).resolve() if len(argv) > 1 else Path(__file__).resolve().parent.parent
    gold = data / "gold"
    sources = load_sources(data / "sources.yaml")
    incidents = load_incidents(gold / "incidents.jsonl")
    arts = load_articles(data / "examples")
    media_names = {a.lower() for s in sources.values() if s.get("type") == "media"
                   for a in [s.get("name", "")] + list(s.get("aliases") or [])}
    for a in arts.values():
        if a.get("outlet") and a["outlet"].lower() not in media_names:
            err(f"article {a['id']}: outlet {a['outlet']!r} is not a media source in sources.yaml")
    claims = read_jsonl(gold / "claims.jsonl")
    index = check_claims(claims, arts, sources, incidents)
    pairs = read_jsonl(gold / "pairs.jsonl")
    check_pairs(pairs, arts, sources, incidents, index)
    extra_lines = 0
    for path in sorted(gold.glob("claims_*.jsonl")):
        rows = read_jsonl(path)
        x_arts = extra_articles(rows, path.name, media_names)
        check_claims(rows, x_arts, sources, incidents, path.name)
        for n, r in enumerate(rows, 1):
            if r.get("incident") is not None:
                err(f"{path.name}:{n}: extra gold claims belong to no gold incident (incident must be null)")
        n_claim = sum(1 for r in rows if not r.get("caption"))
        extra_lines += n_claim
        print(f"{path.name}: {len(x_arts)} articles, {n_claim} claim lines, "
              f"{len(rows) - n_claim} captions/credit lines")

    covered = Counter(c.get("incident") for c in claims if not c.get("caption"))
    for lab in incidents:
        outlets = {arts[c["article_id"]]["outlet"] for c in claims
                   if c.get("incident") == lab and c.get("article_id") in arts}
        if len(outlets) < 2:
            warn(f"incident {lab} is reported by fewer than 2 outlets ({sorted(outlets)})")
        if not any(p.get("incident") == lab for p in pairs):
            warn(f"incident {lab} has no gold pairs")

    n_caption = sum(1 for c in claims if c.get("caption"))
    print(f"articles: {len(arts)} ({Counter(a['format'] for a in arts.values())})")
    print(f"outlets: {len({a['outlet'] for a in arts.values()})}  sources: {len(sources)}  incidents: {len(incidents)}")
    print(f"claims: {len(claims)} ({len(claims) - n_caption} claim lines, {n_caption} captions); "
          f"by incident: {dict(covered)}")
    print(f"pairs: {len(pairs)} by label: {dict(Counter(p.get('label') for p in pairs))}; "
          f"qualifier_compatible: {sum(1 for p in pairs if p.get('qualifier_compatible'))}")
    for w in warnings:
        print(f"WARNING: {w}")
    for e in errors:
        print(f"ERROR: {e}")
    print("OK" if not errors else f"FAILED ({len(errors)} errors)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
