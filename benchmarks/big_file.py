"""Ranking one multi-GB file: wall time and peak memory (all processes) of `papertriage rank FILE
--top 20`, calibrated and --plain, and whether 1 and 2 processes give the same top 20.

    python benchmarks/snapshot.py /tmp/arxiv-snapshot.json --gb 3      # never commit it
    python benchmarks/big_file.py /tmp/arxiv-snapshot.json

Issue 15's budget: peak memory under 400 MB, whatever the size of the file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

from common import REPO, papertriage_cmd, run_measured

PROFILE = REPO / "benchmarks" / "profiles" / "speed.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("listing", type=Path)
    parser.add_argument("--one-process", action="store_true", help="also rank with --jobs 1 and compare the top 20")
    args = parser.parse_args()
    if not args.listing.exists():
        sys.exit(f"{args.listing}: no such file; make one with benchmarks/snapshot.py")
    env = {**os.environ, "PAPERTRIAGE_NO_PROGRESS": "1"}
    base = [*papertriage_cmd(), "rank", str(args.listing), "-c", str(PROFILE), "--top", "20", "-f", "jsonl",
            "--no-record"]
    print(f"{args.listing}: {args.listing.stat().st_size / 1e9:.2f} GB")
    runs = [("rank --top 20", base), ("rank --top 20 --plain", [*base, "--plain"])]
    if args.one_process:
        runs.append(("rank --top 20 --jobs 1", [*base, "--jobs", "1"]))
    digests = {}
    for name, cmd in runs:
        wall, peak, result = run_measured(cmd, env=env)
        if result.returncode:
            sys.exit(f"{name} failed: {result.stderr.decode()}")
        digests[name] = hashlib.md5(result.stdout).hexdigest()[:12]
        summary = result.stderr.decode().strip().splitlines()[-1] if result.stderr else ""
        print(f"{name:28} {wall:7.1f} s  peak {peak / 2**20:5.0f} MB  top-20 md5 {digests[name]}  ({summary})")
    if args.one_process and digests["rank --top 20"] != digests["rank --top 20 --jobs 1"]:
        print("1 and 2 processes differ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
