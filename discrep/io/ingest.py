"""Read articles from JSONL (or JSON), CSV, plain-text folders and HTML files.

Feeds are messy and partly hostile, so readers never raise for a bad record: for every record they
give either an :class:`Article` or a :class:`Reject` (input ``file:line``, reason, ``code``), plus
``severity="warning"`` notes for records that were kept with something changed or doubtful (HTML
stripped from a text field, invalid Unicode replaced, language unknown). The cases and their codes
are listed in docs/robustness.md; ``read = scored + rejected`` holds for every run.
"""
from __future__ import annotations

import codecs
import csv
import email.utils
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from discrep.errors import InputError
from discrep.records.core import Article, Reject

REQUIRED = ("id", "outlet", "published", "title", "text")
OPTIONAL_STR = ("url", "lang")
MAX_TEXT_CHARS = 2_000_000  # ~300 printed pages; bigger "articles" are dumps or attacks on the parser
MAX_RECORD_BYTES = 16 * 1024 * 1024  # one JSONL line, one .txt/.html file: refused unread above this
MAX_FIELD_CHARS = 2_000  # id, outlet, title, url, lang
MAX_ID_CHARS = 256
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".txt": "txt",
            ".html": "html", ".htm": "html"}
UNKNOWN_LANG_POLICIES = ("warn", "reject")

Item = tuple[Article | None, list[Reject]]
"""What the record parsers yield: the article (None when rejected) and its rejects/warnings."""


@dataclass
class IngestDefaults:
    """Values for fields a format cannot carry, and the limits and policies of reading.

    ``languages``: primary language tags the pipeline supports (the extractor and the bundled
    embedder are English-only). ``unknown_lang``: "warn" (score it, with a warning in
    rejects.jsonl) or "reject". ``future_slack_days``: how far after today a publication date may
    lie (time zones) before it counts as a future date.
    """

    outlet: str | None = None
    published: date | None = None
    lang: str | None = None
    max_text_chars: int = MAX_TEXT_CHARS
    max_record_bytes: int = MAX_RECORD_BYTES
    today: date = field(default_factory=date.today)
    languages: tuple[str, ...] = ("en",)
    unknown_lang: str = "warn"
    future_slack_days: int = 1
    min_published: date = date(1900, 1, 1)

    def __post_init__(self):
        if self.max_text_chars < 1 or self.max_record_bytes < 1:
            raise InputError("max_text_chars (--max-chars) and max_record_bytes must be positive")
        if self.unknown_lang not in UNKNOWN_LANG_POLICIES:
            raise InputError(f"unknown_lang must be one of {', '.join(UNKNOWN_LANG_POLICIES)}, "
                             f"got {self.unknown_lang!r}")


# ---------------------------------------------------------------------------------------------- dates
_ISO_PREFIX = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.,+\-Z ]*)?\Z")


DATE_RANGE = (date(1000, 1, 1), date(2999, 12, 31))
"""Dates outside this are refused by :func:`parse_date` before any date arithmetic can overflow."""


def parse_date(value) -> date:
    """A publication date from ISO 8601 (date or datetime) or RFC 2822 (RSS feeds).

    Raises ValueError with a readable message; nothing relative ("yesterday") is accepted, so the
    same input gives the same date on every run, and years outside 1000–2999 are refused.
    """
    d = _parse_date(value)
    if not DATE_RANGE[0] <= d <= DATE_RANGE[1]:
        raise ValueError(f"published date {d.isoformat()} is out of range ({DATE_RANGE[0].year}–{DATE_RANGE[1].year})")
    return d


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"published must be an ISO date string, got {_brief(value)}")
    s = value.strip()
    if len(s) > 64:
        raise ValueError(f"published is not an ISO date: {_brief(s)}")
    try:
        return date.fromisoformat(s)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = _ISO_PREFIX.match(s)  # e.g. nanosecond timestamps that fromisoformat refuses
    if m:
        try:
            return date.fromisoformat(m.group(1))
        except ValueError:
            raise ValueError(f"published is not a valid date: {s!r}") from None
    try:
        dt = email.utils.parsedate_to_datetime(s)
        if dt is not None:
            return dt.date()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    raise ValueError(f"published is not an ISO date: {s!r}")


def _brief(v, n: int = 80) -> str:
    r = repr(v)
    return r if len(r) <= n else r[:n] + f"… ({len(r):,} chars)"


