"""arXiv listing pages (/new, /recent, /pastweek) saved as HTML: old and 2024+ layouts, browser copies."""

from __future__ import annotations

import re
from typing import Any, Iterator

from papertriage.errors import InputError
from papertriage.models import Paper, make_paper, squash
from papertriage.sources.base import ParseContext, is_markup, iso_date, xml_parser
from papertriage.sources.reading import Listing

NAME = "arxiv-html"

_TOTAL = re.compile(r"total of (\d+) entries", re.I)
_DAY = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}")


def detect(head: str) -> float:
    """0.9 for markup with the listing's class names (list-title, list-identifier), which a feed's
    escaped HTML may also hold; 0.8 for an HTML page naming arXiv and its "total of N entries"."""
    if not is_markup(head):
        return 0.0  # also spares lowering the head of every JSON or text listing
    low = head[:200000].lower()
    if "list-title" in low or "list-identifier" in low:
        return 0.9
    return 0.8 if "arxiv" in low and "<html" in low and _TOTAL.search(head) is not None else 0.0


def _clean_text(node: Any) -> str:
    """Text of a node without MathJax's rendered copies (the TeX source in <script> is kept)."""
    parts: list[str] = []

    def walk(n: Any) -> None:
        cls = n.get("class") or ""
        if isinstance(n.tag, str) and (cls.startswith(("MathJax", "MJX")) or n.tag in ("style", "noscript")):
            pass
        elif isinstance(n.tag, str) and "descriptor" in cls.split():
            pass
        else:
            if n.text and isinstance(n.tag, str):
                parts.append(n.text)
            for child in n:
                walk(child)
        if n.tail:
            parts.append(n.tail)

    if node is None:
        return ""
    if node.text:
        parts.append(node.text)
    for child in node:
        walk(child)
    return squash("".join(parts))


def _find_class(node: Any, cls: str) -> Any:
    found = node.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    return found[0] if found else None


def _too_deep(parser: Any) -> bool:
    """Whether libxml2 met nesting past its depth limit, after which it drops the rest of the page."""
    return any("Excessive depth" in e.message for e in parser.error_log)


def _entry_by_entry(body: str, ctx: ParseContext) -> Iterator[Any]:
    """The h3 and dt nodes of a page nested past the parser's depth, parsed one entry (`<dt>` to the
    next) at a time, so that the nesting costs only the entry holding it: that one gives None and is
    reported."""
    from lxml import html as lxml_html

    for n, chunk in enumerate(re.split(r"(?=<dt[\s>])", body)):
        parser = xml_parser(html=True)
        try:
            found = list(lxml_html.document_fromstring(chunk.encode("utf-8"), parser=parser).iter("h3", "dt"))
        except Exception:  # noqa: BLE001 - lxml's errors on a hopeless piece: that entry is lost, and said so
            found = []
        if _too_deep(parser) or (n and not any(node.tag == "dt" for node in found)):
            ctx.skip(f"entry {n}", "HTML nested too deeply to read")
            found = [node for node in found if node.tag == "h3"] + [None]
        yield from found


def _headings_and_entries(text: str, ctx: ParseContext) -> Iterator[Any]:
    """The page's h3 and dt nodes, in order (None for an entry lost to nesting past the parser's depth)."""
    from lxml import html as lxml_html

    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    parser = xml_parser(html=True)
    try:
        doc = lxml_html.document_fromstring(body.encode("utf-8"), parser=parser)
    except Exception as exc:  # lxml's ParserError / XMLSyntaxError on hopeless input
        raise InputError(f"{ctx.name}: cannot read the HTML ({exc}); save the page again") from None
    return _entry_by_entry(body, ctx) if _too_deep(parser) else doc.iter("h3", "dt")


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    nodes = _headings_and_entries(text, ctx)
    total_m = _TOTAL.search(text)
    total = int(total_m.group(1)) if total_m else None
    day: str | None = None
    section = ""
    count = 0
    for node in nodes:
        if node is None:  # an entry nested too deeply to read (reported by _entry_by_entry)
            count += 1
            continue
        if node.tag == "h3":
            heading = squash(node.text_content())
            m = _DAY.search(heading)
            if m:
                day = iso_date(re.sub(r"^[A-Za-z]+,\s*", "", m.group(0)))
            low = heading.lower()
            section = ("cross-list" if "cross" in low else "replacement" if "replace" in low
                       else "new" if "new" in low else section)
            continue
        count += 1
        dd = node.getnext()
        while dd is not None and dd.tag != "dd":
            dd = dd.getnext()
        abs_link = node.xpath(".//a[contains(@href, '/abs/')]")
        raw_id = abs_link[0].get("href") if abs_link else squash(node.text_content())
        id_m = re.search(r"(?:abs/|arXiv:)([\w.\-/]+\d)", raw_id)
        if dd is None:
            ctx.skip(f"entry {count}", "identifier with no details (page cut off?)")
            continue
        title = _clean_text(_find_class(dd, "list-title"))
        if not title:
            ctx.skip(f"entry {count} ({id_m.group(1) if id_m else '?'})", "no title")
            continue
        authors_node = _find_class(dd, "list-authors")
        authors = [squash(a.text_content()) for a in authors_node.iter("a")] if authors_node is not None else []
        subjects = _clean_text(_find_class(dd, "list-subjects"))
        categories = re.findall(r"\(([a-z\-]+(?:\.[A-Za-z\-]+)?)\)", subjects)
        abstract_node = dd.xpath(".//p[contains(@class, 'mathjax')]")
        comments = _clean_text(_find_class(dd, "list-comments"))
        yield make_paper(
            title=title,
            abstract=_clean_text(abstract_node[0]) if abstract_node else "",
            authors=[a for a in authors if a],
            published=day,
            categories=categories,
            arxiv_id=id_m.group(1) if id_m else None,
            source=NAME,
            extra={"section": section, "comments": comments},
        )
    if count == 0:
        if total:
            raise InputError(f"{ctx.name}: the page announces {total} entries but holds none; "
                             "it looks truncated, save it again")
        ctx.details["empty_ok"] = False
    elif total and count < total:
        ctx.warn(f"{ctx.name}: the page announces {total} entries but holds {count}; it may be cut off or paged")
