"""Each matching rule of the README, positive and negative."""

from __future__ import annotations

import pytest

from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer


def found(term: str, text: str, *, exact: bool = False, threshold: float = 88, aliases: tuple[str, ...] = ()) -> list[str]:
    """The paper words the term matched in text ([] when none)."""
    profile = Profile("p", (Term(term, aliases=aliases, exact=exact),), threshold=threshold, fields=(("title", 1.0),))
    scored = Scorer([profile]).score(make_paper(title=text, source="test"))
    return [m.text for m in scored.matches]


@pytest.mark.parametrize("text", ["Mixture-of-Experts layers", "MIXTURE OF EXPERTS", "mixture_of_experts", "mixture/of/experts"])
def test_case_hyphens_slashes_underscores_do_not_matter(text: str) -> None:
    assert found("mixture of experts", text)


def test_accents_do_not_matter() -> None:
    assert found("naive bayes", "a naïve Bayes classifier") == ["naïve Bayes"]
    assert found("Schrödinger bridge", "schrodinger bridges") == ["schrodinger bridges"]


def test_whole_words_only_never_inside_a_word() -> None:
    assert found("graph", "paragraphs and photographs") == []
    assert found("attention", "inattentional blindness") == []


def test_multi_word_term_matches_a_run_with_small_edits() -> None:
    assert found("mixture of experts", "we train mixtures of expert models") == ["mixtures of expert"]
    assert found("mixture of experts", "a mixture experts layer") == ["mixture experts"]


def test_multi_word_term_needs_its_words_together() -> None:
    """Scattered words are not the term: they only earn partial credit (see test_scoring)."""
    profile = Profile("p", (Term("mixture of experts"),), fields=(("title", 1.0),))
    scored = Scorer([profile]).score(make_paper(title="a mixture of data from many domains, judged by experts", source="t"))
    assert [(m.text, m.share) for m in scored.matches] == [("mixture", 0.25), ("experts", 0.25)]


@pytest.mark.parametrize("variant", ["partition", "partitions", "partitioning", "partitioned", "Partitioning"])
def test_inflections_match(variant: str) -> None:
    assert found("partition", f"hierarchical {variant} of the space")


def test_derived_ation_nouns_match_their_verbs() -> None:
    assert found("quantization", "Quantized LLMs") == ["Quantized"]
    assert found("distillation", "we distilled the teacher") == ["distilled"]


@pytest.mark.parametrize("term,text", [("MoE", "some"), ("LoRA", "exploration"), ("RAG", "dragging"),
                                       ("RAG", "drag"), ("MoE", "homoeopathy")])
def test_short_terms_never_match_inside_words(term: str, text: str) -> None:
    assert found(term, text) == []


def test_short_terms_match_exactly_as_whole_words() -> None:
    assert found("MoE", "sparse MoE layers") == ["MoE"]
    assert found("LoRA", "LoRA adapters") == ["LoRA"]
    assert found("MoE", "two MoEs") == ["MoEs"]
    assert found("LoRA", "Lora-based tuning") == ["Lora"]


def test_short_terms_tolerate_no_typo() -> None:
    assert found("LoRA", "LoRa and LORAS") == ["LoRa"]  # case only
    assert found("LoRA", "LoRB adapters") == []
    assert found("BERT", "BART models") == []


def test_exact_true_turns_off_fuzziness_for_long_terms() -> None:
    assert found("transformer", "transfomer blocks") == ["transfomer"]
    assert found("transformer", "transfomer blocks", exact=True) == []
    assert found("transformer", "transformers", exact=True) == ["transformers"]


@pytest.mark.parametrize("text", ["Quantisation of weights", "quantizaton", "QUANTIZATION", "quantisation-aware"])
def test_typos_within_threshold_match(text: str) -> None:
    assert found("quantization", text)


def test_the_first_letter_rule_looks_at_the_first_letter_only() -> None:
    # matching.initial is the one home of the rule: a typo at the first letter never matches (in a
    # word or at either end of a run), one from the second letter on does when similar enough
    assert found("quantization", "qauntization") == ["qauntization"]  # 91.7% like the term
    assert found("quantization", "uqantization") == []
    assert found("mixture of experts", "a mxiture of experts layer") == ["mxiture of experts"]
    assert found("mixture of experts", "a nixture of experts layer") == ["experts"]


def test_typos_beyond_threshold_do_not_match() -> None:
    assert found("quantization", "quantification") == []
    assert found("training", "raining") == []  # fuzzy matches keep the first letter


def test_threshold_is_the_minimum_similarity() -> None:
    assert found("quantization", "quantizaton", threshold=95)
    assert found("quantization", "quantizaton", threshold=97) == []


def test_aliases_match_as_the_same_concept() -> None:
    assert found("mixture of experts", "sparse MoE", aliases=("MoE",)) == ["MoE"]


def test_hyphenated_phrases_also_match_their_closed_form() -> None:
    assert found("anti-inflammatory", "antiinflammatory drugs") == ["antiinflammatory"]
    assert found("non steroidal", "nonsteroidal agents") == ["nonsteroidal"]
    assert found("KV cache", "a compressed kvcache") == ["kvcache"]


def _compared_one_by_one(matcher, raw: bytes) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    """What each pattern makes of one word, by word_similarity alone (the rule the bulk learner keeps)."""
    from papertriage.matching import TRIGGER_THRESHOLD, initial, stem, word_similarity

    token = raw.decode()
    st = stem(token)
    found = []
    for i in matcher._exact_words.get(token, []) + matcher._exact_words.get(st, []):
        p = matcher.patterns[i]
        if len(p.words) > 1 or word_similarity(p.stems[0], p.words[0], token, st, True, p.threshold):
            found.append((i, 100.0))
    for i in matcher._by_initial.get(initial(st), ()):
        p = matcher.patterns[i]
        threshold = p.threshold if len(p.words) == 1 else min(p.threshold, TRIGGER_THRESHOLD)
        sim = word_similarity(p.stems[p.anchor], p.words[p.anchor], token, st, False, threshold)
        if sim:
            found.append((i, sim))
    return sorted(set(found))


def test_words_learned_in_bulk_match_as_compared_one_by_one() -> None:
    # 'blockade' is exactly 80% like the anchor 'blocker': the bulk prefilter must not lose such words
    profile = Profile("p", (Term("beta blocker", 2, ("beta-adrenergic blocker",)), Term("heart failure"),
                            Term("quantization"), Term("KV cache"), Term("mixture of experts")))
    text = ("blockade blockage blocker blockers blocking fail failed failing fair heart hearts failure quantizaton "
            "quantisation quantized caches cache kv mixtures mixture expert experts beta betas adrenergic")
    matcher = Scorer([profile]).matcher
    vocabulary = sorted({w.encode() for w in text.split()})
    matcher._learn(vocabulary)
    for raw in vocabulary:
        learned = sorted(matcher._singles.get(raw, []) + matcher._anchors.get(raw, []))
        assert learned == _compared_one_by_one(matcher, raw), raw
    assert matcher._anchors.get(b"blockade")
