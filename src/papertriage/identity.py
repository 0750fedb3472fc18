"""Paper identity: the keys of a paper, when two records are one paper, how they merge, and the
stream of merged papers. The one home of these rules: parse, rank, calibration, the ledger and
evaluate all use them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Iterator

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


def title_joins(has_id: bool, paper_has_id: bool) -> bool:
    """Whether a record joins a paper by its title: only when one of them has no arXiv id or DOI
    (two with different ids are different papers even when their titles agree)."""
    return not (has_id and paper_has_id)


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
            if title_joins(bool(ids), candidate in self._strong):
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


PARTIAL_ONLY, HIDDEN, BEFORE_SINCE, SINCE_KEPT = 1, 2, 4, 8
"""Flags PaperTable keeps of each paper: left out as partial_only (see Scored), left out as hidden,
with a record left out by --since, with a record kept by it."""

GroupKeys = tuple[tuple[str, ...], tuple[str, ...]]
"""The keys of a paper's records in one shard: every id (arXiv id, DOI) and every title key they had."""
_STRONG = 16
"""The paper has an arXiv id or DOI (see Deduplicator)."""


class HashedKeys:
    """A map from 64-bit keys to the paper that first had them: the latest keys in a dict, the
    others in sorted NumPy arrays (a few runs, merged as they grow, as an LSM tree keeps them)."""

    RECENT = 1 << 17
    """Keys held in the dict before they move to a sorted run (a dict entry costs ~100 bytes, a run's 16)."""

    def __init__(self, recent: int = RECENT) -> None:
        self.recent = recent
        self._recent: dict[int, int] = {}
        self._runs: list[tuple[Any, Any]] = []

    def find(self, keys: list[int]) -> list[int]:
        """The paper of each key, or -1."""
        found = [self._recent.get(k, -1) for k in keys]
        if self._runs and keys:
            import numpy as np

            wanted = np.array(keys, dtype=np.int64)
            result = np.array(found, dtype=np.int64)
            for sorted_keys, papers in self._runs:
                at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
                hit = (sorted_keys[at] == wanted) & (result < 0)
                result[hit] = papers[at[hit]]
            found = result.tolist()
        return found

    def add(self, key: int, paper: int) -> None:
        """Key first met in paper: the caller found it nowhere (a key is never added twice)."""
        self._recent[key] = paper
        if len(self._recent) >= self.recent:
            self._flush()

    def _flush(self) -> None:
        import numpy as np

        keys = np.fromiter(self._recent.keys(), dtype=np.int64, count=len(self._recent))
        papers = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
        self._recent = {}
        runs = self._runs
        runs.append((keys, papers))
        while len(runs) > 1 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
            (k1, p1), (k2, p2) = runs.pop(), runs.pop()
            keys, papers = np.concatenate([k2, k1]), np.concatenate([p2, p1])
            runs.append((keys, papers))
        order = np.argsort(runs[-1][0], kind="stable")
        runs[-1] = (runs[-1][0][order], runs[-1][1][order])


class PaperTable:
    """Deduplicator's rule across the shards of a run, for any number of papers: each shard's
    groups (already merged within the shard) become papers of the run, and a byte of flags is kept
    per paper.

    Keys are kept as 64-bit hashes (Python's `hash` of the key, stable within this process), in
    HashedKeys: about 16 bytes a key against some 150 for a dict of strings, so the 2.7M papers of
    the arXiv snapshot fit in under 100 MB. Two keys with one hash would join two papers: with a
    few million keys, a chance of about 1 in 10^6 per run.
    """

    def __init__(self, dedupe: bool = True, recent: int = HashedKeys.RECENT) -> None:
        self.dedupe = dedupe
        self._ids = HashedKeys(recent)
        self._titles = HashedKeys(recent)
        self.flags = bytearray()
        self.merged = 0

    @property
    def count(self) -> int:
        return len(self.flags)

    def add_groups(self, groups: list[GroupKeys]) -> list[int]:
        """The run's paper of each group of a shard (see GroupKeys), in order, as Deduplicator.add_keys
        would give for records with those keys.

        Within a shard no two groups share an id (Deduplicator merged them), so the ids looked up
        before the shard is added give the answers looking each up in turn would; a title may
        recur (two groups with different ids), so the titles this shard adds are looked up too."""
        if not self.dedupe:
            start = len(self.flags)
            self.flags.extend(bytes(len(groups)))
            return list(range(start, start + len(groups)))
        ids = [[hash(k) for k in keys] for keys, _ in groups]
        titles = [[hash(t) for t in ts] for _, ts in groups]
        found_ids = iter(self._ids.find([k for keys in ids for k in keys]))
        found_titles = iter(self._titles.find([t for ts in titles for t in ts]))
        added: dict[int, int] = {}
        """Title -> paper, for the titles this shard adds."""
        mapping = []
        for keys, ts in zip(ids, titles, strict=True):
            known = [next(found_ids) for _ in keys]
            found = [next(found_titles) for _ in ts]
            candidates = [g if g >= 0 else added.get(t, -1) for t, g in zip(ts, found, strict=True)]
            group = self._add(keys, known, candidates)
            for t, candidate in zip(ts, candidates, strict=True):
                if candidate < 0 and t not in added:
                    self._titles.add(t, group)
                    added[t] = group
            mapping.append(group)
        return mapping

    def _add(self, keys: list[int], known: list[int], candidates: list[int]) -> int:
        group = next((g for g in known if g >= 0), -1)
        if group < 0:
            group = next((c for c in candidates if c >= 0 and title_joins(bool(keys), bool(self.flags[c] & _STRONG))), -1)
        if group < 0:
            group = len(self.flags)
            self.flags.append(0)
        else:
            self.merged += 1
        for key, g in zip(keys, known, strict=True):
            if g < 0:
                self._ids.add(key, group)
        if keys:
            self.flags[group] |= _STRONG
        return group

    def mark(self, mapping: list[int], indices: list[int], flag: int) -> None:
        for index in indices:
            self.flags[mapping[index]] |= flag

    def mark_since(self, mapping: list[int], left_out: list[int]) -> None:
        """Groups of a shard all of whose records --since left out, and (the others) with one kept."""
        out = set(left_out)
        for index, group in enumerate(mapping):
            self.flags[group] |= BEFORE_SINCE if index in out else SINCE_KEPT

    def flag(self, group: int, flag: int) -> None:
        self.flags[group] |= flag

    def unflag(self, group: int, flag: int) -> None:
        self.flags[group] &= ~flag & 0xFF

    def counted(self, flag: int, held: Iterable[int]) -> int:
        """Papers with flag, none of a record kept by --since when that is the flag, and not in held."""
        mask = flag | SINCE_KEPT if flag == BEFORE_SINCE else flag
        table = bytes(1 if b & mask == flag else 0 for b in range(256))
        return self.flags.translate(table).count(1) - sum(1 for g in held if self.flags[g] & mask == flag)
