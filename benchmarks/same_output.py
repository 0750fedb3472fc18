"""Same output check: md5 of `rank --top 0 --format jsonl` on the crawl and every corpus folder,
with 1 and 2 processes, for each checkout named (a branch and a checkout of main, say), so that a
refactor can show it changed nothing.

    git archive main | tar -x -C /tmp/main-tree
    python benchmarks/same_output.py /tmp/main-tree .

Each folder of ../shared/corpora is ranked as one input with the speed profile and with the
SYNERGY profiles (the crawl with the speed profile only); exits 1 when any md5 differs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import CORPORA, CRAWL, REPO

CONFIGS = [REPO / "benchmarks" / "profiles" / "speed.yaml", REPO / "benchmarks" / "profiles" / "synergy.yaml"]


def inputs() -> list[tuple[Path, list[Path]]]:
    """Each input with the configs it is ranked with (the 18 SYNERGY profiles take long on the crawl)."""
    folders = [p for p in sorted(CORPORA.iterdir()) if p.is_dir() and p.name != "jsonl-bulk"]
    return [(CRAWL, CONFIGS[:1])] + [(p, CONFIGS) for p in [CORPORA / "jsonl-bulk" / "variants", *folders]]


def md5_of(src: Path, listing: Path, config: Path, jobs: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(src / "src"), "PAPERTRIAGE_NO_PROGRESS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        env["PAPERTRIAGE_STATE"] = str(Path(tmp) / "state.sqlite")
        cmd = [sys.executable, "-c", "from papertriage.cli import run; run()", "rank", str(listing), "-c", str(config),
               "--top", "0", "--format", "jsonl", "--no-record", "--jobs", str(jobs)]
        done = subprocess.run(cmd, capture_output=True, env=env, check=False)
    if done.returncode:
        return f"exit {done.returncode}: {done.stderr.decode(errors='replace').strip()[-80:]}"
    return hashlib.md5(done.stdout).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", type=Path, nargs="*", help="checkouts to compare (their src/ is run; default: this one)")
    args = parser.parse_args()
    if not CORPORA.exists():
        sys.exit(f"this check needs {CORPORA}")
    trees = [t.resolve() for t in args.trees] or [REPO]
    differ = 0
    for listing, configs in inputs():
        for config in configs:
            sums = [md5_of(tree, listing, config, jobs) for tree in trees for jobs in (1, 2)]
            same = len(set(sums)) == 1
            differ += not same
            name = f"{listing.relative_to(CORPORA)} {config.stem}"
            print(f"{'same ' if same else 'DIFFER'} {name:<48} {' '.join(s[:12] for s in sums)}", flush=True)
    print(f"{differ} differ" if differ else f"all identical ({', '.join(map(str, trees))}; 1 and 2 processes)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
