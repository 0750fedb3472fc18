"""Property-based tests: no input makes a parser or the matcher fail with anything but our own error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papertriage.errors import PapertriageError
from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer
from papertriage.sources import SOURCES, Listing, decode
from papertriage.sources.base import ParseContext

FIXTURES = sorted((Path(__file__).parent / "data" / "formats").iterdir())
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_all_ways(text: str) -> None:
    """Every source's detect and parse on the text: only PapertriageError may come out."""
    for source in SOURCES:
        source.detect(text[:65536])
        try:
            for _ in source.parse(Listing.of("fuzz", text), ParseContext("fuzz")):
                pass
        except PapertriageError:
            pass


@FAST
@given(st.text(max_size=3000))
def test_random_text_never_crashes_a_parser(text: str) -> None:
    parse_all_ways(text)


@FAST
@given(st.sampled_from(FIXTURES), st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=8), st.integers(0, 2)),
                                          min_size=1, max_size=12))
def test_mutated_real_inputs_never_crash(fixture: Path, edits: list[tuple[float, bytes, int]]) -> None:
    data = bytearray(fixture.read_bytes())
    for where, chunk, kind in edits:
        at = int(where * len(data))
        if kind == 0:
            data[at:at] = chunk
        elif kind == 1:
            del data[at:at + len(chunk) + 1]
        else:
            data[at:at + len(chunk)] = chunk
    try:
        text = decode(bytes(data), fixture.name, lambda m: None)
    except PapertriageError:
        return
    parse_all_ways(text)


noise_line = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.;:!?0123456789", max_size=80)


def titles(parsed: list[object]) -> list[str]:
    return [getattr(p, "title", "") for p in parsed]


GOOD_ENTRIES = {
    "json": json.dumps({"id": "2501.00001", "title": "Gradient Noise Shapes Sparse Expert Routing", "summary": "s"}),
    "ris": "TY  - JOUR\nTI  - Gradient Noise Shapes Sparse Expert Routing\nAU  - Okafor, A\nER  - ",
    "bibtex": "@article{k, title = {Gradient Noise Shapes Sparse Expert Routing}, year = 2025}",
}


@pytest.mark.parametrize("source_name", sorted(GOOD_ENTRIES))
@FAST
@given(before=st.lists(noise_line, max_size=10), after=st.lists(noise_line, max_size=10))
def test_a_well_formed_entry_in_noise_is_found(source_name: str, before: list[str], after: list[str]) -> None:
    source = next(s for s in SOURCES if s.name == source_name)
    text = "\n".join([*before, GOOD_ENTRIES[source_name], *after])
    papers = list(source.parse(Listing.of("fuzz", text), ParseContext("fuzz")))
    assert "Gradient Noise Shapes Sparse Expert Routing" in titles(papers)


@FAST
@given(st.lists(noise_line, max_size=10), st.lists(noise_line, max_size=10))
def test_a_csv_row_among_noise_rows_is_found(before: list[str], after: list[str]) -> None:
    source = next(s for s in SOURCES if s.name == "csv")
    rows = ["title,abstract", *[f",{n}" for n in before], "Gradient Noise Shapes Sparse Expert Routing,abs",
            *[f",{n}" for n in after]]
    papers = list(source.parse(Listing.of("f", "\n".join(rows)), ParseContext("f")))
    assert "Gradient Noise Shapes Sparse Expert Routing" in titles(papers)


words_strategy = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü-_/ ", min_size=0, max_size=60)


@FAST
@given(words_strategy, st.text(max_size=400))
def test_matching_never_crashes(term: str, text: str) -> None:
    if not term.strip(" -_/"):
        return
    scorer = Scorer([Profile("p", (Term(term),))])
    scorer.score(make_paper(title=text, abstract=text, source="fuzz"))


@FAST
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=12),
       st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9), max_size=20),
       st.integers(0, 20))
def test_a_term_written_out_as_a_whole_word_is_always_found(term: str, others: list[str], at: int) -> None:
    text_words = list(others)
    text_words.insert(min(at, len(text_words)), term)
    scorer = Scorer([Profile("p", (Term(term),), fields=(("title", 1.0),))])
    scored = scorer.score(make_paper(title=" ".join(text_words), source="fuzz"))
    assert scored.matches and scored.matches[0].similarity == 100.0


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_each_fixture_parses_under_every_source_without_crashing(fixture: Path) -> None:
    parse_all_ways(decode(fixture.read_bytes(), fixture.name, lambda m: None))


@FAST
@given(st.text(alphabet=" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0ab\x00", max_size=30))
def test_squash_is_the_plain_whitespace_join(text: str) -> None:
    from papertriage.models import squash

    assert squash(text) == " ".join(text.split())