# ---------------------------------------------------------------------------------------------- language
_EN_WORDS = frozenset("the of and to in a is was were that for on with said by at as from it be has have are "
                      "an this after not had but their they he she its which who been will".split())


def guess_language(text: str) -> str | None:
    """``"en"`` when the text looks English, a short reason when it does not, None when too short to tell.

    A cheap script + function-word check, not a language identifier: it exists to flag input the
    English-only extractor and embedder would silently misread.
    """
    sample = text[:5000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 40:
        return None
    other = [c for c in letters if c >= "\u0250"]  # beyond Latin, Latin-1 and Latin Extended-A/B
    if len(other) > len(letters) / 2:
        scripts = Counter(unicodedata.name(c, "UNKNOWN ?").split()[0] for c in other)
        return f"{scripts.most_common(1)[0][0].title()} script"
    words = re.findall(r"[a-z']+", sample.lower())
    if len(words) < 20:
        return None
    share = sum(w in _EN_WORDS for w in words) / len(words)
    return "en" if share >= 0.06 else f"Latin script with few English function words ({share:.0%})"


def _language_note(lang: str | None, text: str, origin: str, rid: str, d: IngestDefaults) -> Reject | None:
    known = {x.lower() for x in d.languages}
    if lang:
        primary = re.split(r"[-_]", lang.strip().lower())[0]
        if primary in known:
            return None
        why = f"language {lang!r} is not supported (supported: {', '.join(sorted(known))})"
    else:
        g = guess_language(text)
        if g is None or g in known or (g.startswith("Latin") and known - {"en"}):
            return None
        why = f"no language given and the text does not look like {'/'.join(sorted(known))} ({g})"
    if d.unknown_lang == "reject":
        return Reject(origin, why + "; rejected (unknown_lang=reject)", rid, "error", "unknown_language")
    return Reject(origin, why + "; scored anyway, but the extractor and embedder are English-only "
                                "(set unknown_lang=reject to refuse such input)", rid, "warning", "unknown_language")


# ---------------------------------------------------------------------------------------------- records
_HTML_HINT = re.compile(r"</?(?:script|style|iframe|object|embed|p|div|br|span|a|img|html|body|article|section|"
                        r"h[1-6]|ul|ol|li|table|noscript|meta|link|form)\b[^<>]*>", re.I)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _article_from_record(rec, origin: str, defaults: IngestDefaults, from_html: bool = False) -> Item:
    """Validate one record (a dict of fields) into an Article, or explain why not."""
    def reject(reason: str, code: str, rid: str | None = None) -> Item:
        return None, [Reject(origin, reason, rid, "error", code)]

    if not isinstance(rec, dict):
        return reject(f"record is a JSON {_json_type(rec)}, expected an object with fields {', '.join(REQUIRED)}",
                      "not_an_object")
    rec = dict(rec)
    for k in ("outlet", "title", "text", "id", "url", "lang"):  # a BOM inside a field is encoding debris
        if isinstance(rec.get(k), str) and rec[k].startswith("\ufeff"):
            rec[k] = rec[k].lstrip("\ufeff")
    if defaults.outlet and _blank(rec.get("outlet")):
        rec["outlet"] = defaults.outlet
    if defaults.published and _blank(rec.get("published")):
        rec["published"] = defaults.published.isoformat()
    rid = rec.get("id")
    rid_s = None
    if isinstance(rid, str) and rid.strip() and len(rid) <= MAX_ID_CHARS and not _has_surrogates(rid):
        rid_s = rid.strip()
    elif isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < 10 ** 60:
        rid_s = str(rid)
    missing = [k for k in REQUIRED if _blank(rec.get(k)) and not (k == "text" and isinstance(rec.get(k), str)
                                                                   and rec[k])]
    if missing:
        return reject(f"missing required field(s): {', '.join(missing)}", "missing_field", rid_s)
    if rid_s is None:
        if isinstance(rid, str):
            why = (f"has {len(rid):,} characters (limit {MAX_ID_CHARS})" if len(rid) > MAX_ID_CHARS
                   else "holds invalid Unicode")
            return reject(f"field 'id' {why}", "bad_field")
        return reject(f"field 'id' must be a string or an integer, got {_json_type(rid)} {_brief(rid, 40)}",
                      "bad_type")
    for k in ("outlet", "title", "text", *OPTIONAL_STR):
        v = rec.get(k)
        if v is not None and not isinstance(v, str):
            return reject(f"field {k!r} must be a string, got {_json_type(v)} {_brief(v, 40)}", "bad_type", rid_s)
    for k in ("outlet", "title", *OPTIONAL_STR):
        v = rec.get(k)
        if isinstance(v, str) and len(v) > MAX_FIELD_CHARS:
            return reject(f"field {k!r} has {len(v):,} characters, over the limit of {MAX_FIELD_CHARS:,}"
                          + (" (is the first line the whole article?)" if k == "title" else ""), "too_large", rid_s)
    notes: list[Reject] = []
    text = rec["text"]
    if len(text) > defaults.max_text_chars:
        return reject(f"text has {len(text):,} characters, over the limit of {defaults.max_text_chars:,} "
                      f"(raise it with --max-chars if the article is real)", "too_large", rid_s)
    fixed = [k for k in ("outlet", "title", "text", *OPTIONAL_STR) if isinstance(rec.get(k), str)
             and _has_surrogates(rec[k])]
    for k in fixed:
        rec[k] = _SURROGATE.sub("\ufffd", rec[k])
    if fixed:
        notes.append(Reject(origin, f"field(s) {', '.join(fixed)} held invalid Unicode (lone surrogates); "
                                    "replaced with U+FFFD", rid_s, "warning", "invalid_unicode"))
    text = rec["text"]
    if not from_html and _HTML_HINT.search(text):
        text = html_to_text(text)[0]
        notes.append(Reject(origin, "text held HTML markup; converted to plain text (scripts, styles and page "
                                    "chrome dropped)", rid_s, "warning", "html_in_text"))
    if not text.strip() or not any(c.isalnum() for c in text):
        what = " after removing HTML markup" if notes and notes[-1].code == "html_in_text" else ""
        return reject(f"text is empty or whitespace only{what} (no letters or digits)", "empty_text", rid_s)
    try:
        pub = parse_date(rec["published"])
    except ValueError as e:
        return reject(str(e), "bad_date", rid_s)
    if pub > defaults.today + timedelta(days=defaults.future_slack_days):
        return reject(f"published date {pub.isoformat()} is in the future (today is {defaults.today.isoformat()})",
                      "future_date", rid_s)
    if pub < defaults.min_published:
        return reject(f"published date {pub.isoformat()} is before {defaults.min_published.isoformat()}; "
                      "not a plausible news date", "bad_date", rid_s)
    lang = rec.get("lang") if not _blank(rec.get("lang")) else defaults.lang
    note = _language_note(lang, text, origin, rid_s, defaults)
    if note is not None:
        if note.severity == "error":
            return None, [note]
        notes.append(note)
    art = Article(id=rid_s, outlet=rec["outlet"].strip(), published=pub, title=rec["title"].strip(),
                  text=text, url=rec.get("url"), lang=lang, origin=origin)
    return art, notes


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _json_type(v) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
            type(None): "null"}.get(type(v), type(v).__name__)


