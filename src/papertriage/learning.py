"""What decisions teach a profile: a linear model over words, added to the profile as weighted words.

The model is a logistic regression (scikit-learn) over one feature per word of the decided papers:
the value a one-word exact term of weight 1 would contribute to the paper's score, that is
sum over fields of field weight x saturation(count in the field). So a learned coefficient is a term
weight: the learned part of a score is a sum of words with weights, each a match of its own that
`explain` lists, and the score stays the sum of its contributions:

    score = profile score + sum over words of factor x coefficient x feature
    factor = n / (n + HALF_WAY) x spread of the profile scores / spread of the model's

where n is the number of keep and skip decisions and the spreads (standard deviations) are taken
over the decided papers: the learned part is scaled to the profile's own range of scores, and with
few decisions the profile leads, with many the decisions do. Maybe-decisions are not labels.
Learning needs a keep and a skip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, Sequence

from papertriage.calibration import COMMON
from papertriage.matching import stem, word_similarity, words
from papertriage.models import Paper, Profile, Term
from papertriage.scoring import Scorer, saturate

HALF_WAY = 10
"""Decisions after which the learned part weighs as much as the profile's scale."""
C = 1.0
"""Inverse strength of the L2 penalty of the logistic regression (scikit-learn's default)."""
MAX_WORDS = 300
"""rank keeps the words with the largest learned weights, at most this many per profile."""
MIN_WEIGHT = 0.001
"""Learned weights smaller than this (in score units) are left out: they change no ranking."""


def learnable(word: str) -> bool:
    """Words the model may weigh: three letters or more, letters only, not a common word."""
    return len(word) > 2 and word.isalpha() and word not in COMMON


class Vocabulary:
    """The words a model weighs, one spelling per stem, and which paper words each matches.

    A word matches as a learned term does (the exact rule of matching.word_similarity: the same
    word, its plural, or for words over 4 letters any word of the same stem), so the features are
    what the scorer computes for the learned terms."""

    def __init__(self, texts: Iterable[str]) -> None:
        spellings: dict[str, set[str]] = {}
        for text in texts:
            for w in set(words(text)):
                if learnable(w):
                    spellings.setdefault(stem(w), set()).add(w)
        # the shortest spelling of a stem matches the most of its others (`rat` matches `rats`)
        self.words = sorted(min(group, key=lambda w: (len(w), w)) for group in spellings.values())
        self.index = {w: i for i, w in enumerate(self.words)}
        self._by_stem: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self._by_stem.setdefault(stem(w), []).append(i)
        self._matches: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.words)

    def matches(self, token: str) -> tuple[int, ...]:
        """The vocabulary words a paper word matches."""
        found = self._matches.get(token)
        if found is None:
            st = stem(token)
            candidates = set(self._by_stem.get(st, ()))
            if token.endswith("s") and token[:-1] in self.index:
                candidates.add(self.index[token[:-1]])
            if token in self.index:
                candidates.add(self.index[token])
            found = tuple(sorted(i for i in candidates
                                 if word_similarity(stem(self.words[i]), self.words[i], token, st, True, 100.0)))
            self._matches[token] = found
        return found

    def features(self, paper: Paper, fields: Sequence[tuple[str, float]]) -> dict[int, float]:
        """Word index -> what that word, as a term of weight 1, adds to the paper's score."""
        out: dict[int, float] = {}
        for name, weight in fields:
            counts: dict[int, int] = {}
            for token in words(getattr(paper, name, "") or ""):
                for i in self.matches(token):
                    counts[i] = counts.get(i, 0) + 1
            for i, count in counts.items():
                out[i] = out.get(i, 0.0) + weight * saturate(count)
        return out


def feature_matrix(papers: Sequence[Paper], vocab: Vocabulary, fields: Sequence[tuple[str, float]]):  # type: ignore[no-untyped-def]
    """Papers x vocabulary, as a scipy CSR matrix of Vocabulary.features."""
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []  # type: tuple[list[int], list[int], list[float]]
    for paper in papers:
        feats = vocab.features(paper, fields)
        indices.extend(feats)
        data.extend(feats.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(papers), len(vocab)), dtype=float)


