"""Property tests over every reader (JSONL, CSV, TXT, HTML) and the claim extractor.

Each runs ≥ 1,000 generated examples with a fixed seed (reproducible in CI) and checks that
nothing but the project's documented errors is ever raised, that every record is accounted for
(one article or one reject), and that whatever comes out can be written as strict JSON.
experiments/fuzz_campaign.py runs the same strategies (and byte mutations of real inputs) for longer,
with fresh randomness.
"""
from __future__ import annotations

import codecs
import io
import json
import math
import string
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discrep.errors import DiscrepError
from discrep.io.ingest import (
    REQUIRED,
    IngestDefaults,
    csv_records,
    html_records,
    json_records,
    jsonl_records,
    txt_records,
)
from discrep.io.output import json_line
from discrep.records.core import Article, Claim, Reject

EXAMPLES = 1000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
TODAY = date(2024, 6, 1)
DEFAULTS = IngestDefaults(today=TODAY, max_text_chars=5_000, max_record_bytes=20_000)
PAGE_DEFAULTS = IngestDefaults(today=TODAY, max_text_chars=5_000, max_record_bytes=20_000, outlet="Wire",
                               published=date(2024, 1, 2))  # txt/html: as with --outlet/--published
CODES = {"not_an_object", "missing_field", "bad_field", "bad_type", "too_large", "invalid_unicode", "html_in_text",
         "empty_text", "bad_date", "future_date", "unknown_language", "bad_encoding", "bad_json", "empty_file",
         "bad_csv", "duplicate_id", "unsupported_file", "not_found", "empty_folder", "unreadable",
         "control_characters", "confusable_outlet", "title_from_text"}

# ------------------------------------------------------------------------------------------- strategies
def mostly(good, bad, tenths: int = 8):
    """``good`` in ``tenths``/10 of the draws: enough valid input that the checks on articles bite."""
    return st.integers(0, 9).flatmap(lambda i: good if i < tenths else bad)


SENTENCES = ["The regional governor said three people were killed in the strike on Tuesday.",
             "At least 39 people died, officials said.", "Air defences shot down 17 of 20 rockets over Belgorod.",
             "Kyiv did not comment.", "The ministry denied that any civilians were hurt."]
WEIRD_TEXT = st.sampled_from(["", " ", "\t\n", "\u200b", "\ufeff", "\x00", "\ud800", "\udfff", "…", "١٢٣", "𝟘𝟙",
                              "Київ", "<p>", "</script>", "&amp;", "1e309", "-5", "999999999999999999999", "NaN"])
TEXTY = st.one_of(st.text(max_size=40), WEIRD_TEXT, st.sampled_from(SENTENCES),
                  st.lists(st.one_of(st.sampled_from(SENTENCES), WEIRD_TEXT, st.text(max_size=10)), max_size=6).map(" ".join))
PROSE = mostly(st.lists(st.one_of(st.sampled_from(SENTENCES), WEIRD_TEXT), min_size=1, max_size=5).map(" ".join), TEXTY)
DATES = mostly(st.one_of(st.dates(date(1990, 1, 1), TODAY).map(date.isoformat),
                         st.sampled_from(["2024-01-02T10:00:00Z", "Tue, 02 Jan 2024 10:00:00 +0000"])),
               st.one_of(st.dates().map(date.isoformat), st.text(max_size=30),
                         st.sampled_from(["yesterday", "2999-01-01", "0001-01-01", "2024-02-30", "", " "])))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10 ** 30, max_value=10 ** 30),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda c: st.one_of(st.lists(c, max_size=3),
                                                             st.dictionaries(st.text(max_size=5), c, max_size=3)),
                           max_leaves=6)
GOOD = {"id": st.one_of(st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12),
                        st.integers(0, 10 ** 6)),
        "outlet": st.sampled_from(["Wire", "Kyiv Wire Service", "Northern Ledger"]),
        "published": DATES, "title": mostly(st.sampled_from(["Strike", "Київ", "T"]), TEXTY), "text": PROSE,
        "url": st.one_of(st.none(), st.text(max_size=20)),
        "lang": st.one_of(st.none(), st.sampled_from(["en", "en-GB", "ru", "uk", "", "xx"]))}


@st.composite
def records(draw) -> dict:
    """A record that is mostly well formed: each field valid, odd, missing or of the wrong type."""
    rec = {}
    for k, strat in GOOD.items():
        choice = draw(st.integers(0, 19))
        if choice == 0:
            continue  # missing
        rec[k] = draw(JSON_VALUES) if choice == 1 else draw(strat)
    if draw(st.booleans()):
        rec[draw(st.text(max_size=6))] = draw(JSON_VALUES)
    return rec


