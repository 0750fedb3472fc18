"""From matches to scores: one formula, written in the README, reproducible from each match."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Iterable, Iterator

from papertriage.matching import FieldHit, Matcher, Pattern, better, compile_pattern
from papertriage.models import Match, Paper, Profile, Scored, built, field_text

SATURATION = 1.2
"""k in count*(k+1)/(count+k): a second mention adds 37%, many mentions at most 120%."""


PART_CREDIT = 0.5
"""The words of a multi-word term found apart earn together at most this share of the term's weight."""
STOPWORDS = frozenset("a an and are as at by for from in into is of on or the to via with using based".split())


COVERAGE_POWER = 1.0
"""With `concepts: all`: coverage = (concepts matched / concepts) ** COVERAGE_POWER."""


def _coverage(cp: _CompiledProfile, matched: set[int]) -> float:
    """The share of a `concepts: all` profile's own concepts matched whole in some field (1 otherwise)."""
    if not cp.own:
        return 1.0
    return round((len(cp.own & matched) / len(cp.own)) ** COVERAGE_POWER, 4)


def saturate(count: int) -> float:
    return count * (SATURATION + 1) / (count + SATURATION)


def contribution(concept: _Concept, field_weight: float, similarity: float, count: int, share: float,
                 coverage: float = 1.0) -> float:
    """weight x rarity x field weight x similarity/100 x saturation(count) x share x coverage, from
    the similarity rounded as the explanation shows it, so the explanation reproduces the score exactly.
    """
    return round(concept.weight * concept.rarity * field_weight * round(similarity, 1) / 100 * saturate(count) * share
                 * coverage, 4)


def _scoped(scopes: list[tuple[int, tuple[str, ...]]]) -> dict[int, tuple[str, ...]]:
    """Pattern -> the fields it is looked for in (() for all), a pattern met twice taking both scopes."""
    out: dict[int, tuple[str, ...]] = {}
    for i, scope in scopes:
        if i in out:
            kept = out[i]
            out[i] = () if not kept or not scope else tuple(dict.fromkeys(kept + scope))
        else:
            out[i] = scope
    return out


def content_words(variants: list[Pattern]) -> list[str]:
    """The words of a term's multi-word forms that count on their own: no stopwords, no 1-2 letter
    tokens, none that is already a one-word form of the term, one word per stem (`model` and
    `models` are one word)."""
    single = {p.stems[0] for p in variants if len(p.words) == 1 and not p.truncation}
    out: dict[str, str] = {}
    for p in variants:
        if len(p.words) > 1:
            for w, st in zip(p.forms, p.stems, strict=True):
                if w not in STOPWORDS and len(w) > 2 and st not in single and not w.isdigit():
                    out.setdefault(st, w)
    return list(out.values())


def one_per_stems(variants: dict[int, tuple[str, ...]], patterns: list[Pattern]) -> dict[int, tuple[str, ...]]:
    """The variants of a term (pattern -> scope, see _scoped), one for each stems (and strictness):
    an alias that is the term's plural finds the same words, and would count them twice; the
    variant kept takes both scopes."""
    first: dict[tuple[tuple[str, ...], bool, tuple[str, ...]], int] = {}
    out: dict[int, tuple[str, ...]] = {}
    for i, scope in variants.items():
        key = (patterns[i].stems, patterns[i].exact, patterns[i].truncation)
        if key in first:
            kept = out[first[key]]
            out[first[key]] = () if not kept or not scope else tuple(dict.fromkeys(kept + scope))
        else:
            first[key] = i
            out[i] = scope
    return out