def factor(prior: Sequence[float], learned: Sequence[float]) -> float:
    """The factor from model units (logits) to score units, for decided papers' profile scores
    (prior) and model outputs (learned) (see the module's docstring)."""
    import numpy as np

    n = len(prior)
    spread_prior, spread_learned = float(np.std(prior)), float(np.std(learned))
    return n / (n + HALF_WAY) * (spread_prior or 1.0) / (spread_learned or 1.0)


def fit(features, labels: Sequence[bool]):  # type: ignore[no-untyped-def]
    """The word coefficients (a numpy array) of a balanced L2 logistic regression, or None when the
    labels hold only one class.

    Only the words of the labelled papers are given to the solver: under an L2 penalty a word no
    labelled paper holds has coefficient 0 anyway, and the solver's time grows with the words it is
    given. liblinear (coordinate descent in the dual) suits these few-rows, many-words problems:
    on Cohen_2006_Triptans it fits in a tenth of lbfgs' time."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        return None
    used = np.unique(features.indices)
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
    model.fit(features[:, used], y)
    coef = np.zeros(features.shape[1])
    coef[used] = model.coef_[0]
    return coef


@dataclass(frozen=True)
class Learned:
    """What the decisions taught one profile."""

    profile: str
    keeps: int
    skips: int
    words: tuple[Term, ...]
    """Learned words as terms (exact, from_decisions), largest weight first."""

    @property
    def labels(self) -> int:
        return self.keeps + self.skips


def learn(profile: Profile, decided: Sequence[tuple[Paper, bool]], prior: Sequence[float],
          max_words: int = MAX_WORDS) -> Learned:
    """Fit the model on the decided papers (True = keep); prior: their scores under the profile as it
    is scored (calibrated or plain), which set the scale of the learned weights. The max_words
    largest weights are kept."""
    keeps = sum(1 for _, kept in decided if kept)
    skips = len(decided) - keeps
    if not keeps or not skips:
        return Learned(profile.name, keeps, skips, ())
    papers = [p for p, _ in decided]
    vocab = Vocabulary(p.title + " \n " + p.abstract for p in papers)
    features = feature_matrix(papers, vocab, profile.fields)
    coef = fit(features, [kept for _, kept in decided])
    if coef is None:  # pragma: no cover - both classes are present
        return Learned(profile.name, keeps, skips, ())
    to_score = factor(prior, features @ coef)
    weights = sorted(((round(float(c) * to_score, 4), w) for c, w in zip(coef, vocab.words, strict=True)),
                     key=lambda cw: (-abs(cw[0]), cw[1]))
    terms = tuple(Term(w, weight=c, exact=True, from_decisions=True) for c, w in weights[:max_words]
                  if abs(c) >= MIN_WEIGHT)
    return Learned(profile.name, keeps, skips, terms)


def with_words(profile: Profile, learned: Learned | None) -> Profile:
    """The profile with the learned words as extra terms (the profile itself without any)."""
    if learned is None or not learned.words:
        return profile
    return replace(profile, terms=tuple(t for t in profile.terms if not t.from_decisions) + learned.words)


def profile_scores(profile: Profile, papers: Sequence[Paper]) -> tuple[list[float], list[bool]]:
    """Each paper's score under the profile before min_score (which applies to the score with the
    learned part), and whether an exclude or require rule drops it."""
    scorer = Scorer([replace(profile, min_score=-math.inf)])
    cp = scorer.compiled[0]
    scores, dropped = [], []
    for start in range(0, len(papers), 256):
        for hits in scorer.field_hits_many(list(papers[start:start + 256]), positions=False):
            result = scorer.score_profile(cp, hits, with_matches=False) if any(hits.values()) else None
            scores.append(result[0] if result else 0.0)
            dropped.append(bool(cp.exclude or cp.require) and not scorer.allows(cp, hits))
    return scores, dropped


def teacher(decided: Mapping[str, Sequence[tuple[Paper, bool]]]) -> Callable[[list[Profile]], list[Profile]]:
    """What rank applies to the profiles as scored: each profile with decisions gets the words they
    teach (see learn), its decided papers' scores under the profile as scored setting their scale."""
    def teach(profiles: list[Profile]) -> list[Profile]:
        out = []
        for profile in profiles:
            papers = decided.get(profile.name, ())
            if papers:
                prior, _ = profile_scores(profile, [p for p, _ in papers])
                profile = with_words(profile, learn(profile, papers, prior))
            out.append(profile)
        return out

    return teach