# ---------------------------------------------------------------------------------------------- decoding
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def decode_text(data: bytes) -> str:
    """Bytes of a whole file as text: a BOM picks UTF-8/16/32, else strict UTF-8.

    Raises UnicodeDecodeError (with the byte offset) rather than guessing.
    """
    return data.decode(_bom_codec(data) or "utf-8")


def _decode_error(e: UnicodeDecodeError, what: str) -> str:
    bad = e.object[e.start:e.start + 1].hex() if isinstance(e.object, (bytes, bytearray)) else "?"
    return (f"{what} is not valid {e.encoding.upper().replace('-SIG', '')} (byte {e.start}: 0x{bad}); "
            "re-encode it as UTF-8")


# ---------------------------------------------------------------------------------------------- JSONL / JSON
def jsonl_records(stream: BinaryIO, name: str, defaults: IngestDefaults) -> Iterator[Item]:
    """One record per non-blank line of a binary stream (a file, or bytes in tests and fuzzing)."""
    head = stream.read(4)
    stream.seek(0)
    codec = _bom_codec(head)
    if codec in ("utf-16", "utf-32"):  # whole-file encodings: decode at once, then split
        try:
            text = stream.read().decode(codec)
        except UnicodeDecodeError as e:
            yield None, [Reject(name, _decode_error(e, "file"), None, "error", "bad_encoding")]
            return
        source: Iterable[bytes | None] = (ln.encode("utf-8", "surrogatepass") for ln in text.split("\n"))
    else:
        source = _bounded_lines(stream, defaults.max_record_bytes)
    for lineno, raw in enumerate(source, 1):
        origin = f"{name}:{lineno}"
        if raw is None:  # over the size limit: skipped unread
            yield None, [Reject(origin, f"line is over {defaults.max_record_bytes:,} bytes; not read",
                                None, "error", "too_large")]
            continue
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.strip():
            continue
        if len(raw) > defaults.max_record_bytes:
            yield None, [Reject(origin, f"line is {len(raw):,} bytes, over the limit of "
                                        f"{defaults.max_record_bytes:,}", None, "error", "too_large")]
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield None, [Reject(origin, _decode_error(e, "line"), None, "error", "bad_encoding")]
            continue
        try:
            rec = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as e:
            yield None, [Reject(origin, f"malformed JSON: {e.msg} (column {e.colno})", None, "error", "bad_json")]
            continue
        except (ValueError, RecursionError) as e:  # huge integers, absurd nesting
            yield None, [Reject(origin, f"malformed JSON: {type(e).__name__}: {str(e)[:120]}", None, "error",
                                "bad_json")]
            continue
        yield _article_from_record(rec, origin, defaults)


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Lines of a binary stream; a line longer than ``limit`` is consumed in chunks and given as None."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drain the rest of the giant line without keeping it
                more = stream.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def read_jsonl(path: Path, defaults: IngestDefaults) -> Iterator[Item]:
    with open(path, "rb") as fh:
        yield from jsonl_records(fh, str(path), defaults)


