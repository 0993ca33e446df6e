"""The registry of canonical sources (speakers): data the user extends, not code.

"Mr. Gladkov", "Vyacheslav Gladkov" and "the governor" must become one source id, or two
outlets quoting one governor look like two witnesses. The registry (``data/sources.yaml``)
lists each source once with its aliases (names that always denote it), role nouns ("the
governor"), metonyms ("Moscow" when Moscow *speaks*; elsewhere it is a place) and, for people
who speak for a body, ``part_of`` (mentioning the minister makes "the ministry" his ministry).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from discrep.errors import InputError
from discrep.resources import DATA_DIR
from discrep.text.textmatch import PhraseIndex

SOURCE_TYPES = ("government", "military", "official", "media", "anonymous", "person", "organisation")
DEFAULT_REGISTRY = DATA_DIR / "sources.yaml"
log = logging.getLogger(__name__)
_WARNED: set[Path] = set()


def warn_missing_default(what: str, path: Path):
    """A user's own file may be absent (it reads as empty); the packaged one never should: an empty registry or
    gazetteer silently loses every speaker or place (a discrep installed without its data files). Once a file."""
    if path in _WARNED:
        return
    _WARNED.add(path)
    log.warning("%s %s not found: reading it as empty (is discrep installed without its data files?)", what, path)


def read_yaml(path: Path) -> dict:
    """A user-editable YAML data file (registry, gazetteer) as a dict; bad YAML is an InputError."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not valid YAML ({e})") from e


@dataclass
class Source:
    id: str
    name: str
    type: str = "official"
    party: str | None = None
    aliases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    metonyms: list[str] = field(default_factory=list)
    part_of: str | None = None


def slugify(s: str) -> str:
    s = re.sub(r"[^\w\s-]", "", s.lower().replace("’", "'").replace("'s", ""))
    return re.sub(r"[\s_]+", "-", s).strip("-")[:60] or "unknown"


def _alt(words) -> str:
    return "|".join(re.escape(_norm(a)).replace(r"\ ", r"\s+") for a in sorted(words, key=len, reverse=True))


class SourceRegistry:
    """Alias, role and metonym lookup over the canonical sources; unknown speakers get a stable slug id."""

    def __init__(self, sources: list[Source]):
        self.sources = {s.id: s for s in sources}
        alias_pairs = [(a, s.id) for s in sources for a in (s.name, *s.aliases) if a]
        self._alias = {}
        for a, sid in alias_pairs:
            self._alias.setdefault(_norm(a), sid)
        self.aliases = PhraseIndex(dict(reversed(alias_pairs)))  # first listed wins on a clash
        self._metonym = {_norm(m): s.id for s in sources for m in s.metonyms}
        self._roles: dict[str, list[str]] = {}
        for s in sources:
            for r in s.roles:
                self._roles.setdefault(_norm(r), []).append(s.id)
        # "the governor", "the region's governor", "the Kharkiv regional governor", "its air force"
        self.role_re = re.compile(r"(?<![\w])(?:the|its|their|his|her|this|that|the same)\s+(?:[\w'’.-]+\s+){0,2}?(" +
                                  _alt(self._roles) + r")(?![\w])", re.I) if self._roles else None

    @classmethod
    def from_yaml(cls, path: str | Path | None = None) -> "SourceRegistry":
        path = Path(path) if path else DEFAULT_REGISTRY
        if not path.exists():
            if path == DEFAULT_REGISTRY:
                warn_missing_default("the speaker registry", path)
            return cls([])
        raw = read_yaml(path)
        items = raw.get("sources", []) if isinstance(raw, dict) else []
        out = []
        for i, it in enumerate(items):
            if not isinstance(it, dict) or not it.get("id") or not it.get("name"):
                raise InputError(f"{path}: source entry {i} needs at least an id and a name")
            out.append(Source(**{k: v for k, v in it.items() if k in Source.__dataclass_fields__}))
        return cls(out)

    def lookup(self, name: str) -> str | None:
        return self._alias.get(_norm(name)) or self.aliases.get(name)

    def find(self, text: str, toks=None) -> list[tuple[str, tuple[int, int]]]:
        """(source id, span) of every alias named in ``text``, longest first, left to right."""
        return [(sid, (s, e)) for s, e, sid, _ in self.aliases.find(text, toks)]

    def metonym(self, name: str) -> str | None:
        """Source that a place name denotes when it speaks ("Moscow denied …")."""
        return self._metonym.get(_norm(name))

    def role_candidates(self, role: str) -> list[str]:
        return self._roles.get(_norm(role), [])

    def get(self, sid: str) -> Source | None:
        return self.sources.get(sid)

    def ensure(self, sid: str, name: str, type_: str = "person") -> Source:
        """Register a speaker met in text but not in the registry, so the run stays consistent."""
        if sid not in self.sources:
            self.sources[sid] = Source(sid, name, type_)
        return self.sources[sid]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("’", "'")).strip().lower()
