"""arXiv's plain-text records: the daily e-mail listing and `.abs` metadata files (`\\\\`-separated)."""

from __future__ import annotations

import re
from typing import Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date, line_starts_with
from papertriage.sources.reading import Listing

NAME = "arxiv-mail"

_HEADER_ID = re.compile(r"^(?:arXiv:|Paper:[ \t]*)(\S+)", re.M)
"""`arXiv:2303.00768`, or `Paper: astro-ph/9204001` as listings before 2007 name a paper."""
_FOOTER = re.compile(r"^%%%-{3}%%%.*", re.M | re.S)
"""The mailing's closing lines (subscription help) after the last entry."""
_RECORD_START = re.compile(r"^\\\\\s*\n(?:.*\n){0,3}?(?:arXiv:|Paper:[ \t]*)\S+", re.M)
_FIELD = re.compile(r"^([A-Z][A-Za-z\-]+):\s*(.*)$")


def detect(head: str) -> float:
    """0.8 for a `\\\\` line with an `arXiv:ID` (or `Paper: ID`) line after it, and a `Title:` line."""
    mail = line_starts_with(head, "\\\\") and "Title:" in head and _RECORD_START.search(head) is not None
    return 0.8 if mail else 0.0


def _header(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    last = None
    for line in block.splitlines():
        m = _FIELD.match(line)
        if m and not line.startswith(" "):
            last = m.group(1).lower()
            fields[last] = m.group(2).strip()
        elif line.startswith((" ", "\t")) and last:
            fields[last] += " " + line.strip()
    return fields


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    # a record is `\\` header `\\` abstract `\\ ( url , size)`, or, with no abstract (a replacement,
    # the 1992 listings), `\\` header `\\ ( url , size)` or `\\` header `\\`; dashed lines separate records
    pieces = re.split(r"^(\\\\(?:[ \t]*\(.*\))?)[ \t]*$", text.replace("\r\n", "\n"), flags=re.M)
    chunks, closers = pieces[::2], pieces[1::2] + [""]
    """closers[i]: the separator line after chunks[i] (`\\\\`, or `\\\\ ( url , size)` that ends a record)."""
    line = 1
    starts = []
    for chunk, closer in zip(chunks, closers, strict=True):
        starts.append(line)
        line += chunk.count("\n") + closer.count("\n")
    i = 0
    while i < len(chunks):
        chunk = chunks[i]
        m = _HEADER_ID.search(chunk)
        if not m or "Title:" not in chunk:
            i += 1
            continue
        fields = _header(chunk)
        abstract = ""
        # the abstract is the chunk after a plain `\\` that is itself closed by one (not the mailing's footer)
        if closers[i] == "\\\\" and i + 1 < len(chunks) and closers[i + 1] and not _HEADER_ID.search(chunks[i + 1]) \
                and "Title:" not in chunks[i + 1]:
            abstract = " ".join(re.sub(r"^-{10,}\s*$", "", _FOOTER.sub("", chunks[i + 1]), flags=re.M).split())
            i += 1
        i += 1
        title = fields.get("title", "")
        if not title:
            ctx.skip(f"line {starts[i - 1]}", f"arXiv:{m.group(1)} has no title")
            continue
        authors = re.split(r",\s*(?:and\s+)?|\s+and\s+", re.sub(r"\([^)]*\)", "", fields.get("authors", "")))
        abstract = re.sub(r"\s*\(\s*https?://arxiv\.org/abs/\S+\s*,\s*\d+kb\)\s*$", "", abstract)
        yield make_paper(
            title=title,
            abstract=abstract,
            authors=[a.strip() for a in authors if a.strip()],
            published=iso_date(re.sub(r"^[A-Za-z]{3},\s*", "", fields.get("date", ""))),
            categories=fields.get("categories", "").split(),
            arxiv_id=m.group(1),
            doi=fields.get("doi"),
            source=NAME,
            extra={"comments": fields.get("comments"), "journal_ref": fields.get("journal-ref"),
                   "replaced": "replaced with revised version" in chunk},
        )
