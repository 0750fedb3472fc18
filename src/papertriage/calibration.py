"""What a listing teaches its own ranking: how rare each term is in it, and which words go with
the papers that match the profile best.

Both are measured on a sample, the first SAMPLE papers of the listing (all of a daily page or a
review export), so a listing of any size is calibrated the same way whatever the number of
processes, and `rank`, `evaluate` and `explain` agree.

- Rarity: a term that matches most of the listing tells little. Each term's weight is multiplied by
  (n / (df + 1)) ** RARITY_POWER, where n is the sample size and df the number of sample papers the
  term (or one of its words) matched. The fourth root keeps the factor gentle: a term in 1% of the
  papers weighs 3.2 times, one in half of them 1.4 times.
- Related words (from a sample of at least LEARN_FROM papers): in the sample's best-scoring papers
  (the top TOP_SHARE, at least TOP_MIN), the words that recur there (in at least TOP_COUNT of them)
  but not across the listing (in fewer than half of its papers) are learned as extra one-word terms
  that match exactly (their inflections too): up to RELATED of them, chosen by (share of the top
  papers holding the word) x log(n / papers holding it). Together they weigh RELATED_SHARE of a top
  paper's mean score, each in proportion to log(n / papers holding it). Words of the profile's own
  terms, common words, generic academic words (GENERIC) and words with digits are never learned,
  nor any word for a profile with learn=False (--no-learn), nor one the profile's own terms do not
  vouch for: across the sample it must co-occur with at least JUSTIFYING of them more often than
  chance (see _justified), so that it cannot pull the ranking toward a neighbouring topic.
  This is pseudo-relevance feedback
  (Rocchio, RM3), kept explainable: each learned word is a match of its own (`~word`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from typing import Callable, Iterable, Sequence

from papertriage.matching import FieldHit, compile_pattern, stem, words
from papertriage.models import Paper, Profile, Term
from papertriage.scoring import STOPWORDS, Scorer

SAMPLE = 5000
RARITY_POWER = 0.25
RELATED = 10
RELATED_SHARE = 0.3
TOP_SHARE = 0.02
TOP_MIN = 10
TOP_COUNT = 3
JUSTIFYING = 2
"""A related word must co-occur with this many of the profile's terms (all of them if it has fewer)."""
LIFT = 1.0
"""... each more often than chance: its share among the word's papers at least LIFT x its share overall."""
LEARN_FROM = 200
"""Related words are learned only from a sample of at least this many papers (word counts on a
daily page of 50 are too thin to tell a topic's vocabulary from chance)."""

COMMON = STOPWORDS | frozenset("""
    about after again against all also although among any be been before being below between both but
    can could did do does doing done during each either even ever few further had has have having her
    here hers him his how however i if it its itself just may me might more most much must my no nor not
    now only other our ours out over own same she should since so some such than that their theirs them
    then there these they this those through thus too under until up upon very was we were what when
    where whether which while who whom whose why will within without would yet you your
    paper propose proposed present presents show shows shown study results result method methods approach
    use used uses new one two three first second well
""".split())
"""Words never learned: function words and the phrasing every abstract shares."""

GENERIC = frozenset("""
    novel high higher highly low lower large small superior inferior better best strong emerged emerge emerging
    recent recently existing various several many numerous key important significant significantly substantial
    substantially effective effectively remarkable remarkably promising powerful robust
    demonstrate demonstrated achieve achieved outperform improve improved improvement enhance enhanced
    performance framework task problem challenge challenging address introduce introduced leverage
    extensive experiment experimental evaluate evaluation empirical analysis analyze data dataset benchmark
    work field domain area including provide enable allow offer require remain often widely wide known
    likely unlikely study studies studied effort established reach furthermore moreover respectively specifically particular
    different specific overall general generally simple common typical current state art previous prior
    finally further additionally importantly notably particularly potential potentially crucial critical
    four five six seven eight nine ten aim aims goal purpose investigate investigated examine examined
    conducted conduct total included include identified identify obtained using
""".split())
"""Generic academic words, never learned as related words (with their inflections): they recur in
the top papers of any listing (`novel`, `superior`, `studies`) and tell nothing of the topic."""


