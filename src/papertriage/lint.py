"""Profile checks against a real listing: how many papers each term matches, and which terms are risky."""

from __future__ import annotations

from dataclasses import dataclass, field

from papertriage.matching import SHORT_TERM, words
from papertriage.models import Paper, Profile, Term
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
    """The factor rank gives the term on this listing (see calibration), from papers + partly."""
    partly: int = 0
    """Papers holding some words of the term but not the whole term (partial credit)."""


def lint(papers: list[Paper], profiles: list[Profile], calibrated: list[Profile] | None = None) -> list[TermReport]:
    """For every term of every profile: the papers it matches whole and those it matches only by
    some of its words (Scorer.terms_found, what rank scores), and warnings; with the profiles
    calibrated on the listing, the rarity rank gives each term there (counted on both)."""
    scorer = Scorer(profiles)
    counts: dict[tuple[int, int], int] = {}
    partly: dict[tuple[int, int], int] = {}
    for hits in (h for start in range(0, len(papers), 256)
                 for h in scorer.field_hits_many(papers[start:start + 256], positions=False)):
        if not any(hits.values()):
            continue
        for p, cp in enumerate(scorer.compiled):
            whole, part = scorer.terms_found(cp, hits)
            for c in whole:
                counts[(p, c)] = counts.get((p, c), 0) + 1
            for c in part:
                partly[(p, c)] = partly.get((p, c), 0) + 1
    reports = []
    n = max(1, len(papers))
    for p, cp in enumerate(scorer.compiled):
        for c, term in enumerate(cp.profile.terms):
            matched, words_only = counts.get((p, c), 0), partly.get((p, c), 0)
            report = TermReport(cp.profile.name, term.term, term.weight, matched, matched / n,
                                rarity=calibrated[p].terms[c].rarity if calibrated else 1.0, partly=words_only)
            report.warnings.extend(_warnings(report, term))
            reports.append(report)
    return reports


def _warnings(report: TermReport, term: Term) -> list[str]:
    """What may be wrong with a term, from how much of the listing it matches and how short it is."""
    warnings = []
    if report.papers == 0 and report.partly:
        warnings.append(f"matches no paper whole, {report.partly} only by some of its words (partial "
                        "credit, not shown as a match): check the spelling, or add aliases")
    elif report.papers == 0:
        warnings.append("matches no paper: check the spelling, or add aliases")
    elif report.share > BROAD:
        warnings.append(f"too broad: matches {report.share:.0%} of the listing; "
                        "use a longer phrase or a lower weight")
    for text in (term.term, *term.aliases):
        if len("".join(words(text))) <= SHORT_TERM and not term.exact:
            warnings.append(f"{text!r} is short, so it only matches exactly; "
                            "an acronym may mean something else in other fields")
    return warnings
