"""The gazetteer (``data/places.yaml``): place names in text, normalised, with their country and type.

Data, not code: a user adds a town with its aliases and country and the extractor finds it.
"Belgorod region" is Belgorod (a region is normalised to its main city), a city district is its
city ("Pecherskyi district" -> Kyiv), and "Ukrainian cities" / "Polish airspace" name the country.
The clusterer (countries, specific places) and reconciliation (place types) read the same object:
:meth:`Gazetteer.load` is the one reader of the file, and reads each version of it once.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from discrep.resources import DATA_DIR
from discrep.text.sources import read_yaml, warn_missing_default
from discrep.text.textmatch import PhraseIndex, tokens

DEFAULT_PLACES = DATA_DIR / "places.yaml"
_LOADED: dict[str, tuple[tuple[int, int], "Gazetteer"]] = {}  # resolved path -> ((mtime_ns, size), gazetteer)
_RESOLVED: dict[str, str] = {}  # absolute path -> resolved path (realpath costs ~10 stat calls)
_LOCK = threading.Lock()
_MAX_LOADED = 32
PLACE_NOUNS = (r"cities|city|towns?|villages?|territory|soil|airspace|regions?|border\s+regions?|infrastructure|"
               r"energy\s+facilities|plants|facilities|capital|ports?")
SPECIFIC_PLACE_TYPES = frozenset({"city", "town", "village"})
"""Place types precise enough for a cannot-link ("Kyiv" vs "Kharkiv"); districts and regions are not."""


@dataclass
class Place:
    name: str
    type: str = ""  # as the file gives it; "" when it gives none (a city to the clusterer, no scope to reconcile)
    country: str | None = None
    within: str | None = None
    capital: bool = False
    demonym: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class PlaceHit:
    start: int
    end: int
    name: str  # canonical, before district normalisation
    via: str  # "name" or "demonym"


class Gazetteer:
    """Places by canonical name, with what each stage asks of them: the extractor's aliases, demonyms and
    capitals, the clusterer's ``countries`` and :meth:`specific`, reconciliation's ``types``.

    Build it with :meth:`load` (the file, cached) or :meth:`from_types` (a name -> type mapping); the
    object is shared between the stages that load the same file, so treat it as read-only.
    """

    def __init__(self, places: list[Place]):
        self.places = {p.name: p for p in places}
        self.types: dict[str, str] = {p.name: p.type for p in places}  # as the file gives them ("" for none)
        self.countries = frozenset(n for n, t in self.types.items() if t == "country")
        self.alias: dict[str, str] = {}
        for p in places:
            self.alias[p.name.lower()] = p.name
            for a in p.aliases:
                self.alias[str(a).lower()] = p.name
        phrases: dict[str, str] = {}
        for k, name in self.alias.items():
            phrases[k] = name
            for suffix in ("region", "oblast", "province"):
                phrases[f"{k} {suffix}"] = name
        self.index = PhraseIndex(phrases)
        self.demonym = {p.demonym.lower(): p.name for p in places if p.demonym}
        self.demonym_re = re.compile(r"\b(" + "|".join(re.escape(d) for d in self.demonym) +
                                     r")\s+(?:[\w-]+\s+){0,2}?(?:" + PLACE_NOUNS + r")\b", re.I) if self.demonym else None
        self.capitals = {p.country: p.name for p in places if p.capital and p.country}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Gazetteer":
        """The gazetteer of ``path`` (None: the packaged ``data/places.yaml``); a missing file is an empty one.

        Read once per version of the file (resolved path, mtime and size): every stage that asks gets the
        same object, and an edited file is read again. A hit costs one ``stat`` (features ask per claim)."""
        where = os.path.abspath(path or DEFAULT_PLACES)
        try:
            st = os.stat(where)
        except FileNotFoundError:
            if not path:
                warn_missing_default("the gazetteer", DEFAULT_PLACES)
            return cls([])
        key = _RESOLVED.get(where) or _RESOLVED.setdefault(where, os.path.realpath(where))
        stamp = (st.st_mtime_ns, st.st_size)
        hit = _LOADED.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        gaz = cls._read(Path(where))
        with _LOCK:
            _LOADED.pop(key, None)
            _LOADED[key] = (stamp, gaz)
            while len(_LOADED) > _MAX_LOADED:
                _LOADED.pop(next(iter(_LOADED)))
        return gaz

    @classmethod
    def _read(cls, path: Path) -> "Gazetteer":
        raw = read_yaml(path)
        out = []
        for name, spec in (raw.get("places") or {}).items():
            if isinstance(spec, dict):
                kw = {k: v for k, v in spec.items() if k in Place.__dataclass_fields__ and k != "name"}
                kw["aliases"] = [str(a) for a in (kw.get("aliases") or [])]
                kw["type"] = kw.get("type") or ""
                out.append(Place(str(name), **kw))
            else:  # older shape: name -> list of aliases
                out.append(Place(str(name), aliases=[str(a) for a in (spec or [])]))
        return cls(out)

    @classmethod
    def from_types(cls, types: dict[str, str]) -> "Gazetteer":
        """A gazetteer of names and types only (no aliases): what the clusterer needs, for tests and callers
        that know their places' types."""
        return cls([Place(str(n), type=t or "") for n, t in types.items()])

    def specific(self, name: str) -> bool:
        """Precise enough for a cannot-link; a name the gazetteer does not type counts as a city."""
        return (self.types.get(name) or "city") in SPECIFIC_PLACE_TYPES

    def find(self, text: str, toks=None) -> list[PlaceHit]:
        toks = tokens(text) if toks is None else toks
        hits = [PlaceHit(s, e, name, "name") for s, e, name, _ in self.index.find(text, toks)]
        if self.demonym_re is not None and any(t in self.demonym for _, _, t in toks):
            for m in self.demonym_re.finditer(text):
                if not any(h.start <= m.start() < h.end for h in hits):
                    hits.append(PlaceHit(m.start(), m.end(), self.demonym[m.group(1).lower()], "demonym"))
        return sorted(hits, key=lambda h: h.start)

    def normalise(self, name: str) -> str:
        p = self.places.get(name)
        if p and p.type == "district" and p.within:
            return p.within
        return name

    def country_of(self, name: str) -> str | None:
        p = self.places.get(name)
        if p is None:
            return None
        return p.name if p.type == "country" else p.country

    def within(self, name: str) -> str | None:
        """The city or region a town, village or district lies in (None for cities and countries)."""
        p = self.places.get(name)
        return p.within if p is not None and p.type in ("town", "village", "district") else None

    def is_country(self, name: str) -> bool:
        p = self.places.get(name)
        return bool(p and p.type == "country")

    def drop_containers(self, names: list[str]) -> list[str]:
        """"Kharkiv, Ukraine's second-largest city" is about Kharkiv: a country goes when a place in it is named."""
        inner = {self.country_of(n) for n in names if not self.is_country(n)}
        return [n for n in names if not (self.is_country(n) and n in inner)]