def json_records(data: bytes, name: str, defaults: IngestDefaults) -> Iterator[Item]:
    """A ``.json`` file: an array of records, a single record, or (failing both) JSON Lines."""
    try:
        doc = json.loads(decode_text(data))
    except (ValueError, RecursionError):
        yield from jsonl_records(io.BytesIO(data), name, defaults)
        return
    if isinstance(doc, list):
        if not doc:
            yield None, [Reject(name, "JSON array is empty", None, "error", "empty_file")]
        for i, rec in enumerate(doc):
            yield _article_from_record(rec, f"{name}[{i}]", defaults)
    else:
        yield _article_from_record(doc, name, defaults)


def read_json(path: Path, defaults: IngestDefaults) -> Iterator[Item]:
    yield from json_records(path.read_bytes(), str(path), defaults)


# ---------------------------------------------------------------------------------------------- CSV
_BAD_BYTE = re.compile("[\udc80-\udcff]")


def csv_records(data: bytes, name: str, defaults: IngestDefaults) -> Iterator[Item]:
    """Rows of a CSV file with a header line; a row with bad bytes loses that row only."""
    codec = _bom_codec(data)
    if codec == "utf-8-sig":  # bad bytes are judged row by row below
        data, codec = data[len(codecs.BOM_UTF8):], None
    try:
        text = data.decode(codec, "strict") if codec else data.decode("utf-8", "surrogateescape")
    except UnicodeDecodeError as e:
        yield None, [Reject(name, _decode_error(e, "file"), None, "error", "bad_encoding")]
        return
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as e:
        yield None, [Reject(f"{name}:1", f"CSV header cannot be parsed: {e}", None, "error", "bad_csv")]
        return
    if not header or not any(h.strip() for h in header):
        yield None, [Reject(name, "CSV file is empty (no header line)", None, "error", "empty_file")]
        return
    cols = [h.strip().lstrip("\ufeff").lower() for h in header]
    if any(_BAD_BYTE.search(c) for c in cols):
        yield None, [Reject(f"{name}:1", "CSV header is not valid UTF-8; re-encode the file as UTF-8", None,
                            "error", "bad_encoding")]
        return
    missing = [k for k in REQUIRED if k not in cols and not (
        (k == "outlet" and defaults.outlet) or (k == "published" and defaults.published))]
    if missing:
        yield None, [Reject(name, f"CSV header lacks column(s): {', '.join(missing)} (has: {_brief(', '.join(cols), 200)})",
                            None, "error", "missing_field")]
        return
    prev = reader.line_num
    while True:
        start = prev + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if reader.line_num == prev:  # no progress: give up on the rest rather than loop
                yield None, [Reject(f"{name}:{start}", f"CSV parse error, rest of file not read: {e}", None,
                                    "error", "bad_csv")]
                return
            yield None, [Reject(f"{name}:{start}", f"CSV parse error: {e}", None, "error", "bad_csv")]
            prev = reader.line_num
            continue
        prev = reader.line_num
        origin = f"{name}:{start}"
        if not row:
            continue
        rid = row[cols.index("id")] if "id" in cols and cols.index("id") < len(row) else None
        if any(_BAD_BYTE.search(v) for v in row):
            yield None, [Reject(origin, "row is not valid UTF-8; re-encode the file as UTF-8", None, "error",
                                "bad_encoding")]
            continue
        if len(row) > len(cols):
            yield None, [Reject(origin, f"row has {len(row)} fields, the header {len(cols)}", rid, "error", "bad_csv")]
            continue
        rec = {c: v for c, v in zip(cols, row)}
        yield _article_from_record(rec, origin, defaults)


