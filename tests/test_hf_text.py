"""The Daily Papers text copy: the real page and the ways copies made elsewhere differ."""

from __future__ import annotations

from pathlib import Path

from papertriage.sources import Listing, hf_text
from papertriage.sources.base import ParseContext

from .helpers import cli

PAPER_A = ("Alpha Routing for Sparse Experts", "We route tokens to experts. It works.", "  • 3 authors", "Mar 21, 2025 1")
PAPER_B = ("Beta Quantisation Study", "Four-bit weights keep accuracy.", "openbmb OpenBMB", "Sep 4, 2024")
PAPER_C = ("Gamma Graphs", "Graphs for retrieval.", "  • 12 authors", "Jan 7, 2025 230")
HEADER = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", "",
          "byAK and the research community", "", "Jan 8", ""]


def page(papers: list[tuple[str, str, str, str]], header: bool = True) -> str:
    lines = list(HEADER) if header else []
    for title, abstract, who, date in papers:
        lines += [title, ""] + ([abstract, ""] if abstract else []) + [who, "·", date, ""]
    return "\n".join(lines)


def parse(text: str) -> tuple[list[dict], ParseContext]:
    warnings: list[str] = []
    ctx = ParseContext("copy.txt", warnings.append)
    return [p.to_dict() for p in hf_text.parse(Listing.of("t", text), ctx)], ctx


def test_real_page_gives_58_papers_with_fields(seed: Path) -> None:
    run = cli("parse", str(seed), "--format", "jsonl")
    assert run.exit_code == 0
    papers = run.records()
    assert len(papers) == 58
    first = papers[0]
    assert first["title"].startswith("SMERF: Streamable Memory Efficient Radiance Fields")
    assert first["abstract"].startswith("Recent techniques for real-time view synthesis")
    assert (first["n_authors"], first["published"], first["upvotes"]) == (8, "2023-12-12", None)
    treesynth = next(p for p in papers if p["title"].startswith("TreeSynth"))
    assert (treesynth["published"], treesynth["upvotes"], treesynth["n_authors"]) == ("2025-03-21", 1, 10)
    configurable = next(p for p in papers if p["title"].startswith("Configurable Foundation Models"))
    assert configurable["organization"] == "OpenBMB"
    assert configurable["n_authors"] is None
    assert configurable["upvotes"] == 2
    assert all(p["title"] and p["abstract"] and p["published"] for p in papers)
    assert len({p["id"] for p in papers}) == 58
    assert "read 58 papers" in run.stderr


def test_fields_of_a_clean_copy() -> None:
    papers, ctx = parse(page([PAPER_A, PAPER_B, PAPER_C]))
    assert [p["title"] for p in papers] == [PAPER_A[0], PAPER_B[0], PAPER_C[0]]
    assert papers[0]["n_authors"] == 3 and papers[0]["upvotes"] == 1 and papers[0]["published"] == "2025-03-21"
    assert papers[1]["organization"] == "OpenBMB" and papers[1]["upvotes"] is None
    assert papers[2]["upvotes"] == 230
    assert ctx.skipped == 0


def test_crlf_nbsp_and_trailing_spaces_change_nothing() -> None:
    clean, _ = parse(page([PAPER_A, PAPER_B, PAPER_C]))
    messy_text = page([PAPER_A, PAPER_B, PAPER_C]).replace("\n", "  \r\n").replace("• ", "•\u00a0")
    messy_text = messy_text.replace("Routing for", "Routing\u00a0for")
    messy, _ = parse(messy_text)
    assert messy == clean


def test_missing_header_loses_no_paper() -> None:
    papers, _ = parse(page([PAPER_A, PAPER_B], header=False))
    assert [p["title"] for p in papers] == [PAPER_A[0], PAPER_B[0]]


def test_paper_without_abstract_is_kept_and_not_merged() -> None:
    no_abstract = ("Delta Without Abstract", "", "  • 2 authors", "Feb 2, 2025 5")
    papers, _ = parse(page([PAPER_A, no_abstract, PAPER_C]))
    assert [p["title"] for p in papers] == [PAPER_A[0], no_abstract[0], PAPER_C[0]]
    assert papers[1]["abstract"] == ""
    assert papers[2]["abstract"] == PAPER_C[1]


def test_title_or_abstract_that_looks_like_a_date() -> None:
    datey_title = ("Mar 21, 2025", "An abstract line.\n\nDec 12, 2023", "  • 1 author", "Apr 1, 2025 3")
    papers, _ = parse(page([PAPER_A, datey_title, PAPER_C]))
    assert [p["title"] for p in papers] == [PAPER_A[0], "Mar 21, 2025", PAPER_C[0]]
    assert papers[1]["abstract"] == "An abstract line. Dec 12, 2023"
    assert papers[1]["published"] == "2025-04-01"


def test_text_after_the_last_footer_is_reported_not_dropped_silently() -> None:
    warnings: list[str] = []
    ctx = ParseContext("copy.txt", warnings.append)
    text = page([PAPER_A]) + "\nA Truncated Paper Title\n\nIts abstract\n"
    papers = list(hf_text.parse(Listing.of("t", text), ctx))
    assert len(papers) == 1
    assert ctx.skipped == 1
    assert "line 21" in warnings[0] and "A Truncated Paper Title" in warnings[0]


def test_unreadable_block_is_counted_in_the_summary(tmp_path: Path) -> None:
    listing = tmp_path / "copy.txt"
    listing.write_text(page([PAPER_A]) + "\nCut Off Title\n", encoding="utf-8")
    run = cli("parse", str(listing))
    assert run.exit_code == 0
    assert len(run.records()) == 1
    assert "copy.txt: line 21" in run.stderr
    assert "1 entries could not be read" in run.stderr


def test_missing_separator_line_still_splits_papers() -> None:
    text = page([PAPER_A, PAPER_B, PAPER_C]).replace("  • 3 authors\n·\n", "  • 3 authors\n")
    papers, _ = parse(text)
    assert [p["title"] for p in papers] == [PAPER_A[0], PAPER_B[0], PAPER_C[0]]
    assert papers[0]["published"] == "2025-03-21"


def test_real_page_copied_on_another_machine_reads_the_same(seed: Path, tmp_path: Path) -> None:
    """CRLF, non-breaking spaces, trailing spaces and a missing header change no record."""
    original = cli("parse", str(seed), "--keep-duplicates").records()
    text = seed.read_text(encoding="utf-8")
    body = text[text.index("SMERF"):]  # no header
    messy = body.replace(" ", "\u00a0", 50).replace("\n", "  \r\n")
    copy = tmp_path / "copy.txt"
    copy.write_bytes(messy.encode("utf-8"))
    again = cli("parse", str(copy), "--keep-duplicates").records()
    strip = [{k: v for k, v in r.items() if k != "extra"} for r in original]
    assert [{k: v for k, v in r.items() if k != "extra"} for r in again] == strip
    assert len(again) == 58
