"""The ledger: schema versions and migration, decisions, undo, refusal of files it cannot use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from papertriage.ledger import SCHEMA_VERSION, Ledger, LedgerError
from papertriage.models import make_paper

A = make_paper(title="Sparse Mixture of Experts at Scale", abstract="Routing tokens to experts.", source="test",
               arxiv_id="2401.00001")
B = make_paper(title="A Survey of Federated Learning", abstract="Clients train together.", source="test",
               doi="10.1000/fed.1")


def old_ledger(path: Path) -> None:
    """A ledger as papertriage 0.1 wrote it: the seen table only, user_version 0."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, id TEXT NOT NULL, title TEXT NOT NULL, "
               "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times INTEGER NOT NULL DEFAULT 1)")
    db.execute("INSERT INTO seen VALUES ('arxiv:2401.00001', 'arxiv:2401.00001', 'Sparse Mixture of Experts at Scale', "
               "'2026-01-01T00:00:00+00:00', '2026-01-02T00:00:00+00:00', 2)")
    db.commit()
    db.close()


def test_an_old_ledger_is_migrated_without_losing_what_was_seen(tmp_path: Path) -> None:
    path = tmp_path / "seen.sqlite"
    old_ledger(path)
    with Ledger(path) as ledger:
        [entry] = ledger.entries()
        assert (entry.id, entry.times, entry.first_seen[:10]) == ("arxiv:2401.00001", 2, "2026-01-01")
        # a paper seen before records were kept is still found, by id or title, to decide on
        found = ledger.find("2401.00001")
        assert found is not None and found.title == "Sparse Mixture of Experts at Scale"
        ledger.decide(found, "moe", "keep")
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_ledger_from_a_newer_version_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "seen.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.execute("CREATE TABLE future (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(LedgerError, match="newer papertriage"):
        with Ledger(path):
            pass
    assert path.read_bytes() == before


def test_an_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name)")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="not a papertriage ledger"):
        with Ledger(path):
            pass


def test_the_latest_decision_counts_and_undo_brings_back_the_one_before(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.decide(A, "moe", "maybe")
        ledger.decide(B, "moe", "skip", note="off topic")
        ledger.decide(A, "moe", "keep")
        ledger.decide(A, "other", "skip")
        assert [(d.id, d.decision) for d in ledger.decisions("moe")] == [("doi:10.1000/fed.1", "skip"),
                                                                         ("arxiv:2401.00001", "keep")]
        assert ledger.decisions("moe")[0].note == "off topic"
        assert ledger.decisions("moe")[1].paper.abstract == "Routing tokens to experts."
        undone = ledger.undo_last("moe")
        assert undone is not None and (undone.id, undone.decision) == ("arxiv:2401.00001", "keep")
        assert {d.id: d.decision for d in ledger.decisions("moe")}["arxiv:2401.00001"] == "maybe"
        assert [d.decision for d in ledger.decisions("other")] == ["skip"]


def test_papers_are_found_by_id_doi_link_or_title(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.remember([A, B])
        for reference in ("arxiv:2401.00001", "2401.00001v2", "https://arxiv.org/abs/2401.00001",
                          "sparse mixture-of-experts at scale"):
            found = ledger.find(reference)
            assert found is not None and found.id == A.id, reference
        for reference in ("doi:10.1000/fed.1", "https://doi.org/10.1000/FED.1"):
            found = ledger.find(reference)
            assert found is not None and found.id == B.id, reference
        assert ledger.find("a paper never met") is None
        found = ledger.find("Sparse mixture of exp")  # the start of a title, as typed
        assert found is not None and found.id == A.id
        ledger.remember([make_paper(title="Sparse Mixture of Experts, revisited", source="test")])
        assert ledger.find("Sparse mixture of exp") is None  # two titles begin so: which one is not guessed
        assert ledger.find("A Survey of") is None  # one title begins so, but 11 letters are too few to name it
        assert ledger.seen_keys() == frozenset()  # remembered, not shown


def test_forget_decisions_of_one_paper_or_a_whole_profile(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.decide(A, "moe", "keep")
        ledger.decide(B, "moe", "skip")
        ledger.decide(B, "fl", "keep")
        assert ledger.forget_decisions("moe", A) == 1
        assert [d.id for d in ledger.decisions("moe")] == [B.id]
        assert ledger.forget_decisions("moe") == 1
        assert ledger.decisions("moe") == [] and len(ledger.decisions()) == 1


def test_a_decision_import_is_all_or_nothing(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(ValueError):
            ledger.decide_many([(A, "keep", None), (B, "perhaps", None)], "moe")
        assert ledger.decisions() == []
