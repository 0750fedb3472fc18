"""The seen ledger: which papers `rank` has already shown, in an SQLite file, safe with concurrent runs."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from papertriage.errors import PapertriageError
from papertriage.models import Paper, normalised_title

STATE_ENV = "PAPERTRIAGE_STATE"


class LedgerError(PapertriageError):
    """The ledger file cannot be opened, read or written."""


def _retry_while_locked(action: Callable[[], None], seconds: float = 10.0) -> None:
    """Run action, retrying while another run holds the database (switching a new file to WAL
    needs a moment alone, which SQLite's busy timeout does not wait for)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def default_path(explicit: str | None = None) -> Path:
    """--state, then $PAPERTRIAGE_STATE, then the user data dir."""
    if explicit:
        return Path(explicit)
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    from platformdirs import user_data_dir

    return Path(user_data_dir("papertriage")) / "seen.sqlite"


def paper_keys(paper: Paper) -> list[str]:
    """The keys a paper is remembered by: its canonical id and its normalised title."""
    keys = [paper.id, "t:" + normalised_title(paper.title)]
    if paper.arxiv_id and paper.id != f"arxiv:{paper.arxiv_id}":
        keys.append(f"arxiv:{paper.arxiv_id}")
    return keys


@dataclass(frozen=True)
class SeenPaper:
    id: str
    title: str
    first_seen: str
    last_seen: str
    times: int


class Ledger:
    """Open with `with Ledger(path) as ledger:`; every change is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> Ledger:
        where = str(self.path)
        if self.path.is_dir():
            raise LedgerError(f"{where}: is a directory, not a seen ledger; pass a file to --state")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            _retry_while_locked(lambda: self._setup(db))
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{where}: the seen ledger cannot be read ({exc}); move the file aside "
                              "(nothing was changed) or choose another with --state") from None
        except OSError as exc:
            raise LedgerError(f"{where}: cannot create the seen ledger ({exc.strerror}); choose another with --state") from None
        self._db = db
        return self

    @staticmethod
    def _setup(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, id TEXT NOT NULL, title TEXT NOT NULL, "
                   "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times INTEGER NOT NULL DEFAULT 1)")
        db.execute("CREATE INDEX IF NOT EXISTS seen_id ON seen (id)")
        db.execute("SELECT count(*) FROM seen").fetchone()

    def __exit__(self, *exc: object) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "use Ledger as a context manager"
        return self._db

    def _run(self, sql: str, args: Iterable[object] = ()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, tuple(args))
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: the seen ledger cannot be used ({exc}); move the file aside "
                              "or choose another with --state") from None

    def seen_keys(self) -> frozenset[str]:
        return frozenset(row[0] for row in self._run("SELECT key FROM seen"))

    def record(self, papers: Iterable[Paper]) -> int:
        """Remember these papers as shown now; one transaction, so a run records all or nothing."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [(key, p.id, p.title, now, now) for p in papers for key in paper_keys(p)]
        def write() -> None:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.executemany(
                    "INSERT INTO seen (key, id, title, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen, times = times + 1", rows)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

        try:
            _retry_while_locked(write)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: cannot record the papers shown ({exc}); nothing was recorded") from None
        return len({r[1] for r in rows})

    def entries(self) -> list[SeenPaper]:
        rows = self._run("SELECT id, title, min(first_seen), max(last_seen), max(times) FROM seen "
                         "GROUP BY id ORDER BY max(last_seen) DESC, id")
        return [SeenPaper(*row) for row in rows]

    def forget(self, paper_id: str) -> int:
        """Forget a paper by id (as `seen list` shows it) or by title; returns how many were forgotten."""
        key = "t:" + normalised_title(paper_id)
        ids = [r[0] for r in self._run("SELECT DISTINCT id FROM seen WHERE id = ? OR key = ? OR key = ?",
                                       (paper_id, paper_id, key))]
        for pid in ids:
            self._run("DELETE FROM seen WHERE id = ?", (pid,))
        return len(ids)

    def clear(self) -> int:
        n = len(self.entries())
        self._run("DELETE FROM seen")
        return n
