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
from pathlib import Path
from typing import BinaryIO

from discrep.errors import InputError
from discrep.io.htmltext import html_to_text
from discrep.records.core import Article, Reject
from discrep.text.sources import slugify

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
    """A language code (``"en"``, ``"de"``, …) for the text, a short reason when no detector is available
    and it does not look English, None when too short to tell.

    py3langid (a pure-Python naive Bayes identifier, 97 languages, ~0.4 ms per paragraph) flags input
    the English-only extractor and embedder would silently misread; German and French paragraphs are
    Latin script full of words that look English to a function-word count. Without the package the old
    script + function-word check remains.
    """
    sample = text[:5000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 40:
        return None
    try:
        import py3langid
    except ImportError:
        py3langid = None
    if py3langid is not None:
        return str(py3langid.classify(sample)[0])
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
        why = (f"no language given and the text does not look like {'/'.join(sorted(known))} "
               f"({'detected: ' + g if ' ' not in g else g})")
    if d.unknown_lang == "reject":
        return Reject(origin, why + "; rejected (--unknown-lang reject)", rid, "error", "unknown_language")
    return Reject(origin, why + "; scored anyway, but the extractor and embedder are English-only "
                                "(--unknown-lang reject refuses such input)", rid, "warning", "unknown_language")


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


# Invisible and control characters. In an id, outlet, title, url or lang they only ever make one name
# look like another ("Test Outlet\u200b") or reorder what is printed next to it (U+202E); in a text,
# bidi controls and C0/C1 controls other than line breaks and tabs are debris or attacks.
_FIELD_SPACE = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_FIELD_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
                              "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
                              "\U000e0000-\U000e007f]")  # the last: Unicode tag characters, invisible too
_TEXT_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]")
_NAMED_FIELDS = ("id", "outlet", "title", "url", "lang")


def _clean_field(v: str) -> str:
    return _FIELD_INVISIBLE.sub("", _FIELD_SPACE.sub(" ", v))


def _hygiene(rec: dict) -> list[str]:
    """NFC-normalise every text field and drop invisible/control characters (see above), in place.
    Returns the fields that lost characters (normalisation alone is not reported: it changes no letter)."""
    changed = []
    for k in (*_NAMED_FIELDS, "text"):
        v = rec.get(k)
        if not isinstance(v, str) or not v:
            continue
        if not v.isascii() and not unicodedata.is_normalized("NFC", v):
            v = unicodedata.normalize("NFC", v)
        w = _TEXT_CONTROL.sub("", v) if k == "text" else _clean_field(v)
        if len(w) != len(v):
            changed.append(k)
        rec[k] = w
    return changed


_HOMOGLYPHS = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеѕіјорсхуԁһӏԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ",
    "ABESIJKMHOPCTXYaesijopcxydhlqwABEZHIKMNOPTYXaBeikvoptux")


