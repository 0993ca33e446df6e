import math
from datetime import date

import pytest

from discrep.records.core import Article
from discrep.stages.extract import ClaimExtractor, split_sentences

PUB = date(2024, 1, 2)  # a Tuesday


def one(extractor, text, pub=PUB):
    return extractor.extract_sentence(text, "Test Wire", pub)


def article(extractor, *paras, pub=PUB, outlet="Test Wire"):
    return extractor.extract(Article("t", outlet, pub, "t", "\n\n".join(paras)))


def qset(c):
    return {(q.event, q.unit, q.low, None if math.isinf(q.high) else q.high) for q in c.quantities}


# ------------------------------------------------------------------ attribution
def test_attribution_canonical_and_quantities(extractor):
    c = one(extractor, "Belgorod Governor Vyacheslav Gladkov said that 25 civilians had been killed and more than "
                       "110 injured.")
    assert c.source == "gladkov" and c.source_text == "Belgorod Governor Vyacheslav Gladkov"
    assert qset(c) == {("killed", "civilians", 25, 25), ("injured", "people", 111, None)}


def test_according_to_and_shot_down(extractor):
    c = one(extractor, "According to Russia's defence ministry, air defences shot down a total of 17 rockets over "
                       "the region.")
    assert c.source == "ru-mod"
    assert qset(c) == {("shot_down", "rockets", 17, 17)}


def test_nested_report_is_filed_under_the_outer_speaker(extractor):
    c = one(extractor, "Ukrainian officials said Russia fired more than 110 missiles and nearly 40 drones across the "
                       "country on Friday.")
    assert c.source == "ua-officials"
    assert qset(c) == {("launched", "missiles", 111, None), ("launched", "drones", 36, 40)}
    # "citing" is where the speaker got it from, not the speaker
    c = one(extractor, "Local Telegram channels reported that at least two people had died, citing residents.")
    assert c.source == "local-telegram" and qset(c) == {("killed", "people", 2, None)}


def test_apposition_passive_agent_and_subordinate_clause(extractor):
    c = one(extractor, "Serhiy Popko, the head of the administration, said air defences had destroyed about 10 "
                       "Kinzhal hypersonic missiles.")
    assert (c.source, c.source_text) == ("kyiv-cma", "Serhiy Popko")
    assert qset(c) == {("shot_down", "missiles", 9, 11)}  # destroyed by air defences = shot down
    c = one(extractor, "Video posted by residents showed cars on fire near a shopping centre.")
    assert c.source == "residents"
    c = one(extractor, "Russian missiles struck Kyiv on Tuesday morning, a day after President Vladimir Putin "
                       "promised that the attack would not go unpunished.")
    assert c.source == "test-wire" and c.source_text is None  # Putin's promise is not the report's source
    assert c.polarity == "affirmed"  # "would not go unpunished" negates no event


def test_pronoun_and_role_resolve_to_last_named_speaker(extractor):
    cs = article(extractor, "Mr. Gladkov said one person was killed in the shelling on Tuesday.",
                 "Several homes were damaged by debris, he added.",
                 "Russia's defence ministry said 17 rockets had been intercepted.",
                 "It went on to claim that the attack had been thwarted.",
                 "The governor said the rockets had been fired from Ukrainian territory.")
    assert [c.source for c in cs] == ["gladkov", "gladkov", "ru-mod", "ru-mod", "gladkov"]
    assert cs[0].date == date(2024, 1, 2)  # "on Tuesday" against a Tuesday publication
    assert qset(cs[1]) == {("damaged", "homes", 3, 9)}


def test_part_of_makes_the_ministry_the_ministers(extractor):
    cs = article(extractor, "Interior Minister Ihor Klymenko said seven people were killed in Chernihiv on Saturday.",
                 "Fifteen children were among the wounded, according to the ministry.", pub=date(2023, 8, 20))
    assert [c.source for c in cs] == ["klymenko", "ua-interior"]
    assert qset(cs[1]) == {("injured", "children", 15, 15)}


