"""Paper identity: the keys of a paper, when two records are one paper, how they merge, and the
stream of merged papers. The one home of these rules: parse, rank, calibration, the ledger and
evaluate all use them."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from papertriage.models import Paper, normalised_title


def title_key(title: str) -> str:
    """The key of a title: its normalised words (case, accents and punctuation do not matter)."""
    return "t:" + normalised_title(title)


def paper_keys(paper: Paper) -> list[str]:
    """The keys a paper is known by (the ledger remembers it by them, a labels file may name any):
    its canonical id, its title key, and its arXiv id and DOI when the canonical id is another."""
    keys = [paper.id, title_key(paper.title)]
    if paper.arxiv_id and paper.id != f"arxiv:{paper.arxiv_id}":
        keys.append(f"arxiv:{paper.arxiv_id}")
    if paper.doi and paper.id != f"doi:{paper.doi}":
        keys.append(f"doi:{paper.doi}")
    return keys


def _richness(paper: Paper) -> int:
    d = paper.to_dict()
    return sum(1 for v in d.values() if v not in (None, "", [], {})) + (len(paper.abstract) > 0) * 5


def merge(kept: Paper, other: Paper) -> Paper:
    """Two records of one paper as one: the richer one's fields, with gaps filled from the other."""
    a, b = (kept, other) if _richness(kept) >= _richness(other) else (other, kept)
    filled: dict[str, object] = {}
    for key in ("organization", "published", "upvotes", "url", "n_authors"):
        if getattr(a, key) in (None, "") and getattr(b, key) not in (None, ""):
            filled[key] = getattr(b, key)
    # per field, the fuller text or list wins
    for key in ("abstract", "authors", "categories", "keywords"):
        if len(getattr(b, key)) > len(getattr(a, key)):
            filled[key] = getattr(b, key)
    best_id = min((a.id, b.id), key=lambda i: ("arxiv:", "doi:", "title:").index(i.split(":")[0] + ":"))
    if best_id != a.id:
        filled["id"] = best_id
    extra = {**b.extra, **a.extra}
    return replace(a, extra=extra, **filled)  # type: ignore[arg-type]


class Deduplicator:
    """Groups records of one paper by canonical id, DOI or arXiv id, or normalised title, without holding papers.

    Two records with different arXiv ids or DOIs are different papers even when their titles agree
    (errata, "Introduction"); a title joins records only when one of them has no such id.
    `add` returns the paper's group number and whether the group is new; the caller, who holds
    whichever records it still needs, merges a duplicate into the record it kept (see `merge`).
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._titles: dict[str, int] = {}
        self._strong: set[int] = set()
        self.count = 0
        self.merged = 0

    @staticmethod
    def keys(paper: Paper) -> tuple[tuple[str, ...], str | None]:
        """The paper's strong ids (arXiv id, DOI) and its title key."""
        ids = tuple(k for k in (paper.arxiv_id and "arxiv:" + paper.arxiv_id, paper.doi and "doi:" + paper.doi) if k)
        title = title_key(paper.title) if paper.title else None
        return ids, title

    def group_of(self, key: str) -> int | None:
        """The group already holding this id key (`arxiv:...`, `doi:...`), if any."""
        return self._ids.get(key)

    def add(self, paper: Paper) -> tuple[int, bool]:
        return self.add_keys(*self.keys(paper))

    def add_keys(self, ids: tuple[str, ...], title: str | None) -> tuple[int, bool]:
        group = next((self._ids[k] for k in ids if k in self._ids), None)
        if group is None and title is not None and title in self._titles:
            candidate = self._titles[title]
            if not ids or candidate not in self._strong:
                group = candidate
        new = group is None
        if group is None:
            group = self.count
            self.count += 1
        else:
            self.merged += 1
        for key in ids:
            self._ids.setdefault(key, group)
        if ids:
            self._strong.add(group)
        if title is not None:
            self._titles.setdefault(title, group)
        return group, new


def merged_papers(papers: Iterable[Paper], stats: dict[str, int] | None = None) -> Iterator[Paper]:
    """The papers of a stream of records, each once with its records merged, in the order they
    first appear; the papers are held until the stream ends (a later record may merge into any).
    stats gets `merged` (records merged into an earlier one) and `unique` (papers)."""
    dedup = Deduplicator()
    held: list[Paper] = []
    for paper in papers:
        group, new = dedup.add(paper)
        if new:
            held.append(paper)
        else:
            held[group] = merge(held[group], paper)
    if stats is not None:
        stats["merged"], stats["unique"] = dedup.merged, dedup.count
    yield from held


def first_papers(papers: Iterable[Paper], limit: int, *, dedupe: bool = True) -> list[Paper]:
    """The first `limit` papers of a stream of records, in order, their records merged (later
    records of those papers too, until the stream holds a paper more): what calibration samples."""
    dedup = Deduplicator() if dedupe else None
    first: list[Paper] = []
    for paper in papers:
        if dedup is not None:
            group, new = dedup.add(paper)
            if not new:
                if group < len(first):
                    first[group] = merge(first[group], paper)
                continue
        if len(first) == limit:
            break
        first.append(paper)
    return first
