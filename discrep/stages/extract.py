"""Claim extraction: who says what figure about which event, where, when — and who stays silent.

Rule-based on purpose: every decision is inspectable, it runs thousands of sentences a second on
one core, and it needs no model download (docs/extraction.md weighs it against spaCy and
others). The speaker registry (``data/sources.yaml``) and the gazetteer (``data/places.yaml``) are
data the user extends. An article is read in order and keeps a little state, because news states
the who/when/where once and then goes on: "he added", "the ministry said", "a day earlier",
"the city".
"""
from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from sklearn.base import BaseEstimator

from discrep.errors import ExtractionTimeout
from discrep.records.core import Article, Claim, Quantity
from discrep.text.dates import DateMention, find_dates, resolve
from discrep.text.numbers import find_numbers
from discrep.text.places import Gazetteer
from discrep.text.sources import SourceRegistry, slugify
from discrep.text.textmatch import lower, tokens

# ---------------------------------------------------------------- sentences, captions, credit lines
_ABBREV = {"mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "jan", "feb", "mar", "apr",
           "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "no", "vs", "gov", "sen",
           "rep", "prof", "jr", "sr", "inc", "ltd", "co", "corp", "e.g", "i.e", "approx", "est", "fig", "a.m", "p.m"}
_BOUNDARY = re.compile(r"([.!?])([\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")
_CAPTION = re.compile(
    r"(\((?:[^()]*\b(?:via|photo|photograph|handout|press service|AP|AFP|Reuters|Getty|EPA|file)\b[^()]*)\)\s*$"
    r"|^(?:photo|image|picture|caption|video|file photo)\s*[:|]|\bphoto(?:graph)?\s*:\s|\(photo\b)",
    re.I)
_CREDIT = re.compile(
    r"^(?:(?:additional\s+)?reporting\s+by|editing\s+by|writing\s+by|compiled\s+by|produced\s+by|"
    r"[\w.'’&, -]{0,60}\bcontributed\s+(?:reporting\s+)?to\s+this\s+(?:report|story|article)|"
    r"updated\s*:?$|published\s*:?$|read\s+more\s*:)", re.I)


MAX_SENTENCE_CHARS = 2_000
"""Longer "sentences" (a table flattened to text, a list without full stops, an attack) are cut into
pieces of at most this many characters at spaces: the rules below look at the words around each
figure, date and name, and on one 400,000-character sentence they cost time quadratic in its length."""


def cap_sentence(sent: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """``sent`` as pieces of at most ``limit`` characters, cut at the last space before the limit."""
    if len(sent) <= limit:
        return [sent]
    out, start = [], 0
    while len(sent) - start > limit:
        cut = sent.rfind(" ", start + limit // 2, start + limit + 1)
        end = cut if cut > start else start + limit
        out.append(sent[start:end].strip())
        start = end
    out.append(sent[start:].strip())
    return [x for x in out if x]


class _Watch(threading.local):
    """The running extraction's deadline and what it had to cut (per thread: Spark runs extractors in threads)."""

    deadline: float | None = None
    cut_sentences: int = 0


_WATCH = _Watch()


@contextlib.contextmanager
def time_budget(seconds: float | None):
    """Extraction inside the block raises :class:`ExtractionTimeout` once ``seconds`` have passed (checked
    between sentences, which :data:`MAX_SENTENCE_CHARS` keeps short); yields the watch, whose
    ``cut_sentences`` counts the sentences cut by the length cap."""
    prev = (_WATCH.deadline, _WATCH.cut_sentences)
    _WATCH.deadline = time.monotonic() + seconds if seconds else None
    _WATCH.cut_sentences = 0
    try:
        yield _WATCH
    finally:
        _WATCH.deadline, _WATCH.cut_sentences = prev


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
            word = re.search(r"([\w.]+)$", para[max(start, m.start(1) - 64):m.start(1)])  # bounded: linear
            if m.group(1) == "." and word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
                continue
            out.append(para[start:end].strip())
            start = m.end()
        if para[start:].strip():
            out.append(para[start:].strip())
    return out


def is_caption(paragraph: str) -> bool:
    return bool(_CAPTION.search(paragraph.strip()))


def is_credit(text: str) -> bool:
    """Credit lines and page chrome ("Reuters contributed to this report.") are not claims."""
    return bool(_CREDIT.search(text.strip()))


# ---------------------------------------------------------------- attribution
SAY_VERBS = (r"said|says|say|saying|told|tells|tell|stated|states|reported|reports|report|claimed|claims|claim|"
             r"announced|announces|wrote|writes|added|adds|adding|confirmed|confirms|denied|denies|deny|declared|"
             r"declares|warned|warns|insisted|insists|asserted|asserts|noted|notes|posted|tweeted|estimated|"
             r"estimates|explained|alleged|alleges|acknowledged|admitted|described|describes|accused|accuses|urged|"
             r"urges|promised|vowed|condemned|rejected|dismissed|refuted|suggested|called|calls|blamed|blames|"
             r"went on to (?:say|assert|claim|add|state)|put the (?:\w+\s+)?(?:death\s+)?toll|put the number of \w+|counted|"
             r"recorded|registered|informed|quoted|cited|showed")
SAY_RE = re.compile(rf"(?<![\w-])(?:{SAY_VERBS})(?![\w-])")
DENY_VERBS = {"denied", "denies", "deny", "rejected", "dismissed", "refuted"}
NOUN_SAY = {"report", "reports", "claim", "claims", "reported", "call", "calls", "said"}
_NOUN_BEFORE = re.compile(r"(?:\b(?:the|a|an|this|that|these|those|its|their|his|her|such|earlier|latest|initial|"
                          r"unconfirmed|media|news|preliminary|press|first|new|same|so|what)\s+)$", re.I)
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|is|are|be|being)\s+(?:\w+ly\s+|also\s+|widely\s+)?$", re.I)
ACCORDING_RE = re.compile(r"\b(?:according\s+to|in\s+the\s+words\s+of)\s+")
CITING_RE = re.compile(r"\b(?:citing|cited\s+by)\s+")
SILENCE_RE = re.compile(
    r"(?:ha(?:s|ve|d)\s+(?:not|yet\s+to|so\s+far\s+not)\s+(?:yet\s+)?(?:publicly\s+|officially\s+|immediately\s+)?"
    r"(?:commented|comment|responded|respond|confirmed|confirm|acknowledged|acknowledge|reacted|react|addressed|"
    r"address|said anything|released any|claimed responsibility|claim responsibility|given any)"
    r"|declined\s+to\s+(?:comment|confirm|give|provide|discuss|say|specify)|refused\s+to\s+(?:comment|confirm|say)|"
    r"made\s+no\s+(?:mention|comment|statement)|did\s+not\s+(?:immediately\s+|publicly\s+|officially\s+)?(?:comment|respond|reply|confirm|"
    r"mention|acknowledge|give|claim)|didn't\s+(?:comment|respond|mention|confirm|claim)|"
    r"gave\s+no\s+(?:figures?|details|casualty figures?|comment|numbers)|offered\s+no\s+(?:comment|figures?|details)|"
    r"(?:remained|remain|stayed|kept)\s+silent|would\s+not\s+(?:comment|confirm|say)|"
    r"no\s+(?:immediate\s+)?comment\s+from|not\s+(?:yet\s+)?available\s+for\s+comment|could\s+not\s+be\s+reached\s+for\s+comment)")
_SILENCE_CUE = re.compile(r"\b(?:not|yet|declined|refused|no|silent|gave|offered|would|didn't|could)\b")
# kept for the pair features (features.py): any negation word in the text
NEG_RE = re.compile(r"\b(?:not|never|denied|denies|deny|refuted|rejected|dismissed|false(?:ly)?|no longer)\b|n't\b", re.I)
# negation of the event itself ("no one was killed", "had not been hit"), not of any verb ("would not go unpunished")
EVENT_NEG_RE = re.compile(
    r"\b(?:no\s+one|nobody|none)\s+(?:\w+\s+){0,2}?(?:was|were|had\s+been|has\s+been)\s+(?:killed|injured|hurt|wounded)"
    r"|\bno\s+(?:casualties|deaths|victims|injuries|damage|one\s+was\s+hurt)\b"
    r"|\b(?:not|never|n't)\s+(?:been\s+|be\s+)?(?:hit|hits|struck|strike|strikes|targeted|targets?|damaged|killed|kill|"
    r"injured|fired|fire|launched|shot\s+down|attacked|attack|shelled|shell|bombed|bomb)\b")
HEDGE_RE = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|apparently|unverified|unconfirmed|"
    r"(?:could|can)\s*(?:not|n't)\s+(?:be\s+)?(?:independently\s+)?(?:verify|verified|confirm|confirmed)|"
    r"(?:was|were|is|are)\s+unable\s+to\s+(?:independently\s+)?(?:verify|confirm)|"
    r"could\s+(?:not\s+)?be\s+independently\s+(?:verified|confirmed)|cannot\s+independently|"
    r"not\s+(?:be\s+)?independently\s+(?:verified|confirmed)|preliminary|may\s+have|might\s+have|possibly|"
    r"(?:was|were|is|are)\s+(?:believed|thought|said)\s+to|it\s+is\s+unclear|it\s+was\s+not\s+clear|"
    r"(?:high|strong)\s+likelihood|likely)\b")