def outlet_skeleton(name: str) -> str:
    """What an outlet name looks like: Cyrillic and Greek look-alikes read as Latin, case and spacing ignored."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name).translate(_HOMOGLYPHS)).strip().casefold()


def _mixed_script_words(name: str) -> list[str]:
    """Words of a name that mix Latin with Cyrillic or Greek letters ("T\u0435st"): almost always spoofing."""
    out = []
    for w in re.findall(r"\w+", name):
        scripts = {unicodedata.name(c, "?").split()[0] for c in w if c.isalpha()}
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
            out.append(w)
    return out


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
    cleaned = _hygiene(rec)
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
    if cleaned:
        notes.append(Reject(origin, f"field(s) {', '.join(cleaned)} held invisible or control characters "
                                    "(zero-width, bidi override, NUL, terminal escapes …); removed", rid_s, "warning",
                            "control_characters"))
    mixed = _mixed_script_words(rec["outlet"])
    if mixed:
        notes.append(Reject(origin, f"outlet {rec['outlet']!r} mixes Latin with Cyrillic or Greek letters in "
                                    f"{', '.join(map(repr, mixed[:3]))}; it reads as {outlet_skeleton(rec['outlet'])!r} "
                                    "but is scored as a source of its own", rid_s, "warning", "confusable_outlet"))
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
def jsonl_records(stream: BinaryIO, name: str, defaults: IngestDefaults, tally: _Tally | None = None
                  ) -> Iterator[Item]:
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
            if tally is not None:
                tally.records += 1
            yield None, [Reject(origin, f"line is over {defaults.max_record_bytes:,} bytes; not read",
                                None, "error", "too_large")]
            continue
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.strip():
            continue
        if tally is not None:
            tally.records += 1
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


def read_jsonl(path: Path, defaults: IngestDefaults, tally: _Tally | None = None) -> Iterator[Item]:
    with open(path, "rb") as fh:
        yield from jsonl_records(fh, str(path), defaults, tally)


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


def read_json(path: Path, defaults: IngestDefaults, tally: _Tally | None = None) -> Iterator[Item]:
    """A .json file up to the record size limit is read whole; a bigger one is read element by element
    (an array) or line by line (anything else), so its size never decides the memory a run needs."""
    if path.stat().st_size <= defaults.max_record_bytes:
        yield from json_records(path.read_bytes(), str(path), defaults)
        return
    with open(path, "rb") as fh:
        head = fh.read(64).lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        fh.seek(0)
        if head.startswith(b"["):
            yield from json_array_records(fh, str(path), defaults, tally)
        else:
            yield from jsonl_records(fh, str(path), defaults, tally)


def json_array_records(stream: BinaryIO, name: str, defaults: IngestDefaults, tally: _Tally | None = None,
                       chunk: int = 1 << 20) -> Iterator[Item]:
    """The elements of a JSON array, decoded one at a time from a sliding buffer: memory grows with the
    largest element (refused over ``max_record_bytes``), not with the file."""
    dec = json.JSONDecoder()
    reader = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    buf, pos, eof, k = "", 0, False, 0
    ws = re.compile(r"[ \t\r\n]*")

    def more() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        b = stream.read(chunk)
        eof = not b
        buf = buf[pos:] + reader.decode(b, final=eof)
        pos = 0
        return True

    def fail(why: str, code: str = "bad_json") -> Item:
        return None, [Reject(f"{name}[{k}]", f"{why}; rest of file not read", None, "error", code)]

    special = re.compile(r'["\\\[\]{},]')

    def skip_element() -> int | None:
        """Past an element too large to decode, reading on in chunks without keeping it: a scan of strings and
        brackets only (the element is refused, not parsed). Returns the position after it, None at end of file."""
        nonlocal buf, pos
        depth, in_str, esc = 0, False, False
        i = pos
        while True:
            while True:
                if in_str:
                    if esc:
                        if i >= len(buf):  # the escaped character is in the next chunk
                            break
                        esc, i = False, i + 1
                        continue
                    j = buf.find('"', i), buf.find("\\", i)
                    hits = [x for x in j if x >= 0]
                    if not hits:
                        i = len(buf)
                        break
                    i = min(hits)
                    if buf[i] == "\\":
                        esc, i = True, i + 1
                        continue
                    in_str, i = False, i + 1
                    if depth == 0:
                        return i
                    continue
                m = special.search(buf, i)
                if m is None:
                    i = len(buf)
                    break
                i, ch = m.start(), m.group()
                if ch == '"':
                    in_str, i = True, i + 1
                elif ch in "[{":
                    depth, i = depth + 1, i + 1
                elif ch in "]}":
                    if depth == 0:
                        return i  # the array's own "]": the element was a bare scalar
                    depth, i = depth - 1, i + 1
                    if depth == 0:
                        return i
                elif ch == "," and depth == 0:
                    return i
                else:
                    i += 1
            pos = i  # what was scanned is dropped: memory stays bounded
            if not more():
                return None
            i = pos

    try:
        while True:  # up to and past the opening bracket
            pos = ws.match(buf, pos).end()
            if pos < len(buf) or not more():
                break
        if buf[pos:pos + 1] != "[":
            yield fail("not a JSON array")
            return
        pos += 1
        while True:
            while True:
                pos = ws.match(buf, pos).end()
                if pos < len(buf) or not more():
                    break
            if buf[pos:pos + 1] == "]":
                if k == 0:
                    yield None, [Reject(name, "JSON array is empty", None, "error", "empty_file")]
                return
            if k and buf[pos:pos + 1] == ",":
                pos += 1
                continue
            while True:
                try:
                    rec, end = dec.raw_decode(buf, pos)
                    if end >= len(buf) and more():  # a number cut by the chunk boundary: decode it again
                        continue
                    break
                except json.JSONDecodeError as e:
                    cut = e.pos >= len(buf) - 1 or e.msg.startswith("Unterminated string")  # or malformed
                    if not cut or (eof and not more()):
                        if tally is not None:
                            tally.records += 1
                        yield fail(f"malformed JSON: {e.msg}")
                        return
                    if len(buf) - pos > defaults.max_record_bytes:
                        if tally is not None:
                            tally.records += 1
                        end = skip_element()
                        if end is None:
                            yield fail(f"array element is over {defaults.max_record_bytes:,} characters and the "
                                       "array is not closed", "too_large")
                            return
                        rec = None
                        break
                    if not more():
                        if tally is not None:
                            tally.records += 1
                        yield fail(f"malformed JSON: {e.msg}")
                        return
                except RecursionError:
                    if tally is not None:
                        tally.records += 1
                    yield fail("malformed JSON: nesting too deep")
                    return
            if rec is None:  # skipped: too large to decode
                yield None, [Reject(f"{name}[{k}]", f"array element is over {defaults.max_record_bytes:,} characters; "
                                                    "skipped, the elements after it are read", None, "error",
                                    "too_large")]
            else:
                if tally is not None:
                    tally.records += 1
                yield _article_from_record(rec, f"{name}[{k}]", defaults)
            pos, k = end, k + 1
            pos = ws.match(buf, pos).end()
            if pos >= len(buf):
                more()
                pos = ws.match(buf, pos).end()
            if buf[pos:pos + 1] not in (",", "]"):
                if pos >= len(buf):
                    yield fail("JSON array is not closed")
                else:
                    yield fail(f"expected ',' or ']' after element {k - 1}")
                return
    except UnicodeDecodeError as e:
        yield None, [Reject(name, _decode_error(e, "file") + "; rest of file not read", None, "error", "bad_encoding")]


# ---------------------------------------------------------------------------------------------- CSV
_BAD_BYTE = re.compile("[\udc80-\udcff]")


_SINGLE_LINE = {"id", "outlet", "published", "title", "url", "lang"}  # a line break in one of these is a lost quote
_CSV_CHUNK = 1 << 20


class _CsvSplitter:
    """Physical CSV records of a text stream, one at a time, with bounded memory.

    The csv module lets a quoted field run across lines (right for a text with paragraphs), so one
    stray ``"`` at the start of a title silently swallows the rows after it. This splitter follows
    the same quoting rules (csv's defaults, non-strict) and records which field a record left open
    at each line break, so that :func:`csv_records` can tell a text with paragraphs from a row
    that swallowed its neighbours.
    """

    def __init__(self, ts, limit: int):
        self.ts = ts
        self.limit = limit
        self.lineno = 0
        self.pending: list[tuple[str, int]] = []  # physical lines given back, with their numbers

    def _line(self) -> tuple[str, int, bool] | None:
        """(text of one physical line — or its first ``limit`` characters —, its number, cut)."""
        if self.pending:
            text, n = self.pending.pop()
            return text, n, False
        line = self.ts.readline(self.limit + 1)
        if not line:
            return None
        self.lineno += 1
        cut = len(line) > self.limit and not line.endswith(("\n", "\r"))
        return line, self.lineno, cut

    def push_back(self, lines: list[tuple[str, int]]):
        self.pending.extend(reversed(lines))

    def records(self):
        """Yield (first line number, [(line, number)], open fields at the inner line breaks, too large).

        A record over ``limit`` characters is consumed without being kept (its lines list is empty)."""
        while True:
            got = self._line()
            if got is None:
                return
            line, start, cut = got
            lines = [(line, start)]
            size = len(line)
            big = cut
            state, field = _scan_csv(line, "start", 0)
            opened: list[int] = []
            while state in ("quoted", "quote") or cut:
                if not cut:
                    opened.append(field)
                nxt = self._line() if not cut else self._rest_of_line()
                if nxt is None:
                    break
                line, n, cut = nxt
                size += len(line)
                if size > self.limit:
                    big = True
                if big:
                    lines = []
                else:
                    lines.append((line, n))
                state, field = _scan_csv(line, state, field)
            yield start, ([] if big else lines), opened, big

    def _rest_of_line(self):
        more = self.ts.readline(_CSV_CHUNK)
        if not more:
            return None
        return more, self.lineno, not more.endswith(("\n", "\r"))


def _scan_csv(s: str, state: str, field: int) -> tuple[str, int]:
    """Run csv's quoting rules over ``s`` from ``state`` ("start" of a field, "field" unquoted, "quoted",
    "quote": a quote seen inside a quoted field); returns the state at the end and the field index."""
    p, n = 0, len(s)
    while p < n:
        if state == "quoted":
            q = s.find('"', p)
            if q < 0:
                return "quoted", field
            p, state = q + 1, "quote"
            continue
        c = s[p]
        if state == "quote":
            if c == '"':
                p, state = p + 1, "quoted"
                continue
            state = "field"  # the closing quote: what follows up to the comma is kept (non-strict csv)
        if state == "start" and c == '"':
            p, state = p + 1, "quoted"
            continue
        q = s.find(",", p)
        if q < 0:
            return "start", field  # the line ends the record
        p, state, field = q + 1, "start", field + 1
    return ("start" if state == "field" else state), field


def csv_records(data: bytes | BinaryIO, name: str, defaults: IngestDefaults, tally: _Tally | None = None
                ) -> Iterator[Item]:
    """Rows of a CSV file with a header line, read record by record (memory bounded by the record limit).

    A row with bad bytes loses that row only. A row whose quote is never closed where a closed one
    was expected (a line break inside a title, or a line inside a quoted text that is itself a
    complete row) is rejected, and the rows it would have swallowed are read on their own."""
    stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    codec = _bom_codec(stream.read(4))
    stream.seek(0)
    if codec in ("utf-16", "utf-32"):
        ts = io.TextIOWrapper(stream, encoding=codec, errors="strict", newline="")
    else:  # bad bytes are judged row by row below
        ts = io.TextIOWrapper(stream, encoding="utf-8-sig" if codec else "utf-8", errors="surrogateescape",
                              newline="")
    csv.field_size_limit(sys.maxsize)
    split = _CsvSplitter(ts, defaults.max_record_bytes)
    records = split.records()
    try:
        yield from _csv_rows(records, split, name, defaults, tally)
    except UnicodeDecodeError as e:
        yield None, [Reject(name, _decode_error(e, "file") + "; rest of file not read", None, "error", "bad_encoding")]
    finally:
        ts.detach()


def _csv_parse(lines: list[tuple[str, int]]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(t for t, _ in lines), newline="")))


def _csv_rows(records, split: _CsvSplitter, name: str, defaults: IngestDefaults, tally: _Tally | None):
    first = next(records, None)
    header = None
    if first is not None and not first[3]:
        try:
            header = (_csv_parse(first[1]) or [None])[0]
        except csv.Error as e:
            yield None, [Reject(f"{name}:1", f"CSV header cannot be parsed: {e}", None, "error", "bad_csv")]
            return
    if not header or not any(h.strip() for h in header):
        yield None, [Reject(name, "CSV file is empty (no header line)" if first is None or not first[3] else
                            "CSV header line is over the record size limit", None, "error", "empty_file")]
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
    for start, lines, opened, big in records:
        origin = f"{name}:{start}"
        if not big and not "".join(t for t, _ in lines).strip("\r\n"):
            continue  # a blank line is no record
        if tally is not None:
            tally.records += 1
        if big:
            yield None, [Reject(origin, f"CSV record is over {defaults.max_record_bytes:,} characters; not read",
                                None, "error", "too_large")]
            continue
        swallowed = _swallowed(lines, opened, cols)
        if swallowed is not None:
            col = cols[opened[0]] if opened[0] < len(cols) else f"field {opened[0] + 1}"
            kept, rest = lines[:swallowed], lines[swallowed:]
            split.push_back(rest)
            yield None, [Reject(origin, f"CSV row has an unterminated quote in {col!r} that would swallow the "
                                        f"{len(rest)} line(s) after it (from line {rest[0][1]}); row rejected, "
                                        "the lines after it are read on their own", None, "error", "bad_csv")]
            continue
        try:
            rows = _csv_parse(lines)
        except csv.Error as e:
            yield None, [Reject(origin, f"CSV parse error: {e}", None, "error", "bad_csv")]
            continue
        if len(rows) != 1:
            yield None, [Reject(origin, f"CSV record parses as {len(rows)} rows; not read", None, "error", "bad_csv")]
            continue
        row = rows[0]
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


def _swallowed(lines: list[tuple[str, int]], opened: list[int], cols: list[str]) -> int | None:
    """Where a multi-line record stops being believable (the index of the first line it swallowed), or None.

    A line break inside a one-line column (id, outlet, date, title, url, lang) means its opening
    quote was never meant to be one; inside a text, a line that is itself a complete row (every
    column, an id and a readable date) means the same."""
    if len(lines) < 2:
        return None
    if opened[0] >= len(cols) or cols[opened[0]] in _SINGLE_LINE:
        return 1
    id_at = cols.index("id") if "id" in cols else None
    date_at = cols.index("published") if "published" in cols else None
    for k in range(1, len(lines)):
        line = lines[k][0]
        if line.count(",") < len(cols) - 1:
            continue
        try:
            row = next(csv.reader([line.rstrip("\r\n")]), [])
        except csv.Error:
            continue
        if len(row) != len(cols) or (id_at is not None and not row[id_at].strip()):
            continue
        if date_at is not None:
            try:
                parse_date(row[date_at])
            except ValueError:
                continue
        return k
    return None


def read_csv(path: Path, defaults: IngestDefaults, tally: _Tally | None = None) -> Iterator[Item]:
    with open(path, "rb") as fh:
        yield from csv_records(fh, str(path), defaults, tally)


# ---------------------------------------------------------------------------------------------- plain text
_HEADER = re.compile(r"^(outlet|published|date|lang|language|url|id)\s*:\s*(.*)$", re.I)


def txt_records(data: bytes, name: str, stem: str, defaults: IngestDefaults) -> Iterator[Item]:
    """The title line, with optional ``Key: value`` header lines before or after it, then the body.
    A file of one paragraph and nothing else is all body: its first sentence becomes the title."""
    try:
        content = decode_text(data)
    except UnicodeDecodeError as e:
        yield None, [Reject(name, _decode_error(e, "file"), stem, "error", "bad_encoding")]
        return
    lines = content.splitlines()
    rec: dict = {"id": stem}
    i = _txt_headers(lines, 0, rec)
    if i >= len(lines):
        yield None, [Reject(name, "file is empty or whitespace only" if not rec.keys() - {"id"} else
                            "file holds header lines only, no title or text", stem, "error", "empty_text")]
        return
    title_line = lines[i].strip()
    i = _txt_headers(lines, i + 1, rec, skip_blank=False)
    body = "\n".join(lines[i:]).strip()
    notes = []
    if body:
        rec["title"], rec["text"] = title_line, body
    else:
        rec["text"], rec["title"] = title_line, _first_sentence(title_line)
        notes.append(Reject(name, "file holds one paragraph and no title line; its first sentence is used as the "
                                  "title", stem, "warning", "title_from_text"))
    art, more = _article_from_record(rec, name, defaults)
    yield art, (notes if art is not None else []) + more


def _txt_headers(lines: list[str], i: int, rec: dict, skip_blank: bool = True) -> int:
    """Read ``Key: value`` lines from ``i`` into ``rec``; returns the first line that is not one."""
    while i < len(lines):
        line = lines[i].strip()
        if not line and skip_blank:
            i += 1
            continue
        m = _HEADER.match(line)
        if not m:
            break
        key = {"date": "published", "language": "lang"}.get(m.group(1).lower(), m.group(1).lower())
        rec[key] = m.group(2).strip()
        i += 1
    return i


def _first_sentence(para: str, limit: int = 200) -> str:
    m = re.match(r"(.{10,}?[.!?])(?=\s|$)", para[:limit])
    if m:
        return m.group(1)
    if len(para) <= limit:
        return para
    cut = para[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else para[:limit]).rstrip() + "…"


def read_txt(path: Path, defaults: IngestDefaults, stem: str | None = None) -> Iterator[Item]:
    data = _read_limited(path, defaults, stem)
    if isinstance(data, Reject):
        yield None, [data]
        return
    yield from txt_records(data, str(path), stem or path.stem, defaults)


def _read_limited(path: Path, defaults: IngestDefaults, stem: str | None = None) -> bytes | Reject:
    size = path.stat().st_size
    if size > defaults.max_record_bytes:
        return Reject(str(path), f"file is {size:,} bytes, over the limit of {defaults.max_record_bytes:,} for "
                                 "one article; not read", stem or path.stem, "error", "too_large")
    return path.read_bytes()


# ---------------------------------------------------------------------------------------------- HTML
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
    note = None
    if m:
        name = m.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(name).name not in ("rot-13", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7"):
                if not _ascii_compatible(name):  # the declaration was just read as ASCII: it cannot be true
                    note = (f"page declares charset={name} but its bytes are ASCII-compatible (no byte-order mark); "
                            "the declaration was ignored, as browsers do")
                else:
                    return raw.decode(name), None
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return raw.decode("utf-8"), note
    except UnicodeDecodeError as e:
        return raw.decode("cp1252", "replace"), (f"page is not valid UTF-8 (byte {e.start}) and declares no usable "
                                                 "charset; decoded as Windows-1252, some characters may be wrong")


def _ascii_compatible(codec: str) -> bool:
    """UTF-16/32 and EBCDIC pages cannot declare their charset in bytes that an ASCII pattern finds."""
    probe = '<meta charset="x">'
    try:
        return probe.encode(codec) == probe.encode("ascii")
    except (LookupError, UnicodeError, ValueError):
        return False


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


def read_html(path: Path, defaults: IngestDefaults, stem: str | None = None) -> Iterator[Item]:
    data = _read_limited(path, defaults, stem)
    if isinstance(data, Reject):
        yield None, [data]
        return
    yield from html_records(data, str(path), stem or path.stem, defaults)


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
    for item in _expand(paths):
        yield item if isinstance(item, Reject) else item[0]


def _expand(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str] | Reject]:
    """:func:`expand_items` with the id a .txt/.html file gets: its name without the suffix, and for a
    file found in a subfolder of an input folder its path from there (``2024/01/article``), so two
    ``article.txt`` in different subfolders are two articles, not a duplicate id."""
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
            for f in usable:
                rel = f.relative_to(p)
                yield f, (rel.parent / f.stem).as_posix() if rel.parent != Path(".") else f.stem
        elif p.is_file():
            yield p, p.stem
        else:
            yield Reject(str(p), "input not found", None, "error", "not_found")


def iter_articles(paths: Iterable[str | Path], defaults: IngestDefaults | None = None,
                  seen_ids: set[str] | None = None) -> Iterator[Article | Reject]:
    """Articles and rejects/warnings from every input, in order; duplicate ids after the first are rejected.

    Never raises for bad input: a missing path, an unreadable file or a bad record is a Reject.
    A warning (``severity="warning"``) follows the article it is about. Every physical record of a
    file (a JSONL line, a CSV record, a JSON array element, a .txt/.html file) gives exactly one
    article or one error: a reader that lost one would show as an ``unaccounted_record`` reject.
    """
    defaults = defaults or IngestDefaults()
    seen = seen_ids if seen_ids is not None else set()
    rows = table_rows(paths)
    if rows is not None:  # a DataFrame, a datasets.Dataset or a list of dicts: records, not paths
        yield from iter_records(rows, defaults, seen)
        return
    if isinstance(paths, (str, Path)):
        paths = [paths]
    looks: dict[str, str] = {}  # outlet skeleton -> the first outlet that looked like that
    for item in _expand(paths):
        if isinstance(item, Reject):
            yield item
            continue
        path, stem = item
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            yield Reject(str(path), f"unsupported file type {path.suffix!r} (use .jsonl, .json, .csv, .txt or .html)",
                         None, "error", "unsupported_file")
            continue
        n = 0
        tally = _Tally()
        try:
            reader = _PARSERS[kind](path, defaults, stem) if kind in ("txt", "html") else \
                _PARSERS[kind](path, defaults, tally)
            for art, notes in reader:
                n += 1
                if art is not None:
                    if art.id in seen:
                        yield Reject(art.origin or str(path), f"duplicate id {art.id!r}: the first one was kept",
                                     art.id, "error", "duplicate_id")
                        continue
                    seen.add(art.id)
                    yield art
                    look = outlet_skeleton(art.outlet)
                    first = looks.setdefault(look, art.outlet)
                    if first != art.outlet and slugify(first) != slugify(art.outlet) and \
                            not any(r.code == "confusable_outlet" for r in notes):  # one such warning a record
                        yield Reject(art.origin or str(path), f"outlet {art.outlet!r} looks like {first!r} (read "
                                                              "earlier) but is scored as another source", art.id,
                                     "warning", "confusable_outlet")
                elif not any(r.severity == "error" for r in notes):
                    yield Reject(str(path), "a record was neither read nor rejected; please report it", None,
                                 "error", "unaccounted_record")
                yield from notes
        except OSError as e:
            yield Reject(str(path), f"cannot read file: {e.strerror or e}", None, "error", "unreadable")
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not lose the other files; tests keep it unreached
            yield Reject(str(path), f"internal error while reading, rest of file skipped ({type(e).__name__}: "
                                    f"{str(e)[:200]}); please report it", None, "error", "internal_error")
            continue
        for _ in range(tally.records - n):  # counted by the reader before parsing
            yield Reject(str(path), "a physical record of this file was neither read nor rejected; please report it",
                         None, "error", "unaccounted_record")
        if n == 0:
            yield Reject(str(path), "file holds no records (empty or blank lines only)", None, "error", "empty_file")


@dataclass
class _Tally:
    """Physical records a reader met, counted before they are parsed (see :func:`iter_articles`)."""

    records: int = 0


class RejectSpool:
    """A list of rejects whose memory is bounded: the first ``keep`` stay in memory, the rest go to an
    anonymous temporary file. Supports what the writers use: append, len, iteration (again and again)
    and slices from the start."""

    def __init__(self, keep: int = 10_000):
        self.keep = keep
        self.mem: list[Reject] = []
        self.n = 0
        self._file = None

    def append(self, r: Reject):
        self.n += 1
        if len(self.mem) < self.keep:
            self.mem.append(r)
            return
        if self._file is None:
            import tempfile

            self._file = tempfile.TemporaryFile()
        self._file.seek(0, io.SEEK_END)
        row = [r.input, r.reason, r.id, r.severity, r.code]  # not asdict: it deep-copies, 30 us a reject
        self._file.write(json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")

    def __len__(self) -> int:
        return self.n

    def __bool__(self) -> bool:
        return self.n > 0

    def __iter__(self) -> Iterator[Reject]:
        yield from self.mem
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            for line in self._file:
                yield Reject(*json.loads(line.decode("utf-8", "surrogatepass")))

    def __getitem__(self, k):
        if isinstance(k, slice) and (k.start or 0) >= 0 and (k.stop is None or k.stop <= self.keep) and \
                k.step is None:
            return self.mem[k]
        return list(self)[k]


class PeekedArticles:
    """:func:`iter_articles`, read up to its first article: whether there is anything to score is known
    before a model is loaded, and iterating gives every item once — the ones read so far are not
    parsed again (the rejects before the first article wait in a :class:`RejectSpool`)."""

    def __init__(self, paths: Iterable[str | Path], defaults: IngestDefaults | None = None, keep: int = 10_000):
        self._it = iter_articles(paths, defaults)
        self.before = RejectSpool(keep)
        self.first: Article | None = None
        for item in self._it:
            if isinstance(item, Article):
                self.first = item
                break
            self.before.append(item)

    @property
    def has_article(self) -> bool:
        return self.first is not None

    def __iter__(self) -> Iterator[Article | Reject]:
        yield from self.before
        if self.first is not None:
            yield self.first
            yield from self._it


def count_csv_records(path: Path, limit: int = MAX_RECORD_BYTES) -> int:
    """Physical records of a CSV file after its header (for a progress bar), in bounded memory."""
    with open(path, "rb") as fh:
        ts = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
        n = sum(1 for _, lines, _, big in _CsvSplitter(ts, limit).records()
                if big or "".join(t for t, _ in lines).strip("\r\n"))
    return max(n - 1, 1)


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
