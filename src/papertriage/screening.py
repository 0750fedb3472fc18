"""A screening in progress: one profile, a list of papers, the decisions so far, what to show next
and when it is safe to stop. Used by `simulate` and the review screen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from papertriage.evaluation import paper_key, tie_key
from papertriage.learning import Vocabulary, WordModel, count_matrix, model_of, profile_scores, values_of
from papertriage.models import Paper, Profile, Scored
from papertriage.scoring import Scorer

SKIP_RUN_SHARE = 0.15
SKIP_RUN_MIN = 100
"""It is suggested to stop once the last SKIP_RUN_SHARE of the listing (at least SKIP_RUN_MIN
papers) were screened in a row without a keep. Chosen on the 18 SYNERGY sets (one shuffle, profile
prior, benchmarks/learning.py), so not a held-out figure: it stopped with 95% of the relevant papers
found on 16 of them, after 67% of a set on average; 10% of the listing stopped on 14 (after 60%);
the knee rule of Cormack and Grossman (2016) was as safe (17 of 18) only by screening 94%."""


@dataclass(frozen=True)
class Stopping:
    """Where a screening stands, and whether the stopping rule says to stop."""

    screened: int
    kept: int
    total: int
    estimated_left: int
    """Relevant papers estimated to remain: the rate of keeps in the last tenth screened (at least
    20 papers), halved (finds thin out as screening goes on), times the papers left."""
    stop: bool
    reason: str


def skip_run_needed(total: int) -> int:
    """How many papers in a row must be skipped before stopping is suggested."""
    return max(SKIP_RUN_MIN, math.ceil(SKIP_RUN_SHARE * total))


def skip_run(gains: Sequence[bool]) -> int:
    """How many papers were screened since the last keep."""
    for run, gain in enumerate(reversed(gains)):
        if gain:
            return run
    return len(gains)


def stop_rule(gains: Sequence[bool], total: int) -> tuple[bool, str]:
    """Whether to suggest stopping after screening with these outcomes (True = kept), and why."""
    run, needed = skip_run(gains), skip_run_needed(total)
    if not any(gains):
        return False, "keep screening: nothing kept yet"
    if run >= needed:
        return True, f"safe to stop: the last {run} papers screened were all skipped (the rule needs {needed})"
    return False, f"keep screening: {run} skipped in a row since the last keep; stopping needs {needed}"


class Screener:
    """Ranks the unscreened papers by the profile's score plus what the decisions so far teach (see
    learning), refitting the model as decisions come in.

    refit: "each" refits after every keep or skip (the review screen); "batch" refits when the
    labels have grown by a tenth since the last fit (at least one), as the batches of continuous
    active learning grow (Cormack and Grossman's BMI): the same ranking in far fewer fits.
    """

    def __init__(self, papers: Sequence[Paper], profile: Profile, *, plain: bool = False, refit: str = "each") -> None:
        import numpy as np

        from papertriage.calibration import calibrate

        self.papers = list(papers)
        self.profile = profile if plain or not self.papers else calibrate([profile], self.papers)[0]
        self.refit = refit
        prior, dropped = profile_scores(self.profile, self.papers)
        self.prior = np.asarray(prior, dtype=float)
        self.dropped = np.asarray(dropped, dtype=bool)
        """Papers an exclude or require rule of the profile drops: they come after all others."""
        self.vocab = Vocabulary.of_texts(p.title + " \n " + p.abstract for p in self.papers)
        self.counts = count_matrix(self.papers, self.vocab, self.profile.fields)
        order = sorted(range(len(self.papers)), key=lambda i: tie_key(paper_key(self.papers[i])))
        self._tie = np.empty(len(self.papers), dtype=np.int64)
        self._tie[order] = np.arange(len(self.papers))
        self.decisions: dict[int, str] = {}
        self.history: list[int] = []
        """Indices in the order they were decided."""
        self.model: WordModel | None = None
        """The model of the decisions so far, as rank would learn it from them (see learning)."""
        self._fitted_at = 0
        self.fits = 0
        """How many times the model has been fitted (simulate checks the stopping rule after each)."""
        self.scores = self.prior.copy()

    def _labelled(self) -> list[int]:
        return [i for i in self.history if self.decisions[i] in ("keep", "skip")]

    def record(self, index: int, decision: str | None) -> None:
        """Decide a paper (keep, skip, maybe), or take its decision back (None)."""
        if decision is None:
            self.decisions.pop(index, None)
            self.history = [i for i in self.history if i != index]
        else:
            if decision not in ("keep", "skip", "maybe"):
                raise ValueError(f"decision must be keep, skip or maybe, not {decision!r}")
            if index in self.decisions:
                self.history.remove(index)
            self.decisions[index] = decision
            self.history.append(index)
        n = len(self._labelled())
        if self.refit == "each" or decision is None or n >= self._fitted_at + max(1, math.ceil(self._fitted_at / 10)):
            self._fit()

    def _fit(self) -> None:
        """learning.model_of on the labelled papers, its words those of the labelled papers, its idf
        among them; the learned part of every paper's score from it."""
        import numpy as np

        labelled = self._labelled()
        labels = [self.decisions[i] == "keep" for i in labelled]
        self._fitted_at = len(labelled)
        self.fits += 1
        if all(labels) or not any(labels):
            self.model, self.scores = None, self.prior.copy()
            return
        used = np.unique(self.counts[labelled].indices)
        self.model = model_of(self.counts[labelled][:, used], [self.vocab.words[j] for j in used], labels,
                              list(self.prior[labelled]), self.profile.fields)
        # every paper's learned part, as model.score would give it one by one
        values = values_of(self.counts[:, used], np.asarray(self.model.idf))
        self.scores = self.prior + values @ np.asarray(self.model.weights)

    def ranking(self) -> list[int]:
        """The unscreened papers, best first (ties by a hash of the paper, never by file order)."""
        import numpy as np

        left = np.array([i for i in range(len(self.papers)) if i not in self.decisions], dtype=np.int64)
        if not len(left):
            return []
        order = np.lexsort((self._tie[left], -self.scores[left], self.dropped[left]))
        return [int(i) for i in left[order]]

    def next(self) -> int | None:
        """The unscreened paper to show next."""
        import numpy as np

        if len(self.decisions) == len(self.papers):
            return None
        open_ = np.ones(len(self.papers), dtype=bool)
        open_[np.fromiter(self.decisions, dtype=np.int64, count=len(self.decisions))] = False
        if (open_ & ~self.dropped).any():
            open_ &= ~self.dropped
        masked = np.where(open_, self.scores, -np.inf)
        tied = np.flatnonzero(open_ & (masked == masked.max()))
        return int(tied[np.argmin(self._tie[tied])])

    def score(self, index: int) -> float:
        return float(self.scores[index])

    def explained(self, index: int) -> Scored:
        """The paper's score with every contribution: the profile's matches and the learned words'
        (whose contributions, unrounded, sum with the profile's to score(index))."""
        from dataclasses import replace

        profile = replace(self.profile, model=self.model, min_score=-math.inf)
        return Scorer([profile]).score_for(self.papers[index], profile.name)

    def stopping(self) -> Stopping:
        gains = [self.decisions[i] == "keep" for i in self.history]
        stop, reason = stop_rule(gains, len(self.papers))
        window = max(20, len(gains) // 10)
        recent = gains[-window:]
        left = len(self.papers) - len(self.decisions)
        rate = sum(recent) / len(recent) if recent else 0.0
        return Stopping(len(self.history), sum(gains), len(self.papers), round(rate / 2 * left), stop, reason)

