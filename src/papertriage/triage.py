"""The commands' core: read listings, deduplicate, score and rank; no printing here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from papertriage.models import Paper, Profile, Scored
from papertriage.scoring import Scorer, rank, sort_key
from papertriage.sources import Deduplicator, merge, read_papers
from papertriage.sources.base import Warn


@dataclass
class RankResult:
    results: list[Scored]
    total: int = 0
    """Unique papers read."""
    merged: int = 0
    """Records merged into another record of the same paper."""
    skipped: int = 0
    """Entries that could not be read (each was reported)."""
    stats: dict[str, int] = field(default_factory=dict)


def read_unique(inputs: list[str], *, fmt: str | None, dedupe: bool, warn: Warn,
                stats: dict[str, int]) -> Iterator[tuple[int, Paper, bool]]:
    """(group, paper, new) for every record read; without dedupe every record is its own group."""
    dedup = Deduplicator() if dedupe else None
    for n, paper in enumerate(read_papers(inputs, fmt=fmt, warn=warn, stats=stats)):
        if dedup is None:
            yield n, paper, True
        else:
            group, new = dedup.add(paper)
            yield group, paper, new
    stats["merged"] = dedup.merged if dedup else 0
    stats["unique"] = dedup.count if dedup else stats.get("papers", 0)


def rank_listings(inputs: list[str], profiles: list[Profile], *, fmt: str | None = None, top: int = 0,
                  min_score: float = 1e-9, dedupe: bool = True, warn: Warn = lambda m: None) -> RankResult:
    """Score every paper of the inputs and keep the best; with top > 0 memory stays bounded."""
    scorer = Scorer(profiles)
    stats: dict[str, int] = {}
    held: dict[int, Scored] = {}
    limit = 4 * top + 256
    for group, paper, new in read_unique(inputs, fmt=fmt, dedupe=dedupe, warn=warn, stats=stats):
        if not new and group in held:
            paper = merge(held[group].paper, paper)
        scored = scorer.score(paper)
        if scored.score >= min_score:
            held[group] = scored
        else:
            held.pop(group, None)
        if top and len(held) > limit:
            keep = sorted(held.items(), key=lambda kv: sort_key(kv[1]))[:top]
            held = dict(keep)
    results = rank(held.values(), top=top, min_score=min_score)
    return RankResult(results, stats.get("unique", 0), stats.get("merged", 0), stats.get("skipped", 0), stats)


def parse_listings(inputs: list[str], *, fmt: str | None = None, dedupe: bool = True,
                   warn: Warn = lambda m: None, stats: dict[str, int] | None = None) -> Iterable[Paper]:
    """Every paper, duplicates merged when dedupe is on (which holds the papers until the end)."""
    stats = stats if stats is not None else {}
    if not dedupe:
        yield from read_papers(inputs, fmt=fmt, warn=warn, stats=stats)
        stats["unique"] = stats.get("papers", 0)
        return
    papers: list[Paper] = []
    for group, paper, new in read_unique(inputs, fmt=fmt, dedupe=True, warn=warn, stats=stats):
        if new:
            papers.append(paper)
        else:
            papers[group] = merge(papers[group], paper)
    yield from papers


def find_paper(inputs: list[str], text: str, *, fmt: str | None = None, warn: Warn = lambda m: None) -> Paper | None:
    """The paper whose title best matches text (what `explain` explains)."""
    from rapidfuzz import fuzz

    from papertriage.matching import fold

    wanted = fold(text)
    best: tuple[float, Paper] | None = None
    for paper in parse_listings(inputs, fmt=fmt, warn=warn):
        title = fold(paper.title)
        score = fuzz.WRatio(wanted, title)
        if wanted == title:
            score = 1000
        if best is None or score > best[0]:
            best = (score, paper)
    return best[1] if best else None
