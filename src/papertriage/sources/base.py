"""What every source module shares: the parse context, date helpers and the locked-down XML parsers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol

from papertriage.models import Paper, squash

if TYPE_CHECKING:
    from papertriage.sources.reading import Listing

Warn = Callable[[str], None]


@dataclass
class ParseContext:
    """Where the data came from and where warnings go; counts what could not be read."""

    name: str
    warn: Warn = lambda message: None
    skipped: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    known_duplicate: Callable[[str, str, str], bool] | None = None
    """(arXiv id, title, abstract) -> True when the caller already has this record and it can change
    nothing; bulk parsers then count it in `duplicates` instead of building it."""
    duplicates: int = 0
    seen_lines: set[int] | None = None
    """The hashes of the lines of line-per-record listings already read into papers, when the caller
    merges duplicates: an identical line is counted in `duplicates` without being parsed again."""

    def skip(self, where: str, why: str) -> None:
        """Report one unreadable entry; it is counted, never dropped silently."""
        self.skipped += 1
        self.warn(f"{self.name}: {where}: {why}; skipped")


Detector = Callable[[str], float]
"""How sure a format is that a head (the first 64 KB of a listing's text) is its own, from 0 (not
this format) to 1; `detect_source` takes the most confident. The scale, strongest evidence first:

- 1.0  the format's own frame: its XML root, the JSON shape of its first item, its page's app data,
       its file header (`FN `);
- 0.9  its structure named where a neighbour's file may name it too: a namespace on another root,
       the class names of its page;
- 0.8  record marks only it writes, at line starts (`PMID- `, `TY  - ` then `ER  -`, `\\` then
       `arXiv:`), or its page's words;
- 0.7  an entry line any text could hold (`@type{key,`: an abstract or a CSS rule can start so);
- 0.6  the loose marks of a format without a syntax (two `N authors` lines);
- 0.5, 0.3  a shape several formats share (JSON objects with a "title"; a header row naming a title).

A format whose marks can turn up in another format's files scores below that format's own evidence,
so adding a format cannot take another's files by being listed first."""


def line_starts_with(text: str, prefix: str) -> bool:
    """Whether a line of the text starts with prefix. Asked before a line-start regex search, which
    tries every position (re.M `^`: 0.5 ms on a 64 KB head), while this is a fast scan (0.05 ms)."""
    return text.startswith(prefix) or "\n" + prefix in text


def is_markup(head: str) -> bool:
    """Whether a text is XML or HTML: it starts with a tag (after a BOM and blank space). The markup
    formats ask so first, since a plain text, such as `papertriage formats`, may name their tags."""
    return head.lstrip("\ufeff \t\r\n").startswith("<")


class Parser(Protocol):
    """Papers from a listing: a line format reads `listing.lines(ctx)` (a stream, any size), a
    document format `listing.read()` (the whole text, capped)."""

    def __call__(self, listing: Listing, ctx: ParseContext) -> Iterator[Paper]: ...


@dataclass(frozen=True)
class Source:
    """One input format: how to recognise it from the start of the text, and how to read it."""

    name: str
    description: str
    detection: str
    detect: Detector
    parse: Parser
    example: str = ""
    """A file name a user would pass, for `papertriage formats`."""
    per_line: Callable[[str], bool] | None = None
    """Whether a file with this head holds one record a line (JSON Lines): such a plain file can be
    cut into pieces at line starts (split_file) and read in parallel."""


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def iso_date(text: str | None) -> str | None:
    """Read the date formats listings use into ISO `YYYY-MM-DD` (or `YYYY-MM`/`YYYY` when that is all)."""
    if not text:
        return None
    return _iso_date(text if isinstance(text, str) else str(text))


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DOTTED = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_LETTER = re.compile(r"[^\W\d_]")
_NAMED_FORMATS = ("%a, %d %b %Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%Y %b %d", "%Y %b")


@lru_cache(maxsize=4096)
def _iso_date(text: str) -> str | None:
    """iso_date of a string; remembered, since a listing repeats its few dates (and strptime is slow)."""
    s = " ".join(text.split())
    m = _ISO.match(s)
    if m:
        return m.group(0)
    m = _DOTTED.match(s)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    parts = s.split()
    # every format names a month or a day: a date without letters cannot match one
    for fmt in _NAMED_FORMATS if _LETTER.search(s) else ():
        head = " ".join(parts[: len(fmt.split())])
        try:
            parsed = datetime.strptime(head, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m" if fmt == "%Y %b" else "%Y-%m-%d")
    m = re.match(r"(\d{4})\b", s)
    if m and 1800 < int(m.group(1)) < 2200:
        return m.group(1)
    return None


def month_number(name: str) -> int | None:
    return _MONTHS.get(name[:3].lower())


def xml_parser(*, html: bool = False) -> Any:
    """lxml parser that resolves no entity, touches no network and refuses huge trees."""
    from lxml import etree
    from lxml import html as lxml_html

    if html:
        return lxml_html.HTMLParser(recover=True, no_network=True, huge_tree=False, remove_comments=True)
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=False,
    )


def parse_xml(text: str, ctx: ParseContext) -> Any:
    """Parse XML text with the safe parser; an error names the file and line."""
    from lxml import etree

    from papertriage.errors import InputError

    data = text.encode("utf-8")
    data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data, count=1)
    try:
        return etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as exc:
        if "Entity '" in str(exc) and (fixed := _html_entities_as_references(data)) != data:
            try:  # `&nbsp;` and the other HTML entity names feeds use without declaring them
                return etree.fromstring(fixed, parser=xml_parser())
            except etree.XMLSyntaxError:
                pass
        raise InputError(f"{ctx.name}: not well-formed XML ({exc}); check the file is complete") from None


_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")


def _html_entities_as_references(data: bytes) -> bytes:
    """HTML's named entities (`&nbsp;`, `&eacute;`...) as numeric references, which XML knows
    without a DTD: feeds written by HTML templates use them undeclared. XML's own five and any
    other name are left as they are (nothing a document declares is ever expanded)."""
    from html.entities import html5

    def ref(m: re.Match[bytes]) -> bytes:
        name = m.group(1).decode("ascii")
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return m.group(0)
        value = html5.get(name + ";")
        return "".join(f"&#{ord(c)};" for c in value).encode("ascii") if value else m.group(0)

    return _ENTITY.sub(ref, data)


def text_of(node: Any, path: str, ns: dict[str, str] | None = None) -> str:
    """Whitespace-normalised text of the first element at path, or ''."""
    found = node.find(path, ns) if ns else node.find(path)
    if found is None:
        return ""
    return squash("".join(found.itertext()))
