"""Long fuzz run: mutate real and fixture listings at random and parse them every way; count crashes.

    python benchmarks/fuzz.py --seconds 300        # default 120 s; --seed N to reproduce

A crash is any exception other than papertriage's own error type (a clear one-line user error).
Crashing inputs are saved to benchmarks/fuzz-crashes/ for a regression test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback

from common import CORPORA, REPO

from papertriage.errors import PapertriageError
from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer
from papertriage.sources import SOURCES, Listing, decode
from papertriage.sources.base import ParseContext

MAX_SEED_BYTES = 200_000


def seeds() -> list[tuple[str, bytes]]:
    files = sorted((REPO / "tests" / "data" / "formats").iterdir()) + [REPO / "examples" / "daily-papers.txt"]
    if CORPORA.exists():
        for folder in sorted(p for p in CORPORA.rglob("*") if p.is_dir() and p.name != "gz"):
            files += sorted(f for f in folder.iterdir() if f.is_file())[:3]
    return [(str(f), f.read_bytes()[:MAX_SEED_BYTES]) for f in files if f.is_file()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        at = rng.randrange(len(out) + 1)
        kind = rng.random()
        chunk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        if kind < 0.3:
            out[at:at] = chunk
        elif kind < 0.5:
            del out[at:at + rng.randint(1, 64)]
        elif kind < 0.8:
            out[at:at + len(chunk)] = chunk
        else:  # splice a piece of the input elsewhere: repeats tags, brackets, records
            a = rng.randrange(len(out) + 1)
            out[at:at] = out[a:a + rng.randint(1, 256)]
    return bytes(out)


def run_one(data: bytes, scorer: Scorer) -> None:
    try:
        text = decode(data, "fuzz", lambda m: None)
    except PapertriageError:
        return
    for source in SOURCES:
        source.detect(text[:65536])
        try:
            for paper in source.parse(Listing.of("fuzz", text), ParseContext("fuzz")):
                scorer.score(paper)
        except PapertriageError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = seeds()
    scorer = Scorer([Profile("fuzz", (Term("mixture of experts", aliases=("MoE",)), Term("quantization"),
                                      Term("deep learning"), Term("LoRA")))])
    scorer.score(make_paper(title="warm up", source="fuzz"))
    crashes_dir = REPO / "benchmarks" / "fuzz-crashes"
    tried = crashes = 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        name, data = rng.choice(corpus)
        sample = mutate(data, rng)
        tried += 1
        try:
            run_one(sample, scorer)
        except Exception:  # noqa: BLE001 - finding these is the point
            crashes += 1
            crashes_dir.mkdir(exist_ok=True)
            (crashes_dir / f"crash-{args.seed}-{tried}.bin").write_bytes(sample)
            print(f"crash on a mutation of {name}:\n{traceback.format_exc()}", file=sys.stderr)
    print(f"fuzz: {tried} inputs from {len(corpus)} seed files in {args.seconds:g} s, seed {args.seed}: "
          f"{crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