@FAST
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=80)), max_size=6))
def test_papers_scored_together_score_as_alone(fields: list[tuple[str, str]]) -> None:
    profile = Profile("p", (Term("large language model"), Term("quantization"), Term("MoE"), Term("in-context learning")))
    papers = [make_paper(title=t or "x", abstract=a, source="fuzz") for t, a in fields]
    scorer = Scorer([profile])
    alone = [Scorer([profile]).score(p, detail=False).score for p in papers]
    assert [s.score for s in scorer.score_many(papers)] == alone


VOCABULARY = "pruning sparse sparsity sparsities latency model models weather radar the of and we café naïve x2 3d".split()


@FAST
@given(st.lists(st.tuples(st.lists(st.sampled_from(VOCABULARY), max_size=6), st.lists(st.sampled_from(VOCABULARY),
                                                                                       max_size=20)),
                min_size=1, max_size=40),
       st.sampled_from(["pruning", "sparse model", "the", "x2"]))
def test_calibration_of_any_listing_is_deterministic_and_never_learns_the_profile(
        rows: list[tuple[list[str], list[str]]], term: str) -> None:
    from papertriage import calibration
    from papertriage.matching import stem, words

    papers = [make_paper(title=" ".join(t) or "untitled", abstract=" ".join(a), source="fuzz") for t, a in rows]
    profile = Profile("p", (Term(term),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibration, "LEARN_FROM", 1)  # learn even from these small listings
        first = calibration.calibrate([profile], papers)
        assert first == calibration.calibrate([profile], papers)
    [prof] = first
    own = {stem(w) for w in words(term)}
    for t in prof.terms:
        assert t.rarity > 0 and t.weight > 0
        if t.learned:
            assert stem(t.term) not in own and t.term not in calibration.COMMON and t.term.isalpha()
    assert Scorer([prof]).score(papers[0]).score >= 0


_NEAR = ["quantization", "quantisation", "quantized", "blocker", "blockade", "blockers", "beta", "betas", "learning",
         "learned", "leaning", "cache", "caches", "cached", "expert", "experts", "expertise", "mixture", "mixtures"]


@FAST
@given(st.lists(st.one_of(st.sampled_from(_NEAR), st.text(alphabet="abcdeiklnopqrstuxz", min_size=1, max_size=14),
                          st.builds(lambda w, k, c: w[:k] + c + w[k + 1:], st.sampled_from(_NEAR),
                                    st.integers(0, 8), st.sampled_from("aeiostxz"))),
                max_size=40))
def test_words_learned_in_bulk_match_as_compared_one_by_one(words: list[str]) -> None:
    # the bulk learner's rapidfuzz prefilter must never lose a word that word_similarity accepts
    from .test_matching import _compared_one_by_one

    profile = Profile("p", (Term("beta blocker", 2), Term("quantization"), Term("KV cache"), Term("mixture of experts"),
                            Term("in-context learning"), Term("LoRA")), threshold=80)
    matcher = Scorer([profile]).matcher
    raws = sorted({w.encode() for w in words})
    matcher._learn(raws)
    for raw in raws:
        assert sorted(matcher._singles.get(raw, []) + matcher._anchors.get(raw, [])) == _compared_one_by_one(matcher, raw)


_TRICKY = "aZ9_ \x00\t-'İıßæøÆéÉü\u0301\u0308\u0307\u0f39ΣσςΔ×–’µμ²½Ⅻ①ﬁ〇\u2028\xa0\ufffd中文"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(blacklist_categories=())), st.text(alphabet=_TRICKY)))
def test_words_by_bytes_passes_are_the_words_of_the_folded_text(text: str) -> None:
    # words() and the scan's tokens fold by C-speed passes (tokens._word_bytes); the reference
    # is the regex over fold(), which word_spans uses
    from papertriage.tokens import WORD, fold, tokenise, words

    expected = WORD.findall(fold(text))
    assert words(text) == expected
    assert tokenise([text, "x"]) == [w.encode() for w in expected] + [b"\x00", b"x", b"\x00"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(blacklist_categories=())), st.text(alphabet=_TRICKY)))
def test_every_word_is_placed_on_the_characters_it_was_folded_from(text: str) -> None:
    # highlights and the shown matches place words by word_spans: one span per word of words(),
    # in order, each over characters whose words hold that word
    from papertriage.tokens import word_spans, words

    found, spans = words(text), word_spans(text)
    assert len(spans) == len(found)
    assert spans == sorted(spans)
    assert all(word in words(text[a:b]) for word, (a, b) in zip(found, spans, strict=True))
