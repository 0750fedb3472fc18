"""Why a paper scored what it did: every match of every profile, and the total rank shows
(rendered by exports/explain.py)."""

from __future__ import annotations

from dataclasses import dataclass

from papertriage.models import Paper, Profile, Scored
from papertriage.scoring import Scorer


@dataclass
class Explanation:
    paper: Paper
    per_profile: list[tuple[Profile, Scored]]
    best: Scored


def explain(paper: Paper, profiles: list[Profile]) -> Explanation:
    scorer = Scorer(profiles)
    per = [(p, scorer.score_for(paper, p.name)) for p in profiles]
    return Explanation(paper, per, scorer.score(paper, whole_first=True))