NP_WORDS = set("""the a an of and local regional city state military officials official authorities residents resident
witnesses witness sources source police spokesman spokesperson spokeswoman ministry emergency services service channels
channel media governor mayor head chief commander army forces force air defense defence administration council president
prime minister foreign interior health its their his her in for pro-russian pro-kremlin ukrainian russian western allies
telegram social news agency monitoring group groups rights human officer officers analyst analysts expert experts
observers observer villagers doctors rescuers rescue workers volunteers medics hospital prosecutor prosecutors general
staff region's city's country's border guard guards national nation's security team unit units regiment brigade
command commanders deputy spokesmen representatives representative bloggers blogger journalists journalist reporters
correspondent correspondents eyewitnesses survivors unnamed anonymous senior top several two three some other
independent international united nations un mission monitors observers' company operator grid utility firefighters
acting interim""".split())
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her"}
PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "any"}
GROUP_WORDS = {"officials": "official", "authorities": "official", "official": "official", "spokesman": "official",
               "spokeswoman": "official", "spokesperson": "official", "police": "official", "ministry": "government",
               "military": "military", "army": "military", "forces": "military", "command": "military",
               "residents": "anonymous", "witnesses": "anonymous", "sources": "anonymous", "source": "anonymous",
               "channels": "media", "media": "media", "bloggers": "media", "agency": "media", "outlets": "media"}
_RESIDENT = re.compile(r"^(?:(?:a|an|the|some|several|many|other|local|two|three)\s+)*(?:[A-Z][\w-]+\s+)?"
                       r"(?:residents?|witness(?:es)?|eyewitness(?:es)?|locals?|neighbou?rs?|villagers?)"
                       r"(?:\s+(?:of|in)\s+[\w\s'-]+)?$", re.I)
# leading and trailing words of a subject phrase that are not the speaker
_LEAD = re.compile(r"^(?:(?:and|but|so|yet|however|nevertheless|nonetheless|meanwhile|also|then|later|still|"
                   r"separately|instead|now|earlier|initially|first|finally|in turn|in addition|by contrast)\b[\s,]*)+",
                   re.I)
_TAIL = re.compile(r"(?:\s+(?:has|had|have|would|will|could|did|does|do|also|later|earlier|repeatedly|again|then|"
                   r"previously|separately|first|initially|subsequently|immediately|already|now|once|still|further|"
                   r"publicly|officially|himself|herself|itself|themselves|too|on\s+\w+day|yesterday|today|"
                   r"in\s+a\s+[\w\s-]+?))+$", re.I)
_ADVERBIAL_SEG = re.compile(
    r"^(?:meanwhile|however|though|nevertheless|nonetheless|too|also|in turn|for (?:its|their|his|her|our) part|"
    r"in (?:a|an|his|her|its|their) [\w\s.'’-]+|on [\w\s.'’-]+|at [\w\s.'’-]+|in [A-Z][\w\s.'’-]*|in the [\w\s'’-]+|"
    r"later|earlier|separately|instead|again|then|so far|in response|at the time|"
    r"(?:speaking|visiting|addressing|writing|talking|responding|asked|quoted)\b[\w\s.'’-]*|across the [\w\s-]+|"
    r"who [\w\s.'’-]+|which [\w\s.'’-]+|one of [\w\s.'’-]+|the (?:head|chief|leader|deputy|spokesman|spokeswoman)\b[\w\s.'’-]*|"
    r"a (?:spokesman|spokeswoman|spokesperson)\b[\w\s.'’-]*|the [\w\s'’-]+'s [\w\s-]+)$", re.I)

_NAME = re.compile(r"^(?:[A-Z][\w'’.-]*\s+){1,3}[A-Z][\w'’-]+$")
_PREP_SEG = re.compile(r"^(?:in|on|at|for|across|near|after|before|during|under|over|with|from|by|as|since|amid|"
                       r"despite|following|outside|inside|to|into|along|around|within|speaking|visiting|addressing)\b",
                       re.I)
