"""Claim extraction: who says what figure about which event, where, when — and who stays silent.

Rule-based on purpose: every decision is inspectable, it runs thousands of sentences a second on
one core, and it needs no model download (see docs/extraction.md for the choice against spaCy).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from .numbers import find_numbers
from .sources import SourceRegistry, slugify
from .types import Article, Claim, Quantity

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# ---------------------------------------------------------------- sentences and captions
_ABBREV = {"mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "jan", "feb", "mar", "apr",
           "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "no", "vs", "gov", "sen",
           "rep", "prof", "jr", "sr", "inc", "ltd", "co", "corp", "e.g", "i.e", "approx", "est", "fig", "a.m", "p.m"}
_BOUNDARY = re.compile(r"([.!?])([\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")
_CAPTION = re.compile(
    r"(\((?:[^()]*\b(?:via|photo|photograph|handout|press service|AP|AFP|Reuters|Getty|EPA|file)\b[^()]*)\)\s*$"
    r"|^(?:photo|image|picture|caption|video)\s*[:|]|\bphoto(?:graph)?\s*:\s|\(photo\b)",
    re.I)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph; abbreviations such as "Mr." and "Dec." do not end one."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if not para:
            continue
        start = 0
        for m in _BOUNDARY.finditer(para):
            end = m.end(2)
            word = re.search(r"([\w.]+)$", para[start:m.start(1)])
            if m.group(1) == "." and word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
                continue
            out.append(para[start:end].strip())
            start = m.end()
        if para[start:].strip():
            out.append(para[start:].strip())
    return out


def is_caption(paragraph: str) -> bool:
    return bool(_CAPTION.search(paragraph.strip()))


# ---------------------------------------------------------------- attribution
SAY_VERBS = (r"said|says|say|told|tells|stated|states|reported|reports|report|claimed|claims|claim|announced|announces|"
             r"wrote|writes|added|adds|confirmed|confirms|denied|denies|declared|declares|warned|warns|insisted|"
             r"insists|asserted|asserts|noted|notes|posted|tweeted|estimated|estimates|explained|alleged|alleges|"
             r"acknowledged|admitted|went on to (?:say|assert|claim|add)|described|accused|put the (?:death )?toll|"
             r"counted|recorded|registered|informed")
SAY_RE = re.compile(rf"(?<![\w-])(?:{SAY_VERBS})(?![\w-])", re.I)
ACCORDING_RE = re.compile(r"\b(?:according to|citing|cited by|in the words of)\s+", re.I)
SILENCE_RE = re.compile(
    r"(?:ha(?:s|ve|d)\s+(?:not|yet\s+to|so\s+far\s+not)\s+(?:yet\s+)?(?:publicly\s+|officially\s+|immediately\s+)?"
    r"(?:commented|comment|responded|respond|confirmed|confirm|acknowledged|acknowledge|reacted|react|addressed|"
    r"address|said anything|released any)"
    r"|declined\s+to\s+(?:comment|confirm|give|provide|discuss|say)|refused\s+to\s+(?:comment|confirm|say)|"
    r"made\s+no\s+(?:mention|comment|statement)|did\s+not\s+(?:immediately\s+)?(?:comment|respond|reply|confirm|"
    r"mention|say|acknowledge)|didn't\s+(?:comment|respond|mention|confirm)|gave\s+no\s+(?:figures?|details|"
    r"casualty figures?|comment)|(?:remained|remain|stayed|kept)\s+silent|would\s+not\s+(?:comment|confirm|say)|"
    r"no\s+(?:immediate\s+)?comment\s+from|not\s+(?:yet\s+)?available\s+for\s+comment|did\s+not\s+give)",
    re.I)
NEG_RE = re.compile(r"\b(?:not|never|denied|denies|deny|refuted|rejected|dismissed|false(?:ly)?|no longer)\b|n't\b", re.I)
HEDGE_RE = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|apparently|unverified|unconfirmed|could\s+not\s+(?:be\s+)?independently\s+"
    r"(?:verify|verified|confirm|confirmed)|cannot\s+independently|preliminary|may\s+have|might\s+have|possibly|"
    r"it\s+is\s+unclear|it\s+was\s+not\s+clear|was\s+said\s+to|were\s+said\s+to)\b", re.I)
NP_WORDS = set("""the a an of and local regional city state military officials official authorities residents resident
witnesses witness sources source police spokesman spokesperson spokeswoman ministry emergency services service channels
channel media governor mayor head chief commander army forces force air defense defence administration council president
prime minister foreign interior health its their his her in for pro-russian pro-kremlin ukrainian russian western allies
telegram social news agency monitoring group groups rights human officer officers analyst analysts expert experts
observers observer villagers doctors rescuers rescue workers volunteers medics hospital prosecutor prosecutors general
staff region's city's country's border guard guards national nation's security team unit units regiment brigade
command commanders deputy spokesmen representatives representative bloggers blogger journalists journalist reporters
correspondent correspondents eyewitnesses survivors unnamed anonymous senior top several two three some other
independent international united nations un mission monitors observers' company operator grid utility firefighters""".split())
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her"}
PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "any"}
GROUP_WORDS = {"officials": "official", "authorities": "official", "official": "official", "spokesman": "official",
               "spokeswoman": "official", "spokesperson": "official", "police": "official", "ministry": "government",
               "military": "military", "army": "military", "forces": "military", "command": "military",
               "residents": "anonymous", "witnesses": "anonymous", "sources": "anonymous", "source": "anonymous",
               "channels": "media", "media": "media", "bloggers": "media", "agency": "media", "outlets": "media"}

