"""Checks between reading and scoring: one bad article never stops a run, and figures the extractor
ignores are reported instead of disappearing.

The extractor drops figures that cannot be counts ("1e309 rockets", "999999999999999999999
people", "−5 people"); that is right for scoring but silent, so :func:`figure_notes` tells the user
in rejects.jsonl. :func:`extract_guarded` turns a crash on one article into a reject for that
article (the fuzz tests keep it unreached) and drops any quantity that is not a valid interval.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

from discrep.errors import DiscrepError, ExtractionTimeout
from discrep.records.core import Article, Claim, Reject
from discrep.stages.base import Extractor
from discrep.text.numbers import MAX_COUNT, QUANTITY_RE, words_to_number

_COUNT_WORDS = None
_MAX_SHOWN = 5
_EXPONENT = re.compile(r"(?<![\w.,])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")
_POWER = re.compile(r"(?<![\w.,^])(\d{1,4})\^(\d{1,4})(?![\w.^])")  # "10^9 people": not a figure for the extractor
_NEGATIVE = re.compile(r"(?<![\w.,])[-−–]\s?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?(?=\s)")


def _count_words() -> re.Pattern:
    """Nouns the extractor counts (people, rockets, …) and its event words, from its own tables."""
    global _COUNT_WORDS
    if _COUNT_WORDS is None:
        from discrep.stages.extract import EVENTS, UNITS

        words = sorted(UNITS, key=len, reverse=True)
        events = "|".join(f"(?:{pat})" for _, pat in EVENTS)
        _COUNT_WORDS = re.compile(rf"^\W{{0,3}}(?:[\w-]+\s+){{0,2}}?(?:{'|'.join(map(re.escape, words))}|{events})\b",
                                  re.I)
    return _COUNT_WORDS


def implausible_figures(text: str) -> list[str]:
    """Figures written as counts of something (followed by "people", "rockets", "killed", …) that
    cannot be counts: not finite, negative, or over ``numbers.MAX_COUNT``."""
    found: list[tuple[int, str]] = []
    counted = _count_words()
    for m in _EXPONENT.finditer(text):  # "1e309": not a figure for the extractor, still worth a warning
        try:
            v = float(m.group(0))
        except ValueError:
            continue
        if not (math.isfinite(v) and 0 <= v <= MAX_COUNT) and counted.match(text[m.end():m.end() + 80]):
            found.append((m.start(), m.group(0)))
    for m in _POWER.finditer(text):
        base, exp = int(m.group(1)), int(m.group(2))
        if (base > 1 and exp * math.log10(base) > math.log10(MAX_COUNT)) and counted.match(text[m.end():m.end() + 80]):
            found.append((m.start(), m.group(0)))
    for m in QUANTITY_RE.finditer(text):
        raws = [m.group(g) for g in ("num", "lo", "hi", "blo", "bhi") if m.group(g)]
        bad = False
        for raw in raws:
            if raw.lower() in ("a", "an"):
                continue
            v = words_to_number(raw)
            if v is not None and not (math.isfinite(v) and v <= MAX_COUNT):
                bad = True
        if bad and counted.match(text[m.end():m.end() + 80]):
            found.append((m.start(), m.group(0).strip()))
    for m in _NEGATIVE.finditer(text):
        if counted.match(text[m.end():m.end() + 80]):
            found.append((m.start(), m.group(0).strip()))
    return [f for _, f in sorted(found)]


def figure_notes(article: Article) -> list[Reject]:
    """A warning for an article whose text has figures the extractor ignores as implausible counts."""
    figs = implausible_figures(article.text)
    if not figs:
        return []
    shown = ", ".join(repr(f[:40]) for f in figs[:_MAX_SHOWN]) + (f" and {len(figs) - _MAX_SHOWN} more"
                                                                    if len(figs) > _MAX_SHOWN else "")
    return [Reject(article.origin or article.id, f"{len(figs)} figure(s) ignored as implausible counts: {shown} "
                                                 f"(not finite, negative or over {MAX_COUNT:,.0f}); the article was "
                                                 "scored without them", article.id, "warning", "implausible_figure")]


def valid_quantity(q) -> bool:
    """An interval a comparison can use: finite non-negative low, high ≥ low (high may be +inf)."""
    try:
        lo, hi = float(q.low), float(q.high)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(lo) and lo >= 0 and hi >= lo) or math.isnan(hi):
        return False
    return q.value is None or (isinstance(q.value, (int, float)) and math.isfinite(q.value))


ARTICLE_SECONDS = 60.0
"""Time budget of claim extraction per article. A real article takes milliseconds (a 2,000,000-character
one a few seconds, docs/robustness.md); one past the budget is rejected (``extraction_timeout``) so that
no single input can stall a run."""


def extract_guarded(extractor: Extractor, articles: Iterable[Article], seconds: float | None = ARTICLE_SECONDS
                    ) -> tuple[list[Article], list[Claim], list[Reject]]:
    """Claims of every article the extractor can handle; the others become rejects, not a crash.
    ``seconds``: the time budget of each article (None: no limit).

    Returns (articles scored, their claims, rejects and warnings).
    """
    from discrep.stages.extract import MAX_SENTENCE_CHARS, time_budget

    ok: list[Article] = []
    claims: list[Claim] = []
    notes: list[Reject] = []
    for a in articles:
        try:
            with time_budget(seconds) as watch:
                cs = list(extractor.extract(a))
                cut = watch.cut_sentences
        except ExtractionTimeout:
            notes.append(Reject(a.origin or a.id, f"claim extraction ran past its time budget of {seconds:g} s; "
                                                  "article not scored (is it a real article?)", a.id, "error",
                                "extraction_timeout"))
            continue
        except DiscrepError:  # raised on purpose, e.g. a broken sources.yaml read on first use: the run's error
            raise
        except Exception as e:  # noqa: BLE001 - one article must not stop the run; fuzz tests keep this unreached
            notes.append(Reject(a.origin or a.id, f"claim extraction failed ({type(e).__name__}: {str(e)[:200]}); "
                                                  "article not scored, please report it", a.id, "error",
                                "extraction_failed"))
            continue
        dropped = []
        for c in cs:
            good = [q for q in c.quantities if valid_quantity(q)]
            dropped += [q.text or repr(q.low) for q in c.quantities if not valid_quantity(q)]
            c.quantities = good
        if dropped:
            notes.append(Reject(a.origin or a.id, f"{len(dropped)} extracted figure(s) dropped as invalid intervals: "
                                                  f"{', '.join(map(repr, dropped[:_MAX_SHOWN]))}", a.id, "warning",
                                "invalid_quantity"))
        if cut:
            notes.append(Reject(a.origin or a.id, f"{cut} sentence(s) over {MAX_SENTENCE_CHARS:,} characters were cut "
                                                  "into pieces for claim extraction (a table or list without full "
                                                  "stops?)", a.id, "warning", "long_sentence"))
        ok.append(a)
        claims.extend(cs)
        notes.extend(figure_notes(a))
    return ok, claims, notes