_ADVERB_SEG = re.compile(r"^(?:meanwhile|however|though|nevertheless|nonetheless|too|also|in turn|for (?:its|their|his|"
                         r"her|our) part|later|earlier|separately|instead|again|then|so far|in response|at the time|"
                         r"moreover|furthermore|still|yet|indeed|in addition|as a result)$", re.I)

# ---------------------------------------------------------------- events and units
EVENTS = [
    ("killed", r"killed|killing|kills|kill|dead|died|dies|deaths?|death toll|lives|fatalities|fatally|perished|slain|"
               r"bodies"),
    ("injured", r"injured|injuring|injuries|injury|wounded|wounding|wounds|hurt|hospitali[sz]ed|casualties"),
    ("shot_down", r"shot down|shooting down|shoot down|shot them down|downed|downing|intercepted|intercepting|"
                  r"intercepts|neutrali[sz]ed|repelled|thwarted|destroyed in the air|brought down"),
    ("launched", r"launched|launching|launches|fired|firing|fires|unleashed|used|sent"),
    ("damaged", r"damaged|damaging|destroyed|destroying|ruined|burned|burnt|hit"),
    ("attack", r"attacks?|attacked|strikes?|struck|striking|shelling|shelled|bombardment|barrages?|explosions?|"
               r"blasts?"),
]
EVENT_RES = [(name, re.compile(rf"(?<![\w-])(?:{pat})(?![\w-])", re.I)) for name, pat in EVENTS]
# all events in one pass over the lower-cased sentence
EVENT_ALL = re.compile(r"(?<![\w-])(?:" + "|".join(f"(?P<{name}>{pat})" for name, pat in EVENTS) + r")(?![\w-])")
UNITS = {
    "people": "people", "person": "people", "persons": "people", "others": "people", "individuals": "people",
    "victims": "people", "men": "people", "women": "people", "adults": "people", "survivors": "people",
    "volunteers": "people", "patients": "people", "rescuers": "people", "workers": "people", "passengers": "people",
    "civilians": "civilians", "civilian": "civilians", "residents": "civilians", "resident": "civilians",
    "children": "children", "child": "children", "minors": "children", "kids": "children", "teenagers": "children",
    "soldiers": "soldiers", "servicemen": "soldiers", "troops": "soldiers", "fighters": "soldiers",
    "officers": "soldiers", "personnel": "soldiers", "militants": "soldiers", "saboteurs": "soldiers",
    "missiles": "missiles", "missile": "missiles", "rockets": "rockets", "rocket": "rockets",
    "drones": "drones", "drone": "drones", "uavs": "drones", "shaheds": "drones", "shells": "shells",
    "rounds": "shells", "projectiles": "shells",
    "buildings": "buildings", "building": "buildings", "homes": "homes", "home": "homes", "houses": "homes",
    "house": "homes", "apartments": "homes", "vehicles": "vehicles", "cars": "vehicles", "vehicle": "vehicles",
    "trucks": "vehicles", "tanks": "vehicles",
    "targets": "targets", "aircraft": "aircraft", "jets": "aircraft", "bombs": "bombs", "bomb": "bombs",
}
# Units that count the same things: figures are compared only within a family. "25 civilians" and
# "25 people" are one count; "5 children" is a part of "25 people", not a rival figure; drones are not
# missiles (reporters do mix up rockets and missiles).
UNIT_FAMILY = {"people": "people", "civilians": "people", "children": "children", "soldiers": "soldiers",
               "missiles": "missiles", "rockets": "missiles", "drones": "drones", "shells": "shells",
               "bombs": "bombs", "aircraft": "aircraft", "buildings": "property", "homes": "property",
               "vehicles": "vehicles", "targets": "targets"}
# coarser grouping the extractor itself uses to decide which events a unit can take
_KIND = {"people": "people", "civilians": "people", "children": "people", "soldiers": "people",
         "missiles": "munitions", "rockets": "munitions", "drones": "munitions", "shells": "munitions",
         "bombs": "munitions", "aircraft": "munitions", "buildings": "property", "homes": "property",
         "vehicles": "property", "targets": "targets"}
_UNIT_STOP = {"of", "in", "on", "at", "by", "and", "from", "were", "was", "had", "have", "has", "who", "which",
              "that", "to", "as", "with", "after", "when", "while", "but", "or", "are", "is", "been", "be"}
SKIP_AFTER = re.compile(r"^\s*-?\s*(?:%|percent|per cent|km|kilomet|miles?|metres|meters|a\.m|p\.m|o'clock|hours?|"
                        r"minutes?|seconds?|days?|weeks?|months?|years?|year-old|decades?|centur|st\b|nd\b|rd\b|th\b|"
                        r"times\b|dollars?|euros?|hryvnias?|roubles?|rubles?|degrees)", re.I)
SKIP_BEFORE = re.compile(r"(?:\baged|\bage|\bnumber|\bNo\.|\bpage|\bchapter|\bbrigade|\bregiment|\bbattalion|"
                         r"\bdivision|\bunit|\bRoute|\bflight)\s*$", re.I)
BARRIER = re.compile(r"[;:]|\band\b|\bbut\b|\bwhile\b|\bwhich\b|\bwhen\b|—|–", re.I)
_PARENTHETICAL = re.compile(r",[^,]{0,60},")
_FINITE_BEFORE = re.compile(r"\b(?:were|was|had\s+been|have\s+been|has\s+been|had|have|has|are|is|be|being|been)"
                            r"(?:\s+\w+ly)?\s+$", re.I)
_TOLL_RE = re.compile(r"\b(?:(?P<toll>death\s+toll|toll)|number\s+of\s+(?:the\s+)?(?P<what>[\w-]+)(?:\s+(?P<what2>[\w-]+))?)"
                      r"[^;]{0,120}?\b(?:risen|rose|climbed|increased|reached|grown|grew|stood|stands|jumped|to|at)"
                      r"\s+(?:to\s+|at\s+)?$", re.I)
_ANTECEDENT = re.compile(r"(?:\bincluding|\bamong\s+them|\bof\s+whom|\bamong\s+whom)\s+$", re.I)
_OF_THEM = re.compile(r"^\s+of\s+(?:them|which|whom|those|these)\b", re.I)
_PARTITIVE = re.compile(r"^\s+of\s+(?:the|its|their|those|these)\s+((?:[\w-]+\s+){0,3}[\w-]+)", re.I)

