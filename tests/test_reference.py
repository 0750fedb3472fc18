"""The fast matcher against the plain reference of tests/reference.py, on random and real texts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from papertriage.models import Paper, Profile, Term, make_paper
from papertriage.scoring import Scorer
from tests import reference
from tests.conftest import CORPORA, need

TERMS = [
    Term("quantization"), Term("mixture of experts", 2, aliases=("MoE", "sparse experts")), Term("KV cache", 1.5),
    Term("speculative decoding"), Term("pruning"), Term("LoRA", exact=True), Term("retrieval augmented generation",
    aliases=("RAG",)), Term("graph neural network"), Term("in-context learning"), Term("anti-inflammatory"),
    Term("partition"), Term("chronic pain management"), Term("naive bayes"), Term("token merging", exact=True),
    Term("distillation"), Term("large language model", aliases=("LLM",)), Term("state space models"),
]
PROFILES = [Profile("p", tuple(TERMS), exclude=("federated",), threshold=88),
            Profile("loose", (Term("transformer"), Term("attention heads"), Term("reasoning")), threshold=80)]
FILLER = ("a of the and for with we in on to model models data method learn learning training trained "
          "experts expert mixture mixtures decoding decode cache caching graph graphs paragraph network networks "
          "neural language large larger retrieval augmented generation generating some drag exploration state "
          "space spaces token tokens merge merging merged pain chronic management bayes naive context").split()


def variants(word: str, rng: random.Random) -> str:
    """A word as a paper may write it: inflected, misspelt, capitalised, accented, or as is."""
    choice = rng.randrange(10)
    if choice == 0:
        return word + "s"
    if choice == 1:
        return word + "ing"
    if choice == 2 and len(word) > 3:
        i = rng.randrange(1, len(word))
        return word[:i] + word[i + 1:]
    if choice == 3 and len(word) > 3:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if choice == 4:
        return word.upper()
    if choice == 5:
        return word.replace("e", "é", 1)
    if choice == 6:
        return word + "ed"
    return word


def random_text(rng: random.Random) -> str:
    vocabulary = FILLER + [w for t in TERMS for text in (t.term, *t.aliases) for w in reference.words(text)]
    out: list[str] = []
    for _ in range(rng.randrange(0, 30)):
        if rng.random() < 0.3:  # a term, whole or nearly, in one of the shapes a title writes it
            t = rng.choice(TERMS)
            ws = [variants(w, rng) for w in reference.words(rng.choice((t.term, *t.aliases)))]
            if len(ws) > 2 and rng.random() < 0.3:
                del ws[rng.randrange(len(ws))]
            out.append(rng.choice(["-", " ", "_", "/", ""]).join(ws) if rng.random() < 0.4 else " ".join(ws))
        else:
            out.append(variants(rng.choice(vocabulary), rng))
    return " ".join(out) + rng.choice(["", ".", " (2024)", ": a study"])


def assert_same_hits(scorer: Scorer, papers: list[Paper]) -> None:
    """Every pattern the scorer looks for, found by the fast matcher exactly as by the reference:
    same similarity and count in each field, and the same first best word for one-word patterns."""
    refs = [reference.Term.of(p.text, p.exact, p.threshold) for p in scorer.matcher.patterns]
    for positions in (True, False):
        hits_of = scorer.field_hits_many(papers, positions=positions)
        for paper, hits in zip(papers, hits_of, strict=True):
            for field in scorer.fields:
                tokens = reference.words(getattr(paper, field))
                expected = {}
                for i, ref in enumerate(refs):
                    found = reference.find(ref, tokens)
                    if found:
                        expected[i] = (round(found[0], 6), found[1], found[2] if len(ref.words) == 1 and positions else 0)
                got = {i: (round(h.similarity, 6), h.count, h.start if len(refs[i].words) == 1 and positions else 0)
                       for i, h in hits.get(field, {}).items()}
                assert got == expected, (getattr(paper, field), [scorer.matcher.patterns[i].text for i in
                                                                 set(got) ^ set(expected) or got])


@pytest.mark.parametrize("seed", range(8))
def test_fast_matcher_finds_what_the_reference_finds_in_random_texts(seed: int) -> None:
    rng = random.Random(seed)
    papers = [make_paper(title=random_text(rng), abstract=random_text(rng) + " " + random_text(rng), source="test")
              for _ in range(120)]
    assert_same_hits(Scorer(PROFILES), papers)


def real_papers(path: Path, limit: int) -> list[Paper]:
    from papertriage.sources import read_papers

    papers = []
    for paper in read_papers([str(path)]):
        papers.append(paper)
        if len(papers) == limit:
            break
    return papers


def test_fast_matcher_finds_what_the_reference_finds_in_real_texts() -> None:
    crawl = need(CORPORA / "jsonl-bulk" / "dw-dengwei-daily-arxiv" / "gz")
    papers = real_papers(sorted(crawl.glob("*.jsonl.gz"))[200], 250)
    papers += real_papers(need(CORPORA / "other" / "synergy" / "Cohen_2006_Triptans.csv"), 150)
    from papertriage.config import load_config

    repo = Path(__file__).parent.parent
    speed = load_config(repo / "benchmarks" / "profiles" / "speed.yaml")
    synergy = load_config(repo / "benchmarks" / "profiles" / "synergy.yaml")
    assert_same_hits(Scorer(PROFILES + speed + synergy[:3]), papers)
