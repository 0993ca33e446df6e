"""The gazetteer (``data/places.yaml``): place names in text, normalised, with their country.

Data, not code: a user adds a town with its aliases and country and the extractor finds it.
"Belgorod region" is Belgorod (a region is normalised to its main city), a city district is its
city ("Pecherskyi district" -> Kyiv), and "Ukrainian cities" / "Polish airspace" name the country.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from discrep.resources import DATA_DIR
from discrep.text.sources import read_yaml
from discrep.text.textmatch import PhraseIndex, tokens

DEFAULT_PLACES = DATA_DIR / "places.yaml"
PLACE_NOUNS = (r"cities|city|towns?|villages?|territory|soil|airspace|regions?|border\s+regions?|infrastructure|"
               r"energy\s+facilities|plants|facilities|capital|ports?")


@dataclass
class Place:
    name: str
    type: str = "city"
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
    def __init__(self, places: list[Place]):
        self.places = {p.name: p for p in places}
        self.alias: dict[str, str] = {}
        for p in places:
            self.alias[p.name.lower()] = p.name
            for a in p.aliases:
                self.alias[str(a).lower()] = p.name
        keys = sorted(self.alias, key=len, reverse=True)
        # kept for callers that want a regex of the names (discrep.data); the extractor uses the index
        self.name_re = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) +
                                  r")(?:\s+(?:region|oblast|province))?(?![\w])", re.I) if keys else None
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
    def from_yaml(cls, path: str | Path | None = None) -> "Gazetteer":
        path = Path(path) if path else DEFAULT_PLACES
        if not path.exists():
            return cls([])
        raw = read_yaml(path)
        out = []
        for name, spec in (raw.get("places") or {}).items():
            if isinstance(spec, dict):
                kw = {k: v for k, v in spec.items() if k in Place.__dataclass_fields__ and k != "name"}
                kw["aliases"] = [str(a) for a in (kw.get("aliases") or [])]
                out.append(Place(str(name), **kw))
            else:  # older shape: name -> list of aliases
                out.append(Place(str(name), aliases=[str(a) for a in (spec or [])]))
        return cls(out)

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
