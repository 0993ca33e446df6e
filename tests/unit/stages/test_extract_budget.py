"""Claim extraction cannot be stalled by one input (issue 17, finding 6), and figures written the way the
rest of the world writes them (finding 13)."""
import time
from datetime import date

from discrep.records.core import Article
from discrep.stages.extract import ClaimExtractor, split_sentences
from discrep.stages.guard import extract_guarded, implausible_figures
from discrep.text.numbers import find_numbers

NUMS = ["three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
PLACES = ["Kyiv", "Kharkiv", "Odesa", "Lviv", "Dnipro", "Sumy", "Belgorod"]


def _sentence(chars: int, dates: bool = False) -> str:
    """One unpunctuated sentence that never repeats a phrase (repeats would be deduplicated)."""
    out, i = [], 0
    while sum(map(len, out)) < chars:
        if dates:
            out.append(f"on {1 + i % 28} January {2000 + i % 24} and ")
        else:
            out.append(f"{NUMS[i % 10]} people killed in {PLACES[i % 7]} {i} ")
        i += 1
    return "".join(out)


def _guarded(text: str, **kw):
    return extract_guarded(ClaimExtractor(), [Article("x", "Wire", date(2024, 1, 5), "T", text)], **kw)


def test_a_huge_unpunctuated_sentence_is_cut_and_extracted_in_linear_time():
    """Before: 400,000 characters of "three people killed in Kyiv …" took 21-30 s (quadratic)."""
    from discrep.stages.extract import MAX_SENTENCE_CHARS

    for dates in (False, True):
        text = _sentence(400_000, dates)
        t = time.perf_counter()
        ok, claims, notes = _guarded(text)
        assert time.perf_counter() - t < 15, dates
        assert ok and claims
        assert [n.code for n in notes if n.code == "long_sentence"] == ["long_sentence"]
        assert all(len(c.text) <= MAX_SENTENCE_CHARS for c in claims)


def test_cap_sentence_keeps_every_word():
    from discrep.stages.extract import MAX_SENTENCE_CHARS, cap_sentence

    s = _sentence(10_000)
    pieces = cap_sentence(s)
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces) and " ".join(pieces).split() == s.split()
    assert cap_sentence("x" * 5000) == ["x" * 2000, "x" * 2000, "x" * 1000]


def test_split_sentences_is_linear_on_abbreviation_runs():
    t = time.perf_counter()
    assert len(split_sentences("Mr. " * 100_000)) == 1
    assert time.perf_counter() - t < 5


def test_an_article_past_its_time_budget_is_rejected_and_the_run_goes_on():
    slow = " ".join(f"The governor said {n} people were killed in {p}." for n in NUMS for p in PLACES) * 20
    ok, claims, notes = extract_guarded(ClaimExtractor(), [Article("slow", "Wire", date(2024, 1, 5), "T", slow),
                                                           Article("fast", "Wire", date(2024, 1, 5), "T",
                                                                   "The governor said three people were killed.")],
                                        seconds=1e-4)
    assert [(n.id, n.code) for n in notes if n.severity == "error"] == [("slow", "extraction_timeout")]
    assert [a.id for a in ok] in (["fast"], [])  # the short one fits even a tiny budget on a fast machine
    ok, _, notes = extract_guarded(ClaimExtractor(), [Article("slow", "Wire", date(2024, 1, 5), "T", slow)])
    assert [a.id for a in ok] == ["slow"] and not notes


def test_space_grouped_thousands_are_one_figure():
    for text in ("3 000 people were killed", "3\u00a0000 people were killed", "3\u202f000 people were killed"):
        assert [(n.value, n.low, n.high) for n in find_numbers(text)] == [(3000, 3000, 3000)], text
    assert [n.value for n in find_numbers("In 2024 100 people died")] == [2024, 100]
    assert [n.value for n in find_numbers("15 000 killed and 2 500 injured")] == [15000, 2500]


def test_powers_are_not_two_figures():
    assert find_numbers("10^9 people were killed") == []
    assert implausible_figures("Officials said 10^9 people were killed.") == ["10^9"]
    assert implausible_figures("Officials said 2^3 people were killed.") == []
