"""Large synthetic corpora made by recombining the bundled examples (benchmarks and resume tests).

Copy ``e`` of the 14 bundled articles ("epoch" e) is moved ``e * shift_days`` earlier (publication
date and dates written in the text), and every figure (digits or a number word up to twelve) is raised by ``e``. So each epoch holds the
same five incidents with the same planted conflicts, epochs never merge into one incident (they are
more than the clusterer's ``max_days`` apart), and most claim sentences are new text — the embedding
cache cannot make a large corpus look cheaper than it is. Sentences without figures repeat across
epochs, as syndicated copy does.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from discrep.io.ingest import read_articles
from discrep.resources import DATA_DIR

EXAMPLES = DATA_DIR / "examples"
_MONTH_DAY = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. (\d{1,2})\b")
_INT = re.compile(r"(?<![\w.,])(\d{1,3})(?![\w.,]\d|\d)")
_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.I)


def _shift_text(text: str, published: date, days: int, bump: int) -> str:
    def md(m):
        try:
            d = datetime.strptime(f"{m.group(1)[:3]} {m.group(2)} {published.year}", "%b %d %Y").date()
        except ValueError:
            return m.group(0)
        if (d - published).days > 180:  # "Dec. 30" written in January
            d = d.replace(year=d.year - 1)
        nd = d + timedelta(days=days)
        return f"{nd.strftime('%b')}. {nd.day}"

    out = _MONTH_DAY.sub(md, text)
    if bump:
        out = _INT.sub(lambda m: str(int(m.group(1)) + bump), out)
        out = _WORD.sub(lambda m: str(_WORDS.index(m.group(1).lower()) + 1 + bump), out)
    return out


def synth_articles(n: int, examples: str | Path = EXAMPLES, shift_days: int = 14) -> list[dict]:
    """``n`` article records (JSONL shape) recombined from the bundled examples."""
    arts, _ = read_articles([examples])
    arts = sorted(arts, key=lambda a: a.id)
    out = []
    for i in range(n):
        e, a = divmod(i, len(arts))
        base = arts[a]
        days = -e * shift_days  # back in time: ingest rejects dates in the future
        pub = base.published + timedelta(days=days)
        out.append({"id": f"{base.id}-e{e}", "outlet": base.outlet, "published": pub.isoformat(),
                    "title": _shift_text(base.title, base.published, days, e),
                    "text": _shift_text(base.text, base.published, days, e), "url": base.url, "lang": base.lang})
    return out


def write_corpus(path: str | Path, n: int, **kw) -> Path:
    """Write ``n`` synthetic articles as one JSONL file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for rec in synth_articles(n, **kw):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path