def read_csv(path: Path, defaults: IngestDefaults) -> Iterator[Item]:
    yield from csv_records(path.read_bytes(), str(path), defaults)


# ---------------------------------------------------------------------------------------------- plain text
_HEADER = re.compile(r"^(outlet|published|date|lang|language|url|id)\s*:\s*(.*)$", re.I)


def txt_records(data: bytes, name: str, stem: str, defaults: IngestDefaults) -> Iterator[Item]:
    """First line is the title; optional ``Key: value`` header lines follow; then the body."""
    try:
        content = decode_text(data)
    except UnicodeDecodeError as e:
        yield None, [Reject(name, _decode_error(e, "file"), stem, "error", "bad_encoding")]
        return
    lines = content.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield None, [Reject(name, "file is empty or whitespace only", stem, "error", "empty_text")]
        return
    rec: dict = {"id": stem, "title": lines[0].strip()}
    i = 1
    while i < len(lines):
        m = _HEADER.match(lines[i].strip())
        if not m:
            break
        key = {"date": "published", "language": "lang"}.get(m.group(1).lower(), m.group(1).lower())
        rec[key] = m.group(2).strip()
        i += 1
    rec["text"] = "\n".join(lines[i:]).strip()
    yield _article_from_record(rec, name, defaults)


def read_txt(path: Path, defaults: IngestDefaults) -> Iterator[Item]:
    data = _read_limited(path, defaults)
    if isinstance(data, Reject):
        yield None, [data]
        return
    yield from txt_records(data, str(path), path.stem, defaults)


def _read_limited(path: Path, defaults: IngestDefaults) -> bytes | Reject:
    size = path.stat().st_size
    if size > defaults.max_record_bytes:
        return Reject(str(path), f"file is {size:,} bytes, over the limit of {defaults.max_record_bytes:,} for "
                                 "one article; not read", path.stem, "error", "too_large")
    return path.read_bytes()


# ---------------------------------------------------------------------------------------------- HTML
class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "template", "svg", "iframe",
            "object", "embed", "button", "select", "textarea", "math", "canvas", "video", "audio"}
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
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and not self.lang:
            self.lang = a.get("lang", "")
        if tag == "meta":
            key = (a.get("name") or a.get("property") or a.get("http-equiv") or "").lower()
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
        if self.skip:  # before the title: a <script> nested in <title> must not leak into it
            return
        if self.in_title:
            self.title += data
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
    """Main text, title and meta tags of an HTML page; scripts, styles and page chrome are dropped.

    Markup is never interpreted beyond this: entities become plain characters, so ``&lt;script&gt;``
    stays text (and the report escapes it again on output).
    """
    p = _HTMLText()
    p.feed(html)
    p.close()
    body = "".join(p.article_parts) if "".join(p.article_parts).strip() else "".join(p.parts)
    paras = [re.sub(r"\s+", " ", x).strip() for x in re.split(r"\n\s*\n", body)]
    text = "\n\n".join(x for x in paras if x)
    title = re.sub(r"\s+", " ", p.h1 or p.title or p.meta.get("og:title", "")).strip()
    meta = dict(p.meta)
    if p.lang and "language" not in meta:
        meta["language"] = p.lang
    return text, title, meta


_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


