"""Speed benchmark: papertriage against the bare read and the reference peers, in one run.

    python benchmarks/speed.py            # all 410 files of the arXiv crawl (120,405 lines)
    python benchmarks/speed.py --files 50 # a quicker look
    python benchmarks/speed.py --against /tmp/main-tree   # also time another checkout, in the same turns

Prints wall times and ratios: papertriage rank end to end vs the partial and exact peers end to
end (reading included) and vs the bare read (gzip + json.loads of every line in plain Python), with
the profile calibrated on the listing (the default) and with --plain. Each is run --repeat times
(3 by default), in turns, and the best time of each is kept: a shared machine slows single runs.
Peak memory is measured in two more runs (with and without --plain), as its sampling takes CPU.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

from common import CRAWL, REPO, SEED, best_of, load_peers, run_measured

PROFILE = REPO / "benchmarks" / "profiles" / "speed.yaml"


def profile_terms() -> list[tuple[str, float]]:
    import yaml

    data = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    terms = []
    for item in data["profiles"]["speed"]["terms"]:
        if isinstance(item, dict):
            terms.append((str(item["term"]), float(item.get("weight", 1))))
        else:
            terms.append((str(item), 1.0))
    return terms


def bare_read(files: list[Path]) -> list[dict]:
    records = []
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    records.append(json.loads(line))
    return records


def bare_count(files: list[Path]) -> int:
    """The floor: gzip + json.loads of every line, nothing kept."""
    n = 0
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    json.loads(line)
                    n += 1
    return n


def peer_end_to_end(peer, files: list[Path], terms: list[tuple[str, float]]) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    records = [{"title": r.get("title"), "abstract": r.get("summary")} for r in bare_read(files)]
    peer(records, terms)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=0, help="use only the first N daily files (0 = all 410)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure; the best is kept")
    parser.add_argument("--against", type=Path, help="another checkout (its src/) whose rank is timed in the same turns")
    args = parser.parse_args()
    if not CRAWL.exists():
        sys.exit(f"benchmark needs {CRAWL}")
    files = sorted(CRAWL.glob("*.jsonl.gz"))
    if args.files:
        files = files[: args.files]
    peers = load_peers()
    terms = profile_terms()
    # this checkout's code, whatever papertriage the environment has installed
    os.environ["PYTHONPATH"] = str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    cmd = [sys.executable, "-c", "from papertriage.cli import run; run()"]

    listing = [str(f) for f in files] if args.files else [str(CRAWL)]
    rank = [*cmd, "rank", *listing, "-c", str(PROFILE), "--top", "20", "-f", "jsonl"]
    bare = exact = partial = wall = plain = float("inf")
    other = {False: float("inf"), True: float("inf")}
    other_env = {**os.environ, "PYTHONPATH": str(args.against.resolve() / "src")} if args.against else None
    other_rank = [sys.executable, "-c", "from papertriage.cli import run; run()", *rank[len(cmd):]]
    peak = 0
    for _ in range(max(1, args.repeat)):  # in turns, so that a slow spell of the machine hits all alike
        start = time.perf_counter()
        n = bare_count(files)
        bare = min(bare, time.perf_counter() - start)
        exact = min(exact, peer_end_to_end(peers.exact, files, terms))
        partial = min(partial, peer_end_to_end(peers.partial, files, terms))
        for plain_flag in (False, True):
            seconds, _, result = run_measured(rank + ["--plain"] * plain_flag, memory=False)
            if result.returncode != 0:
                sys.exit(f"papertriage failed: {result.stderr.decode()}")
            if plain_flag:
                plain = min(plain, seconds)
            else:
                wall = min(wall, seconds)
            if other_env is not None:
                seconds, _, result = run_measured(other_rank + ["--plain"] * plain_flag, memory=False, env=other_env)
                if result.returncode != 0:
                    sys.exit(f"papertriage of {args.against} failed: {result.stderr.decode()}")
                other[plain_flag] = min(other[plain_flag], seconds)
    for plain_flag in (False, True):  # memory in runs of their own: sampling it takes some CPU
        peak = max(peak, run_measured(rank + ["--plain"] * plain_flag)[1])
    daily = best_of(5, [*cmd, "rank", str(SEED), "-k", "language model", "-k", "partitioning"]) if SEED.exists() else float("nan")
    helptime = best_of(5, [*cmd, "--help"])

    print(f"arXiv crawl: {len(files)} gzip files, {n:,} lines, {len(terms)}-term profile; best of {args.repeat} runs")
    print(f"{'measure':<44}{'seconds':>10}{'ratio':>12}")
    print(f"{'bare read (gzip + json.loads)':<44}{bare:>10.2f}{'1.00x':>12}")
    print(f"{'exact peer, end to end':<44}{exact:>10.2f}{exact / bare:>11.2f}x")
    print(f"{'partial peer, end to end':<44}{partial:>10.2f}{partial / bare:>11.2f}x")
    print(f"{'papertriage rank --top 20, end to end':<44}{wall:>10.2f}{wall / bare:>11.2f}x")
    print(f"{'papertriage rank --top 20 --plain':<44}{plain:>10.2f}{plain / bare:>11.2f}x")
    print(f"papertriage vs partial peer: {partial / wall:.1f}x faster; vs exact peer: {exact / wall:.1f}x; "
          f"vs bare read: {wall / bare:.2f}x the time")
    print(f"papertriage --plain vs partial peer: {partial / plain:.1f}x faster; vs bare read: {plain / bare:.2f}x the time")
    print(f"papertriage peak memory (all processes, sampled every 20 ms): {peak / 2**20:.0f} MB")
    if other_env is not None:
        for plain_flag, mine in ((False, wall), (True, plain)):
            name = "rank --top 20" + " --plain" * plain_flag
            print(f"{name} of {args.against}: {other[plain_flag]:.2f} s; this checkout {mine:.2f} s "
                  f"({(mine / other[plain_flag] - 1) * 100:+.1f}%)")
    print(f"papertriage rank on the 58-paper Daily Papers copy: {daily:.3f} s (best of 5)")
    print(f"papertriage --help: {helptime:.3f} s (best of 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
