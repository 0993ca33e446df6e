"""Read articles from JSONL, CSV, plain-text folders and HTML files.

Readers are generators: they yield an :class:`Article` for every usable record and a
:class:`Reject` (with file, line and reason) for every unusable one, so that a bad item never
stops a run and nothing is dropped silently.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError
from .types import Article, Reject

REQUIRED = ("id", "outlet", "published", "title", "text")
MAX_TEXT_CHARS = 2_000_000
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".txt": "txt",
            ".html": "html", ".htm": "html"}


@dataclass
class IngestDefaults:
    """Values for fields a format cannot carry (plain text without header lines)."""

    outlet: str | None = None
    published: date | None = None
    lang: str | None = None
    max_text_chars: int = MAX_TEXT_CHARS
    today: date = field(default_factory=date.today)


def parse_date(value) -> date:
    """Parse an ISO date (or datetime); raises ValueError with a readable message."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"published must be an ISO date string, got {value!r}")
    s = value.strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"published is not an ISO date: {value!r}") from None


def _article_from_record(rec: dict, origin: str, defaults: IngestDefaults) -> Article | Reject:
    if not isinstance(rec, dict):
        return Reject(origin, f"record is a {type(rec).__name__}, expected an object with fields {', '.join(REQUIRED)}")
    rec = {k: v for k, v in rec.items()}
    if defaults.outlet and not rec.get("outlet"):
        rec["outlet"] = defaults.outlet
    if defaults.published and not rec.get("published"):
        rec["published"] = defaults.published.isoformat()
    rid = rec.get("id")
    rid_s = str(rid) if isinstance(rid, (str, int)) and not isinstance(rid, bool) else None
    missing = [k for k in REQUIRED if rec.get(k) in (None, "")]
    if missing:
        return Reject(origin, f"missing required field(s): {', '.join(missing)}", rid_s)
    for k in ("outlet", "title", "text"):
        if not isinstance(rec[k], str):
            return Reject(origin, f"field {k!r} must be a string, got {type(rec[k]).__name__}", rid_s)
    if rid_s is None:
        return Reject(origin, f"field 'id' must be a string or integer, got {type(rid).__name__}")
    text = rec["text"]
    if not text.strip():
        return Reject(origin, "text is empty or whitespace only", rid_s)
    if len(text) > defaults.max_text_chars:
        return Reject(origin, f"text has {len(text):,} characters, over the limit of {defaults.max_text_chars:,}", rid_s)
    try:
        pub = parse_date(rec["published"])
    except ValueError as e:
        return Reject(origin, str(e), rid_s)
    if pub > defaults.today:
        return Reject(origin, f"published date {pub.isoformat()} is in the future", rid_s)
    lang = rec.get("lang") or defaults.lang
    url = rec.get("url")
    return Article(id=rid_s, outlet=rec["outlet"].strip(), published=pub, title=rec["title"].strip(),
                   text=text, url=url if isinstance(url, str) else None,
                   lang=lang if isinstance(lang, str) else None, origin=origin)


def read_jsonl(path: Path, defaults: IngestDefaults) -> Iterator[Article | Reject]:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            origin = f"{path}:{lineno}"
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Reject(origin, f"line is not valid UTF-8 (byte {e.start})")
                continue
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield Reject(origin, f"malformed JSON: {e.msg} at column {e.colno}")
                continue
            yield _article_from_record(rec, origin, defaults)


def read_csv(path: Path, defaults: IngestDefaults) -> Iterator[Article | Reject]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        yield Reject(str(path), f"file is not valid UTF-8 (byte {e.start}); re-encode it as UTF-8")
        return
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        yield Reject(str(path), "CSV file is empty")
        return
    missing = [k for k in REQUIRED if k not in reader.fieldnames and not (
        (k == "outlet" and defaults.outlet) or (k == "published" and defaults.published))]
    if missing:
        yield Reject(str(path), f"CSV header lacks column(s): {', '.join(missing)} (has: {', '.join(reader.fieldnames)})")
        return
    try:
        for row in reader:
            origin = f"{path}:{reader.line_num}"
            if None in row:
                yield Reject(origin, "row has more fields than the header", row.get("id"))
                continue
            yield _article_from_record(row, origin, defaults)
    except csv.Error as e:
        yield Reject(f"{path}:{reader.line_num}", f"CSV parse error: {e}")


_HEADER = re.compile(r"^(outlet|published|date|lang|language|url|id)\s*:\s*(.*)$", re.I)


