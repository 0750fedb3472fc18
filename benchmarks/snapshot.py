"""Write a file in the layout of the public arXiv metadata snapshot (one JSON object a line: id,
submitter, authors as one string, title, comments, journal-ref, doi, report-no, categories as a
space-separated string, license, abstract, versions, update_date, authors_parsed), built from the
unique papers of the arXiv crawl in ../shared/corpora/jsonl-bulk and repeated with new ids until it
reaches the size asked, for measuring papertriage on a multi-GB single file. Never commit its output.

    python benchmarks/snapshot.py /tmp/arxiv-snapshot.json --gb 3
    papertriage rank /tmp/arxiv-snapshot.json --top 20       # refused today: larger than 200 MB
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from common import CRAWL


def crawl_papers() -> list[dict[str, object]]:
    """The crawl's unique papers (by id), in file order."""
    seen: set[str] = set()
    papers = []
    for path in sorted(CRAWL.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if rec.get("id") and rec["id"] not in seen and rec.get("title"):
                    seen.add(rec["id"])
                    papers.append(rec)
    return papers


def snapshot_record(rec: dict[str, object], copy: int, n: int) -> dict[str, object]:
    """The crawl record in the snapshot's layout; copies after the first get ids of their own
    (an old-style id per copy, so that no two lines are one paper)."""
    authors = [str(a) for a in rec.get("authors") or []]  # type: ignore[attr-defined]
    arxiv = str(rec["id"]) if copy == 0 else f"math-ph/{copy:02d}{n:05d}"
    return {
        "id": arxiv, "submitter": authors[0] if authors else None, "authors": ", ".join(authors),
        "title": rec.get("title"), "comments": rec.get("comment"), "journal-ref": None, "doi": None,
        "report-no": None, "categories": " ".join(rec.get("categories") or []),  # type: ignore[arg-type]
        "license": None, "abstract": "  " + str(rec.get("summary") or "").replace("\n", " ") + "\n",
        "versions": [{"version": "v1", "created": "Mon, 3 Mar 2025 12:00:00 GMT"}], "update_date": "2025-03-04",
        "authors_parsed": [[a.split()[-1], " ".join(a.split()[:-1]), ""] for a in authors if a.split()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path)
    parser.add_argument("--gb", type=float, default=3.0, help="size to reach, in GB (10^9 bytes)")
    args = parser.parse_args()
    if not CRAWL.exists():
        sys.exit(f"this generator needs {CRAWL}")
    papers = crawl_papers()
    target, size, lines, copy = args.gb * 1e9, 0, 0, 0
    with args.output.open("w", encoding="utf-8") as out:
        while size < target:
            for n, rec in enumerate(papers):
                line = json.dumps(snapshot_record(rec, copy, n), ensure_ascii=False) + "\n"
                out.write(line)
                size += len(line.encode("utf-8"))
                lines += 1
                if size >= target:
                    break
            copy += 1
    print(f"{args.output}: {lines:,} records, {size / 1e9:.2f} GB ({len(papers):,} crawl papers, {copy} passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