# ---------------------------------------------------------------- places in context
_ACTOR_AFTER = re.compile(
    r"^\s+(?:has|had|have|would|will|could|must|should|may)\s+(?!been\b)(?:\w+ly\s+)?(?!been\b)\w+"
    r"|^(?:\s+(?:has|had|have|would|will|could|also|then|again|repeatedly|now|later|reportedly|allegedly|itself|"
    r"for its part,?|,))*\s+(?:fired|launched|struck|shelled|attacked|used|sent|carried|conducted|thrown|threw|"
    r"denied|denies|deny|said|says|say|claims?|claimed|accused|accuses|insists?|insisted|responded|retaliated|"
    r"targets?|targeted|continues?|continued|is\s+using|began|started|invaded|blamed|warned|vowed|promised|rejected|"
    r"dismissed|stepped\s+up|intensified|launches|fires|uses|strikes|hits|sent|wants|will|would|must|and\s+its|"
    r"regime|government|leadership|authorities|forces|troops|army|military|officials)\b",
    re.I)
_ACTOR_BEFORE = re.compile(r"(?:\baccused|\baccusing|\bblamed|\bblaming|\burged|\bby|\bwith|\ballies\s+of|"
                           r"\bsupport\s+for|\bhelp\s+from|\bborder\s+with)\s+(?:the\s+)?$", re.I)
_ORIGIN_BEFORE = re.compile(r"\b(?:fired|launched|shot|sent|flown|coming|came|flew|taken|deported|evacuated)\s+"
                            r"(?:\w+\s+){0,4}?from\s+(?:the\s+)?$", re.I)
_POSSESSIVE_PLACE = re.compile(r"^['’]s\s+(?:[\w-]+\s+){0,2}?(?:city|cities|capital|regions?|territory|soil|airspace|"
                               r"infrastructure|towns?|villages?|ports?|border|oblast|province|districts?|coast|"
                               r"energy|power|grid|electricity|cities|skies|heartland)\b")
_REFERENCE = re.compile(r"\b(?:in\s+response\s+to|in\s+retaliation\s+for|retaliation\s+for|(?:a|an|one|two|three|four|"
                        r"five|six|seven|\d+)\s+days?\s+(?:after|before)\s+\w)")
_SETTING = re.compile(r"^(?:speaking|visiting|addressing|talking|writing|interviewed|appearing)\b[^,]*,", re.I)
_FRONTED_IN = re.compile(r"^(?:(?:in|across|near|outside|over)\s+(?:the\s+)?[^,]{1,60}|elsewhere|separately|"
                         r"in other news|meanwhile,\s+in\s+[^,]{1,40}),", re.I)
_COUNTRY_ANAPHOR = re.compile(r"\b(?:across\s+the\s+country|nationwide|the\s+country(?:['’]s)?|countrywide)\b")
_CAPITAL_ANAPHOR = re.compile(r"\bthe\s+capital\b(?!\s+of\b)")  # "the capital of the region" is not Kyiv
_PLACE_ANAPHOR = re.compile(r"\b(?:the\s+(?:city|region|town|village|area|capital|oblast|province)|there)\b")
_GENERIC = re.compile(r"\b(?:repeatedly|repeated|regularly|routinely|frequently|often|typically|intermittent(?:ly)?|"
                      r"almost\s+(?:daily|every\s+day)|every\s+day|has\s+long|for\s+(?:months|years)|"
                      r"since\s+the\s+(?:start|beginning)\s+of)\b")
_SPEECH_TAIL = re.compile(
    rf"\b(?:{SAY_VERBS})(?:\s+(?:in\s+(?:a|an|his|her|its|their)\s+(?:[\w-]+\s+){{0,3}}?(?:statement|post|address|"
    r"briefing|message|interview|update|video)|on\s+(?:telegram|social\s+media|television|tv|x|twitter)|"
    r"reporters|journalists|local\s+\w+|the\s+[\w\s]{1,30}?|late|early|later|earlier))*\s+(?:on\s+)?$", re.I)
_SPEECH_NOUN = re.compile(r"\b(?:statement|post|address|briefing|message|interview|update|meeting|session|"
                          r"conference)\s+(?:on\s+)?$", re.I)
_SPEECH_NOUN_AFTER = re.compile(r"^\s+(?:statement|post|address|briefing|message|interview|update|video)\b", re.I)


def _mask_quotes(text: str) -> str:
    """The text with quoted passages blanked (same length): a verb inside a quote is not the attribution."""
    return re.sub(r"“[^”]*”|\"[^\"]*\"", lambda m: " " * len(m.group(0)), text)


@dataclass
class _Speaker:
    sid: str
    mention: str
    span: tuple[int, int]
    verb: str | None  # the attribution verb ("said", "denied"), None for "according to"


@dataclass
class _ArticleState:
    """What an article has said so far: who was mentioned and who spoke last ("he added", "the
    governor"), the story's event date (what "a day earlier" counts from) and its current places."""

    outlet_sid: str
    recent: list[str] = field(default_factory=list)
    last_speaker: str | None = None
    anchor: date | None = None
    topic_places: list[str] = field(default_factory=list)
    last_quote: bool = False  # the last sentence quoted its speaker

    def mentioned(self, sid: str, registry: SourceRegistry):
        s = registry.get(sid)
        for x in ([s.part_of] if s is not None and s.part_of else []) + [sid]:
            if x in self.recent:
                self.recent.remove(x)
            self.recent.append(x)

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
            if s is None or s.type == "media" and sid == self.outlet_sid:
                continue
            if want == "any" or (want == "person") == _is_person(s):
                return sid
        return None


_LOAD_LOCK = threading.Lock()


