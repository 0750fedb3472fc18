"""Input formats: open a listing (file, directory, `-`, gzip), detect its format, and read papers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from papertriage.errors import InputError
from papertriage.identity import Deduplicator as Deduplicator  # where it lived: still importable from here
from papertriage.identity import merge as merge
from papertriage.models import Paper
from papertriage.sources.base import ParseContext, Source, Warn
from papertriage.sources.reading import HEAD as _HEAD
from papertriage.sources.reading import MAX_INPUT_BYTES as MAX_INPUT_BYTES
from papertriage.sources.reading import Listing as Listing
from papertriage.sources.reading import Piece as Piece
from papertriage.sources.reading import decode as decode
from papertriage.sources.reading import inflate_lib as inflate_lib
from papertriage.sources.reading import open_input
from papertriage.sources.reading import provide_stdin as provide_stdin
from papertriage.sources.reading import stdin_bytes as stdin_bytes


def _registry() -> list[Source]:
    # The order is only the order `papertriage formats` lists them in: detect_source asks every one.
    from papertriage.sources import (
        arxiv_html,
        arxiv_text,
        bibtex,
        feeds,
        hf_text,
        json_sources,
        pubmed_xml,
        table,
        tagged,
    )

    j = json_sources
    return [
        Source(j.HF_HTML, "Hugging Face Daily Papers page saved as HTML",
               "an element with data-target=\"DailyPapers\" and its data-props JSON",
               j.detect_hf_html, j.parse_hf_html, "daily-papers.html"),
        Source(feeds.ATOM, "Atom: the arXiv API (raw XML, or wrapped in JSON as {url,status_code,body}), Atom 1.0/0.3 feeds",
               "an Atom <feed> or <entry> root, or JSON whose body holds one",
               feeds.detect_atom, feeds.parse_atom, "arxiv-query.xml"),
        Source(feeds.RSS, "RSS 0.90, 1.0 (RDF) and 2.0 feeds: arXiv, bioRxiv, third-party arXiv feeds",
               "an <rss> or <rdf:RDF> root", feeds.detect_rss, feeds.parse_rss, "cs.LG.rss"),
        Source(pubmed_xml.NAME, "PubMed efetch XML (PubmedArticleSet)",
               "a <PubmedArticleSet> or <PubmedArticle> element", pubmed_xml.detect, pubmed_xml.parse, "pubmed-efetch.xml"),
        Source(arxiv_html.NAME, "arXiv listing page (/new, /recent, /pastweek; old and 2024+ layouts)",
               "HTML with list-title / list-identifier blocks", arxiv_html.detect, arxiv_html.parse, "arxiv-cs.LG-new.html"),
        Source(j.HF_API, "Hugging Face daily_papers API JSON (and the older archive keyed by arXiv id)",
               "JSON items with a \"paper\" object, or an object keyed by arXiv ids",
               j.detect_hf_api, j.parse_hf_api, "daily_papers_2025-06-03.json"),
        Source(j.JSON_RECORDS, "JSON or JSON Lines records (papertriage parse output, arXiv crawls)",
               "JSON objects with a \"title\" key", j.detect_json_records, j.parse_json_records, "arxiv-2025.jsonl.gz",
               per_line=j.one_record_a_line),
        Source(tagged.MEDLINE, "PubMed MEDLINE / .nbib tagged text", "a 'PMID- ' line",
               tagged.detect_medline, tagged.parse_medline, "pubmed-result.nbib"),
        Source(tagged.RIS, "RIS (Zotero, Scopus, Embase, Ovid, ProQuest, Web of Science, Rayyan, EndNote)",
               "'TY  - ' record starts", tagged.detect_ris, tagged.parse_ris, "scopus-export.ris"),
        Source(tagged.WOS, "Web of Science tagged plain text", "'FN ' header or 'PT J' records",
               tagged.detect_wos, tagged.parse_wos, "savedrecs.txt"),
        Source(bibtex.NAME, "BibTeX and biblatex", "an '@type{key,' entry of any type, or @string/@preamble, at a line start",
               bibtex.detect, bibtex.parse, "zotero-library.bib"),
        Source(arxiv_text.NAME, "arXiv e-mail listing text and .abs metadata records",
               "'\\\\' separators followed by 'arXiv:ID' (or 'Paper: ID') and 'Title:' lines",
               arxiv_text.detect, arxiv_text.parse, "astro-ph-daily-mail.txt"),
        Source(hf_text.NAME, "Hugging Face Daily Papers page copied as text",
               "a '·' line between an 'N authors' line and a 'Mon D, YYYY' date", hf_text.detect, hf_text.parse, "listing.txt"),
        Source(table.NAME, "CSV / TSV with title and abstract columns (Scopus, Embase, WoS, SYNERGY)",
               "a header row with a title column", table.detect, table.parse, "screening.csv"),
    ]


SOURCES: list[Source] = _registry()


def source_named(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in SOURCES)
    raise InputError(f"unknown input format {name!r}; use one of: {known}")


def open_listing(name: str | Piece, warn: Warn) -> Listing:
    return open_input(name, warn)


def split_file(path: str, size: int) -> list[Piece]:
    """Consecutive pieces of about size bytes that together hold every line of a plain file of one
    record a line (see Source.per_line); one piece for any other file (gzip, other formats, UTF-16)."""
    total = os.path.getsize(path)
    listing = open_listing(path, lambda m: None)
    source = detect_source(listing)
    whole = [Piece(path, 0, total)]
    if listing.gzipped or listing.utf16 or source.per_line is None or not source.per_line(listing.head):
        return whole
    cuts = list(range(0, total, max(1, size))) + [total]
    return [Piece(path, a, b) for a, b in zip(cuts, cuts[1:], strict=False)] or whole


def detect_source(listing: Listing) -> Source:
    """The format of a listing, from its first 64 KB (see detect_head)."""
    return detect_head(listing.head, listing.name)


def detect_head(text: str, name: str) -> Source:
    """The format most confident that the first 64 KB of text (the listing called name) are its
    own; see base.Detector for the scale.

    Every format is asked, so the registry's order decides nothing. Two formats are equally sure
    only of a made-up text (tests/test_detection.py checks that no fixture or corpus file ties);
    then the format whose name sorts first wins."""
    head = text[:_HEAD]
    by_name = sorted(SOURCES, key=lambda s: s.name)  # max keeps the first of equals: the name sorting first
    confidence, source = max(((s.detect(head), s) for s in by_name), key=lambda c: c[0])
    if confidence > 0:
        return source
    raise InputError(
        f"{name}: not a listing papertriage can read; "
        "see `papertriage formats`, or force one with --from FORMAT")


def expand_with_origin(names: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """(file, found by walking a directory) for each input; directories walked in name order,
    hidden files skipped."""
    for name in names:
        path = Path(name)
        if name != "-" and path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise InputError(f"{name}: cannot open the folder (permission denied); check its permissions")
            unreadable: list[OSError] = []
            files = sorted(
                [str(Path(root) / f) for root, dirs, fs in os.walk(path, onerror=unreadable.append)
                 for f in fs if not f.startswith(".")]
                + [str(e.filename) for e in unreadable])  # reported as skipped by read_papers
            if not files:
                raise InputError(f"{name}: is a directory with no listing in it")
            for f in files:
                yield f, True
        else:
            yield name, False


def _inputs(names: Iterable[str | Piece]) -> Iterator[tuple[str | Piece, bool]]:
    """expand_with_origin, with pieces as they are."""
    for name in names:
        if isinstance(name, Piece):
            yield name, False
        else:
            yield from expand_with_origin([name])


def read_papers(names: Iterable[str | Piece], *, fmt: str | None = None, warn: Warn = lambda m: None,
                stats: dict[str, int] | None = None,
                known_duplicate: Callable[[str, str, str], bool] | None = None,
                seen_lines: set[int] | None = None,
                lenient: frozenset[str] = frozenset()) -> Iterator[Paper]:
    """Every paper of every input (a file name, a folder, `-`, or a Piece of a file), in input
    order, each input's format detected unless forced.

    known_duplicate lets bulk parsers skip records the caller already holds (counted in
    stats["duplicates"], never silently); seen_lines, a set the caller keeps, lets them skip lines
    equal to one already read (see ParseContext). A file met by walking a directory (or named in lenient)
    that is not a listing is reported and skipped; a file named on its own is an error.
    """
    forced = source_named(fmt) if fmt else None
    stats = stats if stats is not None else {}
    for name, walked in _inputs(names):
        read: dict[str, int] = {}
        try:
            if walked and isinstance(name, str) and not os.path.isfile(name) and not os.path.isdir(name):
                # a FIFO met in a folder would wait for a writer forever; a socket or device is no listing
                raise InputError(f"{name}: is not a regular file (a FIFO, socket or device)")
            yield from _read_one(name, forced, warn, read, known_duplicate, seen_lines)
        except InputError as exc:
            if not (walked or name in lenient):
                raise
            warn(f"{exc}; file skipped")
            read["files_skipped"] = read.get("files_skipped", 0) + 1
        add_stats(stats, read)


def add_stats(stats: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        stats[key] = stats.get(key, 0) + value


def _read_one(name: str | Piece, forced: Source | None, warn: Warn, stats: dict[str, int],
              known_duplicate: Callable[[str, str, str], bool] | None,
              seen_lines: set[int] | None = None) -> Iterator[Paper]:
    listing = open_listing(name, warn)
    source = forced or detect_source(listing)
    ctx = ParseContext(listing.name, warn, known_duplicate=known_duplicate, seen_lines=seen_lines)
    count = 0
    for paper in source.parse(listing, ctx):
        count += 1
        yield paper
    stats["papers"] = stats.get("papers", 0) + count + ctx.duplicates
    stats["duplicates"] = stats.get("duplicates", 0) + ctx.duplicates
    stats["skipped"] = stats.get("skipped", 0) + ctx.skipped
    if count + ctx.duplicates == 0 and listing.whole_file:  # a piece may hold none of its file's papers
        _nothing_read(listing.name, source, ctx)
    if not listing.first_byte:  # a file is counted once, by its first piece
        stats["files"] = stats.get("files", 0) + 1


def _nothing_read(name: str, source: Source, ctx: ParseContext) -> None:
    if ctx.skipped:
        raise InputError(f"{name}: no paper could be read ({ctx.skipped} entries skipped)")
    if not ctx.details.get("empty_ok"):
        raise InputError(f"{name}: holds no papers as {source.name}; "
                         "check the file, or force a format with --from")
    ctx.warn(f"{name}: holds no papers")
