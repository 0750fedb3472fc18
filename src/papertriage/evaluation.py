"""How well profiles rank labelled listings: average precision, recall at 10/20%, WSS@95, P@10, nDCG@10."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from papertriage.errors import InputError
from papertriage.identity import paper_keys, title_key
from papertriage.models import Paper, Profile, normalised_title
from papertriage.scoring import Scorer
from papertriage.sources.base import Warn

POSITIVE = {"1", "true", "yes", "y", "included", "include", "relevant", "kept", "keep", "positive"}
LABEL_COLUMNS = ("label_included", "included", "labels", "label", "relevant", "kept")


@dataclass(frozen=True)
class Metrics:
    papers: int
    positives: int
    average_precision: float
    recall_at_10pct: float
    recall_at_20pct: float
    wss_at_95: float
    precision_at_10: float
    ndcg_at_10: float


def tie_key(paper_key: str) -> str:
    """Order among equal scores: a hash of the paper, the same for every method and independent of labels."""
    return hashlib.sha1(paper_key.encode("utf-8")).hexdigest()


def ranking(scores: Sequence[float], keys: Sequence[str]) -> list[int]:
    """Indices best first: by score, then by tie_key."""
    ties = [tie_key(k) for k in keys]
    return sorted(range(len(scores)), key=lambda i: (-scores[i], ties[i]))


def metrics(scores: Sequence[float], labels: Sequence[bool], keys: Sequence[str]) -> Metrics:
    """Screening metrics of one ranking. WSS@95 = (N - papers screened to reach 95% recall)/N - 0.05."""
    order = ranking(scores, keys)
    n = len(order)
    positives = sum(labels)
    if n == 0 or positives == 0:
        raise InputError("no positive (kept) paper among the labels; check --label-column or --labels")
    found = 0
    precision_sum = 0.0
    n95 = n
    recall_needed = math.ceil(0.95 * positives)
    gains = []
    for rank, i in enumerate(order, 1):
        if labels[i]:
            found += 1
            precision_sum += found / rank
            if found == recall_needed and n95 == n:
                n95 = rank
        if rank <= 10:
            gains.append(1.0 if labels[i] else 0.0)

    def recall_at(fraction: float) -> float:
        k = math.ceil(fraction * n)
        return sum(labels[i] for i in order[:k]) / positives

    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sum(1 / math.log2(r + 2) for r in range(min(10, positives)))
    return Metrics(
        papers=n,
        positives=positives,
        average_precision=precision_sum / positives,
        recall_at_10pct=recall_at(0.10),
        recall_at_20pct=recall_at(0.20),
        wss_at_95=(n - n95) / n - 0.05,
        precision_at_10=sum(gains) / 10,
        ndcg_at_10=dcg / ideal,
    )


def paper_key(paper: Paper) -> str:
    return paper.id + "|" + normalised_title(paper.title)


def label_of(paper: Paper, column: str | None) -> bool | None:
    """The kept/skipped label a listing row carries (None when it has none)."""
    columns = (column.lower(),) if column else LABEL_COLUMNS
    for name in columns:
        value = paper.extra.get(name)
        if value is not None:
            return str(value).strip().lower() in POSITIVE
    return None


def read_label_file(path: str) -> set[str]:
    """Ids (arXiv ids, DOIs, papertriage ids) or titles of kept papers, one a line; # starts a comment."""
    from papertriage.models import canonical_arxiv_id, canonical_doi

    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the labels file ({exc}); give a UTF-8 text file") from None
    kept: set[str] = set()
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        arxiv = canonical_arxiv_id(line.removeprefix("arxiv:"))
        doi = canonical_doi(line)
        if arxiv:
            kept.add("arxiv:" + arxiv)
        elif doi:
            kept.add("doi:" + doi)
        kept.add(title_key(line))
        kept.add(line)
    return kept


ID_FIELDS = ("pmid", "openalex_id", "record_id", "source_id", "wos_id")
"""A listing's own ids (kept in extra by the sources) that a labels file may give: PMIDs, OpenAlex
ids, ASReview record ids, Web of Science UT; written bare or as `pmid:...`."""


def is_kept(paper: Paper, kept: set[str]) -> bool:
    keys = set(paper_keys(paper))
    for name in ID_FIELDS:
        value = str(paper.extra.get(name) or "").strip()
        if value:
            keys.update((value, f"{name}:{value}", f"{name.split('_')[0]}:{value}"))
    return not keys.isdisjoint(kept)


def labelled(papers: Iterable[Paper], *, column: str | None = None, kept: set[str] | None = None,
             where: str = "listing") -> tuple[list[Paper], list[bool]]:
    out: list[Paper] = []
    labels: list[bool] = []
    missing = 0
    for paper in papers:
        label = is_kept(paper, kept) if kept is not None else label_of(paper, column)
        if label is None:
            missing += 1
            continue
        out.append(paper)
        labels.append(label)
    if not out:
        what = f"column {column!r}" if column else "a label column (" + ", ".join(LABEL_COLUMNS) + ")"
        raise InputError(f"{where}: no paper carries {what}; name it with --label-column, or pass --labels FILE")
    if missing:
        raise InputError(f"{where}: {missing} papers have no label; give every paper one, or use --labels FILE")
    if kept is not None and not any(labels):
        raise InputError(f"{where}: no paper matched an id or title of the labels file (ids compared: arXiv, DOI, "
                         f"{', '.join(ID_FIELDS)}, papertriage id); check that the file names papers of this listing")
    return out, labels


def profile_scores(papers: Sequence[Paper], profiles: list[Profile], *, plain: bool = False,
                   teach: Callable[[list[Profile]], list[Profile]] | None = None) -> dict[str, list[float]]:
    """Each profile's score for every paper (0 when a rule drops it), in paper order; calibrated on
    the listing (see calibration) unless plain; with what decisions teach (see learning.teacher)."""
    if not plain:
        from papertriage.calibration import calibrate

        profiles = calibrate(profiles, papers)
    if teach is not None:
        profiles = teach(profiles)
    scorer = Scorer(profiles)
    out: dict[str, list[float]] = {p.name: [] for p in profiles}
    for paper in papers:
        for name, score in scorer.profile_scores(paper).items():
            out[name].append(score)
    return out


def evaluate(papers: Sequence[Paper], labels: Sequence[bool], profiles: list[Profile], *,
             plain: bool = False, teach: Callable[[list[Profile]], list[Profile]] | None = None) -> dict[str, Metrics]:
    keys = [paper_key(p) for p in papers]
    scores = profile_scores(papers, profiles, plain=plain, teach=teach)
    return {name: metrics(values, labels, keys) for name, values in scores.items()}


def load_labelled(inputs: list[str], *, fmt: str | None, column: str | None, labels_file: str | None,
                  warn: Warn) -> tuple[list[Paper], list[bool]]:
    from papertriage.triage import parse_listings

    kept = read_label_file(labels_file) if labels_file else None
    papers = parse_listings(inputs, fmt=fmt, dedupe=False, warn=warn)
    return labelled(papers, column=column, kept=kept, where=", ".join(inputs))
