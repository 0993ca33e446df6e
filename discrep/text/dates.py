"""Date expressions of news text, resolved against the publication date or the story's event date.

News dates are mostly relative: "on Tuesday" in a Tuesday paper is that day, "a day earlier" is
the day before the event the article is about, "three days after the attack" names the attack's
day. Calendar dates ("Dec. 30", "30 December 2023") are parsed by ``dateparser`` (cached: a corpus
repeats a handful of spellings); the year, when not written, is the one that puts the date just
before publication. ``dateparser``'s relative parsing is not used: it reads "on Tuesday" in a
Tuesday paper as a week earlier and knows nothing of the story's own date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ’‘", "abcdefghijklmnopqrstuvwxyz''")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_N = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10}
_PART = r"(?:\s+(?:night|morning|evening|afternoon))?"
_SEASON = r"(?:week|month|year|spring|summer|autumn|fall|winter|weekend)"

DATE_RE = re.compile(
    rf"(?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    rf"|(?P<md>\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?)"
    rf"|(?P<dm>\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b\.?(?:,?\s+\d{{4}}\b)?)"
    rf"|(?P<vague>\b(?:(?:earlier|later|late|early)\s+(?:this|last|that)\s+{_SEASON}|(?:last|this|next|that)\s+{_SEASON}"
    rf"|in\s+recent\s+(?:days|weeks|months)|(?:over|in)\s+the\s+(?:past|last)\s+(?:few\s+)?(?:days|weeks|months|years)"
    rf"|(?:late|early|mid-?)\s*(?:last|this)\s+year|in\s+(?:early\s+|late\s+|mid-?)?{_MONTH}\b(?:\s+\d{{4}})?"
    rf"|{_MONTH}\s+(?:19|20)\d{{2}}"
    r"|since\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:war|invasion|year|month)|(?:earlier|later)\s+in\s+the\s+(?:week|month)"
    r"|in\s+(?:19|20)\d{2})\b)"
    rf"|(?P<anchor>\b(?:{_N}\s+days?\s+(?:earlier|before|later|after)|the\s+(?:previous|preceding)\s+(?:day|night|evening)"
    rf"|the\s+day\s+(?:before|after)|the\s+(?:following|next|very\s+next)\s+(?:day|morning|night|evening)"
    rf"|(?:on\s+)?(?:the\s+same|that)\s+(?:day|morning|evening|night|afternoon))\b)"
    rf"|(?P<pub>\b(?:yesterday|today|tonight|overnight|last\s+night|this\s+(?:morning|afternoon|evening)"
    rf"|earlier\s+today|early\s+(?:on\s+)?today|{_N}\s+days?\s+ago)\b)"
    rf"|(?P<wd>\b(?:(?:on|last|this|next|early|late)\s+)?(?:{'|'.join(WEEKDAYS)})(?:'s)?{_PART}\b)"
    r"|(?P<holiday>\b(?:on\s+)?(?:new\s+year's|christmas)\s+(?:day|eve)\b)"
    r"|(?P<year>\b(?:19|20)\d{2}\b)")  # applied to lower-cased text: CPython's re is ~3x slower with re.I
# cheap test first: most sentences name no day at all
_TRIGGER = re.compile(r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|yesterday|"
                      r"today|tonight|overnight|night|morning|evening|afternoon|days?|week|month|year|since|earlier|"
                      r"later|late|early|christmas|new year|same|following|previous|preceding|recent|past|spring|"
                      r"summer|autumn|fall|winter|in (?:19|20))")


@dataclass
class DateMention:
    start: int
    end: int
    text: str
    kind: str  # iso, md, dm, vague, anchor, pub, wd, holiday, year


def find_dates(text: str) -> list[DateMention]:
    """Date expressions in order (the text is lower-cased here; spans index the original)."""
    low = text.translate(_LOWER)
    if not _TRIGGER.search(low):
        return []
    return [DateMention(m.start(), m.end(), m.group(0), m.lastgroup or "") for m in DATE_RE.finditer(low)]


@lru_cache(maxsize=4096)
def _calendar(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of a calendar date as written; dateparser reads the spelling."""
    import dateparser

    s = re.sub(r"\s+", " ", text.strip())
    try:
        dt = dateparser.parse(s, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month"],
                                                             "RELATIVE_BASE": datetime(2000, 1, 1)})
    except Exception:  # dateparser raises assorted errors on odd input; a date we cannot read is no date
        dt = None
    if dt is None:
        return None
    year = dt.year if re.search(r"\b\d{4}\b", s) else None
    return dt.month, dt.day, year


def _near(month: int, day: int, published: date) -> date | None:
    """The date with this month and day closest before publication (a week of slack for plans)."""
    cands = []
    for y in (published.year - 1, published.year, published.year + 1):
        try:
            cands.append(date(y, month, day))
        except ValueError:
            continue
    past = [c for c in cands if c <= published + timedelta(days=7)]
    return max(past) if past else (min(cands) if cands else None)


def _count(s: str) -> int:
    m = re.match(rf"\s*({_N})\b", s, re.I)
    if not m:
        return 1
    t = m.group(1).lower()
    return int(t) if t.isdigit() else _NUM.get(t, 1)


def resolve(m: DateMention, published: date | None, anchor: date | None = None) -> date | None:
    """Day of a date mention: calendar dates against publication, story-relative ones against ``anchor``
    (the article's event date, or publication when the article has none yet). None when vague."""
    s = m.text.lower().replace("’", "'").strip()
    if m.kind == "iso":
        try:
            return date.fromisoformat(s)
        except ValueError:
            return None
    if m.kind in ("md", "dm"):
        cal = _calendar(s)
        if cal is None:
            return None
        month, day, year = cal
        if year is not None:
            try:
                return date(year, month, day)
            except ValueError:
                return None
        return _near(month, day, published) if published else None
    if published is None or m.kind in ("vague", "year"):
        return None
    if m.kind == "pub":
        if "yesterday" in s or "last night" in s:
            return published - timedelta(days=1)
        if s.endswith("ago"):
            return published - timedelta(days=_count(s))
        return published
    if m.kind == "wd":
        wd = next(i for i, w in enumerate(WEEKDAYS) if w in s)
        if s.startswith("next "):
            return published + timedelta(days=(wd - published.weekday()) % 7 or 7)
        back = (published.weekday() - wd) % 7
        if s.startswith("last ") and back == 0:
            back = 7
        return published - timedelta(days=back)
    if m.kind == "anchor":
        base = anchor or published
        if "same" in s or s.startswith(("that", "on that")):
            return base
        n = _count(s)
        if "previous" in s or "preceding" in s or s == "the day before" or "earlier" in s:
            return base - timedelta(days=n)
        if "following" in s or "next" in s or "later" in s or s == "the day after":
            return base + timedelta(days=n)
        if s.endswith("after"):  # "came three days after the attack": the attack is n days before
            return base - timedelta(days=n)
        if s.endswith("before"):  # "a day before leaders met": they met the day after
            return base + timedelta(days=n)
        return None
    if m.kind == "holiday":
        jan = published.month == 1
        if "new year's day" in s:
            return date(published.year if jan else published.year + 1, 1, 1)
        if "new year's eve" in s:
            return date(published.year - 1 if jan else published.year, 12, 31)
        return date(published.year - 1 if jan else published.year, 12, 25 if "day" in s else 24)
    return None
