"""Decisions out: one row per decision (CSV, JSON Lines), or the kept papers as citations."""

from __future__ import annotations

import json
from typing import TextIO

from papertriage.exports import ExportOptions, printable
from papertriage.exports.csv_export import write_rows
from papertriage.ledger import Decision
from papertriage.models import Scored

COLUMNS = ["id", "title", "profile", "decision", "note", "at"]
FORMATS = {"csv": "one row per decision", "jsonl": "one JSON object per decision",
           "ris": "the kept papers as RIS", "bibtex": "the kept papers as BibTeX"}


def row(d: Decision) -> dict[str, object]:
    return {"id": d.id, "title": d.title, "profile": d.profile, "decision": d.decision, "note": d.note, "at": d.at}


def write(decisions: list[Decision], fmt: str, out: TextIO) -> None:
    """Write the decisions in one of FORMATS (ris and bibtex: the kept papers only)."""
    if fmt == "csv":
        write_rows([row(d) for d in decisions], COLUMNS, out)
    elif fmt == "jsonl":
        for d in decisions:
            out.write(json.dumps(row(d), ensure_ascii=False) + "\n")
    else:
        from papertriage.exports import writer

        kept = [Scored(d.paper, 0.0, d.profile) for d in decisions if d.decision == "keep"]
        writer(fmt)(kept, out, ExportOptions())


def lines(decisions: list[Decision]) -> list[str]:
    """`decisions list`: time, decision, profile, id, title (and note), one decision a line."""
    out = []
    for d in decisions:
        note = f"  [{printable(d.note)}]" if d.note else ""
        out.append(f"{d.at[:16].replace('T', ' ')}  {d.decision:<5}  {printable(d.profile)}  {printable(d.id)}  "
                   f"{printable(d.title)}{note}")
    return out
