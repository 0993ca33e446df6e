"""report.html without a browser or a model: hand-built results, hostile article text, ranking,
matrix cells, conflict blocks and the chart, checked by parsing the HTML."""
from datetime import date
from html.parser import HTMLParser

from discrep.io.report import figures_section, highlight, render, safe_url
from discrep.records.core import Article, Claim, Discrepancy, Incident, Quantity, Reject
from discrep.records.result import ScoreResult
from discrep.stages.summarise import summarise

XSS = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"


class Page(HTMLParser):
    """Elements, attributes and visible text of a page, as a browser's parser would see them."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag=None, **attrs):
        return [a for t, a in self.tags if (tag is None or t == tag)
                and all(k in a and v in (a[k] or "").split() for k, v in attrs.items())]


def q(v, event="killed", text=None, low=None, high=None, qualifier="exact"):
    return Quantity(value=v, low=v if low is None else low, high=v if high is None else high, unit="people",
                    event=event, text=text or str(int(v)), qualifier=qualifier)


def claim(cid, art, src, text, quantities, outlet="Paper", day=2, name=None, kind="statement"):
    return Claim(claim_id=cid, article_id=art, outlet=outlet, published=date(2024, 1, day), sentence=0, text=text,
                 source=src, source_name=name or src.title(), source_type="government", party="ukraine",
                 quantities=quantities, events=["killed"], kind=kind, incident_id=None)


def build(hostile: bool = False) -> ScoreResult:
    """Two incidents: 'hot' with a contradiction (1 vs at least 3 killed) and an agreement, 'calm'
    with only an unreported fact; 'solo' with nothing to compare."""
    bad = XSS if hostile else ""
    arts = [Article("a1", "Ledger" + bad, date(2024, 1, 2), "Strike" + bad, "…", url="https://ex.org/a1?x=1&y=2"),
            Article("a2", "Wire", date(2024, 1, 3), "Toll rises", "…", url="javascript:alert(1)"),
            Article("a3", "Post", date(2024, 1, 3), "Calm", "…", url=None)]
    c1 = claim("a1:0", "a1", "gov", f"The governor said one person was killed.{bad}", [q(1, text="one")],
               outlet=arts[0].outlet, name="Governor" + bad)
    c2 = claim("a2:0", "a2", "mayor", "The mayor said at least three people were killed.",
               [q(3, text="at least three", high=float("inf"), qualifier="at_least")], day=3, outlet="Wire")
    c3 = claim("a2:1", "a2", "police", "Police said one person died.", [q(1, text="one")], day=3, outlet="Wire")
    c4 = claim("a3:0", "a3", "mayor", "The mayor said 12 houses were damaged.", [q(12, event="damaged", text="12")],
               day=3, outlet="Post")
    c5 = claim("a3:1", "a3", "army", "The army declined to comment.", [], day=3, outlet="Post", kind="silence")
    for c in (c1, c2, c3):
        c.incident_id = "hot"
    for c in (c4, c5):
        c.incident_id = "calm"
    solo = claim("a3:2", "a3", "post", "A quiet day in the port.", [], day=3, outlet="Post")
    solo.incident_id = "solo"
    ds = [Discrepancy("hot", "gov", "mayor", "contradict", 0.91, "killed: 1 (gov) vs ≥3 (mayor) — conflict", c1, c2),
          Discrepancy("hot", "gov", "police", "agree", 0.8, "killed: 1 (gov) vs 1 (police) — compatible", c1, c3),
          Discrepancy("hot", "mayor", "police", "contradict", 0.7, "killed: ≥3 (mayor) vs 1 (police) — conflict",
                      c2, c3),
          Discrepancy("calm", "mayor", "army", "unreported", 0.75, "damaged: 12 (mayor) vs nothing (army)", c4, c5)]
    incs = [Incident("calm", "Calm town, 2024-01-03: 12 damaged", date(2024, 1, 3), date(2024, 1, 3), ["Calm"],
                     ["mayor", "army"], ["a3:0", "a3:1"]),
            Incident("hot", "Hot city" + bad + ", 2024-01-02: 1 killed", date(2024, 1, 2), date(2024, 1, 2),
                     ["Hot" + bad], ["gov", "mayor", "police"], ["a1:0", "a2:0", "a2:1"]),
            Incident("solo", "Port, 2024-01-03", date(2024, 1, 3), None, [], ["post"], ["a3:2"])]
    return ScoreResult(articles=arts, claims=[c1, c2, c3, c4, c5, solo], incidents=incs, discrepancies=ds,
                       source_pairs=summarise(ds), rejects=[Reject("bad.jsonl:3" + bad, "no text" + bad)])


def test_hostile_text_is_escaped_everywhere():
    html = render(build(hostile=True), model_uri="models:/x" + XSS)
    page = Page(html)
    assert not page.find("script"), "an injected <script> element survived"
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)], "an on* handler attribute survived"
    assert not [a for a in page.find("img")], "an injected <img> survived"
    hrefs = [a["href"] for a in page.find("a")]
    assert all(h.startswith(("#", "https://")) for h in hrefs), hrefs  # javascript: URL dropped
    assert "https://ex.org/a1?x=1&y=2" in hrefs
    text = "".join(page.text)
    # the payload is still shown to the reader, as text, in titles, outlets, names, sentences, rejects
    assert text.count("<script>window.__pwned=1</script>") >= 6
    assert "onerror=" in text


def test_page_is_self_contained():
    html = render(build())
    page = Page(html)
    csp = [a["content"] for a in page.find("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]
    assert not page.find("link") and not page.find("script") and not page.find("iframe")
    assert not [a for a in page.find("img") if not a["src"].startswith("data:")]


def test_overview_ranks_disputed_incidents_first():
    page = Page(render(build()))
    rows = [a["data-incident"] for t, a in page.tags if t == "tr" and "data-incident" in a]
    assert rows == ["hot", "calm"]  # two contradictions before one unreported fact; 'solo' not compared
    sections = [a["data-incident"] for a in page.find("section")]
    assert sections == ["hot", "calm"]
    assert "1 incidents with a single source" in "".join(page.text)


def test_matrix_cells_say_who_contradicts_whom():
    html = render(build())
    page = Page(html)
    cells = page.find("td", **{"class": "cell"})
    labels = [c["data-label"] for c in cells if "data-label" in c]
    # hot: 3 sources -> 6 off-diagonal cells: gov-mayor, mayor-police contradict (4), gov-police agree (2)
    # calm: mayor states a fact army leaves unreported (1), the reverse was never compared (1)
    assert sorted(labels) == sorted(["contradict"] * 4 + ["agree"] * 2 + ["unreported", "none"])
    tips = [c["title"] for c in cells if c.get("data-label") == "unreported"]
    assert tips == ["Mayor vs Army: 0 contradict, 0 agree; 1 facts stated by Mayor that Army leaves unreported"]


def test_conflicts_show_both_figures_evidence_reason_score_and_links():
    html = render(build())
    page = Page(html)
    blocks = page.find("div", **{"class": "conflict"})
    assert [b["data-label"] for b in blocks] == ["contradict", "contradict", "agree"]  # surest contradiction first
    first = html.split("class='conflict contradict'", 1)[1].split("class='conflict", 1)[0]
    assert "1 killed" in first and "≥3 killed" in first
    assert "<mark>one</mark>" in first and "<mark>at least three</mark>" in first
    assert "killed: 1 (gov) vs ≥3 (mayor) — conflict" in first and "0.91" in first
    assert "href='https://ex.org/a1?x=1&amp;y=2'" in first
    assert "javascript:" not in html
    assert "The army declined to comment." in html  # the explicit silence is quoted


def test_chart_for_the_disputed_figure():
    html = render(build())
    svg = [s for s in html.split("<svg")[1:] if "class='chart'" in s]
    assert len(svg) == 1 and "killed: figure per source" in svg[0]
    assert svg[0].count("<circle") == 3  # governor 1, mayor ≥3, police 1
    assert "≥3" in svg[0]


def test_highlight_marks_figures_without_breaking_escaping():
    assert highlight("At least 39 <b>dead</b>, 7 & counting", ["At least 39"]) == \
        "<mark>At least 39</mark> &lt;b&gt;dead&lt;/b&gt;, <mark>7</mark> &amp; counting"
    # the input's own "&#39;" stays literal text: its & is escaped before anything is marked
    assert highlight("x&#39;s 5", []) == "x&amp;#<mark>39</mark>;s <mark>5</mark>"
    assert highlight(None) == ""


def test_safe_url():
    assert safe_url("https://a.org/x") == "https://a.org/x"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "https://a.org/\"onmouseover=x",
                "file:///etc/passwd", "", None):
        assert safe_url(bad) is None


def test_empty_result_and_figures_hook():
    html = render(ScoreResult())
    assert "No incidents" in html
    html = render(build(), figures=[{"incident_id": "hot", "event": "killed", "unit": "people", "low": 1,
                                     "best": 1, "high": 3, "n_sources": 3, "grade": "B" + XSS}])
    assert "id='figures'" in html and "<script>" not in html
    assert "&lt;script&gt;" in figures_section([{"incident_id": XSS}])


def test_ui_refuses_a_busy_port_with_a_clear_error(tmp_path):
    """`discrep ui` checks the port before starting the server (the browser test covers a real start)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = {**__import__("os").environ, "DISCREP_HOME": str(tmp_path)}
        env.pop("MLFLOW_TRACKING_URI", None)
        r = subprocess.run([sys.executable, "-m", "discrep.cli", "ui", "--port", str(port)], capture_output=True,
                           text=True, timeout=60, env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in r.stderr and "--port 0" in r.stderr


def test_bidi_overrides_cannot_reorder_the_page():
    """Issue 17: U+202E in an outlet reversed the rest of the line (date and title spoofed in Chromium)."""
    from discrep.io.report import esc

    res = build()
    res.articles[0].outlet = "Ledger\u202e\u2066 2024-01-09"
    res.articles[0].title = "الجزيرة: Strike"
    for c in res.claims:
        c.source_name = c.source_name + "\u202d\u2067"
    res.incidents[1].title = "Hot city \u202eevil"
    html = render(res)
    assert not any(ch in html for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067")
    assert "\u2068الجزيرة: Strike\u2069" in html  # right-to-left values are isolated, text and attributes alike
    assert esc("Wire") == "Wire" and esc("a\u202eb") == "ab" and esc("قتل") == "\u2068قتل\u2069"
    assert highlight("قتل 3") == "\u2068قتل <mark>3</mark>\u2069"


def test_reconciled_figures_show_the_incident_title_not_its_id():
    html = render(build(), figures=[{"incident_id": "hot", "event": "killed", "unit": "people", "low": 1,
                                     "best": 1, "high": 3, "n_sources": 3, "grade": "B"}])
    table = html[html.index("id='figures'"):html.index("</table>", html.index("id='figures'"))]
    assert "<td><a href='#inc-hot'>Hot city, 2024-01-02: 1 killed</a></td>" in table
    assert "<td>hot</td>" not in table
    assert "<td>orphan</td>" in figures_section([{"incident_id": "orphan"}], {})


def test_charts_per_unit_children_and_people_never_share_an_axis():
    r = build()
    c1, c2, c3 = r.claims[:3]
    c1.quantities.append(Quantity(value=2, low=2, high=2, unit="children", event="killed", text="two children"))
    c3.quantities.append(Quantity(value=5, low=5, high=5, unit="children", event="killed", text="five children"))
    page = Page(render(r, figures=None))
    charts = [a.get("aria-label") for a in page.find("svg", **{"class": "chart"})]
    assert charts == ["killed (people) per source over time", "killed (children) per source over time"]
    html = render(r)
    people = html[html.index("aria-label='killed (people)"):]
    people = people[:people.index("</svg>")]
    assert "two children" not in people and "five children" not in people


def test_the_page_is_a_template_with_autoescape_and_no_markup_in_python():
    """Issue 16 item 7: escaping is the template engine's default, not ~65 esc() calls to remember. The
    markup lives in templates/; report.py prepares data, and no template opts out of escaping."""
    import re
    from pathlib import Path

    from discrep.io import report

    tpl = report._template()
    assert tpl.environment.autoescape is True and tpl.environment.finalize is report._finalize
    sources = {p.name: p.read_text(encoding="utf-8") for p in Path(report.__file__).with_name("templates").glob("*.html")}
    assert set(sources) == {"report.html", "report_macros.html"}
    assert not any(re.search(r"\|\s*safe\b|autoescape\s+false", s) for s in sources.values())
    code = Path(report.__file__).read_text(encoding="utf-8")
    assert not re.findall(r"<(?:td|tr|div|span|section|details|svg|table|li|a) ", code)
    assert "bad <b>" not in render(build(), model_uri="bad <b>") and "bad &lt;b&gt;" in render(build(), model_uri="bad <b>")


def test_number_words_inside_compounds_are_not_figures():
    """A number joined to a word by a hyphen ("a nine-storey building") is not highlighted as a figure, also
    when the same word is a figure elsewhere in the sentence; a compound that is itself the figure is."""
    s = "Three people were killed in a nine-storey building and nine were injured."
    assert highlight(s, ["Three", "nine"]) == \
        "<mark>Three</mark> people were killed in a nine-storey building and <mark>nine</mark> were injured."
    assert highlight("a 14-year-old boy was among 3 dead", ["14-year-old"]) == \
        "a <mark>14-year-old</mark> boy was among <mark>3</mark> dead"
    assert highlight("a 3-day strike", []) == "a 3-day strike"


def test_the_header_and_the_input_section_count_the_same_rejects():
    from discrep.records.core import Reject
    from discrep.records.result import ScoreResult

    res = ScoreResult(rejects=[Reject("a.jsonl:1", "bad json", None, "error", "bad_json"),
                               Reject("b.html", "html in text", "b", "warning", "html_in_text")])
    html = render(res, "m")
    assert "Input not used (1), and 1 scored with a warning" in html
