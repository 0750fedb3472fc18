"""Profile edits proposed from decisions: the words and phrases that most separate kept from
skipped papers and are not terms yet, the words only skipped papers hold, and the profile's terms
whose matches were mostly skipped."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Sequence

from papertriage.calibration import GENERIC
from papertriage.errors import InputError
from papertriage.learning import WordModel, fit_model, learnable, profile_scores
from papertriage.matching import stem, words
from papertriage.models import Paper, Profile
from papertriage.scoring import Scorer

MIN_KEPT = 2
"""A word or phrase is proposed as a term when at least this many kept papers hold it..."""
LIFT = 2.0
"""... and the share of kept papers among those holding it is at least LIFT times the share of kept
papers among all decided (so a word every abstract has is never proposed)."""
MIN_SKIPPED = 3
"""A word is proposed as an exclude when no kept paper holds it and so many skipped ones do that,
at the overall share of keeps, at least MIN_EXPECTED of them would have been kept."""
MIN_EXPECTED = 2.0
"""A term of the profile is reported as mostly skipped when it matched at least MIN_SKIPPED skipped
papers and the share of keeps among the papers it matched is below 1/LIFT of the overall share."""


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC)


@dataclass(frozen=True)
class Suggestion:
    text: str
    weight: float
    """What the word adds to a kept paper's score that holds it, per unit of term weight x field
    weight x saturation: the weight that, as a term (rarity 1), would add as much (on average)."""
    kept: int
    skipped: int


@dataclass(frozen=True)
class Suggestions:
    profile: str
    keeps: int
    skips: int
    terms: tuple[Suggestion, ...]
    phrases: tuple[Suggestion, ...]
    excludes: tuple[Suggestion, ...]
    skipped_terms: tuple[Suggestion, ...]
    """The profile's own terms whose matches were mostly skipped."""


def _holding(papers: Sequence[tuple[Paper, bool]]) -> list[tuple[set[str], set[str], bool]]:
    """Per decided paper: the stems of its words, its adjacent word pairs (as stems), kept or not."""
    out = []
    for paper, kept in papers:
        stems: set[str] = set()
        pairs: set[str] = set()
        for text in (paper.title, paper.abstract):
            ws = words(text)
            stems.update(stem(w) for w in ws)
            pairs.update(f"{stem(a)} {stem(b)}" for a, b in pairwise(ws) if learnable(a) and learnable(b))
        out.append((stems, pairs, kept))
    return out


def suggest(profile: Profile, decided: Sequence[tuple[Paper, bool]], top: int = 10) -> Suggestions:
    keeps = sum(1 for _, kept in decided if kept)
    skips = len(decided) - keeps
    if not keeps or not skips:
        raise InputError(f"profile {profile.name!r} has {keeps} keeps and {skips} skips; suggestions need at least one "
                         "of each (papertriage mark ID --keep / --skip, or decisions import)")
    prior, _ = profile_scores(profile, [p for p, _ in decided])
    model = fit_model(profile, decided, prior)
    assert model is not None  # both kinds of decision are there
    weights = term_weights(model, [p for p, kept in decided if kept])
    own = {stem(w) for t in profile.terms for text in (t.term, *t.aliases) for w in words(text)}
    held = _holding(decided)

    def counts(key: str, phrase: bool) -> tuple[int, int]:
        hits = [kept for stems, pairs, kept in held if key in (pairs if phrase else stems)]
        return sum(hits), len(hits) - sum(hits)

    base = keeps / len(decided)
    terms, excludes = [], []
    for word, weight in sorted(weights.items(), key=lambda ww: (-abs(ww[1]), ww[0])):
        st = stem(word)
        if st in own or st in GENERIC_STEMS:
            continue
        kept, skipped = counts(st, False)
        if weight > 0 and kept >= MIN_KEPT and kept / (kept + skipped) >= LIFT * base:
            terms.append(Suggestion(word, weight, kept, skipped))
        elif weight < 0 and kept == 0 and skipped >= MIN_SKIPPED and skipped * base >= MIN_EXPECTED:
            excludes.append(Suggestion(word, weight, kept, skipped))
    weight_of = {stem(word): weight for word, weight in weights.items()}
    phrases = []
    for key in sorted({pair for _, pairs, kept in held if kept for pair in pairs}):
        a, b = key.split(" ")
        if a in own and b in own or a in GENERIC_STEMS or b in GENERIC_STEMS:
            continue
        kept, skipped = counts(key, True)
        if kept >= MIN_KEPT and kept / (kept + skipped) >= max(0.75, LIFT * base):
            spelled = _spelling(key, decided)
            phrases.append(Suggestion(spelled, round(weight_of.get(a, 0) + weight_of.get(b, 0), 4), kept, skipped))
    phrases.sort(key=lambda s: (-s.kept, s.skipped, s.text))
    return Suggestions(profile.name, keeps, skips, tuple(terms[:top]), tuple(phrases[:top]), tuple(excludes[:top]),
                       _skipped_terms(profile, decided, base))


def term_weights(model: WordModel, kept: Sequence[Paper]) -> dict[str, float]:
    """Per word of the model: its weight x idf / the length of the median kept paper's tf-idf vector."""
    lengths = []
    for paper in kept:
        raw = [c * model.idf[i] for i, c in model.vocabulary.counts(paper, model.fields).items()]
        lengths.append(math.sqrt(sum(v * v for v in raw)) or 1.0)
    typical = sorted(lengths)[len(lengths) // 2] if lengths else 1.0
    return {w: round(weight * idf / typical, 4) for w, weight, idf in zip(model.words, model.weights, model.idf,
                                                                            strict=True) if weight}


def _spelling(pair: str, decided: Sequence[tuple[Paper, bool]]) -> str:
    """The pair of stems as first written in a kept paper."""
    for paper, kept in decided:
        for text in (paper.title, paper.abstract) if kept else ():
            for a, b in pairwise(words(text)):
                if f"{stem(a)} {stem(b)}" == pair:
                    return f"{a} {b}"
    return pair  # pragma: no cover - every pair comes from a kept paper


def _skipped_terms(profile: Profile, decided: Sequence[tuple[Paper, bool]], base: float) -> tuple[Suggestion, ...]:
    scorer = Scorer([profile])
    matched: dict[str, list[bool]] = {}
    for paper, kept in decided:
        scored = scorer.score_for(paper, profile.name)
        for term in {m.term for m in scored.matches if m.share == 1.0 and not m.learned}:
            matched.setdefault(term, []).append(kept)
    out = []
    for t in profile.terms:
        outcomes = matched.get(t.term, [])
        skipped = len(outcomes) - sum(outcomes)
        if skipped >= MIN_SKIPPED and sum(outcomes) / len(outcomes) < base / LIFT:
            out.append(Suggestion(t.term, t.weight, sum(outcomes), skipped))
    return tuple(out)
