"""Profile checks against a real listing: how many papers each term matches, and which terms are risky."""

from __future__ import annotations

from dataclasses import dataclass, field

from papertriage.matching import SHORT_TERM, words
from papertriage.models import Paper, Profile
from papertriage.scoring import Scorer

BROAD = 0.30
"""A term matching more than this share of the listing hardly tells papers apart."""


@dataclass
class TermReport:
    profile: str
    term: str
    weight: float
    papers: int
    share: float
    warnings: list[str] = field(default_factory=list)
    rarity: float = 1.0
    """The factor rank gives the term on this listing (see calibration)."""


def lint(papers: list[Paper], profiles: list[Profile], calibrated: list[Profile] | None = None) -> list[TermReport]:
    """For every term of every profile: papers matched (whole term or an alias, any field) and warnings;
    with the profiles calibrated on the listing, the rarity rank gives each term there."""
    scorer = Scorer(profiles)
    counts: dict[tuple[int, int], int] = {}
    for paper in papers:
        found = set().union(*scorer.field_hits(paper).values())
        for p, cp in enumerate(scorer.compiled):
            for c, concept in enumerate(cp.concepts):
                if not found.isdisjoint(concept.patterns):
                    counts[(p, c)] = counts.get((p, c), 0) + 1
    reports = []
    n = max(1, len(papers))
    for p, cp in enumerate(scorer.compiled):
        for c, term in enumerate(cp.profile.terms):
            matched = counts.get((p, c), 0)
            report = TermReport(cp.profile.name, term.term, term.weight, matched, matched / n,
                                rarity=calibrated[p].terms[c].rarity if calibrated else 1.0)
            if matched == 0:
                report.warnings.append("matches no paper: check the spelling, or add aliases")
            elif report.share > BROAD:
                report.warnings.append(f"too broad: matches {report.share:.0%} of the listing; "
                                       "use a longer phrase or a lower weight")
            for text in (term.term, *term.aliases):
                if len("".join(words(text))) <= SHORT_TERM and not term.exact:
                    report.warnings.append(f"{text!r} is short, so it only matches exactly; "
                                           "an acronym may mean something else in other fields")
            reports.append(report)
    return reports
