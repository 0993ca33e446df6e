"""Bad input, case by case: each is rejected (or kept with a warning) with a clear reason, its
file:line, and a stable code in rejects.jsonl; run.json accounts for every record."""
import codecs
import json
from datetime import date

import pytest

from discrep.io.ingest import IngestDefaults, guess_language, parse_date, read_articles
from discrep.io.output import validate_dir
from discrep.records.core import Article
from tests.conftest import ROOT, run_cli

TODAY = date(2024, 6, 1)
BODY = "The regional governor said three people were killed and five were injured in the strike on Tuesday."


def rec(i="a1", **kw):
    r = {"id": i, "outlet": "Wire", "published": "2024-01-02", "title": "Strike on the city", "text": BODY}
    r.update(kw)
    return r


def write_jsonl(path, records, sep=b"\n"):
    path.write_bytes(sep.join(r if isinstance(r, bytes) else json.dumps(r).encode() for r in records) + sep)
    return path


def read(paths, **kw):
    arts, rej = read_articles(paths if isinstance(paths, list) else [paths], IngestDefaults(today=TODAY, **kw))
    return arts, [r for r in rej if r.severity == "error"], [r for r in rej if r.severity == "warning"]


def only(rejects, code):
    hits = [r for r in rejects if r.code == code]
    assert len(hits) == 1, [(r.code, r.reason) for r in rejects]
    return hits[0]


def quick_pipeline():
    """A real DiscrepPipeline with a model-free embedder and a small classifier (seconds, no MLflow)."""
    from discrep.api import DiscrepPipeline
    from discrep.model.classifier import PairClassifier
    from discrep.model.embedder import HashingEmbedder
    from discrep.model.features import PairFeaturizer
    from discrep.stages.extract import ClaimExtractor
    from tests.unit.model.test_classify import _pairs

    ex = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"), places_path=str(ROOT / "data" / "places.yaml"))
    pairs, y = _pairs(ex)
    clf = PairClassifier(PairFeaturizer(groups=("numeric", "events", "polarity", "lexical", "meta")), calibration=None)
    return DiscrepPipeline(extractor=ex, embedder=HashingEmbedder(), classifier=clf.fit(pairs, y))


@pytest.fixture(scope="module")
def pipe():
    return quick_pipeline()


# ------------------------------------------------------------------------------------------- JSON
def test_malformed_json_line_is_rejected_with_its_line_and_the_rest_kept(tmp_path):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("a1"), b'{"id": "a2", "outlet": "Wire", "te', rec("a3"),
                                           b"[" * 100_000, b'{"id": ' + b"9" * 5000 + b"}", rec("a4")])
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["a1", "a3", "a4"]
    assert [(r.input, r.code) for r in errs] == [(f"{p}:2", "bad_json"), (f"{p}:4", "bad_json"), (f"{p}:5", "bad_json")]
    assert "Unterminated string" in errs[0].reason and "column" in errs[0].reason
    assert "RecursionError" in errs[1].reason or "nest" in errs[1].reason.lower()


def test_json_array_file_and_not_an_object(tmp_path):
    p = tmp_path / "feed.json"
    p.write_text(json.dumps([rec("j1"), [1, 2], "text", rec("j2")], indent=2))
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["j1", "j2"]
    assert [(r.input, r.code) for r in errs] == [(f"{p}[1]", "not_an_object"), (f"{p}[2]", "not_an_object")]
    assert "record is a JSON array" in errs[0].reason


@pytest.mark.parametrize("field,value,code,fragment", [
    ("outlet", None, "missing_field", "missing required field(s): outlet"),
    ("title", "   ", "missing_field", "missing required field(s): title"),
    ("published", "", "missing_field", "missing required field(s): published"),
    ("id", 1.5, "bad_type", "field 'id' must be a string or an integer, got number 1.5"),
    ("id", True, "bad_type", "got boolean True"),
    ("id", {"x": 1}, "bad_type", "got object"),
    ("id", "x" * 300, "bad_field", "field 'id' has 300 characters"),
    ("text", ["a", "b"], "bad_type", "field 'text' must be a string, got array"),
    ("outlet", 7, "bad_type", "field 'outlet' must be a string, got integer 7"),
    ("url", 12, "bad_type", "field 'url' must be a string"),
    ("lang", ["en"], "bad_type", "field 'lang' must be a string"),
    ("published", 20240102, "bad_date", "published must be an ISO date string, got 20240102"),
    ("title", "T" * 5000, "too_large", "field 'title' has 5,000 characters"),
])
def test_missing_or_mistyped_fields(tmp_path, field, value, code, fragment):
    r = rec("m1")
    if value is None:
        del r[field]
    else:
        r[field] = value
    p = write_jsonl(tmp_path / "f.jsonl", [r, rec("ok")])
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["ok"]
    e = only(errs, code)
    assert fragment in e.reason and e.input == f"{p}:1"


