"""The real listings in ../shared/corpora: every file gives the independently counted number of papers.

tests/data/corpus_counts.tsv was counted without papertriage (per format: grep for record markers,
the csv module for rows with a title, json for list lengths), then checked by hand where they differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from papertriage.errors import InputError
from papertriage.sources import read_papers
from papertriage.triage import parse_listings

from .conftest import CORPORA, DATA

TABLE = [line.split("\t") for line in (DATA / "corpus_counts.tsv").read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")]


@pytest.mark.parametrize("relpath,expected", TABLE, ids=[row[0] for row in TABLE])
def test_record_count(corpora: Path, relpath: str, expected: str) -> None:
    path = corpora / relpath
    if expected.startswith("error:"):
        with pytest.raises(InputError) as err:
            list(read_papers([str(path)]))
        assert expected[len("error:"):].strip() in str(err.value)
        return
    papers = list(read_papers([str(path)]))
    assert len(papers) == int(expected)
    assert all(p.title for p in papers)


def test_whole_arxiv_crawl_deduplicates_to_unique_ids(corpora: Path) -> None:
    stats: dict[str, int] = {}
    papers = parse_listings([str(corpora / "jsonl-bulk" / "dw-dengwei-daily-arxiv" / "gz")], stats=stats)
    ids = [p.id for p in papers]
    assert stats["papers"] == 120405
    assert len(ids) == len(set(ids)) == 74728


def test_seed_listing_is_in_place() -> None:
    if not CORPORA.exists():
        pytest.skip("../shared/corpora is not here")
    assert (CORPORA / "README.md").exists()