def test_metonym_speaks_but_is_not_a_place(extractor):
    c = one(extractor, "Moscow denied that residential areas had been targeted in the attack.")
    assert (c.source, c.polarity) == ("ru-officials", "negated")
    assert "Moscow" not in c.places
    c = one(extractor, "Russian missiles hit a hotel in Moscow, killing two people.")
    assert c.places == ["Moscow"] and c.source == "test-wire"


def test_unknown_speaker_gets_a_stable_slug_and_registry_is_user_data(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: odesa-gov\n    name: Oleh Kiper\n    type: government\n    party: ukraine\n"
        "    aliases: [Oleh Kiper, Kiper]\n    roles: [governor]\n", encoding="utf-8")
    (tmp_path / "places.yaml").write_text(
        "places:\n  Odesa: {aliases: [Odessa], type: city, country: Ukraine}\n"
        "  Ukraine: {aliases: [], type: country, demonym: Ukrainian}\n", encoding="utf-8")
    ex = ClaimExtractor(sources_path=str(tmp_path / "sources.yaml"), places_path=str(tmp_path / "places.yaml"))
    cs = ex.extract(Article("a", "Port News", date(2023, 7, 23), "t",
                            "Regional governor Oleh Kiper said 22 people were wounded in Odessa overnight.\n\n"
                            "The governor said rescuers were still at the scene.\n\n"
                            "Mykola Petrenko, a local official, said the cathedral had been hit."))
    assert [c.source for c in cs] == ["odesa-gov", "odesa-gov", "mykola-petrenko"]
    assert cs[0].places == ["Odesa"] and cs[0].date == date(2023, 7, 23)


def test_silence_names_the_silent_source(extractor):
    c = one(extractor, "Officials in Kyiv, for their part, have yet to comment on the reported attacks.")
    assert (c.kind, c.silent_source, c.source) == ("silence", "ua-officials", "ua-officials")
    c = one(extractor, "Russia's defence ministry, which said it had hit defence industry targets across Ukraine, "
                       "made no mention of Kharkiv.")
    assert (c.kind, c.silent_source) == ("silence", "ru-mod") and c.places == ["Kharkiv"]


def test_hedges(extractor):
    assert one(extractor, "The Border Telegraph could not verify either account of the death toll.").polarity == "hedged"
    assert one(extractor, "The strikes were reportedly aimed at military facilities, Ukrainian media said.").polarity \
        == "hedged"
    assert one(extractor, "Officials said no one was killed in the attack on Tuesday.").polarity == "negated"


# ------------------------------------------------------------------ figures
@pytest.mark.parametrize("text,expected", [
    ("The death toll rose to 35, including six children, the governor said.",
     {("killed", "people", 35, 35), ("killed", "children", 6, 6)}),
    ("The number of people killed in the Dec. 30 attack has risen to 25, including five children, officials said.",
     {("killed", "people", 25, 25), ("killed", "children", 5, 5)}),
    ("Russia launched 33 missiles at Ukraine on Saturday, 21 of which were intercepted, the air force said.",
     {("launched", "missiles", 33, 33), ("shot_down", "missiles", 21, 21)}),
    ("At least 84 others, 10 of them children, were wounded, the service said.",
     {("injured", "people", 84, None), ("injured", "children", 10, 10)}),
    ("The channels also said more than a dozen rockets had been shot down over Belgorod.",
     {("shot_down", "rockets", 13, None)}),
    ("Russia's defence ministry said 17 Vampire rockets launched from Ukrainian territory had been intercepted.",
     {("shot_down", "rockets", 17, 17)}),
    ("Ukrainian forces shelled Shebekino with more than 40 rounds, damaging several houses.",
     {("launched", "shells", 41, None), ("damaged", "homes", 3, 9)}),
    ("A six-year-old girl and a 15-year-old boy were among the dead in the S-300 strike at 10:30 on 1/2/2024.", set()),
    ("One of the targets was a hotel that is one of the oldest in the city.", set()),
])
def test_figures(extractor, text, expected):
    assert qset(one(extractor, text)) == expected


