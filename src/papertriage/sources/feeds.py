"""Feeds: the arXiv API Atom response (raw or wrapped in JSON) and RSS 1.0/2.0 (arXiv, bioRxiv)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from papertriage.errors import InputError
from papertriage.models import Paper, make_paper, squash
from papertriage.sources.base import ParseContext, iso_date, parse_xml, text_of
from papertriage.sources.reading import Listing

ATOM = "arxiv-atom"
RSS = "rss"

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "rss1": "http://purl.org/rss/1.0/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
_ATOM03 = "http://purl.org/atom/ns#"
"""Atom 0.3, the draft some old feeds still write: the same elements in another namespace."""
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
"""RSS 0.90 (Netscape's RDF): RSS 1.0's items in another namespace."""


def _xml_start(head: str) -> str:
    """The head from its root element on: declaration, comments and DOCTYPE (with its subset) skipped."""
    skipped = _PROLOGUE.match(head)
    return head[skipped.end() if skipped else 0:][:2000]  # match, not sub: sub scanned all 64 KB (0.1 ms)


_PROLOGUE = re.compile(r"\ufeff?\s*(<\?xml[^>]*\?>\s*)?((<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>)\s*)*", re.S)


def _wrapped_body(head: str) -> bool:
    return head.lstrip().startswith("{") and '"body"' in head and "<feed" in head


def detect_atom(head: str) -> float:
    """1.0 for an Atom root (<feed> or <entry> in the Atom namespace, or <feed> in the 0.3 draft's) or
    the arXiv API's response wrapped in JSON, the feed as its body."""
    start = _xml_start(head)
    atom = (start.startswith(("<feed", "<entry")) and "http://www.w3.org/2005/Atom" in head) or \
        (start.startswith("<feed") and _ATOM03 in head)
    return 1.0 if atom or _wrapped_body(head) else 0.0


def detect_rss(head: str) -> float:
    """1.0 for an <rss> or RDF root; 0.9 for another root with the RSS 1.0 namespace in its start,
    which an Atom feed declaring the content module (purl.org/rss/1.0/modules/content/) has too."""
    start = _xml_start(head)
    if start.startswith(("<rss", "<rdf:RDF", "<RDF")):
        return 1.0
    return 0.9 if start.startswith("<") and "purl.org/rss/1.0" in head[:3000] else 0.0


def parse_atom(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    if text.lstrip().startswith("{"):
        try:
            wrapper = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{ctx.name}: broken JSON around an Atom feed ({exc.msg}, line {exc.lineno})") from None
        body = wrapper.get("body") if isinstance(wrapper, dict) else None
        if not isinstance(body, str):
            raise InputError(f"{ctx.name}: JSON has no Atom 'body'; not an arXiv API response")
        status = wrapper.get("status_code")
        if isinstance(status, int) and status >= 400:
            raise InputError(f"{ctx.name}: the arXiv API answered HTTP {status}; query again")
        text = body
    root = parse_xml(text, ctx)
    ns = NS if not str(root.tag).startswith("{" + _ATOM03) else {**NS, "atom": _ATOM03}
    # a feed's entries, or one Atom Entry Document (RFC 4287 5.1: an <entry> as the root)
    entries = [root] if root.tag == f"{{{ns['atom']}}}entry" else root.findall("atom:entry", ns)
    if not entries:
        ctx.details["empty_ok"] = True  # a query with no results is an answer, not a broken file
        return
    for n, entry in enumerate(entries, 1):
        entry_id = text_of(entry, "atom:id", ns)
        title = atom_text(entry.find("atom:title", ns))
        if "/api/errors" in entry_id or (title == "Error" and not entry.findall("atom:published", NS)):
            raise InputError(f"{ctx.name}: the arXiv API returned an error: {text_of(entry, 'atom:summary', NS)}; "
                             "fix the query and download again")
        if not title:
            ctx.skip(f"line {entry.sourceline} (entry {n})", "no title")
            continue
        yield make_paper(
            title=title,
            abstract=_atom_abstract(entry, ns),
            authors=[text_of(a, "atom:name", ns) for a in entry.findall("atom:author", ns)],
            published=iso_date(text_of(entry, "atom:published", ns) or text_of(entry, "atom:issued", ns)),
            categories=[c.get("term", "") for c in entry.findall("atom:category", ns)],
            arxiv_id=entry_id,
            doi=text_of(entry, "arxiv:doi", NS) or None,
            source=ATOM,
            extra={
                "comment": text_of(entry, "arxiv:comment", NS),
                "journal_ref": text_of(entry, "arxiv:journal_ref", NS),
                "updated": iso_date(text_of(entry, "atom:updated", ns) or text_of(entry, "atom:modified", ns)),
            },
        )


def atom_text(node: Any) -> str:
    """The text of an Atom text construct (RFC 4287 3.1; Atom 0.3's mode attribute too): `text` as
    it is, `html` (escaped markup) and `xhtml` (inline markup) with the tags removed, a base64 body
    (a media type that is not text, or mode="base64") decoded."""
    if node is None:
        return ""
    kind = (node.get("type") or "text").lower()
    mode = (node.get("mode") or "").lower()
    if len(node):  # inline markup: xhtml, or html written as elements
        return squash(_block_spaced_text(node))
    body = node.text or ""
    if mode == "base64" or (kind not in ("text", "html", "xhtml") and not kind.startswith("text/")
                            and not kind.endswith(("+xml", "/xml"))):
        import base64
        import binascii

        try:
            body = base64.b64decode("".join(body.split()), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            pass  # not base64 after all: the text as written
        return squash(body)
    if kind in ("html", "text/html") or (mode == "escaped" and "html" in kind):
        return html_text(body)
    return squash(body)


def _atom_abstract(entry: Any, ns: dict[str, str]) -> str:
    """The summary, else the content, else a media:description (feeds that only carry one of them)."""
    for path in ("atom:summary", "atom:content", "media:group/media:description", "media:description"):
        found = entry.find(path, ns)
        if found is not None and (value := atom_text(found) if path.startswith("atom:") else html_text(found.text or "")):
            return value
    return ""


_BLOCKS = frozenset("p div br h1 h2 h3 h4 h5 h6 li ul ol tr td th blockquote pre dd dt table section article".split())


def _block_spaced_text(node: Any) -> str:
    """All text under node, a space where a block element (paragraph, heading, item) starts or ends."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""
        block = tag in _BLOCKS
        if block:
            parts.append(" ")
        if isinstance(el.tag, str) and el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append(" ")
        if el.tail and el is not node:
            parts.append(el.tail)

    walk(node)
    return "".join(parts)


def html_text(html: str) -> str:
    """An HTML fragment as plain text: tags removed, entities resolved, blocks apart."""
    from lxml import html as lxml_html

    from papertriage.sources.base import xml_parser

    if "<" not in html and "&" not in html:
        return squash(html)
    try:
        doc = lxml_html.fragment_fromstring(html, create_parent="div", parser=xml_parser(html=True))
    except Exception:  # lxml raises several types on broken fragments; fall back to stripping tags
        return squash(re.sub(r"<[^>]+>", " ", html))
    return squash(_block_spaced_text(doc))


_ARXIV_TITLE = re.compile(r"\s*\(arXiv:([\w./\-]+?)(?:v\d+)?\s*\[([^\]]+)\](?:\s*UPDATED)?\)\s*$")
_ANNOUNCE = re.compile(r"^arXiv:(\S+?)(?:v\d+)?\s+Announce Type:\s*(\S+)\s+Abstract:\s*", re.I)


def _html_paragraphs(html: str) -> list[str]:
    """Text of each <p> of an HTML fragment (or the whole text), with tags and entities resolved."""
    from lxml import html as lxml_html

    from papertriage.sources.base import xml_parser

    if "<" not in html:
        return [squash(html)] if html.strip() else []
    try:
        doc = lxml_html.fragment_fromstring(html, create_parent="div", parser=xml_parser(html=True))
    except Exception:  # lxml raises several types on broken fragments; fall back to stripping tags
        return [squash(re.sub(r"<[^>]+>", " ", html))]
    paragraphs = [squash(_block_spaced_text(p)) for p in doc.iter("p")]
    paragraphs = [p for p in paragraphs if p]
    return paragraphs or [squash(_block_spaced_text(doc))]


def _latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.8 * len(letters)


def _rss_item(item: Any, ns: dict[str, str] | None, ctx: ParseContext, n: int) -> Paper | None:
    """One item; ns maps "rss1" to the RSS 1.0 (or 0.90) namespace of an RDF feed, None for RSS 2.0."""
    def get(tag: str) -> str:
        return text_of(item, f"rss1:{tag}", ns) if ns else text_of(item, tag)

    title = get("title") or text_of(item, "dc:title", NS)
    link = get("link") or (item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "")
    raw_description = ""
    for path in (("rss1:description", ns) if ns else ("description", None), ("content:encoded", NS),
                 ("dc:description", NS), ("media:group/media:description", NS), ("media:description", NS)):
        found = item.find(path[0], path[1]) if path[1] else item.find(path[0])
        if found is not None and (found.text or len(found)):
            raw_description = found.text or ""
            break
    paragraphs = _html_paragraphs(raw_description)
    extra: dict[str, Any] = {}
    if title and not _latin(title):
        # feeds that put a translated title first (cn-chat-arxiv): take the English one from the description
        english = [p for p in paragraphs if _latin(p) and not p.startswith("http")]
        if english:
            extra["translated_title"] = title
            title = english[0]
            paragraphs = english[1:]
    categories: list[str] = []
    arxiv = None
    m = _ARXIV_TITLE.search(title)
    if m:
        arxiv, categories = m.group(1), [c.strip() for c in m.group(2).split(",")]
        title = title[: m.start()].strip()
        if title.endswith(".") and not title.endswith(".."):
            title = title[:-1]
    # the Latin filter is for the translated feeds only: an abstract in any script is the abstract
    abstract = " ".join(p for p in paragraphs if _latin(p) or "translated_title" not in extra)
    a = _ANNOUNCE.match(abstract)
    if a:
        arxiv = arxiv or a.group(1)
        extra["announce_type"] = a.group(2)
        abstract = abstract[a.end():]
    if not title:
        ctx.skip(f"line {item.sourceline} (item {n})", "no title")
        return None
    creators = text_of(item, "dc:creator", NS) or get("author") or text_of(item, "itunes:author", NS)
    authors = [c.strip() for c in re.split(r",\s*(?=[^,]*[A-Z]\.)|;|\band\b", creators) if c.strip()] if creators else []
    identifier = text_of(item, "dc:identifier", NS)
    date = text_of(item, "dc:date", NS) or get("pubDate") or text_of(item, "{http://purl.org/rss/1.0/modules/prism/}publicationDate")
    categories += [c.text.strip() for c in item.findall("category") if c.text and c.text.strip()]
    return make_paper(
        title=title,
        abstract=abstract,
        authors=authors,
        published=iso_date(date),
        url=link.strip() or None,
        arxiv_id=arxiv or (link if "arxiv.org/abs/" in link else None),
        doi=identifier if "10." in identifier else (link if "doi.org" in link else None),
        categories=categories,
        source=RSS,
        extra=extra,
    )


def parse_rss(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    root = parse_xml(listing.read(), ctx)
    ns: dict[str, str] | None = None
    for rdf_ns in (NS["rss1"], _RSS090):
        items = root.findall(f".//{{{rdf_ns}}}item")
        if items:
            ns = {"rss1": rdf_ns}
            break
    else:
        items = root.findall(".//item")
    if not items:
        ctx.details["empty_ok"] = True
    for n, item in enumerate(items, 1):
        paper = _rss_item(item, ns, ctx, n)
        if paper:
            yield paper
