"""What the screen shows can be trusted: real matches apart from partial credit and learned words,
the paper explain names, links, widths, lint counts, aliases, progress and exit codes (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import cli

REPO = Path(__file__).parent.parent
EXAMPLE = str(REPO / "examples" / "daily-papers.txt")


@pytest.mark.parametrize("args", [["--from", "bibtx"], ["--threshold", "150"], ["--threshold", "-1"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    run = cli("rank", EXAMPLE, "-k", "LoRA", *args)
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