# ------------------------------------------------------------------ dates and places
def test_dates_resolve_against_publication_and_story(extractor):
    assert one(extractor, "The governor said the attack on Dec. 30 killed 25 people.").date == date(2023, 12, 30)
    assert one(extractor, "Officials said two people were killed overnight.").date == PUB
    cs = article(extractor,
                 "Russia's defence ministry said on Sunday that its forces had hit Kharkiv on Saturday evening.",
                 "Russia had launched its largest air assault a day earlier, killing dozens of people.",
                 "Ukrainian officials declined to comment on the attack.",
                 "The shelling came three days after the attack on Belgorod that Gladkov says killed 25 people.",
                 "Moscow has repeatedly denied that it targets civilians.",
                 pub=date(2023, 12, 31))
    assert [c.date for c in cs] == [date(2023, 12, 30), date(2023, 12, 29), date(2023, 12, 30),
                                    date(2023, 12, 27), None]
    assert cs[3].source == "gladkov" and cs[4].places == []  # generic statement: no time, no place


def test_speech_date_is_not_event_date(extractor):
    cs = article(extractor, "Russian missiles hit Kyiv on Tuesday morning, killing two people.",
                 "On Saturday, the ministry had accused Ukraine of firing cluster munitions at Belgorod.",
                 "Speaking at a Moscow military hospital on New Year's Day, Mr. Putin described the attack as terror.")
    assert cs[0].date == PUB
    assert cs[1].date == date(2023, 12, 30)  # the accusation predates the story: its own day
    assert cs[2].date == PUB and "Moscow" not in cs[2].places  # speech setting: neither date nor place


def test_places_normalised_and_actors_dropped(extractor):
    c = one(extractor, "Klitschko wrote on Telegram that debris had ruptured a gas main in the Pecherskyi district.")
    assert c.places == ["Kyiv"]
    c = one(extractor, "Russia fired 122 missiles and 36 drones at Ukraine overnight, Ukraine's air force said.")
    assert c.places == ["Ukraine"]
    c = one(extractor, "Russia had launched its largest air assault of the war on Ukrainian cities.")
    assert c.places == ["Ukraine"]
    c = one(extractor, "Kharkiv, Ukraine's second-largest city, came under attack on Tuesday.")
    assert c.places == ["Kharkiv"]
    c = one(extractor, "Ukrainian forces fired rockets at Russia's Belgorod region, Russian officials said.")
    assert c.places == ["Belgorod"]
    c = one(extractor, "Russia's U.N. ambassador accused Ukraine of deliberately firing at civilians in Belgorod.")
    assert c.places == ["Belgorod"]


def test_story_places_carry_over_but_not_into_asides(extractor):
    cs = article(extractor, "Russian missiles hit Kyiv on Tuesday morning, killing two people.",
                 "In Kharkiv, the governor said dozens had been injured.",
                 "The ministry made no mention of civilian casualties.",
                 "Officials in Kyiv did not respond to requests for comment.")
    assert [c.places for c in cs] == [["Kyiv"], ["Kharkiv"], ["Kyiv"], ["Kyiv"]]


# ------------------------------------------------------------------ captions, credits, repeats
def test_captions_credits_and_repeats_are_not_claims(extractor):
    cap = "Firefighters at a damaged warehouse in Kyiv. (Press service/Handout via Reuters)"
    lede = "The mayor said three people were killed in Kyiv on Tuesday."
    cs = article(extractor, cap, cap, lede, lede, "Reuters contributed to this report.",
                 "Photo: rescuers at the site on Jan. 2, 2024.", "Reporting by Test Wire staff.")
    assert [c.text for c in cs] == [lede]


def test_sentence_split_keeps_abbreviations():
    s = split_sentences("Mr. Putin spoke on Jan. 1 in Moscow. He said more. U.S. officials declined to comment.")
    assert s == ["Mr. Putin spoke on Jan. 1 in Moscow.", "He said more.", "U.S. officials declined to comment."]
