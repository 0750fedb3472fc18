"""The title key (papertriage.tokens.normalised_title) keeps its own rule: ids are made from it."""

from __future__ import annotations

from papertriage.models import paper_id
from papertriage.tokens import normalised_title, words


def test_the_title_key_keeps_underscores_eszett_and_soft_hyphens_as_they_were() -> None:
    # ids of papers without arXiv id or DOI are hashes of the key, kept in ledgers and labels files
    assert normalised_title("class_sz I: Overview") == "class_sz i overview"
    assert words("class_sz I: Overview") == ["class", "sz", "i", "overview"]
    assert normalised_title("Kindgemäßes Lernen") == "kindgemaßes lernen"
    assert normalised_title("Lo\u00adRA adapters") == "lo ra adapters"
    assert normalised_title("Naïve  BAYES, again!") == "naive bayes again"
    assert paper_id(title="Kindgemäßes Fremdsprachenlernen. Zur Theorie und Praxis des Frühbeginns Englisch.") \
        == "title:c577a01b7ef3c4cf"
