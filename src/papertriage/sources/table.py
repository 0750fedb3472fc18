"""CSV and TSV exports with title/abstract columns: Scopus, Embase, Web of Science, SYNERGY, spreadsheets."""

from __future__ import annotations

import csv
import re
import sys
from itertools import chain
from typing import Any, Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date
from papertriage.sources.reading import Lines, Listing

NAME = "csv"

_COLUMNS = {
    "title": ("title", "ti", "article title", "document title", "primary title", "primary_title", "titles", "paper title"),
    "abstract": ("abstract", "ab", "abstracts", "summary", "description"),
    "authors": ("authors", "author", "au", "author names", "author full names", "af", "first_authors"),
    "year": ("year", "py", "publication year", "pubyear", "date", "published", "publication date"),
    "doi": ("doi", "di"),
    "url": ("url", "link", "open url link"),
    "id": ("id", "arxiv id", "arxiv_id", "ut", "eid", "accession number"),
    "pmid": ("pubmedid", "pmid", "pubmed id", "pubmed_id", "pm"),
    "openalex_id": ("openalex_id", "openalex id", "openalex"),
    "record_id": ("record_id", "record id"),
    "keywords": ("keywords", "author keywords", "de"),
    "index_keywords": ("index keywords", "keywords plus"),
    "journal": ("source title", "journal", "so", "source"),
}
_FIELD_LIMIT = 10 * 1024 * 1024


_IDS = ("pmid", "openalex_id", "record_id")
"""Id columns kept in extra under these names: `evaluate --labels` finds papers by them (SYNERGY's
pubmedID and openalex_id, ASReview's record_id)."""


def _header_fields(line: str) -> tuple[str, list[str]] | None:
    line = line.lstrip("\ufeff")
    # tab, comma or semicolon (what Excel writes where the comma is the decimal mark): the most frequent
    unquoted = re.sub(r'"[^"]*"', "", line)
    delimiter = max(("\t", ",", ";"), key=lambda d: (unquoted.count(d), d == ","))
    cells = [c.strip().strip('"').strip().lower() for c in line.split(delimiter)]
    return delimiter, cells


def detect(head: str) -> float:
    """0.3 for a first line of two cells or more, one of them a title column: any delimited text has a
    header row, so this is the weakest evidence of all."""
    first = re.split(r"[\r\n]", head.lstrip("\ufeff"), maxsplit=1)[0]  # not replace(): it copied the head twice
    parsed = _header_fields(first)
    if not parsed:
        return 0.0
    _, cells = parsed
    return 0.3 if len(cells) >= 2 and any(c in _COLUMNS["title"] for c in cells) else 0.0


def _pick(header: list[str], key: str) -> int | None:
    for name in _COLUMNS[key]:
        if name in header:
            return header.index(name)
    return None


def _reader(head: str, lines: Lines) -> Any:  # a csv reader, whose line_num names a broken row
    """The rows of the listing, with the delimiter its header shows; read one line at a time."""
    # Web of Science tab-delimited exports end lines with CR only
    rows = lines.with_ends(cr_as_lf="\n" not in head.lstrip("\ufeff")[:200000])
    first = next(rows, "").lstrip("\ufeff")
    delimiter, _ = _header_fields(first.removesuffix("\n")) or (",", [])
    csv.field_size_limit(min(sys.maxsize, _FIELD_LIMIT))
    rows = chain([first], rows)
    if delimiter == "\t":  # Web of Science TSV is unquoted and has stray quote characters
        return csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    return csv.reader(rows, delimiter=delimiter)


def _row_paper(row: list[str], cols: dict[str, int | None], wos: bool, other_columns: list[tuple[int, str]]
               ) -> Paper | None:
    """The paper of one row (None when it has no title)."""

    def cell(key: str) -> str:
        i = cols[key]
        return row[i].strip() if i is not None and i < len(row) else ""

    title = cell("title")
    if not title:
        return None
    raw_id = cell("id")
    authors_raw = cell("authors")
    sep = ";" if ";" in authors_raw or wos else ","
    authors = [a.strip() for a in authors_raw.split(sep) if a.strip()]
    extra: dict[str, object] = {h: row[i] for i, h in other_columns if i < len(row) and row[i].strip()}
    if raw_id:
        extra["source_id"] = raw_id
    for key in _IDS:
        if value := cell(key):
            extra[key] = value
    journal = cell("journal")
    if journal:
        extra["journal"] = journal
    keywords = [k for key in ("keywords", "index_keywords") for k in re.split(r";", cell(key))]
    return make_paper(
        title=title,
        abstract=cell("abstract"),
        authors=authors,
        published=iso_date(cell("year")),
        url=cell("url") or None,
        doi=cell("doi") or None,
        arxiv_id=raw_id if re.match(r"^(arxiv:)?\d{4}\.\d{4,5}(v\d+)?$", raw_id, re.I) else None,
        keywords=keywords,
        source=NAME,
        extra=extra,
    )


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    reader = _reader(listing.head, listing.lines(ctx))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:  # a lone carriage return in the header line, say
        ctx.skip("row 1 (the header)", f"broken CSV ({exc})")
        return
    cols = {key: _pick(header, key) for key in _COLUMNS}
    wos = "ut" in header and "ti" in header
    if cols["title"] is None:
        return
    mapped = {i for i in cols.values() if i is not None}
    other_columns = [(i, h) for i, h in enumerate(header) if i not in mapped and h]
    for row_number, row in _rows(reader, ctx):
        if not any(cell.strip() for cell in row):
            continue
        paper = _row_paper(row, cols, wos, other_columns)
        if paper is None:
            ctx.skip(f"row {row_number}", "no title")
            continue
        yield paper


def _rows(reader: Any, ctx: ParseContext) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each row after the header; a row the csv module cannot read (a field
    over its limit) is reported and skipped, and reading goes on with the next line."""
    row_number = 1
    while True:
        row_number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            ctx.skip(f"row {row_number} (line {reader.line_num})", f"broken CSV ({exc})")
            continue
        yield row_number, row
