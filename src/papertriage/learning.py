"""What decisions teach a profile: a linear model over words, whose every contribution is a word
with a weight.

The model is a logistic regression (scikit-learn, liblinear, balanced classes, L2) over the words
of the decided papers. A paper's value for a word is tf-idf: sum over fields of field weight x
saturation(count in the field), times the word's idf among the decided papers, the paper's values
scaled to unit length (as text classifiers do: a long abstract does not outvote a short one). The
learned part of a score is

    sum over words of weight x value,      weight = coefficient x factor
    factor = MODEL_WEIGHT x n / (n + HALF_WAY) x spread of the profile scores / spread of the model's

where n is the number of keep and skip decisions and the spreads (standard deviations) are taken
over the decided papers: the learned part is scaled to the profile's own range of scores, and with
few decisions the profile leads, with many the decisions do. Maybe-decisions are not labels.
Learning needs a keep and a skip. `explain` lists each word's weight, value and contribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from papertriage.calibration import COMMON
from papertriage.matching import stem, word_similarity, words
from papertriage.models import Match, Paper, Profile
from papertriage.scoring import Scorer, saturate

HALF_WAY = 10
"""Decisions after which the learned part weighs half of what it will."""
MODEL_WEIGHT = 2.0
"""The learned part's spread, once many decisions are made, over the profile's. On the 18 SYNERGY
sets (benchmarks/learning.py) 2 beat 1 (mean WSS@95 0.493 vs 0.482, recall@10% 0.568 vs 0.551) and
3 (0.495, 0.574 with AP lower)."""
C = 1.0
"""Inverse strength of the L2 penalty (scikit-learn's default; 0.3 and 3 gave the same means)."""


def learnable(word: str) -> bool:
    """Words the model may weigh: three letters or more, letters only, not a common word."""
    return len(word) > 2 and word.isalpha() and word not in COMMON


class Vocabulary:
    """The words a model weighs, one spelling per stem, and which paper words each matches.

    A word matches as an exact one-word term does (matching.word_similarity: the same word, its
    plural, or for words over 4 letters any word of the same stem)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.words = list(vocabulary)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._by_stem: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self._by_stem.setdefault(stem(w), []).append(i)
        self._matches: dict[str, tuple[int, ...]] = {}

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> Vocabulary:
        """The learnable words of the texts; of each stem, its shortest spelling (`rat` matches `rats`)."""
        spellings: dict[str, set[str]] = {}
        for text in texts:
            for w in set(words(text)):
                if learnable(w):
                    spellings.setdefault(stem(w), set()).add(w)
        return cls(sorted(min(group, key=lambda w: (len(w), w)) for group in spellings.values()))

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

    def counts(self, paper: Paper, fields: Sequence[tuple[str, float]]) -> dict[int, float]:
        """Word index -> sum over fields of field weight x saturation(count of the word there)."""
        out: dict[int, float] = {}
        for name, weight in fields:
            counts: dict[int, int] = {}
            for token in words(getattr(paper, name, "") or ""):
                for i in self.matches(token):
                    counts[i] = counts.get(i, 0) + 1
            for i, count in counts.items():
                out[i] = out.get(i, 0.0) + weight * saturate(count)
        return out


def count_matrix(papers: Sequence[Paper], vocab: Vocabulary, fields: Sequence[tuple[str, float]]) -> Any:
    """Papers x vocabulary, as a scipy CSR matrix of Vocabulary.counts."""
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []  # type: tuple[list[int], list[int], list[float]]
    for paper in papers:
        counts = vocab.counts(paper, fields)
        indices.extend(counts)
        data.extend(counts.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(papers), len(vocab)), dtype=float)


def idf_of(counts: Any) -> Any:
    """ln((n + 1) / (df + 1)) + 1 of each column, df the rows that hold it (scikit-learn's smooth idf)."""
    import numpy as np

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((n + 1) / (df + 1)) + 1


def values_of(counts: Any, idf: Any) -> Any:
    """The tf-idf values: counts x idf, each row scaled to unit length."""
    from scipy.sparse import diags
    from sklearn.preprocessing import normalize

    return normalize(counts @ diags(idf))


def fit(values: Any, labels: Sequence[bool]) -> Any:
    """The coefficients (a numpy array) of a balanced L2 logistic regression, or None when the
    labels hold only one class. liblinear (coordinate descent in the dual) suits these few-rows,
    many-words problems: on Cohen_2006_Triptans it fits in a tenth of lbfgs' time."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        return None
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
    model.fit(values, y)
    return model.coef_[0]


def factor(prior: Sequence[float], learned: Sequence[float]) -> float:
    """From model units (logits) to score units (see the module's docstring)."""
    import numpy as np

    n = len(prior)
    spread_prior, spread_learned = float(np.std(prior)), float(np.std(learned))
    return MODEL_WEIGHT * n / (n + HALF_WAY) * (spread_prior or 1.0) / (spread_learned or 1.0)


@dataclass(frozen=True)
class WordModel:
    """What decisions taught one profile: a weight per word (score units per unit of tf-idf value)."""

    words: tuple[str, ...]
    idf: tuple[float, ...]
    weights: tuple[float, ...]
    fields: tuple[tuple[str, float], ...]
    keeps: int
    skips: int
    _vocab: list[Vocabulary] = field(default_factory=list, compare=False, hash=False, repr=False)

    @property
    def vocabulary(self) -> Vocabulary:
        if not self._vocab:
            self._vocab.append(Vocabulary(self.words))
        return self._vocab[0]

    def values(self, paper: Paper) -> dict[int, float]:
        """The paper's tf-idf value of each word of the model it holds (unit length over them all)."""
        raw = {i: c * self.idf[i] for i, c in self.vocabulary.counts(paper, self.fields).items()}
        norm = math.sqrt(sum(v * v for v in raw.values()))
        return {i: v / norm for i, v in raw.items()} if norm else {}

    def matches(self, paper: Paper) -> tuple[Match, ...]:
        """One match per word with a weight, largest contribution first: what `explain` lists."""
        out = []
        for i, value in self.values(paper).items():
            weight = self.weights[i]
            if weight:
                out.append(Match(term=self.words[i], field="words", text=self.words[i], similarity=100.0, count=1,
                                 term_weight=round(weight, 4), field_weight=round(value, 4),
                                 contribution=round(weight * value, 4), from_decisions=True))
        return tuple(sorted(out, key=lambda m: (-abs(m.contribution), m.term)))

    def score(self, paper: Paper) -> float:
        """The learned part of the paper's score: the sum of matches' contributions."""
        return round(sum(round(self.weights[i] * v, 4) for i, v in self.values(paper).items() if self.weights[i]), 4)

    def strongest(self, n: int) -> list[tuple[str, float]]:
        """The n words with the largest weights (either sign), as (word, weight)."""
        ranked = sorted(zip(self.words, self.weights, strict=True), key=lambda ww: (-abs(ww[1]), ww[0]))
        return [(w, weight) for w, weight in ranked[:n] if weight]


def fit_model(profile: Profile, decided: Sequence[tuple[Paper, bool]], prior: Sequence[float]) -> WordModel | None:
    """The model of the decided papers (True = keep); prior: their scores under the profile as it
    is scored (calibrated or plain), which set the scale of the weights. None without a keep and a skip."""
    labels = [kept for _, kept in decided]
    if all(labels) or not any(labels):
        return None
    papers = [p for p, _ in decided]
    vocab = Vocabulary.of_texts(p.title + " \n " + p.abstract for p in papers)
    return model_of(count_matrix(papers, vocab, profile.fields), vocab.words, labels, prior, profile.fields)


def model_of(counts: Any, vocabulary: Sequence[str], labels: Sequence[bool], prior: Sequence[float],
             fields: tuple[tuple[str, float], ...]) -> WordModel:
    """The model fitted on the counts of labelled papers (rows) of the vocabulary's words (columns,
    each held by one of them at least), their labels and profile scores: the one rule `rank` and a
    screening learn by."""
    idf = idf_of(counts)
    values = values_of(counts, idf)
    coef = fit(values, labels)
    to_score = factor(prior, values @ coef)
    return WordModel(tuple(vocabulary), tuple(float(x) for x in idf), tuple(float(c) * to_score for c in coef),
                     fields, sum(labels), len(labels) - sum(labels))


def profile_scores(profile: Profile, papers: Sequence[Paper]) -> tuple[list[float], list[bool]]:
    """Each paper's score under the profile before min_score (which applies to the score with the
    learned part), and whether an exclude or require rule drops it."""
    scorer = Scorer([replace(profile, min_score=-math.inf, model=None)])
    cp = scorer.compiled[0]
    scores, dropped = [], []
    for start in range(0, len(papers), 256):
        for hits in scorer.field_hits_many(list(papers[start:start + 256]), positions=False):
            result = scorer.score_profile(cp, hits, with_matches=False) if any(hits.values()) else None
            scores.append(result[0] if result else 0.0)
            dropped.append(bool(cp.exclude or cp.require) and not scorer.allows(cp, hits))
    return scores, dropped


def teacher(decided: Mapping[str, Sequence[tuple[Paper, bool]]]) -> Callable[[list[Profile]], list[Profile]]:
    """What rank applies to the profiles as scored: each profile with decisions gets the model they
    teach (see fit_model), its decided papers' scores under the profile as scored setting its scale."""
    def teach(profiles: list[Profile]) -> list[Profile]:
        out = []
        for profile in profiles:
            papers = decided.get(profile.name, ())
            if papers:
                prior, _ = profile_scores(profile, [p for p, _ in papers])
                model = fit_model(profile, papers, prior)
                if model is not None:
                    profile = replace(profile, model=model)
            out.append(profile)
        return out

    return teach
