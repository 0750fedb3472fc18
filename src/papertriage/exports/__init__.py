"""Output formats: a small registry of writers that turn ranked papers into text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, TextIO

from papertriage.models import Paper, Profile, Scored

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
    links: bool = False
    """Clickable titles and ids (OSC 8 hyperlinks), for terminals; else links are written out."""
    scored_with: list[Profile] = field(default_factory=list)
    """The profiles as scored (calibrated), to find again the words each match stands for."""
    sort: str = "score"
    """What the papers are ordered by (score, date, upvotes)."""


Writer = Callable[[list[Scored], TextIO, ExportOptions], None]


WRITERS: dict[str, tuple[str, str, str]] = {
    "table": ("table", "write", "a ranked table for the terminal (rich)"),
    "md": ("markdown", "write", "a Markdown reading list with a checkbox per paper, grouped by profile"),
    "csv": ("csv_export", "write", "one row per paper, UTF-8, RFC 4180, formula-safe"),
    "json": ("json_export", "write_json", "a JSON array of records with score, profile and matches"),
    "jsonl": ("json_export", "write_jsonl", "one JSON record per line with score, profile and matches"),
    "bibtex": ("citations", "write_bibtex", "BibTeX entries (eprint = arXiv id) for Zotero, Mendeley, JabRef"),
    "ris": ("citations", "write_ris", "RIS records for Zotero, Mendeley, EndNote"),
}
"""The registry of rank's output formats: name -> (module of exports/, its writer, description).
A module is imported only when its format is written (the CLI reads the names at start-up)."""


def writer(name: str) -> Writer:
    from importlib import import_module

    module, function, _ = WRITERS[name]
    return getattr(import_module(f"papertriage.exports.{module}"), function)


def formats() -> dict[str, str]:
    return {name: desc for name, (_, _, desc) in WRITERS.items()}


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def excerpt(text: str, spans: list[tuple[int, int, str]], limit: int = 280) -> tuple[str, list[tuple[int, int, str]]]:
    """The sentence(s) of text that hold its matches (those of terms found whole first), in order
    and joined by ` … `, about limit characters at most; with no match, the first sentences. The
    spans come back shifted onto the excerpt."""
    if not spans:
        return first_sentences(text, limit), []
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    best_kind = "whole" if any(k == "whole" for _, _, k in spans) else None

    def hits(a: int, b: int) -> int:
        return sum(1 for s, e, k in spans if a <= s and e <= b and (best_kind is None or k == best_kind))

    ranked = sorted((i for i, (a, b) in enumerate(bounds) if hits(a, b)), key=lambda i: (-hits(*bounds[i]), i))
    chosen: list[int] = []
    for i in ranked:
        if chosen and sum(bounds[j][1] - bounds[j][0] for j in chosen) + bounds[i][1] - bounds[i][0] > limit:
            break
        chosen.append(i)
    pieces, shifted, offset = [], [], 0
    for n, i in enumerate(sorted(chosen)):
        a, b = bounds[i]
        if b - a > limit:  # one long sentence: the window around its first match
            first = min(s for s, e, _ in spans if a <= s and e <= b)
            a = max(a, text.rfind(" ", a, max(a, first - limit // 3)) + 1)
            cut = text.rfind(" ", a, a + limit)
            b = min(b, cut if cut > first else a + limit)
        gap = " … " if n or a > 0 else ""
        offset += len(gap)
        pieces.append(gap + text[a:b])
        shifted += [(s - a + offset, e - a + offset, k) for s, e, k in spans if a <= s and e <= b]
        offset += b - a
    if chosen and bounds[max(chosen)][1] < len(text):
        pieces.append(" …")
    return "".join(pieces), shifted


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
    decided: list[str] = field(default_factory=list)
    """The words learned from decisions that moved the score most (at most DECIDED_SHOWN), as
    `+word` or `-word`; `explain` lists them all."""


DECIDED_SHOWN = 3


def terms_found(s: Scored) -> TermsFound:
    whole = list(dict.fromkeys(m.term for m in s.matches if m.whole and not m.from_decisions))
    parts: dict[str, dict[str, str]] = {}
    for m in s.matches:
        if not m.whole and not m.learned and not m.from_decisions and m.term not in whole:
            parts.setdefault(m.term, {}).setdefault(m.text.lower(), m.text)
    partial = [f"{term} (only: {', '.join(found.values())})" for term, found in parts.items()]
    learned = list(dict.fromkeys("~" + m.term for m in s.matches if m.learned))
    moved: dict[str, float] = {}
    for m in s.matches:
        if m.from_decisions:
            moved[m.term] = moved.get(m.term, 0.0) + m.contribution
    strongest = sorted(moved.items(), key=lambda tc: (-abs(tc[1]), tc[0]))[:DECIDED_SHOWN]
    decided = [("+" if c > 0 else "-") + term for term, c in strongest]
    return TermsFound(whole, partial, learned, decided)


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def safe_url(url: str | None) -> str | None:
    """An http(s) link that cannot carry terminal escapes, Markdown or spaces: controls removed,
    anything outside printable ASCII and URL punctuation percent-encoded; None for other schemes."""
    from urllib.parse import quote

    if not url:
        return None
    cleaned = quote(strip_controls(url).strip(), safe=_URL_SAFE)
    return cleaned if re.match(r"https?://[^/\s]", cleaned) else None


def link_for(p: Paper) -> str | None:
    """Where to read the paper: its Hugging Face page for Daily Papers sources (a search by title
    when the copy gave no id), else arXiv, the listing's own link, or the DOI."""
    from urllib.parse import quote_plus

    if p.arxiv_id:
        if p.source.startswith("hf-"):
            return f"https://huggingface.co/papers/{p.arxiv_id}"
        return f"https://arxiv.org/abs/{p.arxiv_id}"
    if p.url and re.match(r"https?://", p.url):
        return safe_url(p.url)
    if p.doi:
        return safe_url(f"https://doi.org/{p.doi}")
    if p.source.startswith("hf-") and p.title:
        # a search for the title's first words: enough to find it, short enough to read
        words = re.findall(r"[^\W_]+", printable(p.title))[:8]
        return "https://huggingface.co/papers?q=" + quote_plus(" ".join(words))
    return None


def short_id(p: Paper) -> str:
    """The id a reader can type or search: arXiv id, DOI, PMID, else nothing."""
    if p.arxiv_id:
        return f"arXiv:{p.arxiv_id}"
    if p.doi:
        return f"doi:{p.doi}"
    pmid = p.extra.get("pmid")
    return f"PMID {pmid}" if pmid else ""


def authors_short(p: Paper) -> str:
    """First author et al., or how many authors the listing counted, and the organisation."""
    if p.authors:
        names = printable(p.authors[0]) + (" et al." if len(p.authors) > 1 else "")
    elif p.n_authors:
        names = f"{p.n_authors} author{'s' if p.n_authors != 1 else ''}"
    else:
        names = ""
    if p.organization:
        names = f"{names} · {printable(p.organization)}" if names else printable(p.organization)
    return names


def matched_terms(s: Scored) -> list[str]:
    """The profile's terms that matched whole, then those of which only some words were found
    (`term (only: word)`), then the related words learned from the listing (`~word`)."""
    found = terms_found(s)
    return found.whole + found.partial + found.learned + found.decided