class ClaimExtractor(BaseEstimator):
    """Turns an :class:`Article` into :class:`Claim` s.

    Parameters are stored untouched (scikit-learn style) so the extractor is a config value:
    ``get_params``, ``set_params`` and ``clone`` work and read no file. The speaker registry
    (``sources_path``) and the gazetteer (``places_path``) are read on first use and kept by the
    extractor; a changed path is read again.
    ``keep_background``: keep sentences with no figure, event, place, date, attribution or silence.
    """

    def __init__(self, sources_path: str | None = None, places_path: str | None = None, min_words: int = 4,
                 keep_background: bool = False):
        self.sources_path = sources_path
        self.places_path = places_path
        self.min_words = min_words
        self.keep_background = keep_background

    @property
    def registry(self) -> SourceRegistry:
        """The speaker registry of ``sources_path``; speakers met while extracting are added to it."""
        return self._loaded("_registry", self.sources_path, SourceRegistry.from_yaml)

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer of ``places_path`` (the one :meth:`Gazetteer.load` shares with the other stages)."""
        return self._loaded("_gazetteer", self.places_path, Gazetteer.load)

    def _loaded(self, slot: str, path, load):
        hit = self.__dict__.get(slot)
        if hit is None or hit[0] != path:
            with _LOAD_LOCK:  # threads extracting with one extractor must share one registry
                hit = self.__dict__.get(slot)
                if hit is None or hit[0] != path:
                    hit = self.__dict__[slot] = (path, load(path))
        return hit[1]

    # ------------------------------------------------------------ public API
    def extract(self, article: Article) -> list[Claim]:
        """Claims of an article in reading order; captions, credit lines and repeated paragraphs or
        sentences (a syndicated caption printed twice) give none."""
        claims: list[Claim] = []
        seen: set[str] = set()
        state = _ArticleState(outlet_sid=self._outlet_source(article.outlet))
        idx = -1
        for para in re.split(r"\n\s*\n|\n", article.text or ""):
            key = _key(para)
            if not key:
                continue
            sents = split_sentences(para)
            if any(len(x) > MAX_SENTENCE_CHARS for x in sents):
                capped = [piece for x in sents for piece in cap_sentence(x)]
                _WATCH.cut_sentences += sum(len(x) > MAX_SENTENCE_CHARS for x in sents)
                sents = capped
            if key in seen or is_caption(para):
                seen.add(key)
                idx += len(sents)
                continue
            seen.add(key)
            for sent in sents:
                idx += 1
                if _WATCH.deadline is not None and time.monotonic() > _WATCH.deadline:
                    raise ExtractionTimeout(f"claim extraction ran past its time budget at sentence {idx + 1}")
                k = _key(sent)
                if k in seen and len(sents) > 1 or is_credit(sent):
                    continue
                seen.add(k)
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
        sid = self.registry.lookup(outlet or "unknown") or slugify(outlet or "unknown")
        self.registry.ensure(sid, outlet or "unknown", "media")
        return sid

    def _claim(self, sent: str, idx: int, art: Article, state: _ArticleState, force: bool = False) -> Claim | None:
        orig = sent.strip()
        # same length replacements: every span found below indexes the original sentence too
        text = orig.replace("’", "'").replace("‘", "'")
        if not force and len(text.split()) < self.min_words:
            return None
        low = lower(text)
        toks = tokens(text)
        mentions = self.registry.find(text, toks)
        for sid, _ in mentions:
            state.mentioned(sid, self.registry)
        masked = lower(_mask_quotes(text))
        silence = SILENCE_RE.search(masked) if _SILENCE_CUE.search(low) else None
        speaker = self._speaker(text, masked, state, silence)
        kind, silent_source, topic = "statement", None, None
        if silence:
            kind = "silence"
            found = self._subject_before(text, masked, silence.start(), state)
            silent_source = found[0] if found else (speaker.sid if speaker else None)
            if found:
                speaker = _Speaker(found[0], found[1], _span_of(text, found[1], silence.start()), None)
            t = re.search(r"\b(?:on|about|of|to|for)\s+(.{3,80}?)(?:[.,;]|$)", text[silence.end():])
            topic = t.group(1).strip() if t else None
        dates = find_dates(low)
        generic = bool(_GENERIC.search(low))
        event_date, digression, main_date_end = self._event_date(text, low, dates, speaker, art.published, state,
                                                                 generic)
        hits = sorted((m.start(), m.end(), m.lastgroup) for m in EVENT_ALL.finditer(low))
        quantities = self._quantities(text, dates, hits)
        events = [name for name, _ in EVENTS if any(h[2] == name for h in hits)]
        places = self._places(text, low, toks, mentions, speaker, main_date_end, state, digression, generic)
        if speaker is None and silence is None and state.last_speaker and re.match(r"^[“\"]", text) and \
                re.search(r"[”\"]\W*$", text) and state.last_quote:
            speaker = _Speaker(state.last_speaker, "", (0, 0), None)  # "“And we will continue,” …" goes on quoting
        state.last_quote = bool(re.search(r"[“”\"]", text)) and speaker is not None
        if speaker is not None:
            state.last_speaker = speaker.sid
        if not force and not (self.keep_background or quantities or silence or speaker is not None or events
                              or places or event_date):
            return None
        polarity = "affirmed"
        if kind == "statement":
            if HEDGE_RE.search(low):
                polarity = "hedged"
            elif (speaker is not None and speaker.verb and speaker.verb.lower() in DENY_VERBS) or \
                    EVENT_NEG_RE.search(low):
                polarity = "negated"
        sid = speaker.sid if speaker else state.outlet_sid
        if kind == "silence" and silent_source:
            sid = silent_source
        src = self.registry.get(sid)
        mention = speaker.mention if speaker is not None and sid != state.outlet_sid else None
        return Claim(
            claim_id=f"{art.id}:{idx}", article_id=art.id, outlet=art.outlet, published=art.published,
            sentence=idx, text=orig, source=sid, source_name=src.name if src else sid,
            source_type=src.type if src else "media", party=src.party if src else None,
            quantities=quantities, events=events, date=event_date, places=places, polarity=polarity,
            kind=kind, silent_source=silent_source, topic=topic,
            relayed_by=art.outlet if sid != state.outlet_sid else None, source_text=mention,
        )

    # ------------------------------------------------------------ attribution
    def _resolve_phrase(self, phrase: str, state: _ArticleState) -> tuple[str, str] | None:
        """(canonical id, mention) for a subject phrase: alias, metonym, pronoun, role, residents, then a
        new speaker named in the text. None when the phrase does not name a speaker."""
        p = phrase.strip(" ,“”\"'‘’()—–-:")
        p = _LEAD.sub("", p)
        p = _TAIL.sub("", p).strip(" ,")
        if not p or len(p) > 140:
            return None
        words = p.split()
        low = p.lower()
        found = self.registry.find(p)
        if found and (len(words) <= 12 or found[-1][1][1] >= len(p) - 2):
            best = max(found, key=lambda f: (f[1][1] - f[1][0], -f[1][0]))
            return best[0], p
        head = re.split(r"\s+and\s+", p, maxsplit=1)[0]
        sid = self.registry.metonym(head)
        if sid:
            return sid, p
        if low in PRONOUNS:
            sid = state.by_pronoun(low, self.registry)
            return (sid, p) if sid else None
        if self.registry.role_re is not None and len(words) <= 8:
            m = self.registry.role_re.search(p)
            if m:
                sid = state.by_role(m.group(1), self.registry)
                if sid:
                    return sid, p
        if _RESIDENT.match(p) and self.registry.get("residents"):
            return "residents", p
        if len(words) > 7 or all(w.lower() in DETERMINERS for w in words):
            return None
        if not (re.search(r"\b[A-Z][a-z]", p) or any(w.lower() in GROUP_WORDS for w in words)):
            return None
        toks = re.findall(r"[\w'.-]+", p)
        if any(t[0].islower() and t.lower() not in NP_WORDS for t in toks):
            return None
        if words[0].lower() in ("it", "this", "that", "there", "what", "most", "some", "all", "many"):
            return None
        sid = slugify(p)
        type_ = next((GROUP_WORDS[w.lower()] for w in reversed(words) if w.lower() in GROUP_WORDS), "person")
        self.registry.ensure(sid, p, type_)
        return sid, p

    def _subject_before(self, text: str, masked: str, pos: int, state: _ArticleState) -> tuple[str, str] | None:
        """Speaker of a verb at ``pos``: the phrase before it in its clause, skipping appositions and
        adverbials ("Vyacheslav Gladkov, the region's governor, said"; "X, for their part, have yet to")."""
        before = masked[max(0, pos - 300):pos]
        off = max(0, pos - 300)
        cut, ln = max((before.rfind(d), len(d)) for d in (";", "“", "”", '"', ":", " that ", "—", "–", "(", ")"))
        start = off + (cut + ln if cut >= 0 else 0)
        chunk = text[start:pos]
        # "rejected the claim and said": the subject of the first verb
        conj = re.search(r"^(.*?)\s+(?:\w+ed|\w+s)\b[^,]*\band\s*$", chunk)
        if conj and conj.group(1).strip():
            chunk = conj.group(1)
        segs = chunk.split(",")
        for i in range(len(segs) - 1, -1, -1):
            seg = segs[i].strip()
            if not seg:
                continue
            if i == len(segs) - 1 and re.match(r"^(?:which|who)\b", seg, re.I):
                continue  # "the ministry, which said": the antecedent speaks
            if i > 0 and re.match(r"^(?:the|a|an)\s", seg, re.I):
                prev = _TAIL.sub("", _LEAD.sub("", segs[i - 1].strip())).strip(" ,")
                if self.registry.lookup(prev) or (_NAME.match(prev) and not _PREP_SEG.match(prev)):
                    continue  # "Serhiy Popko, the head of the administration, said": the name speaks
            if _PREP_SEG.match(seg) or _ADVERB_SEG.match(seg):
                continue  # "In Kharkiv, the governor said", "X, meanwhile, said"
            found = self._resolve_phrase(seg, state)
            if found:
                return found
            if not _ADVERBIAL_SEG.match(seg) and i < len(segs) - 1 and len(seg.split()) > 6:
                break
            if i == len(segs) - 1 and len(seg.split()) > 8:
                break
        return None

    def _speaker(self, text: str, masked: str, state: _ArticleState, silence: re.Match | None) -> _Speaker | None:
        cands: list[_Speaker] = []
        m = ACCORDING_RE.search(masked)
        if m:
            rest = text[m.end():]
            full = re.search(r"[,.;:—]|$", rest)
            short = re.search(r"[,.;:—]|\s(?:said|who|which|that|on|in|after|before|as)\s", rest)
            for phrase in dict.fromkeys((rest[: full.start()], rest[: short.start()] if short else rest)):
                if re.match(r"^(?:preliminary|initial|early|official|unofficial|local)?\s*(?:reports?|data|figures|"
                            r"information|estimates?|results)\b", phrase.strip(), re.I) or len(phrase.split()) > 12:
                    continue
                found = self._resolve_phrase(phrase, state)
                if found and (self.registry.lookup(found[1]) or self.registry.find(found[1]) or phrase is not rest):
                    cands.append(_Speaker(found[0], found[1], _span_of(text, found[1], len(text)), None))
                    break
        for v in SAY_RE.finditer(masked):
            if silence and silence.start() <= v.start() <= silence.end():
                continue
            word = v.group(0)
            left = masked[max(0, v.start() - 80):v.start()]
            if _NOUN_BEFORE.search(left) and (word in NOUN_SAY or word.endswith("ed")):
                continue
            if re.search(r"\bwhat\s+(?:it|he|she|they)\s+$", left, re.I):
                continue  # "what it described as": a label, not a report
            if _PASSIVE_BEFORE.search(left) or (word.endswith("ed") and re.match(r"\s+by\s", text[v.end():])):
                agent = re.match(r"\s+by\s+((?:[\w'.-]+\s*){1,6}?)(?=[,.;]|\s+(?:showed|said|was|were|on|in|that)\b|$)",
                                 text[v.end():])
                if agent:
                    found = self._resolve_phrase(agent.group(1), state)
                    if found:
                        cands.append(_Speaker(found[0], found[1], _span_of(text, found[1], len(text)), word))
                        break
                continue
            if word == "showed":
                continue
            seg = re.split(r"[,;“”\"]|\sthat\s", masked[max(0, v.start() - 200):v.start()])[-1]
            if re.search(r"(?:^\s*|\b(?:a|an|one|two|three|\d+)\s+(?:days?|weeks?|hours?)\s+|\s)(?:after|before|when|while|"
                        r"since|because|although|though|if|until|once)\s", seg, re.I) or \
                    re.match(r"\s*as\s", seg, re.I):
                continue  # "a day after Putin promised ...": a clause about another event
            found = self._subject_before(text, masked, v.start(), state)
            if found is None and re.search(r"[,”\"]\s*$", left):
                after = re.match(r"\s*((?:the\s+|a\s+)?(?:[\w.'’-]+\s*){1,6}?)(?=[,.;]|\s+(?:on|in|that|who)\b|$)",
                                 text[v.end():])
                if after:
                    found = self._resolve_phrase(after.group(1), state)
            if found:
                sp = _span_of(text, found[1], v.start() if found[1] in text[:v.start()] else len(text))
                if sp[1] <= v.start() and "," in text[sp[1]:v.start()]:
                    sp = (sp[0], v.start())  # "Denis Pushilin, the head of the Donetsk region, said": all his
                cands.append(_Speaker(found[0], found[1], sp, word))
                break
        if not cands:
            m = CITING_RE.search(masked)
            if m:
                rest = text[m.end():]
                end = re.search(r"[,.;:—]", rest)
                found = self._resolve_phrase(rest[: end.start()] if end else rest, state)
                if found:
                    return _Speaker(found[0], found[1], (m.start(), m.end()), None)
            return None
        # the outermost report frame: a verb's speaker before a nested one; "according to" when it comes first
        return min(cands, key=lambda s: s.span[0])

    # ------------------------------------------------------------ dates
    def _event_date(self, text: str, low: str, dates: list[DateMention], speaker: _Speaker | None,
                    published: date | None, state: _ArticleState, generic: bool) -> tuple[date | None, bool, int]:
        """(event date, is this sentence about another day than the story, end of the expression used).

        Speech dates ("said on Monday", "in a Dec. 31 statement") are not event dates: without another
        date the sentence keeps the story's date, unless the speech predates it ("On Saturday, the
        ministry had accused ...")."""
        event: tuple[date, int] | None = None
        speech: date | None = None
        vague = False
        setting = _SETTING.match(text)
        lead = re.match(r"^on\s+[^,]{3,30},\s*", text, re.I)
        possessive: tuple[date, int] | None = None
        for m in dates:
            if m.kind == "year":
                continue
            if m.kind == "vague":
                # "since the war began in February 2022" dates the background, not the claim
                if not re.search(r"\bsince\b[^,;]{0,30}$", low[max(0, m.start - 40):m.start]):
                    vague = True
                continue
            d = resolve(m, published, state.anchor)
            if d is None or (published is not None and m.kind == "anchor" and d > published):
                continue  # "the very next day" counted from the wrong day would land in the future
            left = low[max(0, m.start - 90):m.start]
            is_speech = bool(_SPEECH_TAIL.search(left) or _SPEECH_NOUN.search(left) or
                             (_SPEECH_NOUN_AFTER.match(text[m.end:]) and re.search(r"\ban?\s+$", left, re.I)) or
                             (setting and m.end <= setting.end()) or
                             (lead and m.end <= lead.end() and speaker is not None and speaker.verb and
                              speaker.span[0] >= lead.end()))
            if is_speech:
                if not (setting and m.end <= setting.end()):
                    speech = speech or d
                continue
            if m.text.lower().endswith(("'s", "’s")) and possessive is None:
                possessive = (d, m.end)  # "Tuesday's attack followed a barrage on Friday": Friday is asserted
                continue
            event = (d, m.end)
            break
        event = event or possessive
        if event is not None:
            d = event[0]
            if state.anchor is None:
                state.anchor = d
            return d, d < state.anchor, event[1]
        if vague:
            return None, not generic, 0
        if generic:
            return None, False, 0
        if speech is not None and (state.anchor is None or speech < state.anchor):
            if state.anchor is None:
                state.anchor = speech  # "…, officials said on Jan. 2": the best guess of the story's day
            return speech, False, 0
        return state.anchor, False, 0

    # ------------------------------------------------------------ places
    def _places(self, text: str, low: str, toks, mentions, speaker: _Speaker | None, main_date_end: int,
                state: _ArticleState, digression: bool, generic: bool) -> list[str]:
        """Event places: named places that are not a speaker's title ("Kyiv Mayor"), an actor
        ("Russia fired", "accused Ukraine"), an origin ("fired from Ukrainian territory") or the
        place of another event the sentence refers to; else the story's places."""
        g = self.gazetteer
        spans = [sp for _, sp in mentions] + ([speaker.span] if speaker else [])
        ref = _REFERENCE.search(low)
        setting = _SETTING.match(text)
        outside: list[str] = []
        inside: list[str] = []
        for h in g.find(text, toks):
            name = g.normalise(h.name)
            if speaker is not None and speaker.span[0] <= h.start < speaker.span[1] and \
                    self.registry.metonym(speaker.mention.split(" and ")[0]):
                continue  # "Moscow denied …": a speaker, not a place
            if any(s <= h.start and h.end <= e for s, e in spans):
                if name not in inside:
                    inside.append(name)
                continue
            if h.via == "name":
                after, before = text[h.end:h.end + 60], text[max(0, h.start - 60):h.start]
                metonymic = g.is_country(h.name) or self.registry.metonym(text[h.start:h.end]) is not None
                if metonymic and (_ACTOR_AFTER.match(after) or _ACTOR_BEFORE.search(before)):
                    continue
                if metonymic and after[:1] in ("'", "’") and not _POSSESSIVE_PLACE.match(after):
                    continue
                if _ORIGIN_BEFORE.search(before) or re.search(r"\bborder\s+with\s+(?:the\s+)?$", before, re.I):
                    continue
            elif _ORIGIN_BEFORE.search(text[max(0, h.start - 60):h.start]):
                continue
            if ref and h.start > ref.start() and main_date_end and main_date_end <= ref.start():
                continue
            if setting and h.end <= setting.end():
                continue
            if name not in outside:
                outside.append(name)
        # "the capital", "across the country": the country of what the sentence or the story is about
        ctx = outside or ([] if digression else state.topic_places) or inside
        country = next((g.country_of(n) for n in ctx if g.country_of(n)), None)
        if country and _COUNTRY_ANAPHOR.search(low) and country not in outside:
            outside.append(country)
        if country and _CAPITAL_ANAPHOR.search(low) and g.capitals.get(country) and \
                g.capitals[country] not in outside:
            outside.append(g.capitals[country])
        if outside:
            places = g.drop_containers(outside)
            fronted = _FRONTED_IN.match(text)
            # the story stays where it is when a sentence names its country ("across Ukraine") or a
            # village inside it ("near the village of Kozinka")
            narrower = state.topic_places and (all(g.is_country(n) for n in places) and all(
                g.country_of(t) in places for t in state.topic_places) or all(
                g.within(n) in state.topic_places for n in places))
            aside = bool(fronted) and (bool(re.match(r"(?:elsewhere|separately|in other news|meanwhile)\b", text, re.I))
                                       or all(text.find(n) < fronted.end() for n in places if text.find(n) >= 0))
            if not digression and not generic and not narrower and not aside:
                state.topic_places = [n for n in places if g.within(n) not in places]
            return places
        if inside and speaker is not None and _PLACE_ANAPHOR.search(low) and \
                re.search(r"\b(?:governor|mayor|administration|regional|city)\b", speaker.mention, re.I):
            return g.drop_containers(inside)  # "Kharkiv Governor …: at least one killed in the region"
        if not digression and (not generic or _PLACE_ANAPHOR.search(low)) and state.topic_places:
            return list(state.topic_places)
        if inside and not generic:
            places = g.drop_containers(inside)
            if not state.topic_places and not digression:
                state.topic_places = places
            return places
        return []

    # ------------------------------------------------------------ quantities
    def _quantities(self, text: str, dates: list[DateMention], hits) -> list[Quantity]:
        out: list[Quantity] = []
        date_spans = [(m.start, m.end) for m in dates]
        for nm in find_numbers(text):
            if any(s <= nm.start < e or s < nm.end <= e for s, e in date_spans):
                continue
            tail, head = text[nm.end:nm.end + 120], text[max(0, nm.start - 200):nm.start]
            if SKIP_AFTER.match(tail) or SKIP_BEFORE.search(head):
                continue
            prev = out[-1] if out else None
            unit, event, close = None, None, False
            # "21 of which were intercepted", "30 of them", "10 of them children"
            of_them = _OF_THEM.match(tail)
            part = _PARTITIVE.match(tail)
            if of_them:
                nxt = re.match(r"\s*([\w-]+)", tail[of_them.end():])
                if nxt and nxt.group(1).lower() in UNITS:
                    unit = UNITS[nxt.group(1).lower()]
                elif prev is not None:
                    unit = prev.unit
            elif part and any(w.lower() in UNITS for w in part.group(1).split()):
                unit = next(UNITS[w.lower()] for w in part.group(1).split() if w.lower() in UNITS)
            elif part:
                continue  # "one of the targets", "one of the deadliest"
            else:
                for w in re.findall(r"[A-Za-z][\w-]*", re.split(r"[,;:.—–()]", tail[:50])[0])[:4]:
                    lw = w.lower()
                    if lw in UNITS:
                        unit = UNITS[lw]
                        break
                    if lw in _UNIT_STOP:
                        break
            toll = _TOLL_RE.search(head[-160:])
            if toll:
                what = " ".join(x for x in (toll.group("what"), toll.group("what2")) if x).lower()
                if toll.group("toll") or re.search(r"\b(?:dead|killed|deaths|fatalities|died)\b", what):
                    event = "killed"
                elif re.search(r"\b(?:injured|wounded|hurt|casualties)\b", what):
                    event = "injured"
                elif re.search(r"\b(?:missing)\b", what):
                    event = "other"
                first = what.split()[0] if what else ""
                if unit is None:
                    unit = UNITS.get(first, "people" if event else None)
                close = event is not None
            if event is None and prev is not None and _ANTECEDENT.search(head):
                event, close = prev.event, True
            if event is None:
                total = bool(re.search(r"\bof\s+(?:the|its|their)\s+$", head, re.I))
                event, close = self._event_for(text, nm.start, nm.end, hits, unit, total)
                if of_them and prev is not None and (event is None or not close):
                    event, close = prev.event, True
            if unit is None and prev is not None and prev.unit and (
                    re.search(r"\band\s+$", head) and event in ("shot_down", "launched") or
                    re.match(r"\s+(?:more|others|further)\b", tail)):
                unit = prev.unit  # "four rockets had hit, while two more had been shot down"
            if unit is None and not close:
                continue
            if unit is None and event in ("killed", "injured"):
                unit = "people"
            if unit is None and event is None:
                continue
            if nm.qualifier == "exact" and nm.text.lower() in ("one", "a") and (event is None or unit is None):
                continue  # "one span of the bridge", "one of them": not a count worth comparing
            if event == "other":
                event = None
            out.append(Quantity(value=nm.value, low=nm.low, high=nm.high, unit=unit, event=event, text=nm.text,
                                qualifier=nm.qualifier))
        return out

    @staticmethod
    def _event_for(text: str, start: int, end: int, hits, unit: str | None, total: bool = False
                   ) -> tuple[str | None, bool]:
        """Event a figure counts and whether it was found close to it: a verb just before the figure
        ("killing two"), else the clause's predicate after it ("17 rockets launched from X had been
        intercepted": the finite verb, not the participle), else a bare participle right after it
        ("110 injured"), else any event shortly before."""
        family = _KIND.get(unit or "")

        def adjust(name: str, s: int, e: int) -> str | None:
            word = text[s:e].lower()
            if family == "munitions":
                if name == "damaged" and word.startswith(("destroy", "down")):
                    return "shot_down"  # "air defences destroyed 14 drones"
                if name in ("damaged", "attack"):
                    return "launched"  # "two missiles struck the centre": two were fired
                if name in ("killed", "injured"):
                    return None
            elif family in ("people",) and name in ("launched", "shot_down", "damaged", "attack"):
                return None  # "9,000 children would be sent", "struck a meeting of commanders"
            elif family == "property":
                if name == "attack":
                    return "damaged"  # "drones struck several apartment buildings"
                if name in ("launched", "shot_down", "killed", "injured"):
                    return None
            return None if name == "attack" else name

        before = [(s, e, n) for s, e, n in hits if e <= start and (n != "attack" or family == "property")]
        after = [(s, e, n) for s, e, n in hits if s >= end]
        if before:
            s, e, n = before[-1]
            gap_text = text[e:start]
            if len(gap_text.split()) <= 4 and not BARRIER.search(gap_text) and not re.search(r"\d", gap_text):
                return adjust(n, s, e), True
        # "shelled Shebekino with more than 40 rounds": the shelling fired them
        shell = re.search(r"\b(?:shelled|struck|attacked|hit|targeted)\b[^,;.]{0,80}\bwith\s+(?:\S+\s+){0,2}$",
                          text[max(0, start - 140):start])
        if shell and family == "munitions":
            return "launched", True
        finite, bare = None, None
        for s, e, n in after:
            gap_text = _PARENTHETICAL.sub(" ", text[end:s])
            if len(gap_text.split()) > 12 or re.search(r"[;:]|\b(?:and|but)\s+\w+\s+(?:\w+\s+)?\d", gap_text) or \
                    re.search(r"\d", gap_text) or re.search(r"\b(?:when|after|as|because|while)\b", gap_text):
                break
            if n == "attack" and family not in ("munitions", "property"):
                continue
            left = text[max(0, s - 40):s]
            if _FINITE_BEFORE.search(left) or re.search(r"\b(?:were|was|are|is)\s+among\s+the\s+$", left):
                finite = finite or (s, e, n)
                break
            if bare is None and len(gap_text.split()) <= 4:
                bare = (s, e, n)
        if total and bare is not None:  # "seven of the ten missiles fired had been shot down": ten were fired
            return adjust(bare[2], bare[0], bare[1]), True
        if finite is not None:
            return adjust(finite[2], finite[0], finite[1]), True
        if bare is not None:
            return adjust(bare[2], bare[0], bare[1]), True
        if before:
            s, e, n = before[-1]
            if len(text[e:start].split()) <= 10:
                return adjust(n, s, e), False
        return None, False


def _span_of(text: str, mention: str, before: int) -> tuple[int, int]:
    """Where a speaker mention sits in the sentence (its last occurrence before ``before``)."""
    i = text.rfind(mention, 0, before)
    if i < 0:
        i = text.find(mention)
    return (i, i + len(mention)) if i >= 0 else (0, 0)


def _key(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


_ORG_WORDS = re.compile(r"\b(?:ministry|force|forces|administration|service|officials|authorities|channels|command|"
                        r"military|army|agency|office|council|government|police|media|residents|witnesses|"
                        r"sources|kremlin|moscow|kyiv|defen[cs]e|staff|guard|committee|department|union|nations|"
                        r"corps|mission|bloggers)\b", re.I)


def _is_person(s) -> bool:
    if s.type in ("person",):
        return True
    if s.type in ("media", "anonymous"):
        return False
    return not _ORG_WORDS.search(s.name)
