"""The salience of unreported facts (stages.salience) and --min-salience in the graph's finish stage, on hand-built
incidents: no model."""
from datetime import date
from types import SimpleNamespace

import pytest

from discrep import graph
from discrep.records.core import Claim, Discrepancy, Incident, Quantity
from discrep.stages.independence import SourceIndependence
from discrep.stages.salience import REPORT_MIN_SALIENCE, keep, score_unreported, silence_about

IID = "2023-12-30-belgorod"


def killed(n):
    return Quantity(value=n, low=n, high=n, unit="people", event="killed", text=str(n), qualifier="exact")


def claim(cid, outlet, src, text, qs=(), party=None, stype="media", kind="statement", events=("killed",),
          topic=None):
    art = cid.split(":")[0]
    return Claim(claim_id=cid, article_id=art, outlet=outlet, published=date(2023, 12, 30), sentence=int(cid[-1]),
                 text=text, source=src, source_name=src, source_type=stype, party=party, quantities=list(qs),
                 events=list(events), kind=kind, silent_source=src if kind == "silence" else None, topic=topic,
                 incident_id=IID)


def unreported(a: Claim, source_b: str, b: Claim | None = None) -> Discrepancy:
    return Discrepancy(IID, a.source, source_b, "unreported", 0.9, "", a, b,
                       {"agree": 0.0, "contradict": 0.0, "neutral": 0.1, "unreported": 0.9}, "killed/people")


@pytest.fixture()
def incident():
    """Gladkov (Russia) and Russia's emergencies ministry give the toll; Ukrainian officials (a party of the other
    side) decline to comment on the attack; an unrelated outlet, the Eastern Dispatch, writes about damage only."""
    gladkov = claim("bt-1:0", "Border Telegraph", "gladkov", "Governor Vyacheslav Gladkov said 25 people were killed.",
                    [killed(25)], party="russia", stype="government")
    emerg = claim("kw-1:0", "Kyiv Wire Service", "ru-emergencies", "Russia's emergencies ministry said 18 were killed.",
                  [killed(18)], party="russia", stype="government")
    refusal = claim("bt-1:1", "Border Telegraph", "ua-officials", "Ukrainian officials declined to comment on the attack.",
                    party="ukraine", stype="official", kind="silence", events=("attack",), topic="the attack")
    outlet = claim("ed-1:0", "Eastern Dispatch", "eastern-dispatch", "Several houses were damaged, the paper found.",
                   [Quantity(value=None, low=2, high=9, unit="houses", event="damaged", text="several")],
                   events=("damaged",))
    claims = [gladkov, emerg, refusal, outlet]
    return SimpleNamespace(claims=claims, gladkov=gladkov, emerg=emerg, refusal=refusal, outlet=outlet,
                           indep=SourceIndependence().fit(None, claims))


def test_a_partys_explicit_refusal_ranks_above_an_unrelated_outlets_silence(incident):
    declined = unreported(incident.gladkov, "ua-officials", incident.refusal)
    left_out = unreported(incident.gladkov, "eastern-dispatch")
    agree = Discrepancy(IID, "gladkov", "ru-emergencies", "agree", 0.8, "", incident.gladkov, incident.emerg)
    score_unreported([declined, left_out, agree], incident.claims, incident.indep)
    assert declined.salience > left_out.salience
    assert declined.salience >= REPORT_MIN_SALIENCE > left_out.salience  # the report lists the one, counts the other
    assert agree.salience is None  # only unreported rows are ranked
    assert 0.0 <= left_out.salience <= declined.salience <= 1.0


def test_a_silent_party_of_the_other_side_ranks_above_an_outlet_and_above_its_own_camp(incident):
    ua = claim("kw-2:0", "Kyiv Wire Service", "ua-air-force", "The air force said 10 rockets were shot down.",
               [Quantity(value=10, low=10, high=10, unit="rockets", event="shot_down", text="10")], party="ukraine",
               stype="military", events=("shot_down",))
    claims = [*incident.claims, ua]
    indep = SourceIndependence().fit(None, claims)
    other_side = unreported(incident.gladkov, "ua-air-force")
    own_camp = unreported(incident.gladkov, "ru-emergencies")
    outlet = unreported(incident.gladkov, "eastern-dispatch")
    score_unreported([other_side, own_camp, outlet], claims, indep)
    assert other_side.salience > own_camp.salience
    assert other_side.salience > outlet.salience


def test_more_independent_sources_stating_a_fact_rank_it_higher(incident):
    two = unreported(incident.gladkov, "eastern-dispatch")
    score_unreported([two], incident.claims, incident.indep)
    alone = [c for c in incident.claims if c is not incident.emerg]
    one = unreported(incident.gladkov, "eastern-dispatch")
    score_unreported([one], alone, SourceIndependence().fit(None, alone))
    assert two.salience > one.salience


def test_an_outlet_whose_article_quotes_the_fact_has_not_left_it_out(incident):
    left_out = unreported(incident.gladkov, "eastern-dispatch")
    score_unreported([left_out], incident.claims, incident.indep)
    quoted = claim("ed-1:1", "Eastern Dispatch", "gladkov", "Gladkov put the toll at 25.", [killed(25)],
                   party="russia", stype="government")
    claims = [*incident.claims, quoted]
    carried = unreported(incident.gladkov, "eastern-dispatch")
    score_unreported([carried], claims, SourceIndependence().fit(None, claims))
    assert carried.salience < left_out.salience / 2


def test_a_refusal_about_a_detail_is_no_silence_on_the_fact(incident):
    detail = claim("bt-1:2", "Border Telegraph", "ua-officials", "The shelling went on for hours, said the spokesman, "
                   "who declined to give his name in line with military rules.", kind="silence", events=(),
                   party="ukraine", stype="official")
    assert silence_about(incident.refusal, incident.gladkov, {"killed/people"})
    assert not silence_about(detail, incident.gladkov, {"killed/people"})
    general = unreported(incident.gladkov, "ua-officials", incident.refusal)
    aside = unreported(incident.gladkov, "ua-officials", detail)
    score_unreported([general, aside], incident.claims, incident.indep)
    assert general.salience > aside.salience


def test_finish_leaves_out_unreported_rows_under_min_salience_and_counts_every_fact(incident):
    parts = graph.Parts(SimpleNamespace(places_path=None, registry=None), None, None)
    inc = Incident(IID, "Belgorod", date(2023, 12, 30), date(2023, 12, 30), ["Belgorod"],
                   ["gladkov", "ru-emergencies", "ua-officials", "eastern-dispatch"],
                   [c.claim_id for c in incident.claims])

    def judged():
        return [unreported(incident.gladkov, "ua-officials", incident.refusal),
                unreported(incident.gladkov, "eastern-dispatch"),
                Discrepancy(IID, "gladkov", "ru-emergencies", "contradict", 0.7, "", incident.gladkov, incident.emerg,
                            {}, "killed/people")]

    full = graph.finish(parts, incident.claims, [inc], judged(), incident.indep)
    cut = full.discrepancies[0].salience
    assert cut > full.discrepancies[1].salience
    parts.min_salience = cut
    short = graph.finish(parts, incident.claims, [inc], judged(), incident.indep)
    assert [(d.label, d.source_b) for d in short.discrepancies] == [("unreported", "ua-officials"),
                                                                   ("contradict", "ru-emergencies")]
    assert [p.to_dict() for p in short.source_pairs] == [p.to_dict() for p in full.source_pairs]
    assert keep(full.discrepancies[1], None) and not keep(full.discrepancies[1], cut)
