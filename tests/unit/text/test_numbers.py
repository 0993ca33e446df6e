import math

import pytest

from discrep.text.numbers import find_numbers, gap, overlap, words_to_number


@pytest.mark.parametrize("text,low,high,qual", [
    ("at least 39 people", 39, math.inf, "at_least"),
    ("more than 110 injured", 111, math.inf, "more_than"),
    ("seventeen rockets", 17, 17, "exact"),
    ("about 100 missiles", 90, 110, "about"),
    ("between 5 and 7 dead", 5, 7, "range"),
    ("dozens more injured", 24, 99, "vague"),
    ("all 35 drones", 35, 35, "exact"),
    ("up to 12 drones", 1, 12, "at_most"),
    ("twenty-five civilians", 25, 25, "exact"),
])
def test_intervals(text, low, high, qual):
    m = find_numbers(text)[0]
    assert (m.low, m.high, m.qualifier) == (low, high, qual)


def test_absurd_numbers_are_not_counts():
    assert find_numbers("1e309 rockets") == []
    assert find_numbers("999999999999999999999 people") == []


def test_words_to_number():
    assert words_to_number("two hundred and five") == 205
    assert words_to_number("1,200") == 1200
    assert words_to_number("a hundred") == 100


def test_overlap_and_gap():
    assert overlap(20, math.inf, 26, 26) == 1.0  # "at least 20" contains 26
    assert overlap(3, 3, 5, math.inf) == 0.0  # "three" vs "at least five"
    assert gap(3, 3, 5, math.inf) == pytest.approx(0.4)
    assert gap(24, 99, 43, 43) == 0.0


@pytest.mark.parametrize("text,low,high,qual", [
    ("more than a dozen rockets", 13, math.inf, "more_than"),
    ("half a dozen homes", 6, 6, "exact"),
    ("nearly half a million people", 450_000, 500_000, "nearly"),
    ("several hundred people", 300, 900, "vague"),
    ("about 9,000 children", 8100, 9900, "about"),
    ("five to seven drones", 5, 7, "range"),
])
def test_more_intervals(text, low, high, qual):
    m = find_numbers(text)[0]
    assert (m.low, m.high, m.qualifier) == (low, high, qual)
    assert text[m.start:m.end] == m.text


@pytest.mark.parametrize("text", ["a 15-year-old boy", "a six-year-old girl", "the S-300 and Kh-101", "at 10:30",
                                  "on 1/2/2024", "$5 million", "how many of the missiles"])
def test_not_counts(text):
    assert find_numbers(text) == []
