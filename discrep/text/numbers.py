"""Quantities as intervals: digits, number words, vague counts and qualifiers.

Why intervals: "at least 39 killed" and "45 killed" agree; "three killed" and "at least five
killed" do not. Comparing point values gets both wrong.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
              "eighty": 80, "ninety": 90}
SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# "a dozen" is a number like "a hundred" ("more than a dozen" = more than 12); "dozens" is vague.
DOZEN_WORDS = {"dozen": 12}

# Vague counts -> (low, high, best); documented in docs/extraction.md and overridable in reconcile config.
VAGUE = {
    "a couple of": (2, 3, 2), "a couple": (2, 3, 2), "a few": (2, 5, 3), "several": (3, 9, 5),
    "dozens of": (24, 99, 36), "dozens": (24, 99, 36), "a few dozen": (24, 60, 36),
    "several dozen": (36, 108, 60), "scores of": (40, 199, 60),
    "several hundred": (300, 900, 500), "a few hundred": (200, 500, 300),
    "hundreds of": (200, 999, 300), "hundreds": (200, 999, 300),
    "several thousand": (3000, 9000, 5000), "a few thousand": (2000, 5000, 3000),
    "thousands of": (2000, 9999, 3000), "thousands": (2000, 9999, 3000),
    "tens of thousands": (20000, 99999, 30000), "a handful of": (2, 6, 4), "many": (5, math.inf, 10),
    "numerous": (5, math.inf, 10),
}

QUALIFIERS = [
    (r"at least", "at_least"), (r"no fewer than", "at_least"), (r"a minimum of", "at_least"),
    (r"no less than", "at_least"),
    (r"more than", "more_than"), (r"over", "more_than"), (r"upwards of", "more_than"), (r"in excess of", "more_than"),
    (r"just over", "more_than"), (r"well over", "more_than"), (r"well above", "more_than"),
    (r"up to", "at_most"), (r"as many as", "at_most"), (r"at most", "at_most"), (r"no more than", "at_most"),
    (r"fewer than", "less_than"), (r"less than", "less_than"), (r"under", "less_than"),
    (r"about", "about"), (r"around", "about"), (r"approximately", "about"), (r"roughly", "about"),
    (r"some", "about"), (r"an estimated", "about"), (r"nearly", "nearly"), (r"almost", "nearly"),
    (r"close to", "nearly"), (r"just under", "nearly"), (r"a total of", "exact"), (r"all", "exact"),
    (r"all of the", "exact"), (r"all of its", "exact"), (r"exactly", "exact"), (r"only", "exact"),
]

_num_word = "|".join(sorted(list(UNITS_WORDS) + list(TENS_WORDS), key=len, reverse=True))
NUMBER_WORDS_RE = (rf"(?:half\sa\s(?:dozen|hundred|thousand|million)|(?:a|one|{_num_word})(?:[\s-](?:{_num_word}))?"
                   rf"(?:\s(?:hundred|thousand|million|dozen))?(?:\s(?:and\s)?(?:{_num_word})(?:[\s-](?:{_num_word}))?)?)")
# thousands separated by commas or by a (thin, no-break) space: "3,000", "3 000", "3\u00a0000", "3\u202f000"
GROUP_SEP = ",\u00a0\u202f\u2009 "
DIGITS_RE = (r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d{1,3}(?:[\u00a0\u202f\u2009 ]\d{3})+(?![\d,.]\d)|\d+)"
             r"(?:\.\d+)?(?:\s(?:thousand|million))?")
VAGUE_RE = "|".join(re.escape(k) for k in sorted(VAGUE, key=len, reverse=True))
QUAL_RE = "|".join(q for q, _ in sorted(QUALIFIERS, key=lambda t: -len(t[0])))
QUAL_MAP = {q: k for q, k in QUALIFIERS}

NUM_RE = rf"(?:{DIGITS_RE}|{NUMBER_WORDS_RE})"
QUANTITY_RE = re.compile(
    rf"(?<![\w.,:/$€£#№\-−–^])(?:(?P<qual>{QUAL_RE})\s+)?"
    rf"(?:between\s+(?P<blo>{NUM_RE})\s+and\s+(?P<bhi>{NUM_RE})(?![\w])"
    rf"|(?P<lo>{DIGITS_RE})\s*(?:-|–|to)\s*(?P<hi>{DIGITS_RE})(?![\w])"
    rf"|(?P<wlo>{_num_word})\s+to\s+(?P<whi>{_num_word})(?![\w])"
    rf"|(?P<vague>{VAGUE_RE})(?![\w])"
    rf"|(?P<num>{NUM_RE})(?![\w]|[.,:/^]\d|-\w))",
)  # applied to lower-cased text: CPython's re is ~3x slower with re.I
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ANY_NUMBER = re.compile(r"\d|\b(?:" + "|".join(sorted(set(UNITS_WORDS) | set(TENS_WORDS) | {
    "hundred", "thousand", "million", "dozen", "dozens", "several", "few", "couple", "handful", "many", "numerous",
    "scores", "hundreds", "thousands", "tens"}, key=len, reverse=True)) + r")\b")


def words_to_number(s: str) -> float | None:
    """'seventeen' -> 17, 'a hundred' -> 100, 'two hundred and five' -> 205, '1,200' -> 1200."""
    s = s.strip().lower().replace("–", "-")
    if not s:
        return None
    if s.startswith("half a "):
        scale = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000}.get(s[7:])
        return scale / 2 if scale else None
    m = re.fullmatch(r"([\d,\u00a0\u202f\u2009 ]+(?:\.\d+)?)(?:\s(thousand|million))?", s)
    if m:
        try:
            v = float(re.sub(r"[,\u00a0\u202f\u2009 ]", "", m.group(1)))
        except ValueError:
            return None
        if m.group(2):
            v *= SCALE_WORDS[m.group(2)]
        return v
    total, current = 0, 0
    for tok in re.split(r"[\s-]+", s):
        if tok in ("and",):
            continue
        if tok in ("a", "an"):
            current = current or 1
        elif tok in UNITS_WORDS:
            current += UNITS_WORDS[tok]
        elif tok in TENS_WORDS:
            current += TENS_WORDS[tok]
        elif tok in DOZEN_WORDS:
            current = max(current, 1) * DOZEN_WORDS[tok]
        elif tok in SCALE_WORDS:
            current = max(current, 1) * SCALE_WORDS[tok]
            if SCALE_WORDS[tok] >= 1000:
                total += current
                current = 0
        else:
            return None
    return float(total + current)


MAX_COUNT = 1e8  # no casualty or munition count is larger; bigger figures are noise or attacks on the parser


def plausible(v: float) -> bool:
    return math.isfinite(v) and 0 <= v <= MAX_COUNT


@dataclass
class NumberMatch:
    start: int
    end: int
    text: str
    value: float | None
    low: float
    high: float
    qualifier: str


def interval(value: float, qualifier: str) -> tuple[float, float]:
    """Interval that a qualified figure commits its source to."""
    if qualifier == "at_least":
        return value, math.inf
    if qualifier == "more_than":
        return (value + 1 if float(value).is_integer() else value), math.inf
    if qualifier == "at_most":
        return min(1.0, value), value
    if qualifier == "less_than":
        return 0.0, max(value - 1, 0.0)
    if qualifier == "about":
        return float(round(value * 0.9)), float(round(value * 1.1))
    if qualifier == "nearly":
        return float(min(round(value * 0.9), value)), value
    return value, value


def find_numbers(text: str) -> list[NumberMatch]:
    """Every figure in ``text`` with its interval; nothing here decides whether it counts something."""
    out = []
    low = text.translate(_LOWER)
    if not _ANY_NUMBER.search(low):
        return out
    for m in QUANTITY_RE.finditer(low):
        qual = QUAL_MAP.get((m.group("qual") or "").lower(), "exact") if m.group("qual") else "exact"
        if m.group("vague"):
            if m.group("vague") == "many" and re.search(r"\b(?:how|so|too|as|not|very)\s+$", low[:m.start()]):
                continue  # "how many of the missiles": a question, not a count
            lo, hi, best = VAGUE[m.group("vague").lower()]
            if qual in ("more_than", "at_least"):
                hi = math.inf
            out.append(NumberMatch(m.start(), m.end(), text[m.start():m.end()], float(best), float(lo), float(hi), "vague"))
            continue
        if m.group("lo") or m.group("blo") or m.group("wlo"):
            a = words_to_number(m.group("lo") or m.group("blo") or m.group("wlo"))
            b = words_to_number(m.group("hi") or m.group("bhi") or m.group("whi"))
            if a is None or b is None or not (plausible(a) and plausible(b)):
                continue
            lo, hi = min(a, b), max(a, b)
            out.append(NumberMatch(m.start(), m.end(), text[m.start():m.end()], (lo + hi) / 2, lo, hi, "range"))
            continue
        raw = m.group("num")
        if raw.lower() in ("a", "an"):
            continue
        v = words_to_number(raw)
        if v is None or not plausible(v):
            continue
        lo, hi = interval(v, qual)
        out.append(NumberMatch(m.start(), m.end(), text[m.start():m.end()], v, lo, hi, qual))
    return out


def overlap(a_low: float, a_high: float, b_low: float, b_high: float) -> float:
    """Overlap of two intervals relative to the smaller one: 1 nested, 0 disjoint."""
    lo, hi = max(a_low, b_low), min(a_high, b_high)
    if lo > hi:
        return 0.0
    wa, wb = a_high - a_low, b_high - b_low
    w = min(wa, wb)
    if w == 0 or math.isinf(w):
        return 1.0
    return float(min(1.0, (hi - lo) / w)) if not math.isinf(hi - lo) else 1.0


def gap(a_low: float, a_high: float, b_low: float, b_high: float) -> float:
    """Relative distance between two disjoint intervals (0 when they overlap)."""
    if a_high < b_low:
        d, ref = b_low - a_high, max(b_low, 1.0)
    elif b_high < a_low:
        d, ref = a_low - b_high, max(a_low, 1.0)
    else:
        return 0.0
    return float(min(1.0, d / ref))
