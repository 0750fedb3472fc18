"""Hugging Face Daily Papers page copied as text (select-all, copy, paste into a file)."""

from __future__ import annotations

import re
from typing import Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date
from papertriage.sources.reading import Listing

NAME = "hf-text"

_HEADER = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_SEPARATOR = {"·", "•", "⋅"}
_AUTHORS = re.compile(r"^[•·*\-]?\s*(\d+)\s+authors?$", re.I)
_DATE = re.compile(r"^([A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})(?:\s+(\d+))?$")
_SHORT_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")


def _clean(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").replace("\u200b", "").split())


def detect(head: str) -> float:
    """0.8 for a paper's footer (a `·` line above a `Mon D, YYYY` date), which only this page writes;
    0.6 for its loose marks alone (two `N authors` lines, a `daily papers` header line), below every
    format with a syntax. Only the first 400 lines are looked at."""
    # a mark is a short line: cleaning the long ones too (a JSON record's) cost 1 ms a head
    lines = [_clean(line) if len(line) < 200 else line for line in head.splitlines()[:400]]
    if any(line in _SEPARATOR and _DATE.match(lines[i + 1]) for i, line in enumerate(lines[1:-1], 1)):
        return 0.8
    authors = sum(1 for line in lines if _AUTHORS.match(line))
    return 0.6 if authors >= 2 or any(line.lower() == "daily papers" for line in lines[:12]) else 0.0


def _anchors(lines: list[str]) -> list[tuple[int, int, int | None]]:
    """(first line of the author line, separator line or None, date line or None) for each paper footer."""
    found: list[tuple[int, int, int | None]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line in _SEPARATOR and i > 0 and i + 1 < len(lines) and _DATE.match(lines[i + 1]):
            author = i - 1 if lines[i - 1] else i
            found.append((author, i, i + 1))
            i += 2
            continue
        if _AUTHORS.match(line):
            # an author line whose separator or date line was lost in the copy
            nxt = i + 1
            while nxt < len(lines) and not lines[nxt]:
                nxt += 1
            if nxt < len(lines) and lines[nxt] in _SEPARATOR:
                i += 1
                continue
            date = nxt if nxt < len(lines) and _DATE.match(lines[nxt]) else None
            found.append((i, i, date))
            i = (date or i) + 1
            continue
        i += 1
    return found


def _paragraphs(lines: list[str], start: int, stop: int) -> list[tuple[int, str]]:
    """Non-empty runs of lines in [start, stop), joined, with the line number (0-based) each starts on."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    first = start
    for i in range(start, stop):
        if lines[i]:
            if not current:
                first = i
            current.append(lines[i])
        elif current:
            out.append((first, " ".join(current)))
            current = []
    if current:
        out.append((first, " ".join(current)))
    return out


def _strip_header(paragraphs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    i = 0
    while i < len(paragraphs) and (
        paragraphs[i][1].lower() in _HEADER or _SHORT_DATE.match(paragraphs[i][1])
    ):
        i += 1
    return paragraphs[i:]


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    lines = [_clean(line) for line in text.splitlines()]
    start = 0
    anchors = _anchors(lines)
    for n, (author_line, sep_line, date_line) in enumerate(anchors):
        paragraphs = _paragraphs(lines, start, author_line)
        if n == 0:
            paragraphs = _strip_header(paragraphs)
        start = (date_line if date_line is not None else sep_line) + 1
        if not paragraphs:
            ctx.skip(f"line {author_line + 1}", "paper footer with no title above it")
            continue
        title_line, title = paragraphs[0]
        if len(paragraphs) > 2:
            ctx.warn(
                f"{ctx.name}: line {title_line + 1}: {len(paragraphs)} paragraphs before one footer; "
                "read the first as the title and the rest as the abstract (a footer may be missing)"
            )
        abstract = " ".join(p for _, p in paragraphs[1:])
        who = lines[author_line] if author_line != sep_line or _AUTHORS.match(lines[author_line]) else ""
        n_authors = None
        organization = None
        m = _AUTHORS.match(who)
        if m:
            n_authors = int(m.group(1))
        elif who:
            # "openbmb OpenBMB": the org handle, then its display name
            parts = who.split(" ", 1)
            organization = parts[1] if len(parts) == 2 else parts[0]
        published = upvotes = None
        if date_line is not None:
            dm = _DATE.match(lines[date_line])
            if dm:
                published = iso_date(dm.group(1).replace(".", ""))
                upvotes = int(dm.group(2)) if dm.group(2) else None
        yield make_paper(
            title=title,
            abstract=abstract,
            n_authors=n_authors,
            organization=organization,
            published=published,
            upvotes=upvotes,
            source=NAME,
            extra={"line": title_line + 1},
        )
    tail = _paragraphs(lines, start, len(lines))
    if not anchors:
        tail = _strip_header(tail)
    if tail:
        ctx.skip(f"line {tail[0][0] + 1}", f"text after the last paper footer ({tail[0][1][:60]!r}) "
                 "has no author and date lines")