# ---------------------------------------------------------------- events and units
EVENTS = [
    ("killed", r"killed|killing|kills|kill|dead|died|dies|deaths?|death toll|lives|fatalities|fatally|perished|slain|bodies"),
    ("injured", r"injured|injuring|injuries|injury|wounded|wounding|wounds|hurt|hospitali[sz]ed|casualties"),
    ("shot_down", r"shot down|shooting down|shoot down|downed|intercepted|intercepting|neutrali[sz]ed|repelled|"
                  r"thwarted|destroyed in the air|brought down"),
    ("launched", r"launched|launching|launches|fired|firing|fires|unleashed|used"),
    ("damaged", r"damaged|damaging|destroyed|ruined|burned|hit"),
    ("attack", r"attacks?|attacked|strikes?|struck|striking|shelling|shelled|bombardment|barrages?|explosions?|blasts?"),
]
EVENT_RES = [(name, re.compile(rf"(?<![\w-])(?:{pat})(?![\w-])", re.I)) for name, pat in EVENTS]
UNITS = {
    "people": "people", "person": "people", "persons": "people", "others": "people", "individuals": "people",
    "victims": "people", "men": "people", "women": "people", "adults": "people",
    "civilians": "civilians", "civilian": "civilians", "residents": "civilians", "resident": "civilians",
    "children": "children", "child": "children", "minors": "children", "kids": "children",
    "soldiers": "soldiers", "servicemen": "soldiers", "troops": "soldiers", "fighters": "soldiers",
    "officers": "soldiers", "personnel": "soldiers",
    "missiles": "missiles", "missile": "missiles", "rockets": "rockets", "rocket": "rockets",
    "drones": "drones", "drone": "drones", "uavs": "drones", "shaheds": "drones", "shells": "shells",
    "buildings": "buildings", "building": "buildings", "homes": "homes", "home": "homes", "houses": "homes",
    "house": "homes", "apartments": "homes", "vehicles": "vehicles", "cars": "vehicles", "vehicle": "vehicles",
    "targets": "targets", "aircraft": "aircraft", "jets": "aircraft", "bombs": "bombs",
}
UNIT_FAMILY = {"people": "people", "civilians": "people", "children": "people", "soldiers": "people",
               "missiles": "munitions", "rockets": "munitions", "drones": "munitions", "shells": "munitions",
               "bombs": "munitions", "aircraft": "munitions", "buildings": "property", "homes": "property",
               "vehicles": "property", "targets": "targets"}
SKIP_AFTER = re.compile(r"^\s*(?:%|percent|per cent|km|kilomet|miles?|metres|meters|a\.m|p\.m|o'clock|hours?|minutes?|"
                        r"days?|weeks?|months?|years?|year-old|of (?:the|them|those|its|his|her|their)|st\b|nd\b|rd\b|th\b)", re.I)
