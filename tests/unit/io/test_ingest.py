import json
from datetime import date

from discrep.io.ingest import IngestDefaults, html_to_text, read_articles
from discrep.records.core import Article


def test_reads_all_bundled_formats(root):
    arts, rejects = read_articles([root / "data" / "examples"])
    assert rejects == []
    ids = {a.id for a in arts}
    assert {"kharkiv-local", "belgorod-brief"} <= ids
    assert len({a.outlet for a in arts}) >= 3
    html_art = next(a for a in arts if a.id == "belgorod-brief")
    assert "<" not in html_art.text and "script" not in html_art.text.lower()
    assert html_art.published is not None and html_art.outlet


def test_jsonl_rejects_are_explained_and_duplicates_kept_once(tmp_path):
    p = tmp_path / "a.jsonl"
    good = {"id": "x1", "outlet": "O", "published": "2024-01-02", "title": "t", "text": "Some text here."}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "id": "x2", "text": "   "}),
             json.dumps({**good, "id": "x3", "published": "yesterday"}), json.dumps({k: v for k, v in good.items() if k != "outlet"}),
             json.dumps(good)]
    p.write_text("\n".join(lines) + "\n")
    arts, rejects = read_articles([p])
    assert [a.id for a in arts] == ["x1"]
    reasons = " | ".join(r.reason for r in rejects)
    assert len(rejects) == 5
    for frag in ("malformed JSON", "empty or whitespace", "not an ISO date", "missing required field(s): outlet",
                 "duplicate id"):
        assert frag in reasons
    assert all(":" in r.input for r in rejects)  # file:line


def test_csv_and_txt_with_cli_defaults(tmp_path):
    c = tmp_path / "a.csv"
    c.write_text("id,outlet,published,title,text\nc1,Wire,2024-01-02,T,\"Text, with comma.\"\n", encoding="utf-8-sig")
    t = tmp_path / "story.txt"
    t.write_text("A title\n\nBody sentence one. Body sentence two.\n")
    arts, rejects = read_articles([c, t], IngestDefaults(outlet="Local Paper", published=date(2024, 1, 3)))
    assert rejects == []
    by = {a.id: a for a in arts}
    assert by["c1"].text == "Text, with comma."
    assert by["story"].title == "A title" and by["story"].outlet == "Local Paper"
    assert by["story"].published == date(2024, 1, 3)


def test_html_drops_scripts_and_chrome():
    text, title, meta = html_to_text("<html><head><title>T</title><script>alert(1)</script></head><body>"
                                     "<nav>Home | World</nav><article><p>Seven rockets were shot down.</p>"
                                     "<p>One person was hurt.</p></article><footer>(c) paper</footer></body></html>")
    assert title == "T"
    assert text == "Seven rockets were shot down.\n\nOne person was hurt."


def test_article_roundtrip_dict():
    a = Article("i", "o", date(2024, 1, 2), "t", "x")
    assert a.to_dict()["published"] == "2024-01-02"
