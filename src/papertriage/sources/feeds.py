"""Feeds: the arXiv API Atom response (raw or wrapped in JSON) and RSS 1.0/2.0 (arXiv, bioRxiv)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from papertriage.errors import InputError
from papertriage.models import Paper, make_paper, squash
from papertriage.sources.base import ParseContext, iso_date, parse_xml, text_of

ATOM = "arxiv-atom"
RSS = "rss"

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "rss1": "http://purl.org/rss/1.0/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


def _xml_start(head: str) -> str:
    """The head from its root element on: declaration, comments and DOCTYPE (with its subset) skipped."""
    return re.sub(r"^\ufeff?\s*(<\?xml[^>]*\?>\s*)?((<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>)\s*)*", "",
                  head, flags=re.S)[:2000]


def _wrapped_body(head: str) -> bool:
    return head.lstrip().startswith("{") and '"body"' in head and "<feed" in head


def detect_atom(head: str) -> bool:
    return _wrapped_body(head) or (_xml_start(head).startswith("<feed") and "http://www.w3.org/2005/Atom" in head)


def detect_rss(head: str) -> bool:
    start = _xml_start(head)
    return start.startswith(("<rss", "<rdf:RDF", "<RDF")) or (start.startswith("<") and "purl.org/rss/1.0" in head[:3000])


def parse_atom(text: str, ctx: ParseContext) -> Iterator[Paper]:
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
    entries = root.findall("atom:entry", NS)
    if not entries:
        ctx.details["empty_ok"] = True  # a query with no results is an answer, not a broken file
        return
    for n, entry in enumerate(entries, 1):
        entry_id = text_of(entry, "atom:id", NS)
        title = text_of(entry, "atom:title", NS)
        if "/api/errors" in entry_id or (title == "Error" and not entry.findall("atom:published", NS)):
            raise InputError(f"{ctx.name}: the arXiv API returned an error: {text_of(entry, 'atom:summary', NS)}; "
                             "fix the query and download again")
        if not title:
            ctx.skip(f"entry {n}", "no title")
            continue
        yield make_paper(
            title=title,
            abstract=text_of(entry, "atom:summary", NS),
            authors=[text_of(a, "atom:name", NS) for a in entry.findall("atom:author", NS)],
            published=iso_date(text_of(entry, "atom:published", NS)),
            categories=[c.get("term", "") for c in entry.findall("atom:category", NS)],
            arxiv_id=entry_id,
            doi=text_of(entry, "arxiv:doi", NS) or None,
            source=ATOM,
            extra={
                "comment": text_of(entry, "arxiv:comment", NS),
                "journal_ref": text_of(entry, "arxiv:journal_ref", NS),
                "updated": iso_date(text_of(entry, "atom:updated", NS)),
            },
        )


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
    paragraphs = [squash(p.text_content()) for p in doc.iter("p")]
    paragraphs = [p for p in paragraphs if p]
    return paragraphs or [squash(doc.text_content())]


def _latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.8 * len(letters)


def _rss_item(item: Any, ns1: bool, ctx: ParseContext, n: int) -> Paper | None:
    def get(tag: str) -> str:
        return text_of(item, f"rss1:{tag}", NS) if ns1 else text_of(item, tag)

    title = get("title") or text_of(item, "dc:title", NS)
    link = get("link") or (item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "")
    raw_description = ""
    for path in (("rss1:description", NS) if ns1 else ("description", None), ("content:encoded", NS)):
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
    abstract = " ".join(p for p in paragraphs if _latin(p)) if paragraphs else ""
    a = _ANNOUNCE.match(abstract)
    if a:
        arxiv = arxiv or a.group(1)
        extra["announce_type"] = a.group(2)
        abstract = abstract[a.end():]
    if not title:
        ctx.skip(f"item {n}", "no title")
        return None
    creators = text_of(item, "dc:creator", NS) or get("author")
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


def parse_rss(text: str, ctx: ParseContext) -> Iterator[Paper]:
    root = parse_xml(text, ctx)
    items = root.findall(".//rss1:item", NS)
    ns1 = bool(items)
    if not items:
        items = root.findall(".//item")
    if not items:
        ctx.details["empty_ok"] = True
    for n, item in enumerate(items, 1):
        paper = _rss_item(item, ns1, ctx, n)
        if paper:
            yield paper