BARRIER = re.compile(r"[;:]|\band\b|\bbut\b|\bwhile\b|\bwhich\b|—|–", re.I)

# ---------------------------------------------------------------- dates
MONTHS = {m: i for i, ms in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], 1) for m in ms}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DATE_RE = re.compile(
    rf"(?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    rf"|(?P<md>\b{_MONTH_RE}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b)"
    rf"|(?P<dm>\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}\.?(?:,?\s+\d{{4}})?\b)"
    rf"|(?P<wd>\b(?:on\s+|last\s+|this\s+)?(?:{'|'.join(WEEKDAYS)})(?:\s+(?:night|morning|evening|afternoon))?\b)"
    r"|(?P<rel>\b(?:yesterday|today|tonight|overnight|last night|this morning|earlier today|early (?:on )?(?:today|this morning)"
    r"|(?:a|one|the) day (?:earlier|before)|the previous day|(?:two|three|2|3) days (?:ago|earlier)"
    r"|on new year's (?:day|eve)|on christmas (?:day|eve)?)\b)"
    r"|(?P<year>\b(?:19|20)\d{2}\b)",
    re.I)


def resolve_date(m: re.Match, published: date | None) -> date | None:
    """Event date of a date expression, resolved against the publication date."""
    g = m.lastgroup
    s = m.group(0).lower().strip()
    if g == "iso":
        try:
            return date.fromisoformat(s)
        except ValueError:
            return None
    if g in ("md", "dm"):
        mon = re.search(_MONTH_RE, s)
        day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", s if g == "md" else s)
        yr = re.search(r"\b(\d{4})\b", s)
        if not mon or not day:
            return None
        month = MONTHS.get(mon.group(0).rstrip(".")[:4].rstrip("e") if mon.group(0)[:4] == "sept" else mon.group(0)[:3])
        month = month or MONTHS.get(mon.group(0)[:3])
        dnum = int(day.group(1))
        if yr:
            years = [int(yr.group(1))]
        elif published:
            years = [published.year, published.year - 1, published.year + 1]
        else:
            return None
        cands = []
        for y in years:
            try:
                cands.append(date(y, month, dnum))
            except ValueError:
                continue
        if not cands:
            return None
        if yr or not published:
            return cands[0]
        past = [c for c in cands if c <= published + timedelta(days=1)]
        return max(past) if past else min(cands)
    if published is None:
        return None
    if g == "wd":
        wd = next(i for i, w in enumerate(WEEKDAYS) if w in s)
        back = (published.weekday() - wd) % 7
        if s.startswith("last ") and back == 0:
            back = 7
        return published - timedelta(days=back)
    if g == "rel":
        if s in ("today", "tonight", "overnight", "this morning", "earlier today") or s.startswith("early"):
            return published
        if s in ("yesterday", "last night") or "day earlier" in s or "day before" in s or "previous day" in s:
            return published - timedelta(days=1)
        n = re.match(r"(two|three|2|3) days", s)
        if n:
            return published - timedelta(days={"two": 2, "three": 3, "2": 2, "3": 3}[n.group(1)])
        if "new year's day" in s:
            return date(published.year if published.month == 1 else published.year + 1, 1, 1)
        if "new year's eve" in s:
            return date(published.year - 1 if published.month == 1 else published.year, 12, 31)
        if "christmas" in s:
            return date(published.year - 1 if published.month == 1 else published.year, 12, 25)
    return None


# ---------------------------------------------------------------- places
def load_places(path: str | Path | None = None) -> tuple[re.Pattern | None, dict[str, str]]:
    path = Path(path) if path else DATA_DIR / "places.yaml"
    if not path.exists():
        return None, {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    alias: dict[str, str] = {}
    for name, spec in (raw.get("places") or {}).items():
        alias[name.lower()] = name
        for a in (spec or {}).get("aliases", []) if isinstance(spec, dict) else (spec or []):
            alias[a.lower()] = name
    keys = sorted(alias, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w])", re.I), alias


@dataclass
class _Speaker:
    sid: str
    span: tuple[int, int]
    how: str  # according | verb | pronoun | role | outlet