Hits = list[dict[str, dict[int, FieldHit]]]
Scan = Callable[[list[tuple[int, int]]], Iterable[Hits]]
"""Scans slices (start, end) of the sample, in order (see scan_sample)."""


def scan_sample(scorer: Scorer, papers: Sequence[Paper]) -> Hits:
    """The hits of the uncalibrated profiles in some sample papers."""
    return scorer.field_hits_many(list(papers), positions=False)


def calibrate(profiles: list[Profile], sample: Sequence[Paper], scan: Scan | None = None) -> list[Profile]:
    """The profiles with each term's rarity in the sample and the related words learned from it.

    scan: how the sample is scanned, slice by slice (in other processes, say); by default here."""
    sample = list(sample[:SAMPLE])
    if not sample:
        return profiles
    scorer = Scorer(profiles)
    n = len(sample)
    slices = [(start, min(n, start + 256)) for start in range(0, n, 256)]
    scanned = scan(slices) if scan else (scan_sample(scorer, sample[a:b]) for a, b in slices)
    # the words of the sample, while the scan runs (when in other processes): shipping the words the
    # scan meets back from them costs more (the crawl's sample: 0.3 s to pickle and unpickle, 0.19 s here)
    vocab = _Vocabulary([_paper_words(p) for p in sample], scorer.matcher.stem_of) if n >= LEARN_FROM else None
    hits = [h for some in scanned for h in some]
    rare: list[Profile] = []
    found_in: list[list[frozenset[int]]] = []
    """Per profile, per sample paper: the terms it matches (whole or by one of their words)."""
    for cp in scorer.compiled:
        df = [0] * len(cp.concepts)
        found_in.append([])
        for paper_hits in hits:
            found: frozenset[int] = frozenset()
            if any(paper_hits.values()):
                whole, part = scorer.terms_found(cp, paper_hits)
                found = frozenset(whole | part)  # the term, or one of its words
                for c in found:
                    df[c] += 1
            found_in[-1].append(found)
        terms = tuple(replace(t, rarity=round((n / (d + 1)) ** RARITY_POWER, 3))
                      for t, d in zip(cp.profile.terms, df, strict=True))
        rare.append(replace(cp.profile, terms=terms))
    rare_scorer = Scorer(rare)
    if rare_scorer.matcher.patterns != scorer.matcher.patterns:  # pragma: no cover - same terms, same patterns
        raise AssertionError("calibration changed the patterns")
    out = []
    for k, cp in enumerate(rare_scorer.compiled):
        scores = []
        for i, paper_hits in enumerate(hits):
            result = rare_scorer.score_profile(cp, paper_hits, with_matches=False) if any(paper_hits.values()) else None
            if result and result[0] > 0:
                scores.append((result[0], i))
        related = _related_words(cp.profile, scores, vocab, found_in[k]) if vocab is not None and cp.profile.learn else ()
        out.append(replace(cp.profile, terms=cp.profile.terms + related))
    return out


def _paper_words(paper: Paper) -> set[bytes]:
    return {w.encode() for w in words(paper.title + " . " + paper.abstract)}


