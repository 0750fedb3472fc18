"""CSV for spreadsheets: one header row, RFC 4180 quoting, no cell that a spreadsheet would run."""

from __future__ import annotations

import csv
from typing import TextIO

from papertriage.exports import ExportOptions, link_for, terms_found
from papertriage.models import Paper, Scored

COLUMNS = ["rank", "score", "profile", "title", "matched_terms", "partial_terms", "learned_words", "published", "upvotes",
           "authors", "n_authors", "organization", "categories", "link", "url", "id", "source", "abstract"]
"""link: where to read the paper (see exports.link_for), also for records whose listing gave no url."""


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-looking values get a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%"):
        return "'" + text
    return text


def paper_row(p: Paper) -> dict[str, object]:
    return {
        "title": p.title, "published": p.published, "upvotes": p.upvotes, "authors": "; ".join(p.authors),
        "n_authors": p.n_authors, "organization": p.organization, "categories": " ".join(p.categories),
        "url": p.url, "id": p.id, "source": p.source, "abstract": p.abstract,
    }


def write_rows(rows: list[dict[str, object]], columns: list[str], out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([safe_cell(row.get(c)) for c in columns])


def write(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    rows = []
    for n, s in enumerate(results, 1):
        row = paper_row(s.paper)
        found = terms_found(s)
        row.update(rank=n, score=f"{s.score:g}", profile=s.profile or "", matched_terms="; ".join(found.whole),
                   partial_terms="; ".join(found.partial),
                   learned_words="; ".join([w[1:] for w in found.learned] + found.decided), link=link_for(s.paper))
        rows.append(row)
    write_rows(rows, COLUMNS, out)
