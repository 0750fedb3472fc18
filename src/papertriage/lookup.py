"""Which paper `explain` explains: by id (arXiv, DOI, PMID), by title (saying when the best match is
weak), or by its place in the last ranking rank showed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from papertriage.errors import InputError
from papertriage.models import Paper, canonical_arxiv_id, canonical_doi, normalised_title

STRONG = 90.0
"""A title match this good (rapidfuzz token set ratio: the query's words all in the title) that no
other title comes near is the paper meant."""
CLOSE = 60.0
"""Below this, no title is close: explain names the closest and explains none."""
NEAR = 5.0
"""Another title within this of the best makes the match ambiguous (weak)."""
SHOWN = 3
"""How many closest titles a weak or failed lookup lists."""


@dataclass
class Found:
    """The paper a lookup settled on (None when nothing is close), and how sure it is."""

    paper: Paper | None
    how: str
    """"id", "title" (a clear title match), "weak" (explained, with a warning) or "none"."""
    closest: list[tuple[float, Paper]] = field(default_factory=list)
    """The best title matches with their similarity (0-100), best first (weak and none)."""


def _pmid(query: str) -> str | None:
    m = re.fullmatch(r"\s*(?:pmid[:\s]*)?(\d{1,9})\s*", query, flags=re.I)
    return m.group(1) if m else None


def _paper_pmid(paper: Paper) -> str | None:
    pmid = paper.extra.get("pmid")
    if pmid:
        return str(pmid)
    m = re.search(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)", paper.url or "")
    return m.group(1) if m else None


def by_id(papers: list[Paper], query: str) -> Paper | None:
    """The paper with this id: `2312.07541` or `arXiv:2312.07541v2` or its URL, a DOI (`10.…` or
    `doi:…`), a PMID (digits, `PMID 123`), or a canonical id as `parse` prints it."""
    text = query.strip()
    for paper in papers:
        if paper.id == text:
            return paper
    arxiv = canonical_arxiv_id(text)
    doi = canonical_doi(text)
    pmid = _pmid(text) if not arxiv else None
    for paper in papers:
        if (arxiv and paper.arxiv_id == arxiv) or (doi and paper.doi == doi) or (pmid and _paper_pmid(paper) == pmid):
            return paper
    return None


def by_title(papers: list[Paper], query: str) -> Found:
    """The paper whose title best matches query. Clear when the query's words are (nearly) all in
    one title and in no other (token set ratio >= STRONG, the next more than NEAR below), or
    when the words in order match one title well (token sort ratio); weak otherwise; none below CLOSE."""
    from rapidfuzz import fuzz

    wanted = normalised_title(query)
    scored = []
    for paper in papers:
        title = normalised_title(paper.title)
        if title == wanted:
            return Found(paper, "title")
        subset, order = fuzz.token_set_ratio(wanted, title), fuzz.token_sort_ratio(wanted, title)
        scored.append((subset, order, paper))
    if not scored:
        return Found(None, "none")
    by_both = sorted(scored, key=lambda s: -(s[0] + s[1]))
    closest = [(round((a + b) / 2, 1), p) for a, b, p in by_both[:SHOWN]]
    best_subset = max(s[0] for s in scored)
    if best_subset < CLOSE:
        return Found(None, "none", closest)
    subsets = sorted((s[0] for s in scored), reverse=True)
    orders = sorted((s[1] for s in scored), reverse=True)
    top = by_both[0]
    clear_subset = top[0] == subsets[0] >= STRONG and (len(subsets) == 1 or subsets[1] < subsets[0] - NEAR)
    clear_order = top[1] == orders[0] >= 85 and (len(orders) == 1 or orders[1] < orders[0] - 2 * NEAR)
    return Found(top[2], "title" if clear_subset or clear_order else "weak", closest)


def find(papers: Iterable[Paper], query: str) -> Found:
    """By id first, then by title."""
    listed = list(papers)
    paper = by_id(listed, query)
    if paper is not None:
        return Found(paper, "id")
    return by_title(listed, query)


def last_ranking_path(ledger: Path) -> Path:
    """Where rank keeps the ids of the papers it showed last (beside the seen ledger)."""
    return ledger.with_name("last-ranking.json")


def save_last_ranking(path: Path, listings: list[str], papers: list[Paper]) -> None:
    """Remember what rank showed, in order, so `explain --rank N` can name the N-th."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"listings": [str(Path(f).resolve()) if f != "-" else f for f in listings],
            "papers": [{"id": p.id, "title": p.title} for p in papers]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def ranked(path: Path, n: int) -> tuple[list[str], str, str]:
    """The listings of the last ranking and the id and title of its n-th paper."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        papers = data["papers"]
        listings = [str(f) for f in data["listings"]]
    except FileNotFoundError:
        raise InputError("no ranking shown yet: run `papertriage rank LISTING` first (without --no-record)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: cannot read the last ranking ({exc}); run `papertriage rank` again") from None
    if not 1 <= n <= len(papers):
        raise InputError(f"--rank {n}: the last ranking showed {len(papers)} papers")
    return listings, str(papers[n - 1]["id"]), str(papers[n - 1]["title"])
