"""Detection cost: every format asked about the head of each corpus file, and the line-start trick.

    python benchmarks/detection.py              # the crawl's heads (JSON lines) and the other corpora
    python benchmarks/detection.py --against /tmp/main-tree   # also main's detect_source, same heads

detect_source asks all formats (the most confident wins), so each detector's cost is paid on every
file. Prints microseconds per head for each format and for detect_source, best of --repeat, and the
cost of the line-start search that base.line_starts_with spares (re.M `^` tries every position).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Callable

from common import CORPORA, CRAWL, REPO

HEAD_CHARS = 64 * 1024


def heads(root: Path, *, without: Path | None = None) -> list[str]:
    from papertriage.errors import InputError
    from papertriage.sources import decode

    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or (without and without in path.parents):
            continue
        with path.open("rb") as fh:
            data = fh.read(4 * HEAD_CHARS)
        if data[:2] == b"\x1f\x8b":
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 4 * HEAD_CHARS)
        try:
            found.append(decode(data, str(path), lambda message: None)[:HEAD_CHARS])
        except InputError:
            pass
    return found


def per_head(work: Callable[[str], object], texts: list[str], repeat: int) -> float:
    """Best time over repeat passes, in microseconds per head."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            work(text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def detect_all() -> Callable[[str], object]:
    """detect_source on a head, the way this checkout's reading asks it."""
    from papertriage.errors import InputError
    from papertriage.sources import Listing, detect_source

    try:
        from papertriage.sources import detect_head
    except ImportError:  # a checkout from before detect_head

        def detect_head(text: str, name: str) -> object:
            return detect_source(Listing(name, text))

    def detect(text: str) -> object:
        try:
            return detect_head(text, "x")
        except InputError:
            return None

    return detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout: its detect_source on the same heads")
    parser.add_argument("--only-detect-source", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not CRAWL.exists():
        sys.exit(f"benchmark needs {CRAWL} (the shared corpora beside the repository)")
    sets = {"crawl (JSON lines)": heads(CRAWL), "other corpora": heads(CORPORA, without=CORPORA / "jsonl-bulk")}
    if args.only_detect_source:
        print(" ".join(f"{per_head(detect_all(), texts, args.repeat):.0f}" for texts in sets.values()))
        return
    from papertriage.sources import SOURCES
    from papertriage.sources.base import line_starts_with

    print(f"microseconds per head (64 KB of text), best of {args.repeat}; heads: "
          + ", ".join(f"{name} {len(texts)}" for name, texts in sets.items()))
    print(f"{'':28}" + "".join(f"{name:>22}" for name in sets))
    rows: list[tuple[str, Callable[[str], object]]] = [(s.name, s.detect) for s in SOURCES]
    rows += [("detect_source (all asked)", detect_all()),
             ("re.M search '^PMID-'", lambda t: re.search(r"^PMID-", t, re.M)),
             ("line_starts_with 'PMID-'", lambda t: line_starts_with(t, "PMID-"))]
    for name, work in rows:
        print(f"{name:28}" + "".join(f"{per_head(work, texts, args.repeat):22.0f}" for texts in sets.values()))
    if args.against:
        env = {**os.environ, "PYTHONPATH": f"{args.against / 'src'}{os.pathsep}{REPO / 'benchmarks'}"}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--only-detect-source", "--repeat", str(args.repeat)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        print(f"{'detect_source of ' + args.against.name:28}" + "".join(f"{v:>22}" for v in done.stdout.split()))


if __name__ == "__main__":
    main()
