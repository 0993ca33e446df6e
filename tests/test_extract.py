from datetime import date

from discrep.extract import split_sentences
from discrep.types import Article

PUB = date(2024, 1, 2)


def one(extractor, text):
    return extractor.extract_sentence(text, "Test Wire", PUB)


def test_attribution_canonical_and_quantities(extractor):
    c = one(extractor, "Belgorod Governor Vyacheslav Gladkov said that 25 civilians had been killed and more than "
                       "110 injured.")
    assert c.source == "gladkov"
    got = {(q.event, q.low, q.high if q.high != float("inf") else None) for q in c.quantities}
    assert ("killed", 25, 25) in got and ("injured", 111, None) in got


def test_according_to_and_shot_down(extractor):
    c = one(extractor, "According to Russia's defence ministry, air defences shot down a total of 17 rockets over "
                       "the region.")
    assert c.source == "ru-mod"
    q = c.quantities[0]
    assert (q.event, q.unit, q.low, q.high) == ("shot_down", "rockets", 17, 17)


def test_silence_names_the_silent_source(extractor):
    c = one(extractor, "Officials in Kyiv have yet to comment on the reported attacks.")
    assert c.kind == "silence"
    assert c.silent_source == "ua-officials"


def test_pronoun_and_role_resolve_to_last_named_speaker(extractor):
    art = Article("t1", "Test Wire", PUB, "t",
                  "Mr. Gladkov said one person was killed in the shelling on Tuesday.\n\n"
                  "Several homes were damaged by debris, he added.")
    cs = extractor.extract(art)
    assert [c.source for c in cs] == ["gladkov", "gladkov"]
    assert cs[0].date == date(2024, 1, 2)  # "on Tuesday" against a Tuesday publication


def test_dates_resolve_against_publication(extractor):
    assert one(extractor, "The governor said the attack on Dec. 30 killed 25 people.").date == date(2023, 12, 30)
    assert one(extractor, "Officials said two people were killed overnight.").date == PUB


def test_captions_and_repeats_are_not_claims(extractor):
    cap = "Firefighters at a damaged warehouse in Kyiv. (Press service/Handout via Reuters)"
    art = Article("t2", "Test Wire", PUB, "t", f"{cap}\n\n{cap}\n\nThe mayor said three people were killed.")
    cs = extractor.extract(art)
    assert len(cs) == 1 and "three" in cs[0].text


def test_sentence_split_keeps_abbreviations():
    s = split_sentences("Mr. Putin spoke on Jan. 1 in Moscow. He said more. U.S. officials declined to comment.")
    assert s == ["Mr. Putin spoke on Jan. 1 in Moscow.", "He said more.", "U.S. officials declined to comment."]