def _mutate(draw, b: bytes) -> bytes:
    op = draw(st.integers(0, 5))
    if op == 0 or not b:
        return b
    i = draw(st.integers(0, len(b)))
    if op == 1:
        return b[:i]  # truncated
    if op == 2:
        return b[:i] + draw(st.binary(min_size=1, max_size=4)) + b[i:]
    if op == 3:
        return b[:i] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00", b"\n", b"\r", b'"', b"\\"])) + b[i + 1:]
    if op == 4:
        return codecs.BOM_UTF8 + b
    return b + b[:i]


@st.composite
def jsonl_files(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind <= 5:
            raw = json.dumps(draw(records()), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
            lines.append(_mutate(draw, raw) if kind >= 4 else raw)
        elif kind == 6:
            lines.append(json.dumps(draw(JSON_VALUES)).encode())
        elif kind == 7:
            lines.append(draw(st.binary(max_size=60)))
        elif kind == 8:
            lines.append(draw(st.sampled_from([b"", b"   ", b"[" * 2000, b"{" * 50, b'{"a": ' + b"9" * 5000 + b"}",
                                               b'{"id": "x", "te', b"\xef\xbb\xbf"])))
        else:
            lines.append(b"x" * draw(st.integers(20_000, 21_000)))  # over max_record_bytes
    sep = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = sep.join(lines)
    enc = draw(st.integers(0, 9))
    if enc == 0:  # the same records as UTF-16 with a BOM
        data = data.decode("utf-8", "replace").encode("utf-16")
    return data


# ------------------------------------------------------------------------------------------- checks
def check_items(items, name: str) -> tuple[int, int]:
    """Every item is (Article, warnings) or (None, [one error]); everything is writable as strict JSON.
    Returns (articles, rejects)."""
    n_art = n_rej = 0
    for art, notes in items:
        errors = [r for r in notes if r.severity == "error"]
        assert all(isinstance(r, Reject) for r in notes)
        if art is None:
            assert len(errors) == 1, notes
            n_rej += 1
        else:
            assert errors == [], notes
            check_article(art)
            n_art += 1
        for r in notes:
            assert r.severity in ("error", "warning") and r.code in CODES, r
            assert r.reason and r.input.startswith(name), r
            json.loads(json_line(r.to_dict()), parse_constant=_strict)
    return n_art, n_rej


def check_article(a: Article):
    assert isinstance(a.id, str) and 0 < len(a.id) <= 256 and a.id == a.id.strip()
    assert isinstance(a.outlet, str) and a.outlet and isinstance(a.title, str) and a.title
    assert isinstance(a.text, str) and any(c.isalnum() for c in a.text) and len(a.text) <= DEFAULTS.max_text_chars
    assert date(1900, 1, 1) <= a.published <= TODAY + timedelta(days=1)
    for s in (a.id, a.outlet, a.title, a.text, a.url or "", a.lang or ""):
        s.encode("utf-8")  # no lone surrogates: every output file can be written
    json.loads(json_line(a.to_dict()), parse_constant=_strict)


def _strict(c):
    raise AssertionError(f"{c} in output JSON")


def _split_lines(data: bytes) -> int:
    return sum(1 for ln in data.split(b"\n") if ln.removeprefix(codecs.BOM_UTF8).strip())


def run_reader(fn, *args):
    try:
        return list(fn(*args))
    except DiscrepError:
        return []


# ------------------------------------------------------------------------------------------- readers
@FUZZ
@given(jsonl_files())
def test_fuzz_jsonl_reader(data):
    items = run_reader(jsonl_records, io.BytesIO(data), "f.jsonl", DEFAULTS)
    n_art, n_rej = check_items(items, "f.jsonl")
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        assert n_art + n_rej == _split_lines(data)  # one article or one reject per non-blank line


@FUZZ
@given(st.one_of(st.lists(records(), max_size=4).map(json.dumps), records().map(json.dumps),
                 st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_fuzz_json_reader(doc):
    data = doc.encode("utf-8", "surrogatepass")
    check_items(run_reader(json_records, data, "f.json", DEFAULTS), "f.json")


CSV_FIELD = st.one_of(TEXTY, st.sampled_from(['"', '""', ",", "\n", "\r\n", '"unterminated', "a\x00b", "\ufeffid"]))
CSV_GOOD = {"id": GOOD["id"].map(str), "outlet": GOOD["outlet"], "published": DATES, "title": GOOD["title"],
            "text": PROSE}


@st.composite
def csv_files(draw) -> bytes:
    cols = draw(mostly(st.one_of(st.just(list(REQUIRED)), st.permutations(list(REQUIRED) + ["url", "lang"])),
                       st.lists(st.sampled_from(list(REQUIRED) + ["x", "", " id ", "ID"]), max_size=7)))
    rows = [",".join(cols)]
    for _ in range(draw(st.integers(0, 5))):
        n = draw(mostly(st.just(len(cols)), st.integers(0, len(cols) + 1)))
        vals = [draw(mostly(CSV_GOOD.get(c.strip().lower(), CSV_FIELD), CSV_FIELD)) if i < len(cols) else draw(CSV_FIELD)
                for i, c in zip(range(n), cols + [""])]
        quote = draw(st.booleans())
        rows.append(",".join('"' + v.replace('"', '""') + '"' if quote else v for v in vals))
    data = draw(st.sampled_from(["\n", "\r\n"])).join(rows).encode("utf-8", "surrogatepass")
    return _mutate(draw, data) if draw(st.integers(0, 3)) == 0 else data


@FUZZ
@given(st.one_of(csv_files(), st.binary(max_size=300)))
def test_fuzz_csv_reader(data):
    items = run_reader(csv_records, data, "f.csv", DEFAULTS)
    check_items(items, "f.csv")


@st.composite
def txt_files(draw) -> bytes:
    head = [draw(GOOD["title"])]
    for _ in range(draw(st.integers(0, 4))):
        head.append(f"{draw(st.sampled_from(['Outlet', 'Published', 'Date', 'Lang', 'URL', 'id', 'Other']))}: "
                    f"{draw(st.one_of(TEXTY, DATES))}")
    body = draw(st.lists(PROSE, max_size=5))
    data = "\n".join(head + [""] + body).encode("utf-8", "surrogatepass")
    return _mutate(draw, data) if draw(st.integers(0, 3)) == 0 else data


@FUZZ
@given(st.one_of(txt_files(), st.binary(max_size=300)))
def test_fuzz_txt_reader(data):
    items = run_reader(txt_records, data, "f.txt", "f", PAGE_DEFAULTS)
    assert len(items) == 1  # one file, one article or one reject
    check_items(items, "f.txt")


MARK = "QQHIDDENQQ"
TAGS = ["p", "div", "article", "main", "section", "h1", "title", "span", "b", "a", "br", "li", "nav", "footer",
        "header", "aside", "svg", "iframe", "noscript", "template", "form", "table", "tr", "td", "xyz"]
HIDDEN = ["script", "style"]
ATTR = st.tuples(st.sampled_from(["class", "id", "onclick", "onload", "style", "href", "lang", "x"]),
                 st.text(alphabet=string.ascii_letters + " ;:()'=<>", max_size=12))


LEAF = st.one_of(st.sampled_from(SENTENCES + ["&amp;", "&lt;b&gt;", "&#x110000;", "&#0;", "&nbsp;", "&bogus;", "Київ",
                                              "", " ", "1e309 rockets", "\u200b"]), st.text(max_size=8))


def _attrs(pairs) -> str:
    return "".join(f' {k}="{v.replace(chr(34), "")}"' for k, v in pairs)


@st.composite
def elements(draw, depth=0) -> str:
    """Well-formed markup; script and style contents carry MARK, which must never reach the text."""
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(LEAF).replace("<", " ").replace("\ud800", "").replace("\udfff", "")
    if draw(st.integers(0, 5)) == 0:
        tag = draw(st.sampled_from(HIDDEN))
        return f"<{tag}{_attrs(draw(st.lists(ATTR, max_size=2)))}>var a = '{MARK}'; p {{ x: 1 }}</{tag}>"
    tag = draw(st.sampled_from(TAGS))
    kids = "".join(draw(st.lists(elements(depth + 1), max_size=3)))
    return f"<{tag}{_attrs(draw(st.lists(ATTR, max_size=2)))}>{kids}</{tag}>"


META = st.sampled_from(['<meta charset="utf-8">', '<meta charset="windows-1251">', '<meta charset="rot13">',
                        '<meta charset="utf-7">', '<meta property="article:published_time" content="2024-01-02">',
                        '<meta name="author" content="Wire">', '<meta name="date" content="garbage">',
                        '<meta property="og:title" content="OG title">', '<html lang="ru">', ""])
RAW = st.sampled_from(["<", "</", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml ?>", '<p title="',
                       "<script>", "</script>", "<style>", "&", "<a href='x", "\x00", "<\x00p>", "</p >"])


@st.composite
def pages(draw) -> str:
    title = draw(mostly(GOOD["title"].map(lambda t: f"<title>{t.replace('<', ' ')}</title>"), st.just("")))
    return ("<html><head>" + title + "".join(draw(st.lists(META, max_size=3))) + "</head><body>"
            + "".join(draw(st.lists(elements(), min_size=1, max_size=4))) + "</body></html>")


@FUZZ
@given(pages(), st.booleans())
def test_fuzz_html_reader_drops_scripts_and_styles(html, cp1252):
    data = html.encode("cp1252", "replace") if cp1252 else html.encode("utf-8", "replace")
    items = run_reader(html_records, data, "f.html", "f", PAGE_DEFAULTS)
    assert len(items) == 1
    check_items(items, "f.html")
    art = items[0][0]
    if art is not None:
        assert MARK not in art.text and MARK not in art.title


@FUZZ
@given(st.lists(st.one_of(RAW, elements(), TEXTY, META), max_size=8).map("".join), st.binary(max_size=40))
def test_fuzz_html_reader_on_broken_markup(html, junk):
    data = html.encode("utf-8", "surrogatepass") + junk
    items = run_reader(html_records, data, "f.html", "f", PAGE_DEFAULTS)
    assert len(items) == 1
    check_items(items, "f.html")


# ------------------------------------------------------------------------------------------- extractor
SPEAKERS = ["The governor", "Oleh Synehubov", "Russia's defence ministry", "Officials", "He", "The mayor of Kyiv",
            "Ukraine's air force", "Local Telegram channels", "A spokesman"]
VERBS = ["said", "told reporters", "claimed", "denied", "reported", "did not comment", "declined to comment on the toll"]
QUALS = ["", "at least ", "more than ", "about ", "up to ", "nearly ", "fewer than ", "between 3 and ", "some ", "over "]
NUMS = st.one_of(st.integers(-10, 10 ** 12).map(str), st.sampled_from(
    ["one", "three", "seventeen", "twenty-five", "a hundred", "two hundred and five", "a dozen", "dozens of",
     "several", "1e309", "1e-309", "999999999999999999999", "-5", "−5", "–5", "1,200", "1.5", "0", "3-5", "5–3",
     "10 to 20", "ten to twenty", "1,000,000,000", "NaN", "inf", "1e8", "1e9", "12.5 thousand", "3 million"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str))
UNITS = ["people", "rockets", "drones", "civilians", "children", "homes", "soldiers", "", "percent", "km", "years"]
EVENTS = ["were killed", "were injured", "were shot down", "were launched", "were damaged", "died", "", "in the attack"]
WHEN = ["", " on Tuesday", " yesterday", " on Jan. 2", " on 2024-01-02", " last night", " on Dec. 31, 2023",
        " on February 30", " on 2024-13-45", " two days ago", " on New Year's Day", " on Christmas"]
WHERE = ["", " in Kharkiv", " in Belgorod", " near Kyiv", " in the Pecherskyi district", " in Atlantis"]


@st.composite
def claim_sentences(draw) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(TEXTY)
    s = (f"{draw(st.sampled_from(SPEAKERS))} {draw(st.sampled_from(VERBS))} {draw(st.sampled_from(QUALS))}"
         f"{draw(NUMS)} {draw(st.sampled_from(UNITS))} {draw(st.sampled_from(EVENTS))}{draw(st.sampled_from(WHEN))}"
         f"{draw(st.sampled_from(WHERE))}")
    if draw(st.booleans()):
        s = s.replace(" ", draw(st.sampled_from(["  ", "\u00a0", "\t", " "])))
    return s + draw(st.sampled_from([".", "", "!", "?", "…", ". (Photo: Reuters)", ";"]))


ARTICLES = st.builds(
    lambda sents, seps, pub, outlet: Article("fz", outlet, pub, "T",
                                             "".join(s + seps[i % len(seps)] for i, s in enumerate(sents))),
    st.lists(claim_sentences(), min_size=1, max_size=6), st.lists(st.sampled_from([" ", "\n", "\n\n", "  "]), min_size=1),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY + timedelta(days=1)),
    st.sampled_from(["Wire", "Kyiv Wire Service", "Ukraine's air force", "", "Київ"]))


def check_claims(claims, article: Article):
    assert isinstance(claims, list)
    for c in claims:
        assert isinstance(c, Claim) and c.article_id == article.id
        for q in c.quantities:
            assert math.isfinite(q.low) and q.low >= 0, q
            assert q.high >= q.low and not math.isnan(q.high), q
            assert q.value is None or math.isfinite(q.value), q
        json.loads(json.dumps(c.to_dict(), allow_nan=False, default=str))


@FUZZ
@given(ARTICLES)
def test_fuzz_claim_extractor(extractor, article):
    try:
        claims = extractor.extract(article)
    except DiscrepError:
        return
    check_claims(claims, article)
