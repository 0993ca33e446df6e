"""Source independence: reprints and relayed statements are one source (no embedder needed)."""
from datetime import date

import pytest

from discrep.io.ingest import read_articles
from discrep.records.core import Article, Claim, Discrepancy, Quantity
from discrep.stages.independence import SourceIndependence, containment, shingles, statement_key
from discrep.stages.summarise import summarise
from discrep.text.numbers import find_numbers
from tests.conftest import ROOT

STORY = ("Russian missiles struck residential areas of the city on Tuesday morning, killing four people and injuring "
         "twenty, the regional governor said. Rescue crews were still searching two damaged apartment blocks for "
         "people trapped under debris, the emergency service said. The defence ministry said it had hit military "
         "targets and that every designated target had been struck. Power and water were cut in three districts "
         "while engineers inspected the damaged substations.")
OTHER = ("Four people died and twenty were hurt when missiles hit homes in the city, the governor told reporters. "
         "Emergency workers searched the ruins of two buildings through the night. Moscow said only military sites "
         "were targeted. Several districts lost electricity and running water after the strike.")


def art(id_, outlet, text, day=2):
    return Article(id_, outlet, date(2024, 1, day), id_, text)


def _qualifier(text):
    m = find_numbers(text)
    return m[0].qualifier if m else "exact"


def claim(cid, outlet, source, text="x", qs=(), kind="statement", party=None, source_type="government",
          published=date(2024, 1, 2), incident="inc", places=(), polarity="affirmed", topic=None):
    return Claim(claim_id=cid, article_id=cid.split(":")[0], outlet=outlet, published=published, sentence=0,
                 text=text, source=source, source_name=source, source_type=source_type, party=party,
                 quantities=[Quantity(value=lo if hi == lo else None, low=lo, high=hi, unit=u, event=e, text=t,
                                      qualifier=_qualifier(t)) for e, u, lo, hi, t in qs], kind=kind, incident_id=incident, places=list(places),
                 polarity=polarity, topic=topic, silent_source=source if kind == "silence" else None)


def test_shingle_containment_is_robust_to_added_sentences():
    a = shingles(STORY, 5)
    b = shingles(STORY + " The Border Telegraph could not verify the figures independently.", 5)
    assert containment(a, b) == 1.0
    assert containment(shingles(STORY, 5), shingles(OTHER, 5)) < 0.05


def test_bundled_reprints_found_with_direction():
    arts, _ = read_articles([ROOT / "data" / "examples"])
    ind = SourceIndependence().fit(arts)
    got = {(s.article_id, s.original_id) for s in ind.syndications_}
    assert got == {("ed-003", "nl-001"), ("bt-001", "ed-001"), ("bt-003", "kws-003")}
    credited = {s.article_id for s in ind.syndications_ if s.credited}
    assert credited == {"bt-003"}  # "Reporting by Kyiv Wire Service."
    assert all(s.similarity > 0.9 for s in ind.syndications_)


def test_same_event_in_other_words_is_not_a_reprint():
    ind = SourceIndependence().fit([art("a", "Paper A", STORY), art("b", "Paper B", OTHER)])
    assert ind.syndications_ == []


def test_edited_reprint_found_and_short_texts_never_called_copies():
    sents = STORY.split(". ")
    edited = ". ".join(sents[:2] + sents[3:]) + " Reporting by Paper A. Photo: a damaged block."
    ind = SourceIndependence().fit([art("a", "Paper A", STORY), art("b", "Paper B", edited, day=2)])
    assert [(s.article_id, s.original_id, s.credited) for s in ind.syndications_] == [("b", "a", True)]
    short = "Two people were killed, the governor said."
    assert SourceIndependence().fit([art("c", "P", short), art("d", "Q", short)]).syndications_ == []
    # the credit line names the original even when the copy is the shorter, earlier-listed text
    ind = SourceIndependence().fit([art("b", "Paper B", ". ".join(sents[:3]) + ". Reporting by Paper A."),
                                    art("a", "Paper A", STORY)])
    assert [(s.article_id, s.original_id) for s in ind.syndications_] == [("b", "a")]


def test_earlier_publication_is_the_original():
    ind = SourceIndependence().fit([art("late", "Paper B", STORY, day=3), art("early", "Paper A", STORY + " More.", day=2)])
    assert [(s.article_id, s.original_id) for s in ind.syndications_] == [("late", "early")]


def test_provenance_chains_of_reprints_and_relays():
    arts = [art("orig", "Paper A", STORY), art("copy", "Paper B", STORY + " Reporting by Paper A.")]
    gov = "killing four people and injuring twenty, the regional governor said"
    claims = [
        claim("orig:0", "Paper A", "governor", "Russian missiles struck residential areas of the city on Tuesday "
              "morning, " + gov + ".", [("killed", "people", 4, 4, "four")]),
        claim("orig:3", "Paper A", "paper-a", "Power and water were cut in three districts while engineers inspected "
              "the damaged substations.", source_type="media"),
        claim("copy:0", "Paper B", "governor", "Russian missiles struck residential areas of the city on Tuesday "
              "morning, " + gov + ".", [("killed", "people", 4, 4, "four")]),
        claim("copy:3", "Paper B", "paper-b", "Power and water were cut in three districts while engineers inspected "
              "the damaged substations.", source_type="media"),
        claim("copy:4", "Paper B", "paper-b", "Reporting by Paper A and the wires.", source_type="media"),
    ]
    ind = SourceIndependence().fit(arts, claims)
    p = {c.claim_id: ind.provenance(c) for c in claims}
    assert p["copy:0"].origin == "governor" and p["copy:0"].copy_of == "orig:0"
    assert p["copy:0"].chain == ["Paper B", "Paper A (reprinted)", "governor"]
    assert p["orig:0"].chain_text == "Paper A → governor" and p["orig:0"].relayed
    assert p["copy:3"].origin == "paper-a"  # the outlet's own sentence, reprinted: the original outlet's evidence
    assert p["copy:4"].origin == "paper-b" and p["copy:4"].copy_of is None  # a line the copy added
    assert ind.statement_key(claims[1]) == ind.statement_key(claims[3])
    assert ind.duplicate_claim_pairs(claims) == {("copy:0", "orig:0")}


