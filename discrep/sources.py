"""The registry of canonical sources (speakers): data the user extends, not code.

"Mr. Gladkov", "Vyacheslav Gladkov" and "the governor" must become one source id, or two
outlets quoting one governor look like two witnesses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SOURCE_TYPES = ("government", "military", "official", "media", "anonymous", "person", "organisation")
DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "sources.yaml"


@dataclass
class Source:
    id: str
    name: str
    type: str = "official"
    party: str | None = None
    aliases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)


def slugify(s: str) -> str:
    s = re.sub(r"[^\w\s-]", "", s.lower().replace("’", "'").replace("'s", ""))
    return re.sub(r"[\s_]+", "-", s).strip("-")[:60] or "unknown"


class SourceRegistry:
    """Alias and role lookup over the canonical sources; unknown speakers get a stable slug id."""

    def __init__(self, sources: list[Source]):
        self.sources = {s.id: s for s in sources}
        alias_pairs: list[tuple[str, str]] = []
        role_pairs: list[tuple[str, str]] = []
        for s in sources:
            for a in {s.name, *s.aliases}:
                if a:
                    alias_pairs.append((a, s.id))
            for r in s.roles:
                role_pairs.append((r, s.id))
        alias_pairs.sort(key=lambda t: -len(t[0]))
        self._alias = {_norm(a): sid for a, sid in alias_pairs}
        self.alias_re = re.compile(
            r"(?<![\w])(?:" + "|".join(re.escape(_norm(a)).replace(r"\ ", r"\s+") for a, _ in alias_pairs) + r")(?![\w])",
            re.I) if alias_pairs else None
        roles = sorted({r for r, _ in role_pairs}, key=len, reverse=True)
        self._roles: dict[str, list[str]] = {}
        for r, sid in role_pairs:
            self._roles.setdefault(r.lower(), []).append(sid)
        self.role_re = re.compile(r"(?<![\w])(?:the|its|their|his|her|(?:the\s+)?(?:[A-Z][\w'’.-]+\s+){0,2})\s*(" +
                                  "|".join(re.escape(r) for r in roles) + r")(?![\w])", re.I) if roles else None

    @classmethod
    def from_yaml(cls, path: str | Path | None = None) -> "SourceRegistry":
        path = Path(path) if path else DEFAULT_REGISTRY
        if not path.exists():
            return cls([])
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = raw.get("sources", []) if isinstance(raw, dict) else []
        return cls([Source(**{k: v for k, v in it.items() if k in Source.__dataclass_fields__}) for it in items])

    def lookup(self, name: str) -> str | None:
        return self._alias.get(_norm(name))

    def role_candidates(self, role: str) -> list[str]:
        return self._roles.get(role.lower(), [])

    def get(self, sid: str) -> Source | None:
        return self.sources.get(sid)

    def ensure(self, sid: str, name: str, type_: str = "person") -> Source:
        """Register a speaker met in text but not in the registry, so the run stays consistent."""
        if sid not in self.sources:
            self.sources[sid] = Source(sid, name, type_)
        return self.sources[sid]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("’", "'")).strip().lower()