def nested_variants(variants: tuple[int, ...], patterns: list[Pattern]) -> frozenset[int]:
    """The variants whose stems contain another variant's as a run (`sparse mixture of experts`
    holds `mixture of experts`): wherever they match, the shorter one matches too, so their hits
    are not counted again."""
    def holds(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
        return len(long) > len(short) and any(long[k:k + len(short)] == short for k in range(len(long) - len(short) + 1))

    # a truncated long variant may match where the short one does not (`migrain* attack`, `migraine`)
    return frozenset(i for i in variants if not patterns[i].truncation
                     and any(holds(patterns[i].stems, patterns[j].stems) for j in variants if j != i))


@dataclass(frozen=True)
class _Concept:
    term: str
    weight: float
    patterns: tuple[int, ...]
    parts: tuple[int, ...] = ()
    """One-word patterns of its content words (partial credit when the whole term is not found)."""
    rarity: float = 1.0
    learned: bool = False
    scopes: tuple[tuple[str, ...], ...] = ()
    """Per pattern, then per part, the fields it is looked for in (() for every field); empty when none is scoped."""
    nested: frozenset[int] = frozenset()
    """Variants holding another variant (see nested_variants): their hits count only where the
    term has no other hit in the field."""


@dataclass(frozen=True)
class _CompiledProfile:
    profile: Profile
    concepts: tuple[_Concept, ...]
    exclude: frozenset[int]
    require: frozenset[int]
    concepts_of: tuple[dict[int, tuple[int, ...]], ...]
    """Per field of the profile: pattern index -> the concepts (by position) it belongs to there."""
    parts_of: tuple[dict[int, tuple[int, ...]], ...]
    """Per field: pattern index -> the concepts it is a content word of there."""
    part_shares: tuple[float, ...] = ()
    """Per concept, the share of its weight one of its content words earns alone."""
    own: frozenset[int] = frozenset()
    """With `concepts: all`, the concepts written in the profile (not learned words), whose share a
    paper matches scales its contributions; empty otherwise."""


def _by_field(prof: Profile, concepts: tuple[_Concept, ...]
              ) -> tuple[tuple[dict[int, tuple[int, ...]], ...], tuple[dict[int, tuple[int, ...]], ...]]:
    """Per field of the profile, pattern -> the concepts it is a variant of there, and pattern -> the
    concepts it is a content word of there (a scoped variant counts only in its fields)."""
    concepts_in: list[dict[int, tuple[int, ...]]] = []
    parts_in: list[dict[int, tuple[int, ...]]] = []
    for field_name, _ in prof.fields:
        concepts_of: dict[int, tuple[int, ...]] = {}
        parts_of: dict[int, tuple[int, ...]] = {}
        for c, concept in enumerate(concepts):
            n = len(concept.patterns)
            for k, i in enumerate(concept.patterns):
                if not concept.scopes or not concept.scopes[k] or field_name in concept.scopes[k]:
                    concepts_of[i] = (*concepts_of.get(i, ()), c)
            for k, i in enumerate(concept.parts):
                if not concept.scopes or not concept.scopes[n + k] or field_name in concept.scopes[n + k]:
                    parts_of[i] = (*parts_of.get(i, ()), c)
        concepts_in.append(concepts_of)
        parts_in.append(parts_of)
    return tuple(concepts_in), tuple(parts_in)


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
            concept_list = []
            for t in prof.terms:
                scoped = [(add(x, t.exact, prof.threshold), t.scope(v)) for v, x in enumerate((t.term, *t.aliases))]
                # the closed form of a short phrase: "anti-inflammatory" also finds "antiinflammatory"
                scoped += [(add(patterns[i].closed, t.exact, prof.threshold), scope) for i, scope in scoped
                           if 2 <= len(patterns[i].words) <= 3 and len("".join(patterns[i].words)) >= 6
                           and patterns[i].closed]
                variants = one_per_stems(_scoped(scoped), patterns)
                words = content_words([patterns[i] for i in variants]) if t.partial else []
                parts = _scoped([(add(w, t.exact, prof.threshold), scope) for w in words
                                 for i, scope in variants.items() if w in patterns[i].forms and len(patterns[i].words) > 1])
                scopes = (*variants.values(), *parts.values()) if t.scopes else ()
                concept_list.append(_Concept(t.term, t.weight, tuple(variants), tuple(parts), t.rarity, t.learned,
                                             scopes, nested_variants(tuple(variants), patterns)))
            concepts = tuple(concept_list)
            compiled.append(_CompiledProfile(
                prof,
                concepts,
                frozenset(add(x, False, prof.threshold) for x in prof.exclude),
                frozenset(add(x, False, prof.threshold) for x in prof.require),
                *_by_field(prof, concepts),
                tuple(round(PART_CREDIT / len(c.parts), 4) if c.parts else 0.0 for c in concepts),
                frozenset(c for c, concept in enumerate(concepts) if not concept.learned)
                if prof.concepts == "all" else frozenset(),
            ))
        self.compiled = compiled
        """Per profile, in config order: its concepts and their pattern indices (read by lint)."""
        self.matcher = Matcher(patterns)
        self._contributions: dict[tuple[int, int, int, float, int, float, float], float] = {}
        """(profile, concept, field, similarity, count, share, coverage) -> contribution (see _contribution)."""
        self.fields = sorted({f for prof in profiles for f, _ in prof.fields})
        self.models = any(prof.model is not None for prof in profiles)
        """Some profile has a model learned from decisions: every paper is scored, matched or not."""

    def field_hits(self, paper: Paper) -> dict[str, dict[int, FieldHit]]:
        return self.field_hits_many([paper])[0]

    def field_hits_many(self, papers: list[Paper], *, positions: bool = True) -> list[dict[str, dict[int, FieldHit]]]:
        """Per paper, the patterns found in each of its non-empty scored fields (one scan for all).

        positions=False leaves out where each pattern was found (see Matcher.tally_fields): enough
        for a score, not for the words a match shows.
        """
        names = self.fields
        texts = [field_text(paper, name) for paper in papers for name in names]
        n = len(names)
        scan = self.matcher.scan_fields if positions else self.matcher.tally_fields
        found = scan(texts)
        return [{name: found[j + f] for f, name in enumerate(names) if texts[j + f]}
                for j in range(0, len(texts), n)]

    def score_profile(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]],
                      paper: Paper | None = None, with_matches: bool = True
                      ) -> tuple[float, tuple[Match, ...], bool] | None:
        """The paper's score for one profile, its matches, and whether a term of the profile
        matched whole (see Match.whole) or a word learned from decisions did; None when an
        exclude/require rule drops it.

        With the paper given, each match also records the words it matched as written there;
        with_matches=False only computes the (same) score and flag.
        """
        if (cp.exclude or cp.require) and not self.allows(cp, hits):
            return None
        model = cp.profile.model if paper is not None else None
        if not with_matches:
            total, whole = self._total(cp, hits)
            if model is not None:
                learned = model.score(paper)  # type: ignore[arg-type]
                if learned:
                    total, whole = round((total or 0.0) + learned, 4), whole or learned > 0
            return (total, (), whole) if total is not None and total >= cp.profile.min_score else None
        items = self._items(cp, hits)
        learned_matches = model.matches(paper) if model is not None else ()  # type: ignore[arg-type]
        if not items and not learned_matches:
            return None
        # in config order of terms and fields, the words of a term in the term's order
        items.sort(key=lambda item: (item[0], item[1], cp.concepts[item[0]].parts.index(item[2]) if item[2] >= 0 else -1))
        coverage = _coverage(cp, {c for c, _, i, *_ in items if i < 0})
        matches = tuple(self._match(cp.concepts[c], *cp.profile.fields[f], hit, count, share, paper, coverage)
                        for c, f, _, hit, count, share in items) + learned_matches
        score = round(sum(m.contribution for m in matches), 4)
        # a paper the decisions favour is worth showing even when no term of the profile is in it
        whole = any(m.whole for m in matches) or sum(m.contribution for m in learned_matches) > 0
        return (score, matches, whole) if score >= cp.profile.min_score else None

    @staticmethod
    def allows(cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]]) -> bool:
        """False when an exclude pattern is found, or none of the require patterns."""
        found = set().union(*hits.values())
        return cp.exclude.isdisjoint(found) and not (cp.require and cp.require.isdisjoint(found))

    @staticmethod
    def _field_terms(cp: _CompiledProfile, f: int, field_hits: dict[int, FieldHit]
                     ) -> tuple[dict[int, FieldHit], dict[int, int], list[tuple[int, int, FieldHit]]]:
        """What scores in one field: each term found whole there, with its best variant's hit (the
        first among equals) and all its variants' count; and (term, pattern, hit) for each word of a
        term found where the term is not (it earns a share of the term's weight)."""
        best_of: dict[int, FieldHit] = {}
        counts: dict[int, int] = {}
        parts: list[tuple[int, int, FieldHit]] = []
        concepts_of, parts_of = cp.concepts_of[f], cp.parts_of[f]
        concepts = cp.concepts
        for i, hit in field_hits.items():
            for c in concepts_of.get(i, ()):
                # a nested variant's hits are another variant's too: counted once, at least once
                count = hit.count if i not in concepts[c].nested else 0
                best = best_of.get(c)
                if best is None:
                    best_of[c], counts[c] = hit, count
                    continue
                if better(hit.similarity, hit.start, best):
                    best_of[c] = hit
                counts[c] += count
            for c in parts_of.get(i, ()):
                parts.append((c, i, hit))
        for c in counts:
            if not counts[c]:
                counts[c] = best_of[c].count
        # the whole term was found in this field: its words add nothing
        return best_of, counts, [part for part in parts if part[0] not in best_of]

    def terms_found(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]]) -> tuple[set[int], set[int]]:
        """The one definition of "papers a term matches", for calibration and lint: the profile's
        terms (by position) found whole in a field it scores, and those of which only words were
        found (partial credit) — exactly what the paper's score for the profile is made of."""
        whole: set[int] = set()
        part: set[int] = set()
        for f, (field_name, _) in enumerate(cp.profile.fields):
            field_hits = hits.get(field_name)
            if field_hits:
                best_of, _, parts = self._field_terms(cp, f, field_hits)
                whole.update(best_of)
                part.update(c for c, _, _ in parts)
        return whole, part - whole

    def _items(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]]
               ) -> list[tuple[int, int, int, FieldHit, int, float]]:
        """What scores, unordered: (concept, field, pattern, hit, count, share) for the terms and
        the words of terms found in each field (see _field_terms); pattern -1 for a whole term."""
        items: list[tuple[int, int, int, FieldHit, int, float]] = []
        for f, (field_name, _) in enumerate(cp.profile.fields):
            field_hits = hits.get(field_name)
            if field_hits:
                best_of, counts, parts = self._field_terms(cp, f, field_hits)
                items.extend((c, f, -1, best, counts[c], 1.0) for c, best in best_of.items())
                items.extend((c, f, i, hit, hit.count, cp.part_shares[c]) for c, i, hit in parts)
        return items

    def _total(self, cp: _CompiledProfile, hits: dict[str, dict[int, FieldHit]]) -> tuple[float | None, bool]:
        """The sum of the contributions of _items (None when nothing scores), without building
        them, and whether a term of the profile matched whole."""
        if cp.own:
            items = self._items(cp, hits)
            matched = {c for c, _, i, *_ in items if i < 0}
            coverage = _coverage(cp, matched)
            total = round(sum(self._contribution(cp, c, f, hit.similarity, count, share, coverage)
                              for c, f, _, hit, count, share in items), 4) if items else None
            return total, not matched.isdisjoint(cp.own)
        total, found, whole = 0.0, False, False
        contribution_of, shares = self._contribution, cp.part_shares
        for f, (field_name, _) in enumerate(cp.profile.fields):
            field_hits = hits.get(field_name)
            if field_hits:
                best_of, counts, parts = self._field_terms(cp, f, field_hits)
                for c, best in best_of.items():
                    total += contribution_of(cp, c, f, best.similarity, counts[c], 1.0)
                    whole = whole or not cp.concepts[c].learned
                for c, _, hit in parts:
                    total += contribution_of(cp, c, f, hit.similarity, hit.count, shares[c])
                found = found or bool(best_of or parts)
        return (round(total, 4) if found else None), whole

    def _contribution(self, cp: _CompiledProfile, c: int, f: int, similarity: float, count: int, share: float,
                      coverage: float = 1.0) -> float:
        """contribution() of a concept's match in a field, remembered: the same few recur in most papers."""
        key = (id(cp), c, f, similarity, count, share, coverage)
        value = self._contributions.get(key)
        if value is None:
            if len(self._contributions) >= 100_000:
                self._contributions.clear()
            value = self._contributions[key] = contribution(cp.concepts[c], cp.profile.fields[f][1], similarity, count,
                                                            share, coverage)
        return value

    def _match(self, concept: _Concept, field_name: str, field_weight: float, best: FieldHit, count: int,
               share: float, paper: Paper | None, coverage: float = 1.0) -> Match:
        text = self.matcher.matched_text(field_text(paper, field_name), best.start, best.end) if paper else ""
        return Match(term=concept.term, field=field_name, text=text, similarity=round(best.similarity, 1),
                     count=count, term_weight=concept.weight, field_weight=field_weight,
                     contribution=contribution(concept, field_weight, best.similarity, count, share, coverage),
                     share=share, rarity=concept.rarity, learned=concept.learned, coverage=coverage)

    def score(self, paper: Paper, *, detail: bool = True, whole_first: bool = False) -> Scored:
        """The paper's best profile (first in config order on a tie), or score 0 and no profile.

        detail=False leaves out the matches (the score is the same); rank asks for them only for
        the papers it shows. whole_first: the best of the profiles with a term matched whole, if
        any (what rank shows as a match); else the best of all, marked partial_only.
        """
        return self._best(paper, self.field_hits(paper), detail, whole_first)

    def score_many(self, papers: list[Paper], *, whole_first: bool = False) -> list[Scored]:
        """score(paper, detail=False) of each paper, with their words scanned in one pass."""
        hits_of = self.field_hits_many(papers, positions=False)
        return [self._best(paper, hits, False, whole_first) for paper, hits in zip(papers, hits_of, strict=True)]

    def _best(self, paper: Paper, hits: dict[str, dict[int, FieldHit]], detail: bool, whole_first: bool) -> Scored:
        best: tuple[float, tuple[Match, ...], bool] | None = None
        name = None
        if self.models or any(hits.values()):
            for cp in self.compiled:
                result = self.score_profile(cp, hits, paper, with_matches=detail)
                if result and (best is None or (whole_first and result[2], result[0]) > (whole_first and best[2], best[0])):
                    best, name = result, cp.profile.name
        if best is None:
            return built(Scored, paper=paper, score=0.0, profile=None, matches=(), partial_only=False)
        return built(Scored, paper=paper, score=best[0], profile=name, matches=best[1], partial_only=not best[2])

    def profile_scores(self, paper: Paper) -> dict[str, float]:
        """The paper's score under every profile (0 where a rule drops it)."""
        hits = self.field_hits(paper)
        out = {}
        for cp in self.compiled:
            result = (self.score_profile(cp, hits, paper, with_matches=False) if self.models or any(hits.values())
                      else None)
            out[cp.profile.name] = result[0] if result else 0.0
        return out

    def highlights(self, scored: Scored) -> dict[str, list[tuple[int, int, str]]]:
        """Where in each field the words behind scored's matches stand, as character spans with
        their kind: "whole" (a term found whole), "partial" (a word of a term found alone) or
        "learned" (a related word, or a word learned from decisions). Every occurrence, not only the
        best one each match names."""
        cp = next((c for c in self.compiled if c.profile.name == scored.profile), None)
        if cp is None:
            return {}
        by_term = {concept.term: concept for concept in cp.concepts}
        wanted: dict[str, dict[int, str]] = {}
        for m in scored.matches:
            concept = by_term.get(m.term)
            if concept is None or m.from_decisions:  # a word of the model, not a term (field "words")
                continue
            kind = "learned" if m.learned or m.from_decisions else "whole" if m.share == 1.0 else "partial"
            kinds = wanted.setdefault(m.field, {})
            for i in concept.parts if kind == "partial" else concept.patterns:
                if kinds.get(i) != "whole":
                    kinds[i] = kind
        out: dict[str, list[tuple[int, int, str]]] = {}
        for name, kinds in wanted.items():
            out[name] = [(a, b, kinds[i]) for i, a, b in self.matcher.places(field_text(scored.paper, name), set(kinds))]
        return out

    def score_for(self, paper: Paper, profile_name: str) -> Scored:
        """The paper's score for one named profile (what `explain` shows)."""
        hits = self.field_hits(paper)
        for cp in self.compiled:
            if cp.profile.name == profile_name:
                result = self.score_profile(cp, hits, paper)
                if result:
                    return Scored(paper, result[0], profile_name, result[1], not result[2])
        return Scored(paper, 0.0, None, ())