class _Vocabulary:
    """The sample's distinct words per paper, their stems, and how many papers hold a stem."""

    def __init__(self, papers: list[set[bytes]], stem_of: Callable[[str], str] = stem) -> None:
        """papers: each paper's distinct words (UTF-8) in its title and abstract; stem_of: stem, or
        a matcher's cached stem_of (which has already met these words)."""
        self.papers = papers
        self._stem: dict[bytes, str | None] = {}
        """Word -> its stem, None for a word never learned."""
        generic = {stem(w) for w in GENERIC}
        for raw in set().union(*papers):
            w = raw.decode()
            st = stem_of(w) if len(w) > 2 and w not in COMMON and w.isalpha() else None
            self._stem[raw] = None if st in generic else st

    def stems(self, i: int) -> set[str]:
        """The stems of paper i's words that may be learned."""
        found = set(map(self._stem.__getitem__, self.papers[i]))
        found.discard(None)
        return found  # type: ignore[return-value]

    def frequencies(self, stems: set[str]) -> tuple[Counter[str], dict[str, str]]:
        """For the given stems: how many papers hold each, and its spelling found in most papers
        (alphabetical first on a tie)."""
        spellings = {w: st for w, st in self._stem.items() if st is not None and st in stems}
        spelled = set(spellings)  # a set, so that each intersection walks the smaller side
        word_df: Counter[bytes] = Counter()
        df: Counter[str] = Counter()
        for found in self.papers:
            hit = found & spelled
            if hit:
                word_df.update(hit)
                df.update({spellings[w] for w in hit})
        best: dict[str, str] = {}
        for w in sorted(word_df, key=lambda w: (-word_df[w], w)):  # UTF-8 sorts as its text does
            best.setdefault(spellings[w], w.decode())
        return df, best


def _justified(candidates: set[str], vocab: _Vocabulary, found_in: list[frozenset[int]], terms: int) -> set[str]:
    """The candidate words the profile's own terms vouch for: each co-occurs, across the sample,
    with at least min(JUSTIFYING, terms) of them more often than chance (in at least TOP_COUNT
    papers, and in a share of the word's papers at least LIFT times the term's share of all
    papers). A word of a neighbouring topic or a generic one goes with one term at most."""
    n = len(found_in)
    df = Counter(c for found in found_in for c in found)
    holding: Counter[str] = Counter()
    together: Counter[tuple[str, int]] = Counter()
    for i, found in enumerate(found_in):
        held = vocab.stems(i) & candidates
        if held:
            holding.update(held)
            together.update((st, c) for st in held for c in found)
    need = min(JUSTIFYING, terms)
    out = set()
    for st in candidates:
        vouching = sum(1 for c in df if together[st, c] >= TOP_COUNT
                       and together[st, c] / holding[st] >= LIFT * df[c] / n)
        if vouching >= need:
            out.add(st)
    return out


def _related_words(profile: Profile, scores: list[tuple[float, int]], vocab: _Vocabulary,
                   found_in: list[frozenset[int]] | None = None) -> tuple[Term, ...]:
    """found_in: per sample paper, the profile's terms it matches; given, a word must be justified
    by them (see _justified)."""
    n = len(vocab.papers)
    top = sorted(scores, key=lambda si: (-si[0], si[1]))[:max(TOP_MIN, int(TOP_SHARE * n))]
    if len(top) < TOP_COUNT:
        return ()
    own = {stem(w) for t in profile.terms for text in (t.term, *t.aliases) for w in words(text)}
    in_top = Counter(st for _, i in top for st in vocab.stems(i))
    # a word a truncated term already matches (`sumatriptan` for `*triptan`) is the profile's own too
    truncated = [p for t in profile.terms for text in (t.term, *t.aliases) if "*" in text
                 for p in [compile_pattern(text)]]
    recurring = {st for st, k in in_top.items() if k >= TOP_COUNT and st not in own
                 and not any(p.truncated_hit(j, st, st) for p in truncated for j in range(len(p.words)))}
    if found_in is not None and JUSTIFYING:
        recurring = _justified(recurring, vocab, found_in, len(profile.terms))
    df, spelling = vocab.frequencies(recurring)
    candidates = sorted(
        ((in_top[st] / len(top) * math.log(n / df[st]), st) for st in recurring if df[st] < n / 2),
        key=lambda vs: (-vs[0], vs[1]))[:RELATED]
    if not candidates:
        return ()
    rarity = {st: math.log(n / df[st]) for _, st in candidates}
    budget = RELATED_SHARE * sum(s for s, _ in top) / len(top) / sum(rarity.values())
    return tuple(Term(spelling[st], weight=round(budget * rarity[st], 4), exact=True, learned=True)
                 for _, st in candidates)