# ------------------------------------------------------------------------------------------- encodings
def test_jsonl_bad_bytes_reject_only_their_line_and_boms_are_handled(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_bytes(codecs.BOM_UTF8 + json.dumps(rec("b1")).encode() + b"\n"
                  + json.dumps(rec("b2", title="Caf\u00e9")).encode().replace(b"\\u00e9", b"\xe9") + b"\n"
                  + codecs.BOM_UTF8 + json.dumps(rec("b3")).encode() + b"\r\n")
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["b1", "b3"]
    e = only(errs, "bad_encoding")
    assert e.input == f"{p}:2" and "not valid UTF-8" in e.reason and "0xe9" in e.reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_with_bom_are_read(tmp_path, codec):
    text = "\n".join(json.dumps(rec(f"u{i}", title="Київ"), ensure_ascii=False) for i in range(3)) + "\n"
    p = tmp_path / "f.jsonl"
    bom = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[codec]
    p.write_bytes(bom + text.encode(codec))
    arts, errs, _ = read(p)
    assert [a.title for a in arts] == ["Київ"] * 3 and errs == []


def test_csv_bad_bytes_lose_one_row_and_bom_header_is_read(tmp_path):
    p = tmp_path / "f.csv"
    rows = [b"id,outlet,published,title,text", b"c1,Wire,2024-01-02,T,\"" + BODY.encode() + b"\"",
            b"c2,Wire,2024-01-02,Caf\xe9,\"" + BODY.encode() + b"\"", b"c3,Wire,2024-01-02,T,\"" + BODY.encode() + b"\"",
            b"c4,Wire,2024-01-02,T,text,extra"]
    p.write_bytes(codecs.BOM_UTF8 + b"\r\n".join(rows) + b"\r\n")
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["c1", "c3"]
    assert [(r.input, r.code) for r in errs] == [(f"{p}:3", "bad_encoding"), (f"{p}:5", "bad_csv")]
    assert "row has 6 fields, the header 5" in errs[1].reason


def test_csv_missing_columns_and_empty_file(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("id,title,text\nx,T,Body\n")
    q = tmp_path / "empty.csv"
    q.write_bytes(b"")
    arts, errs, _ = read([p, q])
    assert arts == []
    assert "CSV header lacks column(s): outlet, published" in only(errs, "missing_field").reason
    assert only(errs, "empty_file").input == str(q)


def test_txt_not_utf8_is_rejected_but_html_is_decoded_by_its_charset(tmp_path):
    t = tmp_path / "story.txt"
    t.write_bytes("Title\nOutlet: Wire\nPublished: 2024-01-02\n\n".encode() + "Caf\u00e9 ".encode("cp1252") + BODY.encode())
    h = tmp_path / "page.html"
    h.write_bytes(('<html><head><meta charset="windows-1251"><title>Удар по місту</title>'
                   '<meta name="author" content="Wire"><meta property="article:published_time" content="2024-01-02">'
                   f'</head><body><article><p>{BODY}</p></article></body></html>').encode("cp1251"))
    g = tmp_path / "guess.html"
    g.write_bytes(('<html><head><title>Caf\u00e9</title><meta name="author" content="Wire">'
                   '<meta property="article:published_time" content="2024-01-02"></head>'
                   f'<body><p>Caf\u00e9. {BODY}</p></body></html>').encode("cp1252"))
    arts, errs, warns = read([t, h, g])
    assert only(errs, "bad_encoding").input == str(t)
    assert "not valid UTF-8" in errs[0].reason and "re-encode it as UTF-8" in errs[0].reason
    by = {a.id: a for a in arts}
    assert by["page"].title == "Удар по місту"
    assert by["guess"].title == "Café"  # kept, with a warning that the encoding was guessed
    assert "decoded as Windows-1252" in only(warns, "bad_encoding").reason


def test_lone_surrogates_are_replaced_with_a_warning(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text('{"id": "s1", "outlet": "Wire", "published": "2024-01-02", "title": "T \\ud800", '
                 f'"text": "{BODY} \\udfff"}}\n')
    arts, errs, warns = read(p)
    assert errs == [] and arts[0].text.endswith("\ufffd") and "\ufffd" in arts[0].title
    assert "title, text" in only(warns, "invalid_unicode").reason
    arts[0].text.encode("utf-8")  # writable


# ------------------------------------------------------------------------------------------- empty / large
@pytest.mark.parametrize("text", ["", "   \n\t ", "\u200b\u200b", "...", "\n\n\n"])
def test_empty_or_whitespace_text(tmp_path, text):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("e1", text=text)])
    _, errs, _ = read(p)
    e = errs[0]
    assert e.code in ("empty_text", "missing_field") and e.input == f"{p}:1"
    assert "empty" in e.reason or "missing required field(s): text" in e.reason


def test_blank_and_empty_files(tmp_path):
    (tmp_path / "blank.jsonl").write_text("\n\n   \n")
    (tmp_path / "empty.txt").write_text("  \n")
    _, errs, _ = read(tmp_path)
    assert sorted(r.code for r in errs) == ["empty_file", "empty_text"]


def test_ten_megabyte_article_is_rejected_with_the_limit_named(tmp_path):
    big = ("Officials said three people were killed. " * 250_000)[:10_000_000]
    p = write_jsonl(tmp_path / "f.jsonl", [rec("big", text=big), rec("small")])
    t = tmp_path / "big.txt"
    t.write_text("Title\nOutlet: Wire\nPublished: 2024-01-02\n\n" + big)
    arts, errs, _ = read([p, t])
    assert [a.id for a in arts] == ["small"]
    assert [r.code for r in errs] == ["too_large", "too_large"]
    assert "text has 10,000,000 characters, over the limit of 2,000,000" in errs[0].reason
    arts, errs, _ = read(p, max_text_chars=20_000_000)  # the limit is a setting (--max-chars)
    assert [a.id for a in arts] == ["big", "small"]


def test_line_over_the_byte_limit_is_not_read(tmp_path):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("a", text=BODY * 50), rec("b")])
    arts, errs, _ = read(p, max_record_bytes=2000)
    assert [a.id for a in arts] == ["b"]
    assert errs[0].input == f"{p}:1" and "over 2,000 bytes; not read" in errs[0].reason