def sort_key(s: Scored) -> tuple[float, int, str, str, str]:
    """Highest score first; then most upvotes, newest, title, id: ties always break the same way."""
    return (-s.score, -(s.paper.upvotes or 0), _neg_date(s.paper.published), s.paper.title.lower(), s.paper.id)


def _neg_date(date: str | None) -> str:
    # newer dates sort first: map each digit d to 9-d
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in (date or "0000"))


def rank(scored: Iterable[Scored], *, top: int = 0, min_score: float = 1e-9, per_profile: bool = False) -> list[Scored]:
    """Papers at or above min_score, best first; with top > 0 only that many are ever held (that
    many of each best profile with per_profile)."""
    kept = (s for s in scored if s.score >= min_score)
    if top > 0 and per_profile:
        groups: dict[str | None, list[Scored]] = {}
        for s in kept:
            groups.setdefault(s.profile, []).append(s)
        return sorted((s for group in groups.values() for s in heapq.nsmallest(top, group, key=sort_key)), key=sort_key)
    if top > 0:
        return heapq.nsmallest(top, kept, key=sort_key)
    return sorted(kept, key=sort_key)


def score_all(scorer: Scorer, papers: Iterable[Paper]) -> Iterator[Scored]:
    for paper in papers:
        yield scorer.score(paper)
