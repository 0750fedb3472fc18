"""Format detection: what each format recognises as its own, and what it does not."""

from __future__ import annotations

from papertriage.errors import InputError
from papertriage.sources import Listing, detect_source

from .conftest import DATA


def detected(listing: Listing) -> str:
    try:
        return detect_source(listing).name
    except InputError:
        return "(none)"


def test_a_text_that_names_the_tags_of_markup_formats_is_none_of_them() -> None:
    """`papertriage formats` names <PubmedArticleSet>, data-target="DailyPapers", list-title...: no markup."""
    text = (DATA / "golden" / "cli" / "formats.txt").read_text(encoding="utf-8")
    assert "<PubmedArticleSet>" in text and "DailyPapers" in text and "list-title" in text
    assert detected(Listing("formats.txt", text)) == "(none)"