# ------------------------------------------------------------------------------------------- duplicates
def test_duplicate_ids_keep_the_first_and_report_the_rest(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [rec("d1", text=BODY + " First."), rec("d2"), rec("d1", text=BODY + " Second.")])
    c = tmp_path / "b.csv"
    c.write_text(f'id,outlet,published,title,text\nd2,Other,2024-01-02,T,"{BODY}"\nd3,Other,2024-01-02,T,"{BODY}"\n')
    arts, errs, _ = read([p, c])
    assert [a.id for a in arts] == ["d1", "d2", "d3"]
    assert arts[0].text.endswith("First.")
    assert [(r.input, r.code, r.id) for r in errs] == [(f"{p}:3", "duplicate_id", "d1"),
                                                        (f"{c}:2", "duplicate_id", "d2")]
    assert "the first one was kept" in errs[0].reason


def test_a_rejected_record_does_not_claim_its_id(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [rec("d1", published="never"), rec("d1")])
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["d1"] and [r.code for r in errs] == ["bad_date"]


# ------------------------------------------------------------------------------------------- HTML
HOSTILE_HTML = """<!DOCTYPE html><html lang="en"><head><title>Strike on the city</title>
<meta name="author" content="Wire"><meta property="article:published_time" content="2024-01-02T09:30:00Z">
<style>body { color: red } .x::after { content: "STYLE-LEAK" }</style>
<script>document.write("SCRIPT-LEAK")</script><script src="https://evil.example/x.js"></script></head>
<body onload="alert('ONLOAD-LEAK')"><nav>NAV-LEAK</nav>
<article><p>The regional governor said three people were killed.</p>
<script>var s = "</p>INLINE-SCRIPT-LEAK";</script><noscript>NOSCRIPT-LEAK</noscript>
<p onclick="alert(1)">Five were injured, <b>officials</b> said.<!-- COMMENT-LEAK --></p>
<iframe src="https://evil.example">IFRAME-LEAK</iframe><p>&lt;script&gt;alert("quoted")&lt;/script&gt; was posted.</p>
<svg><script>SVG-LEAK</script></svg><style>p { x: 1 }</style></article>
<footer>FOOTER-LEAK</footer></body></html>"""


