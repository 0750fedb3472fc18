"""The README's matching and scoring rules, one test per rule, each with the numbers written out:
every test here fails on a hand-made mutant of the rule it names (the README's values changed,
a boundary moved, a clause dropped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz.distance import Indel

from papertriage.calibration import calibrate
from papertriage.matching import stem
from papertriage.models import Paper, Profile, Term, make_paper
from papertriage.scoring import Scorer, rank
from papertriage.triage import rank_listings


def paper(title: str, abstract: str = "", **kw: object) -> Paper:
    return make_paper(title=title, abstract=abstract, source="test", **kw)  # type: ignore[arg-type]


def found(term: str, text: str, *, exact: bool = False, threshold: float = 88) -> list[tuple[str, float]]:
    """(words matched, share) of each match of the term in a title."""
    profile = Profile("p", (Term(term, exact=exact),), threshold=threshold, fields=(("title", 1.0),))
    return [(m.text, m.share) for m in Scorer([profile]).score(paper(text)).matches]


# Matching rules


def test_whole_words_only_even_for_long_terms() -> None:
    assert found("arthritis", "osteoarthritis in knees") == []
    assert found("arthritis", "arthritis in knees") == [("arthritis", 1.0)]


def test_a_multi_word_term_matches_a_run_of_one_word_more() -> None:
    assert found("mixture of experts", "a mixture of the experts") == [("mixture of the experts", 1.0)]


def test_a_fuzzy_run_begins_with_the_first_letter_of_the_first_word() -> None:
    # "traph neural network" is 97% like the term, but a fuzzy run must begin with its g
    assert found("graph neural network", "a traph neural network") == [("neural", 0.1667), ("network", 0.1667)]
    assert found("graph neural network", "a graf neural network") == [("graf neural network", 1.0)]


def test_a_fuzzy_run_ends_with_the_first_letter_of_the_last_word() -> None:
    assert found("speculative decoding", "speculative recoding") == [("speculative", 0.25)]
    assert found("speculative decoding", "speculativ decodings") == [("speculativ decodings", 1.0)]


def test_three_word_phrases_match_their_closed_form_too() -> None:
    assert found("A/B test", "abtests in production") == [("abtests", 1.0)]  # 6 letters closed
    assert found("in context learning", "incontextlearning") == [("incontextlearning", 1.0)]
    # four words do not
    assert found("retrieval augmented text generation", "retrievalaugmentedtextgeneration") == []


def test_words_found_apart_never_count_alone_when_stopwords_digits_or_short() -> None:
    assert found("state of the art", "the art of war") == [("art", 0.25)]  # state and art share 0.5
    assert found("llama 2024 models", "2024 llama") == [("llama", 0.25)]  # llama and models share 0.5
    assert found("ai safety", "ai and more ai") == []


def test_a_ten_letter_ation_noun_shares_its_verbs_stem() -> None:
    assert found("imputation", "data imputed by chains") == [("imputed", 1.0)]


def test_words_of_three_letters_or_fewer_are_never_stemmed() -> None:
    assert [stem(w) for w in ("bus", "gas", "yes", "ties", "uses")] == ["bus", "gas", "yes", "tie", "use"]


def test_a_four_character_term_is_exact() -> None:
    # "tuned" is 88.9% like "tune": a fuzzy term would match it
    assert found("tune", "a tuned model") == []
    assert found("tune", "we tune") == [("tune", 1.0)]
    assert found("tuner", "a tuners model")  # five characters: fuzzy


def test_an_exact_term_takes_a_plural_s() -> None:
    assert found("MoE", "MoEs") == [("MoEs", 1.0)]
    assert found("transformer", "transformers", exact=True) == [("transformers", 1.0)]


def test_a_similarity_equal_to_the_threshold_matches() -> None:
    at = 100 * Indel.normalized_similarity("transformer", "transfomer")
    assert found("transformer", "transfomer", threshold=at) == [("transfomer", 1.0)]
    assert found("transformer", "transfomer", threshold=at + 0.01) == []


def test_a_fuzzy_match_starts_with_the_same_letter() -> None:
    assert found("training", "raining") == []
    assert found("training", "trainig") == [("trainig", 1.0)]


# Scoring rules


def test_one_contribution_by_the_formula_with_the_readme_numbers() -> None:
    """weight x rarity x field weight x similarity/100 x saturation(count) x share."""
    prof = Profile("p", (Term("pruning", 2, rarity=1.5),), fields=(("title", 3.0), ("abstract", 1.0)))
    s = Scorer([prof]).score(paper("x", "pruning pruning pruning"))
    [m] = s.matches
    # saturation(3) = 3 x 2.2 / 4.2
    assert (m.count, m.contribution, s.score) == (3, round(2 * 1.5 * 1 * 1.0 * (3 * 2.2 / 4.2), 4), 4.7143)
    assert Scorer([prof]).score(paper("pruning")).score == 9.0  # 2 x 1.5 x 3 x 1 x 1


def test_the_similarity_enters_the_score_rounded_to_a_tenth() -> None:
    # quantizaton is 95.652...% like quantization: the score uses 95.7
    s = Scorer([Profile("p", (Term("quantization"),), fields=(("title", 1.0),))]).score(paper("quantizaton"))
    assert (s.matches[0].similarity, s.score) == (95.7, 0.957)


def test_each_contribution_is_rounded_to_four_decimals() -> None:
    s = Scorer([Profile("p", (Term("chronic pain management"),), fields=(("title", 1.0),))]).score(paper("chronic"))
    assert s.score == 0.1667  # 0.5 / 3


def test_partial_credit_is_half_the_term_shared_by_its_content_words() -> None:
    s = Scorer([Profile("p", (Term("chronic pain management", 3),), fields=(("title", 1.0),))]).score(
        paper("pain and chronic"))
    assert [(m.text, m.share, m.contribution) for m in s.matches] == [("chronic", 0.1667, 0.5001), ("pain", 0.1667, 0.5001)]


def test_aliases_count_once_by_the_best_of_them() -> None:
    scorer = Scorer([Profile("p", (Term("mixture of experts", aliases=("MoE",)),), fields=(("title", 1.0),))])
    [m] = scorer.score(paper("MoE: a mixture of experts")).matches
    # one match, counted twice (saturation(2) = 4.4 / 3.2), not two contributions
    assert (m.count, m.contribution) == (2, 1.375)


def test_min_score_is_reached_at_equality() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),), fields=(("title", 1.0),), min_score=1.0)])
    assert scorer.score(paper("pruning")).score == 1.0


def test_exclude_and_require() -> None:
    prof = Profile("p", (Term("pruning"),), exclude=("federated",), require=("vision", "language"))
    scorer = Scorer([prof])
    assert scorer.score(paper("pruning for vision")).score > 0
    assert scorer.score(paper("pruning for federated vision")).score == 0
    assert scorer.score(paper("pruning for speech")).score == 0


def test_the_first_profile_wins_a_tie() -> None:
    a, b = Profile("a", (Term("pruning"),)), Profile("b", (Term("pruning"),))
    assert Scorer([a, b]).score(paper("pruning")).profile == "a"
    assert Scorer([b, a]).score(paper("pruning")).profile == "b"


@pytest.mark.parametrize("first,second", [
    ({"upvotes": 2}, {"upvotes": 1}),
    ({"published": "2025-01-02"}, {"published": "2025-01-01"}),
    ({"title": "pruning a"}, {"title": "pruning b"}),
    ({"arxiv_id": "2401.00001"}, {"arxiv_id": "2401.00002"}),
])
def test_equal_scores_by_upvotes_then_newest_then_title_then_id(first: dict[str, object], second: dict[str, object]) -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),))])
    base: dict[str, object] = {"title": "pruning", "upvotes": 1, "published": "2025-01-01"}
    one, two = paper(**{**base, **first}), paper(**{**base, **second})  # type: ignore[arg-type]
    for order in ([one, two], [two, one]):
        assert [s.paper for s in rank(scorer.score(p) for p in order)] == [one, two]


# Calibration rules


def sample(n: int, topic: int) -> list[Paper]:
    """n papers, `topic` of them about pruning (with the words sparsity and latency)."""
    return [paper(f"Pruning study {i}", f"We prune with sparsity and latency {i}.") if i < topic
            else paper(f"Weather {i}", f"A radar forecast of rainfall {i}.") for i in range(n)]


def test_rarity_is_the_fourth_root_of_n_over_df_plus_one() -> None:
    [prof] = calibrate([Profile("p", (Term("pruning"),))], sample(100, 4))
    assert prof.terms[0].rarity == 2.115  # (100 / 5) ** 0.25


def test_calibration_reads_the_first_5000_papers() -> None:
    [prof] = calibrate([Profile("p", (Term("pruning"),))], sample(4999, 9) + [paper("pruning")] * 1000)
    assert prof.terms[0].rarity == round((5000 / 11) ** 0.25, 3)


def test_related_words_from_listings_of_200_papers_or_more() -> None:
    assert calibrate([Profile("p", (Term("pruning"),))], sample(199, 10))[0].learned == []
    # not prune: a word of the term
    assert calibrate([Profile("p", (Term("pruning"),))], sample(200, 10))[0].learned == ["latency", "sparsity"]


def test_related_words_recur_in_three_top_papers() -> None:
    prof = Profile("p", (Term("pruning"),))
    papers = sample(300, 10)
    few = [paper(f"Pruning {i}", "latency") for i in range(2)] + [paper(f"Pruning x{i}", "") for i in range(8)]
    assert "latency" not in calibrate([prof], few + papers[10:])[0].learned
    three = [paper(f"Pruning {i}", "latency") for i in range(3)] + [paper(f"Pruning x{i}", "") for i in range(7)]
    assert "latency" in calibrate([prof], three + papers[10:])[0].learned


def test_related_words_are_not_in_half_the_listing() -> None:
    half = [paper(f"Weather {i}", "latency") for i in range(140)]
    [prof] = calibrate([Profile("p", (Term("pruning"),))], sample(160, 10) + half)
    assert "latency" not in prof.learned and "sparsity" in prof.learned


def test_at_most_ten_related_words_weighing_three_tenths_of_a_top_paper() -> None:
    words = " ".join(f"word{c}" for c in "abcdefghijkl").replace("word", "topic")
    top = [paper(f"Pruning {i}", words) for i in range(10)]
    [prof] = calibrate([Profile("p", (Term("pruning"),), fields=(("title", 1.0),))], top + sample(300, 0))
    learned = [t for t in prof.terms if t.learned]
    assert len(learned) == 10
    top_score = prof.terms[0].rarity  # pruning once in each top title, field weight 1
    assert round(sum(t.weight for t in learned), 3) == round(0.3 * top_score, 3)
    assert all(t.exact and t.rarity == 1.0 for t in learned)


def test_the_top_is_at_least_ten_papers() -> None:
    # 300 papers: 2% is 6, so the top is 10; latency is only in the 7th-9th best
    strong = [paper(f"Pruning {i}", "pruning pruning") for i in range(6)]
    weak = [paper(f"Pruning {i}", "latency" if i < 3 else "") for i in range(4)]
    [prof] = calibrate([Profile("p", (Term("pruning"),))], strong + weak + sample(290, 0))
    assert "latency" in prof.learned


def test_min_score_equality_in_a_ranked_listing(tmp_path: Path) -> None:
    listing = tmp_path / "listing.csv"
    listing.write_text("title,abstract\npruning,\nquantization,\n", encoding="utf-8")
    prof = Profile("p", (Term("pruning"),), fields=(("title", 1.0),), min_score=1.0)
    result = rank_listings([str(listing)], [prof], plain=True)
    assert [(s.paper.title, s.score) for s in result.results] == [("pruning", 1.0)]


# Export rules


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "|", "%"])
def test_a_csv_cell_a_spreadsheet_would_run_gets_an_apostrophe(lead: str) -> None:
    from papertriage.exports.csv_export import safe_cell

    assert safe_cell(f"{lead}1+1") == f"'{lead}1+1"
    assert safe_cell(f"a{lead}1") == f"a{lead}1"