def read_txt(path: Path, defaults: IngestDefaults) -> Iterator[Article | Reject]:
    """First line is the title; optional ``Key: value`` header lines follow; then the body."""
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        yield Reject(str(path), f"file is not valid UTF-8 (byte {e.start}); re-encode it as UTF-8", path.stem)
        return
    lines = content.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield Reject(str(path), "file is empty", path.stem)
        return
    rec: dict = {"id": path.stem, "title": lines[0].strip()}
    i = 1
    while i < len(lines):
        m = _HEADER.match(lines[i].strip())
        if not m:
            break
        key = {"date": "published", "language": "lang"}.get(m.group(1).lower(), m.group(1).lower())
        rec[key] = m.group(2).strip()
        i += 1
    rec["text"] = "\n".join(lines[i:]).strip()
    yield _article_from_record(rec, str(path), defaults)


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "template", "svg", "iframe"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "figcaption",
             "blockquote", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.in_article = 0
        self.in_title = False
        self.title = ""
        self.h1 = ""
        self.in_h1 = False
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("name") or a.get("property") or "").lower()
            if key:
                self.meta[key] = a.get("content", "")
            return
        if tag in self.SKIP:
            self.skip += 1
        if tag in ("article", "main"):
            self.in_article += 1
        if tag == "title":
            self.in_title = True
        if tag == "h1":
            self.in_h1 = True
        if tag in self.BLOCK:
            self._emit("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag in ("article", "main") and self.in_article:
            self.in_article -= 1
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCK:
            self._emit("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.in_h1:
            self.h1 += data
            return
        self._emit(data)

    def _emit(self, s):
        if self.skip:
            return
        self.parts.append(s)
        if self.in_article:
            self.article_parts.append(s)


def html_to_text(html: str) -> tuple[str, str, dict[str, str]]:
    """Main text, title and meta tags of an HTML page; scripts, styles and page chrome are dropped."""
    p = _HTMLText()
    p.feed(html)
    p.close()
    body = "".join(p.article_parts) if "".join(p.article_parts).strip() else "".join(p.parts)
    paras = [re.sub(r"\s+", " ", x).strip() for x in re.split(r"\n\s*\n", body)]
    text = "\n\n".join(x for x in paras if x)
    title = re.sub(r"\s+", " ", p.h1 or p.title).strip()
    return text, title, p.meta


def read_html(path: Path, defaults: IngestDefaults) -> Iterator[Article | Reject]:
    raw = path.read_bytes()
    try:
        html = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        html = raw.decode("latin-1")  # HTML in the wild: fall back rather than lose the page
    text, title, meta = html_to_text(html)
    rec = {
        "id": path.stem,
        "title": title,
        "text": text,
        "outlet": meta.get("og:site_name") or meta.get("author") or None,
        "published": meta.get("article:published_time") or meta.get("date") or None,
        "url": meta.get("og:url"),
        "lang": meta.get("language") or None,
    }
    yield _article_from_record(rec, str(path), defaults)


READERS = {"jsonl": read_jsonl, "csv": read_csv, "txt": read_txt, "html": read_html}


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus every readable file of the folders named (sorted, for stable ids)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"input not found: {p}")
    return out


def iter_articles(paths: Iterable[str | Path], defaults: IngestDefaults | None = None,
                  seen_ids: set[str] | None = None) -> Iterator[Article | Reject]:
    """Articles and rejects from every input, in order; duplicate ids after the first are rejected."""
    defaults = defaults or IngestDefaults()
    seen = seen_ids if seen_ids is not None else set()
    for path in expand_inputs(paths):
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            yield Reject(str(path), f"unsupported file type {path.suffix!r} (use .jsonl, .csv, .txt or .html)")
            continue
        try:
            for item in READERS[kind](path, defaults):
                if isinstance(item, Article):
                    if item.id in seen:
                        yield Reject(item.origin or str(path), f"duplicate id {item.id!r}: the first one was kept", item.id)
                        continue
                    seen.add(item.id)
                yield item
        except OSError as e:
            yield Reject(str(path), f"cannot read file: {e}")


def read_articles(paths: Iterable[str | Path], defaults: IngestDefaults | None = None) -> tuple[list[Article], list[Reject]]:
    arts, rej = [], []
    for item in iter_articles(paths, defaults):
        (arts if isinstance(item, Article) else rej).append(item)
    return arts, rej