def test_html_with_scripts_and_styles_keeps_only_article_text(tmp_path):
    h = tmp_path / "hostile.html"
    h.write_text(HOSTILE_HTML)
    arts, errs, warns = read(h)
    assert errs == [] and warns == []
    a = arts[0]
    assert "LEAK" not in a.text and "alert(1)" not in a.text and "color" not in a.text
    assert a.text.startswith("The regional governor said three people were killed.")
    assert "Five were injured, officials said." in a.text
    assert '<script>alert("quoted")</script> was posted.' in a.text  # entities are text, not markup
    assert a.published == date(2024, 1, 2) and a.outlet == "Wire" and a.lang == "en"


def test_html_inside_a_jsonl_text_field_is_converted_with_a_warning(tmp_path):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("h1", text=f"<p>{BODY}</p><script>steal()</script><style>p{{}}</style>"),
                                           rec("h2", text="<script>only()</script><style>x{}</style>")])
    arts, errs, warns = read(p)
    assert [a.text for a in arts] == [BODY]
    assert only(warns, "html_in_text").input == f"{p}:1"
    assert only(errs, "empty_text").reason.startswith("text is empty or whitespace only after removing HTML markup")


# ------------------------------------------------------------------------------------------- dates
@pytest.mark.parametrize("value,expected", [
    ("2024-01-02", date(2024, 1, 2)), ("2024-01-02T23:59:59+03:00", date(2024, 1, 2)),
    ("2024-01-02T10:00:00.123456789Z", date(2024, 1, 2)), ("Tue, 02 Jan 2024 10:00:00 +0000", date(2024, 1, 2)),
])
def test_dates_that_parse(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "31/31/2024", "2024-13-01", "2024-01-02garbage", "0", "x" * 500,
                                   "2024-02-30"])
def test_unparseable_dates_are_rejected(tmp_path, value):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("d", published=value)])
    _, errs, _ = read(p)
    e = only(errs, "bad_date")
    assert "published is not" in e.reason and len(e.reason) < 200


def test_future_and_implausibly_old_dates_are_rejected(tmp_path):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("f1", published="2024-06-02"), rec("f2", published="2024-06-03"),
                                           rec("f3", published="2999-01-01"), rec("f4", published="1850-01-01"),
                                           rec("f5", published="0001-01-01"), rec("f6", published="9999-12-31")])
    arts, errs, _ = read(p)
    assert [a.id for a in arts] == ["f1"]  # one day of slack for time zones
    assert [r.code for r in errs] == ["future_date", "future_date", "bad_date", "bad_date", "bad_date"]
    assert "published date 2024-06-03 is in the future (today is 2024-06-01)" == errs[0].reason
    assert "before 1900-01-01" in errs[2].reason
    assert "out of range (1000–2999)" in errs[3].reason and "out of range" in errs[4].reason


def test_parse_date_refuses_edge_dates_that_would_overflow_date_arithmetic():
    import datetime as dt

    for v in ("0001-01-01", "9999-12-31", dt.date.max, dt.datetime.min):
        with pytest.raises(ValueError, match="out of range"):
            parse_date(v)


# ------------------------------------------------------------------------------------------- language
RUSSIAN = ("Губернатор области сообщил, что в результате удара погибли три человека, ещё пятеро получили ранения. "
           "На месте работают спасатели.")
SPANISH = ("El gobernador regional dijo que tres personas murieron y cinco resultaron heridas durante el ataque "
           "del martes contra la ciudad, según fuentes oficiales locales.")


