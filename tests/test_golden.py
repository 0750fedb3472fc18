"""Golden outputs of the commands on the fixtures of tests/data/cli: stdout, stderr and exit code.

A change to any output shows here as a diff. When the change is meant, regenerate with
`PAPERTRIAGE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import re

import pytest

from .conftest import DATA
from .helpers import cli

REPO = DATA.parent.parent
FIXTURES = DATA / "cli"
GOLDEN = DATA / "golden" / "cli"
# paths relative to the repository, where the commands run: outputs that show them are the same in any checkout
LISTING = "tests/data/cli/listing.txt"
SCREENED = "tests/data/cli/screened.csv"
CONFIG = "tests/data/cli/profiles.yaml"

CASES: dict[str, list[str]] = {
    **{f"rank-{fmt}": ["rank", LISTING, "-c", CONFIG, "-f", fmt, "--no-record"]
       for fmt in ("table", "md", "csv", "json", "jsonl", "bibtex", "ris")},
    "rank-table-abstracts": ["rank", LISTING, "-c", CONFIG, "--abstracts", "--no-record"],
    "rank-every-paper": ["rank", LISTING, "-c", CONFIG, "--min-score", "0", "-f", "csv", "--no-record"],
    "rank-plain": ["rank", LISTING, "-c", CONFIG, "--plain", "-f", "jsonl", "--no-record"],
    "rank-learned-words": ["rank", SCREENED, "-c", CONFIG, "-p", "insomnia", "--top", "5", "--no-record"],
    "rank-keywords": ["rank", LISTING, "-k", "pruning", "-k", "token merging", "-f", "csv", "--no-record"],
    "explain-table": ["explain", LISTING, "mixture of experts routing", "-c", CONFIG],
    "explain-json": ["explain", LISTING, "four-bit quantisation", "-c", CONFIG, "-f", "json"],
    "explain-learned": ["explain", SCREENED, "sleep restriction therapy for chronic insomnia: trial 23", "-c", CONFIG, "-p",
                        "insomnia"],
    "profiles": ["profiles", "-c", CONFIG],
    "profiles-lint": ["profiles", "-c", CONFIG, "--lint", LISTING],
    "profiles-lint-learned": ["profiles", "-c", CONFIG, "-p", "insomnia", "--lint", SCREENED],
    "evaluate-table": ["evaluate", SCREENED, "-c", CONFIG],
    "evaluate-json": ["evaluate", SCREENED, "-c", CONFIG, "-p", "insomnia", "-f", "json"],
    "evaluate-plain": ["evaluate", SCREENED, "-c", CONFIG, "-p", "insomnia", "--plain"],
    "parse-jsonl": ["parse", LISTING],
    "parse-csv": ["parse", LISTING, "-f", "csv"],
    "formats": ["formats"],
    # the layouts by width (issue 16): all columns from 120, stacked below 100; explain and lint readable at 60
    **{f"rank-table-{w}": ["rank", LISTING, "-c", CONFIG, "--width", str(w), "--no-record"] for w in (60, 80, 120)},
    "rank-table-abstracts-60": ["rank", LISTING, "-c", CONFIG, "--abstracts", "--width", "60", "--no-record"],
    "rank-table-links-80": ["rank", LISTING, "-c", CONFIG, "--width", "80", "--color", "always", "--top", "2",
                            "--no-record"],
    "explain-60": ["explain", LISTING, "mixture of experts routing", "-c", CONFIG, "--width", "60"],
    "explain-80": ["explain", LISTING, "mixture of experts routing", "-c", CONFIG, "--width", "80"],
    "profiles-lint-60": ["profiles", "-c", CONFIG, "--lint", LISTING, "--width", "60"],
}


def shown(args: list[str], exit_code: int, stdout: str, stderr: str) -> str:
    """One run as the golden file holds it, with today's date made stable."""
    text = (f"$ papertriage {' '.join(args)}\nexit {exit_code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
    text = re.sub(r"\x1b\]8;id=\d+;", "\x1b]8;id=(n);", text)  # rich numbers its hyperlinks at random
    return re.sub(r"^date: \d{4}-\d{2}-\d{2}$", "date: (today)", text, flags=re.M)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.chdir(REPO)
    args = CASES[name]
    run = cli(*args)
    got = shown(args, run.exit_code, run.stdout, run.stderr)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("PAPERTRIAGE_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with PAPERTRIAGE_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_text(encoding="utf-8")


def test_every_output_format_has_a_golden_case() -> None:
    from papertriage.exports import formats

    assert {f"rank-{fmt}" for fmt in formats()} <= set(CASES)


def test_golden_files_are_all_used() -> None:
    assert {p.stem for p in GOLDEN.glob("*.txt")} <= set(CASES), "a golden file no case writes: remove it"


def test_the_golden_files_are_not_empty_runs() -> None:
    for path in GOLDEN.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert "\nexit 0\n" in text and "--- stdout\n--- stderr" not in text, path.name
    assert (REPO / LISTING).exists() and FIXTURES.is_dir()
