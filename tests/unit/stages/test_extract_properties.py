"""Property-based tests: the extractor never raises, and every figure is a well-formed interval.

Arbitrary Unicode alone rarely reaches the deep paths (attribution, dates, figures), so the
strategies also build "news-like" text from the words those paths react to, in random order.
"""
import math
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discrep.records.core import Article
from discrep.stages.extract import ClaimExtractor
from discrep.text.dates import find_dates, resolve
from discrep.text.numbers import find_numbers, words_to_number
from tests.conftest import ROOT

EX = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"), places_path=str(ROOT / "data" / "places.yaml"))
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VOCAB = ["said", "told", "according to", "he", "she", "it", "they", "added", "the governor", "the ministry",
         "Mr. Gladkov", "Russia's defence ministry", "Officials in Kyiv", "Moscow", "Kyiv", "Ukraine", "Belgorod",
         "Belgorod region", "Pecherskyi district", "Ukrainian cities", "at least", "more than", "up to", "about",
         "nearly", "all", "between", "and", "to", "dozens", "several", "a dozen", "a hundred", "seventeen",
         "twenty-five", "one", "two", "0", "1", "39", "110", "1,200", "999999999999", "10:30", "S-300", "15-year-old",
         "killed", "injured", "wounded", "shot down", "intercepted", "fired", "launched", "damaged", "destroyed",
         "people", "civilians", "children", "missiles", "drones", "rockets", "homes", "of them", "of which",
         "including", "the death toll", "rose to", "the number of", "on Tuesday", "Friday's", "Dec. 30",
         "30 December 2023", "a day earlier", "three days after", "the following day", "overnight", "yesterday",
         "in February 2022", "on New Year's Day", "Feb. 30", "has not commented", "declined to comment",
         "made no mention of", "reportedly", "could not independently verify", "denied", "no one was", ",", ".",
         ";", "—", "“", "”", "\"", "(", ")", "'s", "\n\n", "Photo:", "(AP Photo)", "Speaking at", "which", "who",
         "in a statement", "citing residents", "In", "On", "the capital", "across the country", "by", "was", "were"]

news_text = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=40).map(" ".join)
any_text = st.one_of(st.text(max_size=300), news_text,
                     st.tuples(news_text, st.text(max_size=60), news_text).map(lambda t: "".join(t)))
pub_dates = st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))


def _check_quantities(claim):
    for q in claim.quantities:
        assert not math.isnan(q.low) and not math.isnan(q.high)
        assert 0 <= q.low <= q.high, (q, claim.text)
        assert q.text and q.text in claim.text


@SETTINGS
@given(text=any_text, published=pub_dates)
def test_extract_sentence_never_raises_and_intervals_are_ordered(text, published):
    c = EX.extract_sentence(text, "Hypothesis Wire", published)
    _check_quantities(c)
    assert c.kind in ("statement", "silence") and c.polarity in ("affirmed", "negated", "hedged")
    assert c.source


@SETTINGS
@given(paras=st.lists(any_text, min_size=1, max_size=6), published=pub_dates)
def test_extract_article_never_raises(paras, published):
    claims = EX.extract(Article("h", "Hypothesis Wire", published, "t", "\n\n".join(paras)))
    ids = [c.claim_id for c in claims]
    assert len(ids) == len(set(ids))
    for c in claims:
        _check_quantities(c)
        if c.date is not None:
            assert isinstance(c.date, date)


@SETTINGS
@given(text=any_text)
def test_find_numbers_intervals(text):
    for m in find_numbers(text):
        assert 0 <= m.low <= m.high and text[m.start:m.end] == m.text


@SETTINGS
@given(text=any_text, published=pub_dates, anchor=pub_dates)
def test_dates_never_raise(text, published, anchor):
    for m in find_dates(text):
        d = resolve(m, published, anchor)
        assert d is None or isinstance(d, date)


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 ("two hundred and five", "forty-two thousand")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " and " + _words(n % 100))
    return _words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + _words(n % 1000))


@settings(max_examples=1000, deadline=None)
@given(n=st.integers(min_value=0, max_value=999_999))
def test_number_words_round_trip(n):
    assert words_to_number(_words(n)) == n


QUALS = {"at least": lambda n: (n, math.inf), "more than": lambda n: (n + 1, math.inf), "up to": lambda n: (1, n),
         "": lambda n: (n, n), "all": lambda n: (n, n)}


@settings(max_examples=1000, deadline=None)
@given(qual=st.sampled_from(sorted(QUALS)), n=st.integers(min_value=2, max_value=5000),
       unit=st.sampled_from(["people", "civilians", "children"]), verb=st.sampled_from(["killed", "injured"]),
       speaker=st.sampled_from([("Mr. Gladkov", "gladkov"), ("Ukraine's air force", "ua-air-force"),
                                ("Officials in Moscow", "ru-officials")]))
def test_qualified_figures_become_their_interval(qual, n, unit, verb, speaker):
    figure = f"{qual} {n:,}".strip()
    c = EX.extract_sentence(f"{speaker[0]} said {figure} {unit} were {verb} on Tuesday.", "Wire", date(2024, 1, 2))
    assert c.source == speaker[1]
    assert [(q.event, q.unit, q.low, q.high) for q in c.quantities] == [(verb, unit, *QUALS[qual](n))]
    assert c.date == date(2024, 1, 2)
