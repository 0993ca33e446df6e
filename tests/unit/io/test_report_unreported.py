"""The report's unreported facts: one line per fact, each silent source named once, the most salient first, and
facts under the report's least salience counted rather than listed."""
import re
from datetime import date

from discrep.io.report import render
from discrep.records.core import Article, Claim, Discrepancy, Incident, Quantity
from discrep.records.result import ScoreResult


def claim(cid, src, name, text, qs, kind="statement"):
    return Claim(cid, cid.split(":")[0], "Odesa Daily", date(2024, 3, 2), int(cid[-1]), text, src, source_name=name,
                 quantities=qs, kind=kind, incident_id="odesa")


def q(n, unit):
    return Quantity(n, n, n, unit, "killed", str(n), "exact")


def result():
    toll = claim("od-1:0", "kiper", "Governor Oleh Kiper", "Kiper said 12 people, including 3 children, were killed.",
                 [q(12, "people"), q(3, "children")])
    aside = claim("od-1:1", "kiper", "Governor Oleh Kiper", "Kiper said 2 boats were damaged.",
                  [Quantity(2, 2, 2, "boats", "damaged", "2", "exact")])
    mod = claim("od-2:0", "ru-mod", "Russian Defence Ministry", "The ministry made no mention of casualties.", [],
                kind="silence")
    rows = [Discrepancy("odesa", "kiper", b, "unreported", 0.9, "", toll, silence, {}, fact, salience)
            for b, silence, sal0 in (("ru-mod", mod, 0.8), ("daily", None, 0.45))
            for fact, salience in (("killed/people", sal0), ("killed/children", sal0 - 0.05))]
    rows.append(Discrepancy("odesa", "kiper", "daily", "unreported", 0.9, "", aside, None, {}, "damaged/boats", 0.05))
    inc = Incident("odesa", "Odesa, 2024-03-02: 12 killed", date(2024, 3, 2), None, ["Odesa"], ["kiper", "ru-mod"],
                   ["od-1:0", "od-1:1", "od-2:0"])
    arts = [Article("od-1", "Odesa Daily", date(2024, 3, 2), "Strike", "…"),
            Article("od-2", "Odesa Daily", date(2024, 3, 2), "Ministry", "…")]
    return ScoreResult(articles=arts, claims=[toll, aside, mod], incidents=[inc], discrepancies=rows)


def unreported_text(html: str) -> str:
    block = re.search(r"<details class='unreported'>.*?</details>", html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def test_each_silent_source_is_named_once_and_the_salient_facts_come_first():
    text = unreported_text(render(result()))
    assert text.count("Russian Defence Ministry") == 2  # "not reported by" once, its quoted silence once
    assert "not reported by Russian Defence Ministry, daily (salience 0.80)" in text
    assert text.count("The ministry made no mention of casualties.") == 1
    assert "5 times a fact was left unreported (2 facts; 1 less salient" in text
    assert "2 boats" not in text  # salience 0.05: counted, not listed


def test_min_salience_decides_what_the_report_lists():
    everything = unreported_text(render(result(), min_salience=0.0))
    assert "2 boats were damaged" in everything and "less salient" not in everything
    strict = unreported_text(render(result(), min_salience=0.7))
    assert "not reported by Russian Defence Ministry (salience 0.80); nor, less salient, by daily" in strict
