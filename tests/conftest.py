"""Shared fixtures: an isolated config dir, the CLI runner, and the real corpora (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
DATA = HERE / "data"
SHARED = HERE.parent.parent / "shared"
CORPORA = SHARED / "corpora"
SEED = SHARED / "listings" / "hf-papers-search-copy.txt"


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config or ledger."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    monkeypatch.setenv("HOME", str(tmp_path))  # config discovery stops at home: never above the test's folder
    monkeypatch.delenv("PAPERTRIAGE_CONFIG", raising=False)
    monkeypatch.delenv("PAPERTRIAGE_STATE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared corpora live beside the repository)")
    return path


@pytest.fixture
def seed() -> Path:
    return need(SEED)


@pytest.fixture
def corpora() -> Path:
    return need(CORPORA)