class ClaimExtractor:
    """Turns an :class:`Article` into :class:`Claim` s.

    Parameters are stored untouched (scikit-learn style) so the extractor is a config value.
    ``keep_background``: keep sentences with no figure, event, attribution or silence.
    """

    def __init__(self, sources_path: str | None = None, places_path: str | None = None, min_words: int = 4,
                 keep_background: bool = False):
        self.sources_path = sources_path
        self.places_path = places_path
        self.min_words = min_words
        self.keep_background = keep_background
        self.registry = SourceRegistry.from_yaml(sources_path)
        self._place_re, self._place_alias = load_places(places_path)

    # ------------------------------------------------------------ public API
    def extract(self, article: Article) -> list[Claim]:
        claims: list[Claim] = []
        seen_paras: set[str] = set()
        state = _ArticleState(outlet_sid=self._outlet_source(article.outlet))
        idx = -1
        for para in re.split(r"\n\s*\n|\n", article.text):
            key = re.sub(r"\W+", " ", para).strip().lower()
            if not key:
                continue
            if key in seen_paras or is_caption(para):
                seen_paras.add(key)
                idx += len(split_sentences(para))
                continue
            seen_paras.add(key)
            for sent in split_sentences(para):
                idx += 1
                c = self._claim(sent, idx, article, state)
                if c is not None:
                    claims.append(c)
        return claims

    def extract_sentence(self, text: str, outlet: str = "unknown", published: date | None = None,
                         source: str | None = None, article_id: str = "adhoc", index: int = 0) -> Claim:
        """One claim from one sentence (used by ``compare`` and the pyfunc model): never returns None."""
        art = Article(article_id, outlet, published, "", text)
        state = _ArticleState(outlet_sid=self._outlet_source(outlet))
        c = self._claim(text, index, art, state, force=True)
        if source:
            s = self.registry.get(source)
            c.source, c.source_name = source, s.name if s else source
        return c

    # ------------------------------------------------------------ internals
    def _outlet_source(self, outlet: str) -> str:
        sid = self.registry.lookup(outlet) or slugify(outlet)
        self.registry.ensure(sid, outlet, "media")
        return sid

    def _claim(self, sent: str, idx: int, art: Article, state: "_ArticleState", force: bool = False) -> Claim | None:
        orig = sent.strip()
        text = orig.replace("’", "'").replace("‘", "'")  # same length: spans stay valid
        if not force and len(text.split()) < self.min_words:
            return None
        mentions = self._mentions(text)
        for sid, _ in mentions:
            state.mentioned(sid, self.registry)
        silence = SILENCE_RE.search(text)
        speaker = self._speaker(text, state, silence)
        date_spans, event_date = [], None
        for m in DATE_RE.finditer(text):
            date_spans.append((m.start(), m.end()))
            if m.lastgroup != "year" and event_date is None:
                event_date = resolve_date(m, art.published)
        quantities = self._quantities(text, date_spans)
        events = [name for name, rx in EVENT_RES if rx.search(text)]
        places = self._places(text, [sp for _, sp in mentions])
        kind, silent_source, topic = "statement", None, None
        if silence:
            kind = "silence"
            silent_source = self._subject_before(text, silence.start(), state)
            if silent_source is None and speaker is not None:
                silent_source = speaker.sid
            t = re.search(r"\b(?:on|about|of|to)\s+(.{3,80}?)(?:[.,;]|$)", text[silence.end():])
            topic = t.group(1).strip() if t else None
        if speaker is not None:
            state.last_speaker = speaker.sid
        if not force and not (self.keep_background or quantities or silence or speaker is not None
                              or any(e != "attack" for e in events)):
            return None
        polarity = "affirmed"
        if kind == "statement":
            if NEG_RE.search(text):
                polarity = "negated"
            elif HEDGE_RE.search(text):
                polarity = "hedged"
        sid = speaker.sid if speaker else state.outlet_sid
        if kind == "silence" and silent_source:
            sid = silent_source
        src = self.registry.get(sid)
        return Claim(
            claim_id=f"{art.id}:{idx}", article_id=art.id, outlet=art.outlet, published=art.published,
            sentence=idx, text=orig, source=sid, source_name=src.name if src else sid,
            source_type=src.type if src else "media", party=src.party if src else None,
            quantities=quantities, events=events, date=event_date, places=places, polarity=polarity,
            kind=kind, silent_source=silent_source, topic=topic,
            relayed_by=art.outlet if sid != state.outlet_sid else None,
        )

    def _mentions(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        if self.registry.alias_re is None:
            return []
        return [(self.registry.lookup(m.group(0)), m.span()) for m in self.registry.alias_re.finditer(text)
                if self.registry.lookup(m.group(0))]

    def _resolve_phrase(self, phrase: str, state: "_ArticleState") -> str | None:
        """Canonical id for a subject phrase: alias, then role noun, then pronoun, then a new speaker."""
        p = phrase.strip(" ,“”\"'‘’()—–-")
        p = re.sub(r"^(?:and|but|nevertheless|meanwhile|however|also|in a [\w\s-]+?,)\s+", "", p, flags=re.I)
        if not p or len(p) > 120:
            return None
        if self.registry.alias_re is not None:
            found = [m for m in self.registry.alias_re.finditer(p)]
            if found:
                best = max(found, key=lambda m: (m.end() - m.start(), m.start()))
                return self.registry.lookup(best.group(0))
        low = p.lower()
        words = low.split()
        if not words:
            return None
        if low in PRONOUNS or (len(words) <= 2 and words[-1] in PRONOUNS):
            return state.by_pronoun(words[-1], self.registry)
        if self.registry.role_re is not None:
            m = self.registry.role_re.search(p)
            if m:
                sid = state.by_role(m.group(1), self.registry)
                if sid:
                    return sid
        if len(words) > 7 or all(w in DETERMINERS for w in words):
            return None
        if not (re.search(r"\b[A-Z][a-z]", p) or any(w in GROUP_WORDS for w in words)):
            return None
        toks = re.findall(r"[\w'’.-]+", p)
        if any(t[0].islower() and t.lower() not in NP_WORDS for t in toks):
            return None
        sid = slugify(p)
        type_ = next((GROUP_WORDS[w] for w in reversed(words) if w in GROUP_WORDS), "person")
        self.registry.ensure(sid, p, type_)
        return sid

    def _subject_before(self, text: str, pos: int, state: "_ArticleState") -> str | None:
        before = text[:pos]
        cut = max(before.rfind(","), before.rfind("“"), before.rfind("”"), before.rfind('"'), before.rfind(";"),
                  before.rfind(" that "), before.rfind("—"))
        chunk = before[cut + 1:] if cut >= 0 else before
        sid = self._resolve_phrase(chunk, state)
        if sid is None and self.registry.alias_re is not None:
            tail = " ".join(before.split()[-12:])
            found = list(self.registry.alias_re.finditer(tail))
            if found:
                sid = self.registry.lookup(found[-1].group(0))
        return sid

    def _speaker(self, text: str, state: "_ArticleState", silence: re.Match | None) -> _Speaker | None:
        m = ACCORDING_RE.search(text)
        if m:
            rest = text[m.end():]
            end = re.search(r"[,.;:—]|\s(?:said|who|which)\s", rest)
            sid = self._resolve_phrase(rest[: end.start()] if end else rest, state)
            if sid:
                return _Speaker(sid, (m.start(), m.end()), "according")
        for v in SAY_RE.finditer(text):
            if silence and silence.start() <= v.start() <= silence.end():
                continue
            sid = self._subject_before(text, v.start(), state)
            if sid is None:
                after = re.match(r"\s*((?:[A-Z][\w.'’-]*\s*){1,5})", text[v.end():])
                if after and (text[:v.start()].rstrip().endswith((",", "”", '"'))):
                    sid = self._resolve_phrase(after.group(1), state)
            if sid:
                return _Speaker(sid, (v.start(), v.end()), "verb")
        return None

    def _quantities(self, text: str, date_spans: list[tuple[int, int]]) -> list[Quantity]:
        out: list[Quantity] = []
        event_hits = sorted((m.start(), m.end(), name) for name, rx in EVENT_RES for m in rx.finditer(text))
        for nm in find_numbers(text):
            if any(s <= nm.start < e or s < nm.end <= e for s, e in date_spans):
                continue
            tail = text[nm.end:]
            if SKIP_AFTER.match(tail):
                continue
            unit = None
            for w in re.findall(r"[A-Za-z][\w-]*", tail[:40])[:4]:
                if w.lower() in UNITS:
                    unit = UNITS[w.lower()]
                    break
                if w.lower() in ("of", "in", "on", "at", "by", "and", "from", "were", "was", "had", "have"):
                    break
            event, close = self._event_for(text, nm.start, nm.end, event_hits)
            if unit is None and not close:
                continue
            if nm.qualifier == "vague" and unit is None and not close:
                continue
            if unit is None and event in ("killed", "injured"):
                unit = "people"
            if event is None and nm.qualifier == "exact" and nm.text.lower() in ("one", "a"):
                continue
            out.append(Quantity(value=nm.value, low=nm.low, high=nm.high, unit=unit, event=event, text=nm.text,
                                qualifier=nm.qualifier))
        return out

    @staticmethod
    def _event_for(text: str, start: int, end: int, hits) -> tuple[str | None, bool]:
        """Event a figure counts (a verb just before it, else the nearest one after it, else any before),
        and whether it was found close to the figure."""
        before = [(s, e, n) for s, e, n in hits if e <= start and n != "attack"]
        after = [(s, e, n) for s, e, n in hits if s >= end and n != "attack"]
        if before:
            s, e, n = before[-1]
            gap_text = text[e:start]
            if len(gap_text.split()) <= 4 and not BARRIER.search(gap_text) and not re.search(r"\d", gap_text):
                return n, True
        if after:
            s, e, n = after[0]
            gap_text = text[end:s]
            if len(gap_text.split()) <= 8 and not re.search(r"[;:]|\d|\b(?:and|but)\s+\w+\s+(?:\w+\s+)?\d", gap_text):
                return n, len(gap_text.split()) <= 4
        if before:
            s, e, n = before[-1]
            if len(text[e:start].split()) <= 10:
                return n, False
        return None, False

    def _places(self, text: str, speaker_spans: list[tuple[int, int]]) -> list[str]:
        """Places named in the sentence; a place inside a speaker's title ("Kyiv Mayor") counts only
        when the sentence names no other place."""
        if self._place_re is None:
            return []
        inside, outside = [], []
        for m in self._place_re.finditer(text):
            name = self._place_alias[m.group(0).lower()]
            bucket = inside if any(s <= m.start() and m.end() <= e for s, e in speaker_spans) else outside
            if name not in bucket:
                bucket.append(name)
        return outside or inside


_ORG_WORDS = re.compile(r"\b(?:ministry|force|forces|administration|service|officials|authorities|channels|command|"
                        r"military|army|agency|office|council|government|police|media|residents|witnesses|"
                        r"sources|kremlin|moscow|kyiv|defen[cs]e|staff|guard|committee|department)\b", re.I)


def _is_person(s) -> bool:
    if s.type in ("person",):
        return True
    if s.type in ("media", "anonymous"):
        return False
    return not _ORG_WORDS.search(s.name)


class _ArticleState:
    """Who was mentioned last in an article: resolves "he added", "the governor", "the ministry said"."""

    def __init__(self, outlet_sid: str):
        self.outlet_sid = outlet_sid
        self.recent: list[str] = []
        self.last_speaker: str | None = None

    def mentioned(self, sid: str, registry: SourceRegistry):
        if sid in self.recent:
            self.recent.remove(sid)
        self.recent.append(sid)

    def by_role(self, role: str, registry: SourceRegistry) -> str | None:
        cands = registry.role_candidates(role)
        for sid in reversed(self.recent):
            if sid in cands:
                return sid
        return cands[0] if len(cands) == 1 else None

    def by_pronoun(self, pron: str, registry: SourceRegistry) -> str | None:
        want = PRONOUNS.get(pron, "any")
        order = ([self.last_speaker] if self.last_speaker else []) + list(reversed(self.recent))
        for sid in order:
            s = registry.get(sid)
            if s is None:
                continue
            is_person = _is_person(s)
            if want == "any" or (want == "person") == is_person:
                return sid
        return None
