"""The ledger: which papers were shown and what was decided about them, in an SQLite file safe with concurrent runs."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from papertriage.errors import PapertriageError
from papertriage.identity import paper_keys as paper_keys  # where it lived: still importable from here
from papertriage.identity import title_key
from papertriage.models import Paper

STATE_ENV = "PAPERTRIAGE_STATE"
SCHEMA_VERSION = 1
"""0: the seen table only (papertriage 0.1); 1: adds the papers and decisions tables."""
DECISIONS = ("keep", "skip", "maybe")
MIN_TITLE_START = 12
"""A reference this long (normalised) may name a paper by the start of its title."""


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


def lookup_keys(text: str) -> list[str]:
    """The keys a user's reference to a paper may mean: an id as shown (`arxiv:2312.07541`,
    `doi:10.1/x`, `title:ab12...`), a bare arXiv id, arXiv or DOI link, or DOI, or a title."""
    from papertriage.models import canonical_arxiv_id, canonical_doi

    text = text.strip()
    keys = [text]
    arxiv = canonical_arxiv_id(text.removeprefix("arxiv:"))
    if arxiv:
        keys.append(f"arxiv:{arxiv}")
    doi = canonical_doi(text)
    if doi:
        keys.append(f"doi:{doi}")
    if title_key(text) != "t:":
        keys.append(title_key(text))
    return list(dict.fromkeys(keys))


@dataclass(frozen=True)
class SeenPaper:
    id: str
    title: str
    first_seen: str
    last_seen: str
    times: int


@dataclass(frozen=True)
class Decision:
    """What a person decided about a paper for one profile (the latest decision counts)."""

    paper: Paper
    profile: str
    decision: str
    """keep, skip or maybe."""
    note: str | None
    at: str
    """ISO time, UTC, to the second."""

    @property
    def id(self) -> str:
        return self.paper.id

    @property
    def title(self) -> str:
        return self.paper.title


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _record(paper: Paper) -> str:
    return json.dumps(paper.to_dict(), ensure_ascii=False, sort_keys=True)


class Ledger:
    """Open with `with Ledger(path) as ledger:`; every change is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> Ledger:
        where = str(self.path)
        if self.path.is_dir():
            raise LedgerError(f"{where}: is a directory, not a ledger; pass a file to --state")
        parent = self.path.parent
        if parent.exists() and not parent.is_dir():
            raise LedgerError(f"{where}: {str(parent)!r} is a file, not a directory; choose another --state")
        from platformdirs import user_data_dir

        if not parent.is_dir() and parent != Path(user_data_dir("papertriage")):  # only the user data dir is made
            raise LedgerError(f"{where}: directory {str(parent)!r} does not exist; create it first")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            _retry_while_locked(lambda: self._setup(db, where))
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{where}: the ledger cannot be read ({exc}); move the file aside "
                              "(nothing was changed) or choose another with --state") from None
        except OSError as exc:
            raise LedgerError(f"{where}: cannot create the ledger ({exc.strerror}); choose another with --state") from None
        self._db = db
        return self

    @staticmethod
    def _setup(db: sqlite3.Connection, where: str) -> None:
        """Check the file is a ledger this version can use, then create or migrate its tables (one
        transaction: a migration is whole or not at all). Nothing is written to a file refused."""
        db.execute("PRAGMA busy_timeout = 10000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise LedgerError(f"{where}: the ledger was written by a newer papertriage (schema {version}, this one "
                              f"knows {SCHEMA_VERSION}); upgrade papertriage, or choose another file with --state")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and tables and "seen" not in tables:
            db.close()
            raise LedgerError(f"{where}: is an SQLite file but not a papertriage ledger; choose another with --state")
        db.execute("PRAGMA journal_mode = WAL")
        if version == SCHEMA_VERSION:
            db.execute("SELECT count(*) FROM seen, papers, decisions WHERE 0").fetchone()
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:  # another run may have migrated
                db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, id TEXT NOT NULL, title TEXT NOT NULL, "
                           "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times INTEGER NOT NULL DEFAULT 1)")
                db.execute("CREATE INDEX IF NOT EXISTS seen_id ON seen (id)")
                db.execute("CREATE TABLE papers (key TEXT PRIMARY KEY, id TEXT NOT NULL, record TEXT NOT NULL)")
                db.execute("CREATE INDEX papers_id ON papers (id)")
                db.execute("CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, "
                           "profile TEXT NOT NULL, decision TEXT NOT NULL CHECK (decision IN ('keep', 'skip', 'maybe')), "
                           "note TEXT, at TEXT NOT NULL)")
                db.execute("CREATE INDEX decisions_profile ON decisions (profile, id)")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

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
            raise LedgerError(f"{self.path}: the ledger cannot be used ({exc}); move the file aside "
                              "or choose another with --state") from None

    def _transaction(self, write: Callable[[sqlite3.Connection], object], what: str) -> None:
        """Run write in one transaction; on failure nothing of it is kept."""
        def attempt() -> None:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                write(self.db)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

        try:
            _retry_while_locked(attempt)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: cannot {what} ({exc}); nothing was recorded") from None

    def seen_keys(self) -> frozenset[str]:
        return frozenset(row[0] for row in self._run("SELECT key FROM seen"))

    def record(self, papers: Iterable[Paper]) -> int:
        """Remember these papers as shown now; one transaction, so a run records all or nothing."""
        now = _now()
        shown = list(papers)
        rows = [(key, p.id, p.title, now, now) for p in shown for key in paper_keys(p)]

        def write(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO seen (key, id, title, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen, times = times + 1", rows)
            self._store(db, shown)

        self._transaction(write, "record the papers shown")
        return len({r[1] for r in rows})

    @staticmethod
    def _store(db: sqlite3.Connection, papers: Iterable[Paper]) -> None:
        """Keep the papers' records, so that a decision can name a paper by id or title later."""
        db.executemany("INSERT INTO papers (key, id, record) VALUES (?, ?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET id = excluded.id, record = excluded.record",
                       [(key, p.id, _record(p)) for p in papers for key in paper_keys(p)])

    def remember(self, papers: Iterable[Paper]) -> None:
        """Keep the papers' records without marking them as shown."""
        papers = list(papers)
        self._transaction(lambda db: self._store(db, papers), "remember the papers")

    def find(self, reference: str) -> Paper | None:
        """The paper a reference names (id, arXiv id, DOI, link or title), among the papers this
        ledger holds (shown or decided); one shown before records were kept has only its id and title."""
        keys = lookup_keys(reference)
        for key in keys:  # the reference as written first
            row = self._run("SELECT record FROM papers WHERE key = ? LIMIT 1", (key,)).fetchone()
            if row:
                return Paper.from_dict(json.loads(row[0]))
        for key in keys:
            row = self._run("SELECT id, title FROM seen WHERE key = ? OR id = ? LIMIT 1", (key, key)).fetchone()
            if row:
                return Paper(id=row[0], title=row[1], source="ledger")
        return self._by_title_start(title_key(reference))

    def _by_title_start(self, start: str) -> Paper | None:
        """The one paper whose title key begins with this one (a title's first words, at least
        MIN_TITLE_START characters), as a person types the start of a title; None when none or
        several do."""
        if len(start) < len("t:") + MIN_TITLE_START:
            return None
        low, high = start, start + "\uffff"
        rows = self._run("SELECT DISTINCT id, record FROM papers WHERE key >= ? AND key < ? LIMIT 2", (low, high)).fetchall()
        if len({r[0] for r in rows}) == 1:
            return Paper.from_dict(json.loads(rows[0][1]))
        return None

    def decide(self, paper: Paper, profile: str, decision: str, note: str | None = None) -> Decision:
        """Record one decision now, in its own transaction."""
        return self.decide_many([(paper, decision, note)], profile)[0]

    def decide_many(self, items: Iterable[tuple[Paper, str, str | None]], profile: str) -> list[Decision]:
        """Record decisions (paper, keep/skip/maybe, note) for a profile: all of them or none."""
        now = _now()
        made = [Decision(paper, profile, decision, note, now) for paper, decision, note in items]
        for d in made:
            if d.decision not in DECISIONS:
                raise ValueError(f"decision must be one of {DECISIONS}, not {d.decision!r}")

        def write(db: sqlite3.Connection) -> None:
            self._store(db, [d.paper for d in made])
            db.executemany("INSERT INTO decisions (id, profile, decision, note, at) VALUES (?, ?, ?, ?, ?)",
                           [(d.paper.id, profile, d.decision, d.note, d.at) for d in made])

        self._transaction(write, "record the decisions")
        return made

    def decisions(self, profile: str | None = None) -> list[Decision]:
        """The latest decision on each paper (per profile), oldest first."""
        rows = self._run(
            "SELECT d.id, d.profile, d.decision, d.note, d.at, "
            "(SELECT record FROM papers p WHERE p.id = d.id LIMIT 1) "
            "FROM decisions d JOIN (SELECT max(seq) AS seq FROM decisions GROUP BY id, profile) last "
            "ON d.seq = last.seq WHERE ?1 IS NULL OR d.profile = ?1 ORDER BY d.seq", (profile,))
        out = []
        for pid, prof, decision, note, at, record in rows:
            paper = Paper.from_dict(json.loads(record)) if record else Paper(id=pid, title="", source="ledger")
            out.append(Decision(paper, prof, decision, note, at))
        return out

    def undo_last(self, profile: str) -> Decision | None:
        """Take back the latest decision made for the profile (an earlier one on that paper counts again)."""
        last = self._run("SELECT seq, id FROM decisions WHERE profile = ? ORDER BY seq DESC LIMIT 1", (profile,)).fetchone()
        if last is None:
            return None
        undone = [d for d in self.decisions(profile) if d.paper.id == last[1]]
        self._transaction(lambda db: db.execute("DELETE FROM decisions WHERE seq = ?", (last[0],)), "undo the decision")
        return undone[0] if undone else None

    def forget_decisions(self, profile: str | None = None, paper: Paper | None = None) -> int:
        """Delete every decision (of the profile, on the paper, when given); returns how many papers had one."""
        args = (profile, paper.id if paper is not None else None)
        n = self._run("SELECT count(DISTINCT id || char(0) || profile) FROM decisions "
                      "WHERE (?1 IS NULL OR profile = ?1) AND (?2 IS NULL OR id = ?2)", args).fetchone()[0]
        self._transaction(lambda db: db.execute("DELETE FROM decisions WHERE (?1 IS NULL OR profile = ?1) "
                                                "AND (?2 IS NULL OR id = ?2)", args), "forget the decisions")
        return int(n)

    def entries(self) -> list[SeenPaper]:
        rows = self._run("SELECT id, title, min(first_seen), max(last_seen), max(times) FROM seen "
                         "GROUP BY id ORDER BY max(last_seen) DESC, id")
        return [SeenPaper(*row) for row in rows]

    def forget(self, paper_id: str) -> int:
        """Forget a paper by id (as `seen list` shows it) or by title; returns how many were forgotten."""
        key = title_key(paper_id)
        ids = [r[0] for r in self._run("SELECT DISTINCT id FROM seen WHERE id = ? OR key = ? OR key = ?",
                                       (paper_id, paper_id, key))]
        for pid in ids:
            self._run("DELETE FROM seen WHERE id = ?", (pid,))
        return len(ids)

    def clear(self) -> int:
        n = len(self.entries())
        self._run("DELETE FROM seen")
        return n