def test_relayed_figure_is_one_statement_but_another_figure_is_not():
    a = claim("x:0", "Paper A", "gladkov", "Gladkov said one person was killed.", [("killed", "people", 1, 1, "one")])
    b = claim("y:0", "Paper B", "gladkov", "One person died, Governor Gladkov said.", [("killed", "people", 1, 1, "One")])
    c = claim("z:0", "Paper C", "gladkov", "Gladkov said two people were killed.", [("killed", "people", 2, 2, "two")])
    assert statement_key(a) == statement_key(b) != statement_key(c)
    ind = SourceIndependence().fit([], [a, b, c])
    assert ind.duplicate_claim_pairs([a, b, c]) == {("x:0", "y:0")}


def _d(a, b, label, score=0.9):
    return Discrepancy("inc", a.source, b.source if b is not None else "tg", label, score, "", a, b)


def test_summarise_counts_relayed_evidence_once_and_reprints_under_their_original():
    g1 = claim("x:0", "Paper A", "gladkov", "Gladkov said one person was killed.", [("killed", "people", 1, 1, "one")])
    g2 = claim("y:0", "Paper B", "gladkov", "One person died, Gladkov said.", [("killed", "people", 1, 1, "One")])
    tg = claim("y:1", "Paper B", "tg", "Channels said at least two died.", [("killed", "people", 2, float("inf"), "2")],
               source_type="media")
    plain = summarise([_d(g1, tg, "contradict"), _d(g2, tg, "contradict"), _d(tg, g1, "contradict")])
    assert [(s.source_a, s.source_b, s.n_contradict) for s in plain] == [("gladkov", "tg", 1)]
    # the reprint case: a copy's own line agreeing with the original's line is not an agreement
    arts = [art("orig", "Paper A", STORY), art("copy", "Paper B", STORY + " Reporting by Paper A.")]
    line = "Power and water were cut in three districts while engineers inspected the damaged substations."
    o = claim("orig:3", "Paper A", "paper-a", line, source_type="media")
    c = claim("copy:3", "Paper B", "paper-b", line, source_type="media")
    ind = SourceIndependence().fit(arts, [o, c])
    assert summarise([_d(c, o, "agree")], ind) == []
    assert [(s.source_a, s.source_b, s.n_agree) for s in summarise([_d(c, o, "agree")])] == [("paper-a", "paper-b", 1)]


@pytest.mark.parametrize("threshold,expected", [(0.3, 1), (0.6, 0)])
def test_containment_threshold_is_a_parameter(threshold, expected):
    """Two shared sentences of five: a reprint under a lax threshold, not under a strict one."""
    sents = STORY.split(". ")
    half = ". ".join(sents[:2]) + ". " + OTHER
    ind = SourceIndependence(min_containment=threshold).fit([art("a", "A", STORY), art("b", "B", half)])
    assert len(ind.syndications_) == expected


def test_reprints_found_from_claims_alone():
    """A streaming engine keeps claims, not articles: the claims' sentences stand in for the text."""
    from discrep.evaluation.reconcile_gold import gold_claims

    arts, _ = read_articles([ROOT / "data" / "examples"])
    ind = SourceIndependence().fit(None, gold_claims(ROOT / "data" / "gold", arts))
    assert {(s.article_id, s.original_id) for s in ind.syndications_} == \
        {("ed-003", "nl-001"), ("bt-001", "ed-001"), ("bt-003", "kws-003")}


def test_part_of_collapses_a_speaker_into_its_organisation():
    from discrep.text.sources import Source, SourceRegistry

    reg = SourceRegistry([Source("ua-interior", "Interior Ministry", "government", "ukraine"),
                          Source("klymenko", "Ihor Klymenko", "person", None)])
    reg.sources["klymenko"].part_of = "ua-interior"  # the field data/sources.yaml may carry
    a = claim("x:0", "Paper A", "klymenko", "Klymenko said 5 were killed.", [("killed", "people", 5, 5, "5")],
              source_type="person")
    b = claim("y:0", "Paper B", "ua-interior", "The ministry said 5 were killed.", [("killed", "people", 5, 5, "5")])
    ind = SourceIndependence(registry=reg).fit([], [a, b])
    p = ind.provenance(a)
    assert (p.origin, p.origin_name, p.origin_type, p.origin_party) == ("ua-interior", "Interior Ministry",
                                                                        "government", "ukraine")
    assert ind.statement_key(a) == ind.statement_key(b)
    assert SourceIndependence(registry=SourceRegistry(list(reg.sources.values())[:1])).fit([], [a]).origin(a) == "klymenko"
