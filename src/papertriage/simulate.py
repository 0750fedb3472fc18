"""Replaying a screening on labelled papers: the order papertriage would have shown them in, each
label revealed only once its paper is screened, and how soon the relevant papers came."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from papertriage.errors import InputError
from papertriage.evaluation import metrics
from papertriage.models import Paper, Profile
from papertriage.screening import Screener, stop_rule

PRIORS = ("0", "1+1")


@dataclass(frozen=True)
class ScreeningMetrics:
    papers: int
    relevant: int
    average_precision: float
    recall_at_10pct: float
    recall_at_20pct: float
    wss_at_95: float
    screened_to_95: int
    screened_to_100: int


def screening_metrics(labels_in_order: Sequence[bool]) -> ScreeningMetrics:
    """The metrics of a screening order (the labels of the papers in the order they were screened):
    those of `evaluate` (evaluation.metrics, on the order as a ranking) and the papers screened to
    reach 95% and 100% of the relevant ones."""
    n = len(labels_in_order)
    keys = [f"{i:012d}" for i in range(n)]  # every position has its own score: keys never break a tie
    m = metrics([float(n - i) for i in range(n)], list(labels_in_order), keys)
    relevant = sum(labels_in_order)
    need95 = -(-95 * relevant // 100)
    found, to95, to100 = 0, n, n
    for i, label in enumerate(labels_in_order, 1):
        found += label
        if found == need95 and to95 == n:
            to95 = i
        if found == relevant:
            to100 = i
            break
    return ScreeningMetrics(n, relevant, m.average_precision, m.recall_at_10pct, m.recall_at_20pct, m.wss_at_95, to95,
                            to100)


@dataclass(frozen=True)
class Simulation:
    order: list[int]
    """Paper indices in the order screened."""
    labels: list[bool]
    """Their labels, in that order."""
    prior: int
    """How many of the first screened were given as prior knowledge (0 or 2)."""
    stop_step: int | None
    """Where the stopping rule (screening.stop_rule) first said to stop (None: it never did)."""
    metrics: ScreeningMetrics

    @property
    def recall_at_stop(self) -> float | None:
        if self.stop_step is None:
            return None
        return sum(self.labels[:self.stop_step]) / max(1, sum(self.labels))

    def summary(self) -> dict[str, Any]:
        out = asdict(self.metrics)
        out.update(prior=self.prior, stop_step=self.stop_step, recall_at_stop=self.recall_at_stop)
        return out


def simulate(papers: Sequence[Paper], labels: Sequence[bool], profile: Profile, *, prior: str = "0", seed: int = 0,
             plain: bool = False, stop: bool = False) -> Simulation:
    """Screen every paper in turn, always the top of the current ranking, revealing its label to the
    model only then. prior "1+1" starts from one random relevant and one random irrelevant paper
    (ASReview's protocol, seeded); "0" from the profile alone. stop: end where the stopping rule says
    (the rest follow in the last ranking, unrevealed, for the metrics)."""
    if prior not in PRIORS:
        raise InputError(f"--prior must be one of {', '.join(PRIORS)}, not {prior!r}")
    if not any(labels):
        raise InputError("no relevant (kept) paper among the labels; check --label-column or --labels")
    screener = Screener(papers, profile, plain=plain, refit="batch")
    order: list[int] = []
    if prior == "1+1":
        if all(labels):
            raise InputError("--prior 1+1 needs an irrelevant paper among the labels")
        rng = random.Random(seed)
        order = [rng.choice([i for i, y in enumerate(labels) if y]), rng.choice([i for i, y in enumerate(labels) if not y])]
        for first in order:
            screener.record(first, "keep" if labels[first] else "skip")
    stop_step: int | None = None
    while True:
        i = screener.next()
        if i is None:
            break
        order.append(i)
        screener.record(i, "keep" if labels[i] else "skip")
        if stop_step is None and stop_rule([bool(labels[j]) for j in order], len(papers))[0]:
            stop_step = len(order)
            if stop:
                order += screener.ranking()
                break
    in_order = [bool(labels[i]) for i in order]
    return Simulation(order, in_order, 2 if prior == "1+1" else 0, stop_step, screening_metrics(in_order))
