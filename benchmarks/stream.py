"""Reading one large line-format file: wall time and peak memory of a read-only loop over
read_papers (the file whole, and cut into pieces by split_file) and of `papertriage parse`.

    python benchmarks/snapshot.py /tmp/arxiv-snapshot.json --gb 3      # never commit it
    python benchmarks/stream.py /tmp/arxiv-snapshot.json                # plain
    gzip -1 -k /tmp/arxiv-snapshot.json && python benchmarks/stream.py /tmp/arxiv-snapshot.json.gz

Peak memory is the resident memory of the process, sampled every 20 ms (see common.run_measured).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from common import REPO, papertriage_cmd, run_measured

READ = """
import sys
from papertriage.sources import read_papers, split_file
stats = {}
inputs = split_file(sys.argv[1], int(sys.argv[2])) if int(sys.argv[2]) else [sys.argv[1]]
n = sum(1 for _ in read_papers(inputs, stats=stats))
print(n, len(inputs), stats.get("skipped", 0))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--piece-mb", type=int, default=256, help="size of the pieces split_file cuts (MB)")
    parser.add_argument("--no-parse", action="store_true", help="skip `papertriage parse` (the slowest)")
    parser.add_argument("--parse-args", nargs="*", default=["--keep-duplicates"],
                        help="options of the parse run (default: --keep-duplicates: reading only, no merging)")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    size = args.file.stat().st_size
    print(f"{args.file}: {size / 1e9:.2f} GB")
    runs = [("read_papers, whole file", [sys.executable, "-c", READ, str(args.file), "0"]),
            (f"read_papers, pieces of {args.piece_mb} MB", [sys.executable, "-c", READ, str(args.file),
                                                            str(args.piece_mb * 2**20)])]
    if not args.no_parse:  # its output counted by wc, not held here
        parse = " ".join(shlex.quote(a) for a in papertriage_cmd() + ["parse", str(args.file), *args.parse_args])
        runs.append((f"papertriage parse {' '.join(args.parse_args)} | wc -l", ["sh", "-c", f"{parse} | wc -l"]))
    for name, cmd in runs:
        seconds, peak, result = run_measured(cmd)
        if result.returncode:
            print(f"{name}: failed: {result.stderr.decode(errors='replace')[-300:]}")
            continue
        what = result.stdout.decode().split()
        print(f"{name}: {seconds:.1f} s, peak {peak / 2**20:.0f} MB, {int(what[0]):,} papers"
              + (f" from {what[1]} piece(s), {what[2]} skipped" if len(what) == 3 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
