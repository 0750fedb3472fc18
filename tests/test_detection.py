"""Format detection: the most confident format wins, whatever the order of the registry."""

from __future__ import annotations

import random
import zlib
from functools import cache

import pytest

from papertriage import sources
from papertriage.errors import InputError
from papertriage.sources import decode, detect_head, source_named
from papertriage.sources.base import Source

from .conftest import CORPORA, DATA

FORMATS = DATA / "formats"
EXTERNAL = CORPORA / "external"
HEAD_CHARS = 64 * 1024
"""The text detection looks at."""
HEAD_BYTES = 4 * HEAD_CHARS
"""Bytes read of each file: enough for HEAD_CHARS in any encoding."""


FOLDERS = {"tests/data": (DATA, None), "corpora/external": (EXTERNAL, None), "corpora": (CORPORA, EXTERNAL)}
"""Each folder whose files are detected, and a folder within it left to its own case."""


@cache
def heads(folder: str) -> tuple[tuple[str, str], ...]:
    """(name, start of the text) of every file, as detect_source gets it (gzip undone), without reading it all."""
    root, without = FOLDERS[folder]
    if not root.exists():
        pytest.skip(f"{root} is not here (the shared corpora live beside the repository)")
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or (without and without in path.parents):
            continue
        with path.open("rb") as fh:
            data = fh.read(HEAD_BYTES)
        if data[:2] == b"\x1f\x8b":
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, HEAD_BYTES)
        try:
            found.append((str(path), decode(data, str(path), lambda message: None)))
        except InputError:
            pass  # a binary file: never handed to detection
    return tuple(found)


def detected(name: str, text: str) -> str:
    try:
        return detect_head(text, name).name
    except InputError:
        return "(none)"


def orders() -> list[tuple[str, list[Source]]]:
    """The registry as written, reversed, and shuffled with five seeds."""
    shuffled = []
    for seed in range(5):
        order = list(sources.SOURCES)
        random.Random(seed).shuffle(order)
        shuffled.append((f"seed {seed}", order))
    return [("as written", list(sources.SOURCES)), ("reversed", sources.SOURCES[::-1]), *shuffled]


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_the_registry_order_changes_no_detection(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = heads(folder)
    assert texts
    seen: dict[str, dict[str, str]] = {}
    for label, order in orders():
        monkeypatch.setattr(sources, "SOURCES", order)
        for name, text in texts:
            seen.setdefault(name, {})[label] = detected(name, text)
    differing = {name: by_order for name, by_order in seen.items() if len(set(by_order.values())) > 1}
    assert not differing


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_real_file_ties_so_the_name_rule_decides_none(folder: str) -> None:
    ties = {}
    for name, text in heads(folder):
        head = text[:HEAD_CHARS]
        confidences = sorted(((s.detect(head), s.name) for s in sources.SOURCES), reverse=True)
        (best, first), (second, other) = confidences[:2]
        if best > 0 and best == second:
            ties[name] = (first, other, best)
    assert not ties


def test_a_tie_goes_to_the_name_sorting_first(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsure(head: str) -> float:
        return 0.5

    made_up = [Source(name, "made up", "anything", unsure, lambda text, ctx: iter(())) for name in ("b-fmt", "a-fmt")]
    for order in (made_up, made_up[::-1]):
        monkeypatch.setattr(sources, "SOURCES", order)
        assert detect_head("anything", "x.txt").name == "a-fmt"


@pytest.mark.parametrize("fixture,after,expected", [
    ("formats/sample-mail.txt", "prefers.\n", "arxiv-mail"),
    ("cli/listing.txt", "serving large models.\n", "hf-text"),
    ("formats/sample.nbib", "      prefers.\n", "pubmed-medline"),
], ids=["arxiv-mail", "hf-text", "pubmed-medline"])
def test_a_line_that_looks_like_a_bibtex_entry_leaves_the_format_alone(fixture: str, after: str, expected: str) -> None:
    text = (DATA / fixture).read_text(encoding="utf-8")
    assert after in text
    text = text.replace(after, after + "@misc{appendix, see there}\n", 1)
    assert detected(fixture, text) == expected


def test_an_atom_feed_declaring_the_rss_content_module_is_atom() -> None:
    text = (FORMATS / "sample-atom.xml").read_text(encoding="utf-8")
    declared = text.replace("<feed ", '<feed xmlns:content="http://purl.org/rss/1.0/modules/content/" ', 1)
    assert declared != text
    assert detected("feed.xml", declared) == "arxiv-atom"
    atom, rss = (source_named(name).detect(declared) for name in ("arxiv-atom", "rss"))
    assert atom > rss > 0  # decided by the evidence, not by the names' tie rule


def test_a_text_that_names_the_tags_of_markup_formats_is_none_of_them() -> None:
    """`papertriage formats` names <PubmedArticleSet>, data-target="DailyPapers", list-title...: no markup."""
    text = (DATA / "golden" / "cli" / "formats.txt").read_text(encoding="utf-8")
    assert "<PubmedArticleSet>" in text and "DailyPapers" in text and "list-title" in text
    assert detected("formats.txt", text) == "(none)"


@pytest.mark.parametrize("text,expected", [
    ("TY  - JOUR\nTI  - A made-up title\nER  - \n", "ris"),
    ("PMID- 1\nTI  - A made-up title.\n", "pubmed-medline"),
    ("PT J\nTI A made-up title\nER\n", "wos-tagged"),
    ("\\\\\narXiv:2501.00001\nTitle: A made-up title\n", "arxiv-mail"),
], ids=["ris", "pubmed-medline", "wos-tagged", "arxiv-mail"])
def test_a_record_mark_on_the_first_line_is_found(text: str, expected: str) -> None:
    """The only mark at the very start of the text, with no line end before it."""
    assert detected("one.txt", text) == expected


def test_the_daily_papers_header_as_the_page_writes_it_is_a_mark() -> None:
    """A copy whose papers lost their footers is still read as the page (and said to hold none)."""
    text = "Daily Papers\n\nbyAK and the research community\n\nMar 3\n\nA Made-Up Title\n\nAn abstract.\n"
    assert detected("copy.txt", text) == "hf-text"
