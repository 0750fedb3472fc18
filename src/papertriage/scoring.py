"""From matches to scores: one formula, written in the README, reproducible from each match."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Iterable, Iterator

from papertriage.matching import FieldHit, Matcher, Pattern, compile_pattern
from papertriage.models import Match, Paper, Profile, Scored

SATURATION = 1.2
"""k in count*(k+1)/(count+k): a second mention adds 37%, many mentions at most 120%."""


def saturate(count: int) -> float:
    return count * (SATURATION + 1) / (count + SATURATION)


@dataclass(frozen=True)
class _Concept:
    term: str
    weight: float
    patterns: tuple[int, ...]


@dataclass(frozen=True)
class _CompiledProfile:
    profile: Profile
    concepts: tuple[_Concept, ...]
    exclude: tuple[int, ...]
    require: tuple[int, ...]


class Scorer:
    """Scores papers against profiles; all profiles share one matcher and its word cache."""

    def __init__(self, profiles: list[Profile]) -> None:
        self.profiles = profiles
        index: dict[Pattern, int] = {}
        patterns: list[Pattern] = []

        def add(text: str, exact: bool, threshold: float) -> int:
            p = compile_pattern(text, exact=exact, threshold=threshold)
            if p not in index:
                index[p] = len(patterns)
                patterns.append(p)
            return index[p]

        compiled = []
        for prof in profiles:
            concepts = tuple(
                _Concept(t.term, t.weight, tuple(add(x, t.exact, prof.threshold) for x in (t.term, *t.aliases)))
                for t in prof.terms
            )
            compiled.append(_CompiledProfile(
                prof,
                concepts,
                tuple(add(x, False, prof.threshold) for x in prof.exclude),
                tuple(add(x, False, prof.threshold) for x in prof.require),
            ))
        self._compiled = compiled
        self.matcher = Matcher(patterns)
        self.fields = sorted({f for prof in profiles for f, _ in prof.fields})

    def field_hits(self, paper: Paper) -> dict[str, dict[int, FieldHit]]:
        out = {}
        for name in self.fields:
            text = getattr(paper, name, None)
            if isinstance(text, str) and text:
                out[name] = self.matcher.find(text)
        return out

    def score_profile(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]]) -> tuple[float, tuple[Match, ...]] | None:
        """The paper's score for one profile and its matches; None when an exclude/require rule drops it."""
        found = {i for field_hits in hits.values() for i in field_hits}
        if any(i in found for i in cp.exclude):
            return None
        if cp.require and not any(i in found for i in cp.require):
            return None
        matches: list[Match] = []
        for concept in cp.concepts:
            for field_name, field_weight in cp.profile.fields:
                field_hits = hits.get(field_name)
                if not field_hits:
                    continue
                variants = [field_hits[i] for i in concept.patterns if i in field_hits]
                if not variants:
                    continue
                best = max(variants, key=lambda h: h.similarity)
                count = sum(h.count for h in variants)
                similarity = round(best.similarity, 1)
                # from the rounded similarity, so the explanation reproduces the score exactly
                contribution = concept.weight * field_weight * similarity / 100 * saturate(count)
                matches.append(Match(
                    term=concept.term,
                    field=field_name,
                    text=best.text,
                    similarity=similarity,
                    count=count,
                    term_weight=concept.weight,
                    field_weight=field_weight,
                    contribution=round(contribution, 4),
                ))
        score = round(sum(m.contribution for m in matches), 4)
        if not matches or score < cp.profile.min_score:
            return None
        return score, tuple(matches)

    def score(self, paper: Paper) -> Scored:
        """The paper's best profile (first in config order on a tie), or score 0 and no profile."""
        hits = self.field_hits(paper)
        best: Scored | None = None
        if any(hits.values()):
            for cp in self._compiled:
                result = self.score_profile(cp, hits)
                if result and (best is None or result[0] > best.score):
                    best = Scored(paper, result[0], cp.profile.name, result[1])
        return best or Scored(paper, 0.0, None, ())

    def score_for(self, paper: Paper, profile_name: str) -> Scored:
        """The paper's score for one named profile (what `explain` shows)."""
        hits = self.field_hits(paper)
        for cp in self._compiled:
            if cp.profile.name == profile_name:
                result = self.score_profile(cp, hits)
                if result:
                    return Scored(paper, result[0], profile_name, result[1])
        return Scored(paper, 0.0, None, ())


def sort_key(s: Scored) -> tuple[float, int, str, str, str]:
    """Highest score first; then most upvotes, newest, title, id: ties always break the same way."""
    return (-s.score, -(s.paper.upvotes or 0), _neg_date(s.paper.published), s.paper.title.lower(), s.paper.id)


def _neg_date(date: str | None) -> str:
    # newer dates sort first: map each digit d to 9-d
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in (date or "0000"))


def rank(scored: Iterable[Scored], *, top: int = 0, min_score: float = 1e-9) -> list[Scored]:
    """Papers at or above min_score, best first; with top > 0 only that many are ever held."""
    kept = (s for s in scored if s.score >= min_score)
    if top > 0:
        return heapq.nsmallest(top, kept, key=sort_key)
    return sorted(kept, key=sort_key)


def score_all(scorer: Scorer, papers: Iterable[Paper]) -> Iterator[Scored]:
    for paper in papers:
        yield scorer.score(paper)
