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
    exclude: frozenset[int]
    require: frozenset[int]
    concepts_of: dict[int, tuple[int, ...]]
    """Pattern index -> the concepts (by position) it belongs to."""


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
            concepts_of: dict[int, tuple[int, ...]] = {}
            for c, concept in enumerate(concepts):
                for i in dict.fromkeys(concept.patterns):
                    concepts_of[i] = (*concepts_of.get(i, ()), c)
            compiled.append(_CompiledProfile(
                prof,
                concepts,
                frozenset(add(x, False, prof.threshold) for x in prof.exclude),
                frozenset(add(x, False, prof.threshold) for x in prof.require),
                concepts_of,
            ))
        self._compiled = compiled
        self.matcher = Matcher(patterns)
        self.fields = sorted({f for prof in profiles for f, _ in prof.fields})

    def field_hits(self, paper: Paper) -> dict[str, dict[int, FieldHit]]:
        names = [name for name in self.fields if getattr(paper, name, "")]
        return dict(zip(names, self.matcher.scan_fields([getattr(paper, name) for name in names]), strict=True))

    def score_profile(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]],
                      paper: Paper | None = None) -> tuple[float, tuple[Match, ...]] | None:
        """The paper's score for one profile and its matches; None when an exclude/require rule drops it.

        With the paper given, each match also records the words it matched as written there.
        """
        if cp.exclude or cp.require:
            found = set().union(*hits.values())
            if not cp.exclude.isdisjoint(found):
                return None
            if cp.require and cp.require.isdisjoint(found):
                return None
        # group the hits by (concept, field); only patterns that were found are visited
        groups: dict[tuple[int, int], list[FieldHit]] = {}
        for f, (field_name, _) in enumerate(cp.profile.fields):
            field_hits = hits.get(field_name)
            if not field_hits:
                continue
            for i, hit in field_hits.items():
                for c in cp.concepts_of.get(i, ()):
                    groups.setdefault((c, f), []).append(hit)
        matches: list[Match] = []
        for c, f in sorted(groups):
            concept = cp.concepts[c]
            field_name, field_weight = cp.profile.fields[f]
            variants = groups[(c, f)]
            best = max(variants, key=lambda h: (h.similarity, -h.start))
            count = sum(h.count for h in variants)
            similarity = round(best.similarity, 1)
            # from the rounded similarity, so the explanation reproduces the score exactly
            contribution = concept.weight * field_weight * similarity / 100 * saturate(count)
            text = self.matcher.matched_text(getattr(paper, field_name), best.start, best.end) if paper else ""
            matches.append(Match(
                term=concept.term,
                field=field_name,
                text=text,
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

    def score(self, paper: Paper, *, detail: bool = True) -> Scored:
        """The paper's best profile (first in config order on a tie), or score 0 and no profile.

        detail=False leaves out the matched words (the score is the same); rank fills them in
        only for the papers it shows.
        """
        hits = self.field_hits(paper)
        best: Scored | None = None
        if any(hits.values()):
            for cp in self._compiled:
                result = self.score_profile(cp, hits, paper if detail else None)
                if result and (best is None or result[0] > best.score):
                    best = Scored(paper, result[0], cp.profile.name, result[1])
        return best or Scored(paper, 0.0, None, ())

    def score_for(self, paper: Paper, profile_name: str) -> Scored:
        """The paper's score for one named profile (what `explain` shows)."""
        hits = self.field_hits(paper)
        for cp in self._compiled:
            if cp.profile.name == profile_name:
                result = self.score_profile(cp, hits, paper)
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
