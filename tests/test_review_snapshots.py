"""Snapshots of the review screen on tests/data/review/listing.csv (pytest --snapshot-update, then look
at the SVGs in tests/__snapshots__/ before committing them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from papertriage.review.app import ReviewApp
from tests.test_review import opened


@pytest.fixture
def colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_80x24(snap_compare: Any, tmp_path: Path, colour: None) -> None:
    with opened(tmp_path / "ledger.sqlite") as review:
        assert snap_compare(ReviewApp(review), terminal_size=(80, 24))


def test_80x24_without_colour(snap_compare: Any, tmp_path: Path) -> None:
    with opened(tmp_path / "ledger.sqlite") as review:
        assert snap_compare(ReviewApp(review), terminal_size=(80, 24))


def test_120x40_after_a_keep_with_the_score_shown(snap_compare: Any, tmp_path: Path, colour: None) -> None:
    with opened(tmp_path / "ledger.sqlite") as review:
        assert snap_compare(ReviewApp(review), press=["k", "e"], terminal_size=(120, 40))


def test_80x24_note_prompt(snap_compare: Any, tmp_path: Path, colour: None) -> None:
    with opened(tmp_path / "ledger.sqlite") as review:
        assert snap_compare(ReviewApp(review), press=["n", "r", "e", "a", "d"], terminal_size=(80, 24))
