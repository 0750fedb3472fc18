"""What a word is (papertriage.tokens): the words matching, highlighting and the shown matches use,
and the title key, which keeps its own rule because ids are made from it."""

from __future__ import annotations

from papertriage.models import Paper, Profile, Term, make_paper, paper_id
from papertriage.scoring import Scorer
from papertriage.tokens import normalised_title, word_spans, words


def shown(term: str, title: str) -> list[str]:
    profile = Profile("p", (Term(term),), fields=(("title", 1.0),))
    paper: Paper = make_paper(title=title, source="test")
    scorer = Scorer([profile])
    scored = scorer.score(paper)
    marked = [title[a:b] for a, b, _ in scorer.highlights(scored).get("title", [])]
    return [m.text for m in scored.matches] + marked


def test_a_match_shows_its_own_words_after_a_sign_that_folds_into_a_word() -> None:
    # ℃ folds into a word of its own ("c"): the words after it are placed where they stand
    assert words("At 25℃, Quantization") == ["at", "25", "c", "quantization"]
    assert shown("quantization", "At 25℃, Quantization of heat") == ["Quantization", "Quantization"]
    assert shown("heat", "At 25℃ heat, quantization") == ["heat", "heat"]


def test_a_decomposed_accent_stays_with_its_word() -> None:
    text = "cafe\u0301 au lait"  # é written as e and a combining acute
    assert words(text) == ["cafe", "au", "lait"]
    assert word_spans(text)[0] == (0, 5)
    assert shown("cafe", text) == ["cafe\u0301", "cafe\u0301"]


def test_the_title_key_keeps_underscores_eszett_and_soft_hyphens_as_they_were() -> None:
    # ids of papers without arXiv id or DOI are hashes of the key, kept in ledgers and labels files
    assert normalised_title("class_sz I: Overview") == "class_sz i overview"
    assert words("class_sz I: Overview") == ["class", "sz", "i", "overview"]
    assert normalised_title("Kindgemäßes Lernen") == "kindgemaßes lernen"
    assert normalised_title("Lo\u00adRA adapters") == "lo ra adapters"
    assert normalised_title("Naïve  BAYES, again!") == "naive bayes again"
    assert paper_id(title="Kindgemäßes Fremdsprachenlernen. Zur Theorie und Praxis des Frühbeginns Englisch.") \
        == "title:c577a01b7ef3c4cf"
