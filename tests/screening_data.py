"""Made-up labelled screening sets for the learning tests: relevant papers share a vocabulary the
profile does not name, so only learning from decisions can find them all."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from papertriage.models import Paper, make_paper

TOPIC = ["sleep", "insomnia", "melatonin", "circadian", "nocturnal", "wakefulness", "somnolence", "hypnotic"]
OTHER = ["cardiac", "renal", "hepatic", "dermal", "ocular", "dental", "pulmonary", "gastric", "vascular", "skeletal"]
FILLER = ["patients", "trial", "outcome", "effect", "group", "dose", "weeks", "baseline", "measured", "cohort",
          "analysis", "treatment", "placebo", "randomised", "clinical", "response", "adverse", "events"]


def synthetic(n: int = 300, relevant: int = 30, seed: int = 3) -> tuple[list[Paper], list[bool]]:
    """n papers, `relevant` of them about sleep (two or three topic words each, one word of the
    profile's in a third of them), the rest about other organs; in random order."""
    rng = random.Random(seed)
    papers, labels = [], []
    for i in range(n):
        rel = i < relevant
        vocab = TOPIC if rel else [rng.choice(OTHER), rng.choice(OTHER)]
        words = rng.sample(vocab, min(len(vocab), 3)) + rng.sample(FILLER, 8)
        if rel and i % 3 == 0:
            words.append("melatonin")
        if not rel and i % 25 == 0:
            words.append("melatonin")  # the profile's term in a few irrelevant papers too
        rng.shuffle(words)
        title = f"Study {i} of {' '.join(words[:4])}"
        papers.append(make_paper(title=title, abstract=" ".join(words) + ".", source="test", doi=f"10.9999/s{i}"))
        labels.append(rel)
    order = list(range(n))
    rng.shuffle(order)
    return [papers[i] for i in order], [labels[i] for i in order]


def write_csv(path: Path, papers: list[Paper], labels: list[bool] | list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract", "doi", "label_included"])
        for p, label in zip(papers, labels, strict=True):
            w.writerow([p.title, p.abstract, p.doi, int(label) if isinstance(label, bool) else label])
    return path


PROFILE_YAML = """\
profiles:
  sleep:
    terms:
      - melatonin
      - {term: sleep disorder, weight: 2}
"""
