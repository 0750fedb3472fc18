"""Memory of ranking a wide CSV export (300 extra columns a row), with calibration, one process:
the peak of Python's allocations (tracemalloc) for several file sizes. The papers calibration
samples are bounded by triage.SAMPLE_BYTES, so the peak should not grow with the file.

    python benchmarks/wide_rows.py 3200 12800
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

from papertriage.models import Profile, Term
from papertriage.triage import rank_listings


def peak_of(rows: int, folder: Path) -> tuple[float, float, int]:
    path = folder / f"wide-{rows}.csv"
    header = ["title", "abstract"] + [f"column {i}" for i in range(300)]
    lines = [",".join([f"Paper {r} on pruning", "an abstract about quantization and pruning"]
                      + [f"v{r}x{i}" for i in range(300)]) for r in range(rows)]
    path.write_text(",".join(header) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        result = rank_listings([str(path)], [Profile("p", (Term("pruning"), Term("quantization")))], top=5, jobs=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return path.stat().st_size / 1e6, peak / 1e6, result.total


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        for rows in [int(a) for a in sys.argv[1:]] or [3200, 12800]:
            size, peak, papers = peak_of(rows, Path(folder))
            print(f"{rows:6} rows, {size:5.1f} MB file: peak {peak:4.0f} MB ({peak / size:.1f}x the file), {papers} papers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
