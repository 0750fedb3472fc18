"""Output formats: a small registry of writers that turn ranked papers into text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, TextIO

from papertriage.models import Scored

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor moves, clears
                      r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: titles, hyperlinks
                      r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"          # DCS, PM, APC, SOS strings
                      r"|\x1b[ -~]?")                                  # any other escape


def strip_controls(text: str) -> str:
    """Text without terminal escape sequences or control characters (bidi overrides too)."""
    return _CONTROL.sub(" ", _ESCAPES.sub("", text))


def printable(text: str) -> str:
    """Text safe to show on a terminal, on one line: escapes and control characters removed."""
    return " ".join(strip_controls(text).split())


@dataclass
class ExportOptions:
    color: bool = False
    width: int | None = None
    abstracts: bool = False
    sources: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    total: int = 0


Writer = Callable[[list[Scored], TextIO, ExportOptions], None]


def _writers() -> dict[str, tuple[Writer, str]]:
    from papertriage.exports import citations, csv_export, json_export, markdown, table

    return {
        "table": (table.write, "a ranked table for the terminal (rich)"),
        "md": (markdown.write, "a Markdown reading list with a checkbox per paper, grouped by profile"),
        "csv": (csv_export.write, "one row per paper, UTF-8, RFC 4180, formula-safe"),
        "json": (json_export.write_json, "a JSON array of records with score, profile and matches"),
        "jsonl": (json_export.write_jsonl, "one JSON record per line with score, profile and matches"),
        "bibtex": (citations.write_bibtex, "BibTeX entries (eprint = arXiv id) for Zotero, Mendeley, JabRef"),
        "ris": (citations.write_ris, "RIS records for Zotero, Mendeley, EndNote"),
    }


def writer(name: str) -> Writer:
    return _writers()[name][0]


def formats() -> dict[str, str]:
    return {name: desc for name, (_, desc) in _writers().items()}


def first_sentences(text: str, limit: int = 280) -> str:
    """The first sentence or two of an abstract, cut at a word near limit characters."""
    text = printable(text)
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text)
    out = ""
    for s in sentences:
        if out and len(out) + len(s) > limit:
            break
        out = f"{out} {s}".strip()
        if len(out) >= limit // 2:
            break
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0] + " …"
    return out


@dataclass(frozen=True)
class TermsFound:
    """What a paper's matches are, told apart: only `whole` are real matches of the profile."""

    whole: list[str]
    """The profile's terms found whole (the term or an alias)."""
    partial: list[str]
    """Terms of which only some words were found, as `term (only: word, word)`."""
    learned: list[str]
    """Related words learned from the listing, as `~word`."""


def terms_found(s: Scored) -> TermsFound:
    whole = list(dict.fromkeys(m.term for m in s.matches if m.whole))
    parts: dict[str, dict[str, str]] = {}
    for m in s.matches:
        if not m.whole and not m.learned and m.term not in whole:
            parts.setdefault(m.term, {}).setdefault(m.text.lower(), m.text)
    partial = [f"{term} (only: {', '.join(found.values())})" for term, found in parts.items()]
    learned = list(dict.fromkeys("~" + m.term for m in s.matches if m.learned))
    return TermsFound(whole, partial, learned)


def matched_terms(s: Scored) -> list[str]:
    """The profile's terms that matched whole, then those of which only some words were found
    (`term (only: word)`), then the related words learned from the listing (`~word`)."""
    found = terms_found(s)
    return found.whole + found.partial + found.learned
