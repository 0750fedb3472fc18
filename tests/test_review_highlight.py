"""What the review screen highlights: every occurrence of a profile's terms, by kind."""

from __future__ import annotations

from papertriage.matching import Matcher, word_spans, words
from papertriage.models import Profile, Term, make_paper
from papertriage.review.highlight import AGAINST, EXCLUDE, LEARNED, PART, TERM, Highlighter, Span, painted
from papertriage.scoring import Scorer

PROFILE = Profile(
    name="llm",
    terms=(
        Term("quantization", weight=2),
        Term("mixture of experts", weight=2, aliases=("MoE",)),
        Term("KV cache"),
        Term("related", learned=True),
    ),
    exclude=("federated",),
)


def marked(text: str, abstract: str = "", taught: tuple[tuple[str, float], ...] = ()) -> dict[str, list[tuple[str, str]]]:
    """field -> (the text of each span, its kind), for a paper with this title and abstract."""
    paper = make_paper(title=text, abstract=abstract, source="test")
    spans = Highlighter(Scorer([PROFILE]), "llm").spans(paper, taught)
    return {f: [(getattr(paper, f)[s.start:s.end], s.kind) for s in found] for f, found in spans.items()}


def test_every_occurrence_of_a_term_is_marked_with_inflections_and_aliases() -> None:
    found = marked("x", "Quantized models. We study quantization; MoE layers and quantisation of MoEs.")["abstract"]
    assert found == [("Quantized", TERM), ("quantization", TERM), ("MoE", TERM), ("quantisation", TERM), ("MoEs", TERM)]


def test_a_multi_word_term_is_marked_as_written_with_its_hyphens() -> None:
    assert marked("Sparse Mixture-of-Experts at scale")["title"] == [("Mixture-of-Experts", TERM)]


def test_exclude_terms_have_their_own_kind() -> None:
    assert marked("Federated quantization")["title"] == [("Federated", EXCLUDE), ("quantization", TERM)]


def test_words_of_a_term_are_parts_only_where_the_whole_term_is_not() -> None:
    # `cache` alone earns partial credit in the title; in the abstract the whole term is there
    found = marked("A cache for keys", "The KV cache grows; the cache is big.")
    assert found["title"] == [("cache", PART)]
    assert ("KV cache", TERM) in found["abstract"] and ("cache", PART) not in found["abstract"]


def test_related_and_taught_words_are_learned_and_against_by_the_sign_of_their_weight() -> None:
    found = marked("Related work on routers and benchmarks", taught=(("router", 0.8), ("benchmark", -0.3)))["title"]
    assert found == [("Related", LEARNED), ("routers", LEARNED), ("benchmarks", AGAINST)]


def test_a_word_never_matches_inside_another() -> None:
    assert marked("Somewhere MoEbius antiquantization")["title"] == []


def test_painted_keeps_spans_in_place_around_removed_escapes_and_takes_no_markup() -> None:
    text = "[bold]x\x1b[31m quantization"
    start = text.index("quantization")
    out = painted(text, [Span(start, start + 12, TERM)], {TERM: "bold"})
    assert out.plain == "[bold]x quantization"
    assert [(out.plain[s.start:s.end], str(s.style)) for s in out.spans] == [("quantization", "bold")]


def test_where_spans_overlap_the_higher_kind_is_shown() -> None:
    out = painted("abcdef", [Span(0, 4, PART), Span(2, 6, EXCLUDE)], {PART: "underline", EXCLUDE: "strike"})
    assert [(out.plain[s.start:s.end], str(s.style)) for s in out.spans] == [("ab", "underline"), ("cdef", "strike")]


def test_word_spans_place_every_token_even_where_folding_splits_a_word() -> None:
    text = "Naïve ﬁne-tuning ½ done"
    spans = word_spans(text)
    assert len(spans) == len(words(text))
    assert Matcher.matched_text(text, 0, 3) == "Naïve ﬁne-tuning"


def test_truncated_terms_mark_the_words_they_match() -> None:
    profile = Profile(name="m", terms=(Term("migrain*"), Term("*triptan")))
    paper = make_paper(title="Migraineurs on sumatriptan, not on migration", source="test")
    spans = Highlighter(Scorer([profile]), "m").spans(paper)["title"]
    assert [(paper.title[s.start:s.end], s.kind) for s in spans] == [("Migraineurs", TERM), ("sumatriptan", TERM)]
