"""Text, title and meta tags of an HTML page, in time linear in its length.

The standard library's ``HTMLParser`` gives up on an unterminated construct (``<a<a<a…``,
``</</…``, ``<!--><!-->…``) by treating one character as text and scanning the rest of the page
again from the next ``<``: quadratic, 49 s for 320,000 characters (issue 17). :func:`tokenize`
follows the same rules (the stdlib's own regular expressions for tags and attributes, the same
fallbacks, the same events), so a well-formed page gives exactly the text it gave before; it
differs in how it fails: every search for a terminator is remembered (a ``-->`` that is not there
from one point on is not there from any later point either), and once no ``>`` is left in the
page the rest is text, as ``HTMLParser`` would have made it, one piece at a time. Each character
is then scanned a bounded number of times.

The handler drops scripts, styles and page chrome; a chrome element (``<nav>``, ``<header>`` …)
that is never closed no longer swallows the rest of the page: what follows its first paragraph
or article is kept.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import attrfind_tolerant, locatestarttagend_tolerant, tagfind_tolerant

_STARTTAG_OPEN = re.compile(r"<[a-zA-Z]")
_ENDTAG = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"]\s*]\s*>")
_MS_SECTION_CLOSE = re.compile(r"]\s*>")
_DECL_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
CDATA_CONTENT = ("script", "style")


class _Finder:
    """``str.find`` / ``re.search`` over one string, remembering each pattern's last answer: a search
    from a later start inside the span already searched costs nothing, so a scan that keeps failing
    (an unterminated comment before every ``<``) is paid once, not once per ``<``."""

    def __init__(self, s: str):
        self.s = s
        self.memo: dict = {}

    def search(self, pat, start: int) -> tuple[int, int] | None:
        m = self.memo.get(pat)
        if m is not None and m[0] <= start and (m[1] is None or m[1][0] >= start):
            return m[1]
        if isinstance(pat, str):
            j = self.s.find(pat, start)
            hit = (j, j + len(pat)) if j >= 0 else None
        else:
            mm = pat.search(self.s, start)
            hit = mm.span() if mm else None
        self.memo[pat] = (start, hit)
        return hit

    def find(self, pat: str, start: int) -> int:
        hit = self.search(pat, start)
        return hit[0] if hit else -1


def tokenize(raw: str, h) -> None:
    """Feed ``raw`` to a handler with ``handle_starttag(tag, attrs)``, ``handle_endtag(tag)`` and
    ``handle_data(text)``, as ``HTMLParser(convert_charrefs=True)`` would; comments, declarations
    and processing instructions are dropped."""
    f = _Finder(raw)
    n = len(raw)
    i = 0
    cdata: re.Pattern | None = None
    cdata_tag = ""
    while i < n:
        if cdata is not None:  # inside <script>/<style>: raw text up to the matching end tag
            hit = f.search(cdata, i)
            if hit is None:
                return  # never closed: the rest is script, dropped (HTMLParser does the same)
            if hit[0] > i:
                h.handle_data(raw[i:hit[0]])
            h.handle_endtag(cdata_tag)
            cdata, i = None, hit[1]
            continue
        j = raw.find("<", i)
        if j < 0:
            h.handle_data(unescape(raw[i:]))
            return
        if j > i:
            h.handle_data(unescape(raw[i:j]))
        i = j
        k = -1
        if _STARTTAG_OPEN.match(raw, i):
            k, tag = _start_tag(raw, i, h)
            if k >= 0 and tag in CDATA_CONTENT:
                cdata_tag = tag
                cdata = re.compile(r"</\s*%s\s*>" % tag, re.I)
        elif raw.startswith("</", i):
            k = _end_tag(raw, i, f, h)
        elif raw.startswith("<!--", i):
            hit = f.search(_COMMENT_CLOSE, i + 4)
            k = hit[1] if hit else -1
        elif raw.startswith("<?", i):
            hit = f.search(">", i + 2)
            k = hit[1] if hit else -1
        elif raw.startswith("<!", i):
            k = _declaration(raw, i, f)
        elif i + 1 < n:
            h.handle_data("<")
            k = i + 1
        else:
            h.handle_data("<")
            return
        if k < 0:  # an unterminated construct: text up to the next '>', or all the rest when none is left
            g = f.find(">", i + 1)
            if g < 0:
                h.handle_data(unescape(raw[i:]))
                return
            h.handle_data(unescape(raw[i:g + 1]))
            k = g + 1
        i = k


def _start_tag(raw: str, i: int, h) -> tuple[int, str | None]:
    """HTMLParser.parse_starttag: (end position or -1, tag name when a tag was handled)."""
    m = locatestarttagend_tolerant.match(raw, i)
    j = m.end()
    nxt = raw[j:j + 1]
    if nxt == ">":
        endpos = j + 1
    elif nxt == "/":
        if raw.startswith("/>", j):
            endpos = j + 2
        else:
            return -1, None
    elif nxt == "" or nxt in "abcdefghijklmnopqrstuvwxyz=/ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        return -1, None
    else:
        endpos = j if j > i else i + 1
    attrs = []
    mt = tagfind_tolerant.match(raw, i + 1)
    k = mt.end()
    tag = mt.group(1).lower()
    while k < endpos:
        ma = attrfind_tolerant.match(raw, k)
        if not ma:
            break
        name, rest, value = ma.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = unescape(value)
        attrs.append((name.lower(), value))
        k = ma.end()
    end = raw[k:endpos].strip()
    if end not in (">", "/>"):
        h.handle_data(raw[i:endpos])
        return endpos, None
    h.handle_starttag(tag, attrs)
    if end.endswith("/>"):
        h.handle_endtag(tag)
        return endpos, None
    return endpos, tag


def _end_tag(raw: str, i: int, f: _Finder, h) -> int:
    """HTMLParser.parse_endtag outside script/style."""
    hit = f.search(">", i + 1)
    if hit is None:
        return -1
    gtpos = hit[1]
    m = _ENDTAG.match(raw, i, gtpos)
    if m:
        h.handle_endtag(m.group(1).lower())
        return gtpos
    nm = tagfind_tolerant.match(raw, i + 2, gtpos)
    if not nm:
        return i + 3 if raw.startswith("</>", i) else gtpos  # a bogus comment up to the '>'
    h.handle_endtag(nm.group(1).lower())
    return gtpos


def _declaration(raw: str, i: int, f: _Finder) -> int:
    """``<!DOCTYPE …>``, ``<![CDATA[…]]>``, ``<![if …]>`` and bogus comments ``<!…>``: skipped."""
    if raw.startswith("<![", i):
        m = _DECL_NAME.match(raw, i + 3)
        if m and m.end() < len(raw):
            name = m.group().strip().lower()
            if name in ("temp", "cdata", "ignore", "include", "rcdata"):
                hit = f.search(_SECTION_CLOSE, i + 3)
                return hit[1] if hit else -1
            if name in ("if", "else", "endif"):
                hit = f.search(_MS_SECTION_CLOSE, i + 3)
                return hit[1] if hit else -1
        elif m is None:
            pass  # HTMLParser raises AssertionError here; a bogus comment is what a browser makes of it
        else:
            return -1
    hit = f.search(">", i + 2)
    return hit[1] if hit else -1


class PageText:
    """Collects a page's main text, title and meta tags from :func:`tokenize` events."""

    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "template", "svg", "iframe",
            "object", "embed", "button", "select", "textarea", "math", "canvas", "video", "audio"}
    CHROME = {"nav", "footer", "header", "aside", "form"}  # never closed: kept from their first paragraph on
    RESUME = {"p", "article", "main", "section", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "figcaption",
             "blockquote", "tr"}

    def __init__(self):
        self.open_skip: list[tuple[str, int]] = []  # (tag, serial) of each skipping element still open
        self.open_tags: dict[str, int] = {}  # how many of each tag are in open_skip
        self.non_chrome = 0  # elements of open_skip that are not chrome
        self.resumed = 0  # open_skip[:resumed] have seen a paragraph or article start inside them
        self.serial = 0
        self.parts: list[tuple[str, bool, int | None]] = []  # (text, in <article>/<main>, held by serial)
        self.in_article = 0
        self.in_title = False
        self.title = ""
        self.h1 = ""
        self.in_h1 = False
        self.meta: dict[str, str] = {}
        self.lang = ""

    @property
    def skip(self) -> int:
        return len(self.open_skip)

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and not self.lang:
            self.lang = a.get("lang", "")
        if tag == "meta":
            key = (a.get("name") or a.get("property") or a.get("http-equiv") or "").lower()
            if key:
                self.meta[key] = a.get("content", "")
            return
        if tag in self.RESUME and self.open_skip and not self.non_chrome:
            self.resumed = len(self.open_skip)
        if tag in self.SKIP:
            self.serial += 1
            self.open_skip.append((tag, self.serial))
            self.open_tags[tag] = self.open_tags.get(tag, 0) + 1
            self.non_chrome += tag not in self.CHROME
        if tag in ("article", "main"):
            self.in_article += 1
        if tag == "title":
            self.in_title = True
        if tag == "h1":
            self.in_h1 = True
        if tag in self.BLOCK:
            self._emit("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.open_skip:
            while True:  # up to the innermost open element of this tag (closing what was left open inside
                t, _ = self.open_skip.pop()  # it), or the innermost skipping element when none is open
                self.open_tags[t] -= 1
                self.non_chrome -= t not in self.CHROME
                if t == tag or not self.open_tags.get(tag) or not self.open_skip:
                    break
            self.resumed = min(self.resumed, len(self.open_skip))
        if tag in ("article", "main") and self.in_article:
            self.in_article -= 1
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        if tag in self.BLOCK:
            self._emit("\n\n")

    def handle_data(self, data):
        if self.open_skip:  # before the title: a <script> nested in <title> must not leak into it
            self._emit(data)
            return
        if self.in_title:
            self.title += data
            return
        if self.in_h1:
            self.h1 += data
            return
        self._emit(data)

    def _emit(self, s):
        if not self.open_skip:
            self.parts.append((s, bool(self.in_article), None))
        elif not self.non_chrome and self.resumed >= len(self.open_skip):
            # held by the innermost element: it is still open at the end only if all around it are
            self.parts.append((s, bool(self.in_article), self.open_skip[-1][1]))

    def body(self) -> str:
        """The text of <article>/<main> when it has any, else of the whole page."""
        unclosed = {serial for _, serial in self.open_skip}
        kept = [(s, art) for s, art, held in self.parts if held is None or held in unclosed]
        article = "".join(s for s, art in kept if art)
        return article if article.strip() else "".join(s for s, _ in kept)


def html_to_text(html: str) -> tuple[str, str, dict[str, str]]:
    """Main text, title and meta tags of an HTML page; scripts, styles and page chrome are dropped.

    Markup is never interpreted beyond this: entities become plain characters, so ``&lt;script&gt;``
    stays text (and the report escapes it again on output).
    """
    p = PageText()
    tokenize(html, p)
    paras = [re.sub(r"\s+", " ", x).strip() for x in re.split(r"\n\s*\n", p.body())]
    text = "\n\n".join(x for x in paras if x)
    title = re.sub(r"\s+", " ", p.h1 or p.title or p.meta.get("og:title", "")).strip()
    meta = dict(p.meta)
    if p.lang and "language" not in meta:
        meta["language"] = p.lang
    return text, title, meta
