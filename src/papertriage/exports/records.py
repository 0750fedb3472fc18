"""Paper records as `parse` writes them: JSON Lines, one JSON array, or CSV (the record of product.md)."""

from __future__ import annotations

import json
from typing import Callable, Iterable, TextIO

from papertriage.exports.csv_export import paper_row, write_rows
from papertriage.models import Paper

COLUMNS = ["id", "title", "abstract", "authors", "n_authors", "organization", "published", "upvotes", "url",
           "categories", "source"]


def write_jsonl(papers: Iterable[Paper], out: TextIO) -> None:
    for paper in papers:
        out.write(json.dumps(paper.to_dict(), ensure_ascii=False) + "\n")


def write_json(papers: Iterable[Paper], out: TextIO) -> None:
    json.dump([p.to_dict() for p in papers], out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv(papers: Iterable[Paper], out: TextIO) -> None:
    write_rows([paper_row(p) for p in papers], COLUMNS, out)


RecordWriter = Callable[[Iterable[Paper], TextIO], None]
WRITERS: dict[str, tuple[RecordWriter, str]] = {
    "jsonl": (write_jsonl, "one record per line, as JSON"),
    "csv": (write_csv, "one row per record, RFC 4180, formula-safe"),
    "json": (write_json, "a JSON array of records"),
}
"""The formats of `parse`, the first its default."""