def test_unknown_language_warns_by_default_and_is_rejected_by_config(tmp_path):
    p = write_jsonl(tmp_path / "f.jsonl", [rec("l1", lang="ru", text=RUSSIAN), rec("l2", text=RUSSIAN),
                                           rec("l3", text=SPANISH), rec("l4", lang="en-GB"), rec("l5")])
    arts, errs, warns = read(p)
    assert [a.id for a in arts] == ["l1", "l2", "l3", "l4", "l5"] and errs == []
    assert [(w.id, w.code) for w in warns] == [("l1", "unknown_language"), ("l2", "unknown_language"),
                                               ("l3", "unknown_language")]
    assert "language 'ru' is not supported (supported: en); scored anyway" in warns[0].reason
    assert "(detected: ru)" in warns[1].reason and "(detected: es)" in warns[2].reason
    arts, errs, warns = read(p, unknown_lang="reject")
    assert [a.id for a in arts] == ["l4", "l5"]
    assert [(r.id, r.code) for r in errs] == [("l1", "unknown_language"), ("l2", "unknown_language"),
                                              ("l3", "unknown_language")]
    assert errs[0].reason.endswith("rejected (--unknown-lang reject)")


GERMAN = ("Nach Angaben der Behörden wurden bei dem Angriff in der Nacht zum Dienstag mindestens zwölf Menschen "
          "getötet, die Rettungskräfte suchen weiter in den Trümmern.")
FRENCH = ("Selon les autorités régionales, au moins douze personnes ont été tuées lorsqu'un missile a frappé un "
          "immeuble résidentiel mardi soir, et les secours fouillaient encore les décombres.")
UKRAINIAN = ("За словами обласної влади, щонайменше дванадцять людей загинули, коли ракета влучила в житловий "
             "будинок у вівторок увечері, рятувальники досі розбирають завали.")


def test_language_guess_tells_german_french_ukrainian_and_russian_from_english():
    """The function-word count called German and French paragraphs English (issue 16); Ukrainian and
    Russian were only "Cyrillic script"."""
    assert [guess_language(t) for t in (GERMAN, FRENCH, UKRAINIAN, RUSSIAN, SPANISH)] == ["de", "fr", "uk", "ru", "es"]


def test_language_guess_does_not_flag_the_bundled_english_examples():
    arts, rej = read_articles([ROOT / "data" / "examples"])
    assert rej == [] and len(arts) == 14
    assert {guess_language(a.text) for a in arts} == {"en"}
    assert guess_language("Short.") is None


def test_bad_policy_is_a_clear_error():
    from discrep.errors import InputError

    with pytest.raises(InputError, match="unknown_lang must be one of warn, reject"):
        IngestDefaults(unknown_lang="maybe")


# ------------------------------------------------------------------------------------------- paths
def test_missing_paths_unsupported_files_and_empty_folders(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.md").write_text("not an article")
    (tmp_path / "in" / ".hidden.jsonl").write_text("{broken")
    (tmp_path / "empty").mkdir()
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"PK")
    arts, errs, warns = read([tmp_path / "in", tmp_path / "empty", tmp_path / "nope.jsonl", doc])
    assert arts == []
    assert [(r.code, r.input) for r in errs] == [
        ("empty_folder", str(tmp_path / "in")), ("empty_folder", str(tmp_path / "empty")),
        ("not_found", str(tmp_path / "nope.jsonl")), ("unsupported_file", str(doc))]
    assert [(w.code, w.input) for w in warns] == [("unsupported_file", str(tmp_path / "in" / "notes.md"))]


# ------------------------------------------------------------------------------------------- scoring
def _mixed_inputs(tmp_path):
    bad = tmp_path / "bad.jsonl"
    write_jsonl(bad, [rec("g1"), b"{oops", rec("g1"), rec("n1", text=5), rec("w1", text="   "),
                      rec("f1", published="2999-01-01"), rec("r1", lang="ru", text=RUSSIAN),
                      rec("x1", text="Officials said 1e309 rockets were fired and 999999999999999999999 people were "
                                     "killed, while −5 people were injured."),
                      rec("neg", text="The governor said -3 people were killed and 4 were injured in the attack.")])
    return [ROOT / "data" / "examples", bad, tmp_path / "missing.csv"]