def _decode_html(raw: bytes) -> tuple[str, str | None]:
    """Text of an HTML page and a warning when it had to be guessed: BOM, then a declared charset,
    then UTF-8, then Windows-1252 (lossy; the page is kept rather than lost)."""
    codec = _bom_codec(raw)
    if codec:
        try:
            return raw.decode(codec), None
        except UnicodeDecodeError:
            pass
    m = _CHARSET.search(raw[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(name).name not in ("rot-13", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7"):
                return raw.decode(name), None
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return raw.decode("cp1252", "replace"), (f"page is not valid UTF-8 (byte {e.start}) and declares no usable "
                                                 "charset; decoded as Windows-1252, some characters may be wrong")


def html_records(raw: bytes, name: str, stem: str, defaults: IngestDefaults) -> Iterator[Item]:
    html, warning = _decode_html(raw)
    text, title, meta = html_to_text(html)
    rec = {
        "id": stem,
        "title": title,
        "text": text,
        "outlet": meta.get("og:site_name") or meta.get("author") or None,
        "published": meta.get("article:published_time") or meta.get("date") or None,
        "url": meta.get("og:url") or None,
        "lang": meta.get("language") or meta.get("content-language") or None,
    }
    if not text.strip():
        yield None, [Reject(name, "HTML page has no main text (after dropping scripts, styles and page chrome)",
                            stem, "error", "empty_text")]
        return
    art, notes = _article_from_record(rec, name, defaults, from_html=True)
    if warning and art is not None:
        notes.insert(0, Reject(name, warning, art.id, "warning", "bad_encoding"))
    yield art, notes


def read_html(path: Path, defaults: IngestDefaults) -> Iterator[Item]:
    data = _read_limited(path, defaults)
    if isinstance(data, Reject):
        yield None, [data]
        return
    yield from html_records(data, str(path), path.stem, defaults)


_PARSERS = {"jsonl": read_jsonl, "json": read_json, "csv": read_csv, "txt": read_txt, "html": read_html}


# ---------------------------------------------------------------------------------------------- inputs
def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus every readable file of the folders named (sorted, for stable ids).

    Raises InputError for a path that does not exist; :func:`iter_articles` reports it as a reject.
    """
    out: list[Path] = []
    for item in expand_items(paths):
        if isinstance(item, Reject):
            raise InputError(item.reason)
        out.append(item)
    return out


def expand_items(paths: Iterable[str | Path]) -> Iterator[Path | Reject]:
    """Input files, and a Reject for each path that is missing, an empty folder or a skipped file."""
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            usable = [f for f in files if f.suffix.lower() in SUFFIXES]
            for f in files:
                if f.suffix.lower() not in SUFFIXES:
                    yield Reject(str(f), f"skipped: unsupported file type {f.suffix or '(none)'!r} in an input folder",
                                 None, "warning", "unsupported_file")
            if not usable:
                yield Reject(str(p), "folder holds no .jsonl, .json, .csv, .txt or .html files", None, "error",
                             "empty_folder")
            yield from usable
        elif p.is_file():
            yield p
        else:
            yield Reject(str(p), "input not found", None, "error", "not_found")


def iter_articles(paths: Iterable[str | Path], defaults: IngestDefaults | None = None,
               seen_ids: set[str] | None = None) -> Iterator[Article | Reject]:
    """Articles and rejects/warnings from every input, in order; duplicate ids after the first are rejected.

    Never raises for bad input: a missing path, an unreadable file or a bad record is a Reject.
    A warning (``severity="warning"``) follows the article it is about.
    """
    defaults = defaults or IngestDefaults()
    seen = seen_ids if seen_ids is not None else set()
    rows = table_rows(paths)
    if rows is not None:  # a DataFrame, a datasets.Dataset or a list of dicts: records, not paths
        yield from iter_records(rows, defaults, seen)
        return
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for path in expand_items(paths):
        if isinstance(path, Reject):
            yield path
            continue
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            yield Reject(str(path), f"unsupported file type {path.suffix!r} (use .jsonl, .json, .csv, .txt or .html)",
                         None, "error", "unsupported_file")
            continue
        n = 0
        try:
            for art, notes in _PARSERS[kind](path, defaults):
                n += 1
                if art is not None:
                    if art.id in seen:
                        yield Reject(art.origin or str(path), f"duplicate id {art.id!r}: the first one was kept",
                                     art.id, "error", "duplicate_id")
                        continue
                    seen.add(art.id)
                    yield art
                yield from notes
        except OSError as e:
            yield Reject(str(path), f"cannot read file: {e.strerror or e}", None, "error", "unreadable")
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not lose the other files; tests keep it unreached
            yield Reject(str(path), f"internal error while reading, rest of file skipped ({type(e).__name__}: "
                                    f"{str(e)[:200]}); please report it", None, "error", "internal_error")
            continue
        if n == 0:
            yield Reject(str(path), "file holds no records (empty or blank lines only)", None, "error", "empty_file")


def read_articles(paths, defaults: IngestDefaults | None = None) -> tuple[list[Article], list[Reject]]:
    """All usable articles, and every reject and warning (``r.severity`` tells them apart). ``paths``: files and
    folders, or the records themselves: a pandas DataFrame, a ``datasets.Dataset`` or a list of dicts (columns
    ``id, outlet, published, title, text`` and optionally ``url, lang``; see :func:`table_rows`)."""
    arts, rej = [], []
    for item in iter_articles(paths, defaults):
        (arts if isinstance(item, Article) else rej).append(item)
    return arts, rej


# ---------------------------------------------------------------------------------------------- in memory
def table_rows(obj) -> Iterator[tuple[str, object]] | None:
    """``(origin, record)`` per row when ``obj`` holds records rather than paths — a pandas DataFrame (origin
    ``dataframe[<index label>]``), a ``datasets.Dataset`` (``dataset[i]``), a list or tuple holding dicts or
    one dict (``records[i]``) — else None. A ``datasets.DatasetDict`` is refused: it holds several splits."""
    if isinstance(obj, (str, bytes, Path)):
        return None
    if hasattr(obj, "to_dict") and hasattr(obj, "columns") and hasattr(obj, "index"):  # pandas.DataFrame
        return zip((f"dataframe[{i}]" for i in obj.index), obj.to_dict("records"))
    if hasattr(obj, "features") and hasattr(obj, "column_names"):  # datasets.Dataset
        return ((f"dataset[{i}]", rec) for i, rec in enumerate(obj))
    if isinstance(obj, Mapping):
        if obj and all(hasattr(v, "column_names") for v in obj.values()):
            raise InputError(f"a DatasetDict holds several splits ({', '.join(map(str, obj))}): pass one, "
                             f"e.g. ds[{next(iter(obj))!r}]")
        return iter([("records[0]", obj)])
    if isinstance(obj, (list, tuple)) and any(isinstance(x, Mapping) for x in obj):
        return ((f"records[{i}]", rec) for i, rec in enumerate(obj))
    return None


def _plain(v):
    """A table cell as the JSON readers would give it: missing (None, NaN, NaT, pd.NA) is None, numpy scalars are
    Python scalars; dates and timestamps stay as they are (parse_date takes them)."""
    if v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NaTType", "NAType"):
        return None
    if getattr(v, "ndim", None) == 0 and hasattr(v, "item"):  # numpy scalar
        v = v.item()
        return None if isinstance(v, float) and v != v else v
    return v


def iter_records(rows: Iterable[tuple[str, object]], defaults: IngestDefaults | None = None,
                 seen_ids: set[str] | None = None) -> Iterator[Article | Reject]:
    """Articles and rejects/warnings from in-memory records (:func:`table_rows`), with the checks of the file
    readers: the same validation, duplicate ids after the first rejected."""
    defaults = defaults or IngestDefaults()
    seen = seen_ids if seen_ids is not None else set()
    n = 0
    for origin, rec in rows:
        n += 1
        if isinstance(rec, Mapping):
            rec = {str(k): _plain(v) for k, v in rec.items()}
        art, notes = _article_from_record(rec, origin, defaults)
        if art is not None:
            if art.id in seen:
                yield Reject(origin, f"duplicate id {art.id!r}: the first one was kept", art.id, "error",
                             "duplicate_id")
                continue
            seen.add(art.id)
            yield art
        yield from notes
    if n == 0:
        yield Reject("records", "no records (an empty table)", None, "error", "empty_file")


def count_rejected(rejects: Iterable[Reject]) -> tuple[int, int]:
    """(inputs rejected, warnings) of a reject list."""
    n_err = n_warn = 0
    for r in rejects:
        if r.severity == "warning":
            n_warn += 1
        else:
            n_err += 1
    return n_err, n_warn