def test_score_accounts_for_every_input_and_explains_absurd_numbers(tmp_path, pipe):
    from discrep.engines.files import score_files

    out = tmp_path / "out"
    s = score_files(_mixed_inputs(tmp_path), out, pipeline=pipe, defaults=IngestDefaults(today=TODAY), quiet=True)
    assert validate_dir(out) == []
    run = json.loads((out / "run.json").read_text())
    assert run["read"] == run["scored"] + run["rejected"] == 14 + 9 + 1
    assert run["scored"] == 14 + 4 and run["rejected"] == 6
    assert run["rejected_by_code"] == {"bad_json": 1, "duplicate_id": 1, "bad_type": 1, "empty_text": 1,
                                       "future_date": 1, "not_found": 1}
    rejects = [json.loads(l) for l in (out / "rejects.jsonl").read_text().splitlines()]
    assert all(r["input"] and r["reason"] and r["code"] for r in rejects)
    figs = {r["id"]: r["reason"] for r in rejects if r["code"] == "implausible_figure"}
    assert "'1e309', '999999999999999999999', '−5'" in figs["x1"] and "'-3'" in figs["neg"]
    claims = [json.loads(l) for l in (out / "claims.jsonl").read_text().splitlines()]
    qs = [q for c in claims if c["article_id"] in ("x1", "neg") for q in c["quantities"]]
    assert qs and all(0 <= q["low"] <= 1e8 for q in qs)  # only the plausible "4 were injured" survives
    assert {q["value"] for q in qs} == {4.0}
    assert s["warnings"] == sum(r["severity"] == "warning" for r in rejects) == 3


def test_an_extractor_crash_on_one_article_rejects_only_that_article(pipe):
    from discrep.api import DiscrepPipeline

    class Fragile:
        def __init__(self, inner):
            self.inner, self.places_path = inner, inner.places_path

        def extract(self, a):
            if a.id == "boom":
                raise IndexError("list index out of range")
            return self.inner.extract(a)

    p2 = DiscrepPipeline(extractor=Fragile(pipe.extractor), embedder=pipe.embedder, classifier=pipe.classifier)
    arts = [Article("ok", "Wire", date(2024, 1, 2), "T", BODY, origin="f:1"),
            Article("boom", "Wire", date(2024, 1, 2), "T", BODY, origin="f:2")]
    res = p2.score(arts)
    assert [a.id for a in res.articles] == ["ok"] and res.claims
    assert [(r.input, r.code, r.severity) for r in res.rejects] == [("f:2", "extraction_failed", "error")]
    assert "IndexError: list index out of range" in res.rejects[0].reason
    assert res.counts()["rejects"] == 1


def test_cli_exits_nonzero_only_when_nothing_could_be_scored(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [b"{oops", rec("e", text=" "), rec("f", published="2999-01-01")])
    out = tmp_path / "out"
    r = run_cli(["score", str(bad), str(tmp_path / "nope.csv"), "--out", str(out), "--quiet"], tmp_path / "home",
                timeout=300)
    assert r.returncode == 2
    assert ("error: nothing could be scored: all 4 input(s) were rejected (1 bad json, 1 empty text, "
            "1 future date, 1 not found)") in r.stderr
    assert "Traceback" not in r.stderr and "no trained" not in r.stderr  # no model needed to say so
    run = json.loads((out / "run.json").read_text())
    assert run["read"] == run["rejected"] == 4 and run["scored"] == 0
    assert len((out / "rejects.jsonl").read_text().splitlines()) == 4
    r = run_cli(["score", str(tmp_path / "empty-dir-that-is-missing"), "--out", str(out)], tmp_path / "home")
    assert r.returncode == 2 and "all 1 input(s) were rejected (1 not found)" in r.stderr


def test_cli_scores_good_inputs_beside_bad_ones(trained_home, tmp_path):
    out = tmp_path / "out"
    r = run_cli(["score", *map(str, _mixed_inputs(tmp_path)), "--out", str(out), "--quiet"], trained_home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "inputs rejected" in r.stdout
    assert validate_dir(out) == []
    run = json.loads((out / "run.json").read_text())
    assert run["read"] == run["scored"] + run["rejected"] and run["rejected"] >= 6
