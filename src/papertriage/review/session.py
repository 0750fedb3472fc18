"""A screening in progress: one listing, one profile, the decisions made (kept in the ledger) and the
order of the papers left, re-ranked by what the decisions taught."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Sequence

from papertriage.errors import PapertriageError
from papertriage.ledger import Ledger, paper_keys
from papertriage.models import Paper, Profile, Scored

if TYPE_CHECKING:
    from papertriage.screening import Stopping

DECISIONS = ("keep", "skip", "maybe")


class UndoElsewhere(PapertriageError):
    """The ledger's last decision for the profile is not this review's (another terminal made it)."""


class Screening(Protocol):
    """What review needs of papertriage.screening.Screener."""

    refit: str
    """"each": refit after every decision; "batch": when the labels grew by a tenth."""

    def record(self, i: int, decision: str | None) -> None: ...
    def ranking(self) -> list[int]: ...
    def explained(self, i: int) -> Scored: ...
    def stopping(self) -> Stopping: ...

    @property
    def profile(self) -> Profile: ...


@dataclass(frozen=True)
class Made:
    """A decision of this screening: which paper, what, and the note."""

    index: int
    decision: str
    note: str | None = None


class Review:
    """The papers of a listing screened for one profile.

    Every decision goes to the ledger before anything else happens (one transaction each), so a
    killed review loses nothing; a new Review over the same listing and ledger starts with the
    decisions already made, in the order they were made, and shows only the papers left.
    """

    def __init__(self, papers: Sequence[Paper], profile: str, ledger: Ledger, screener: Screening) -> None:
        self.papers = list(papers)
        self.profile = profile
        self.ledger = ledger
        self.screener = screener
        self.made: list[Made] = []
        """This screening's decisions in the order made (undo takes the last)."""
        self.decided: dict[int, str] = {}
        index: dict[str, int] = {}
        for i, paper in enumerate(self.papers):
            for key in paper_keys(paper):
                index.setdefault(key, i)
        earlier: dict[int, Made] = {}
        for d in ledger.decisions(profile):
            at = next((index[k] for k in paper_keys(d.paper) if k in index), None)
            if at is not None and at not in earlier:
                earlier[at] = Made(at, d.decision, d.note)
        # replayed in batches (a fit per tenth more labels, not one per decision), the last one
        # refitting on them all, as every decision after it does
        screener.refit = "batch"
        for n, made in enumerate(earlier.values(), 1):
            if n == len(earlier):
                screener.refit = "each"
            self._apply(made)
        screener.refit = "each"
        self.resumed = len(self.made)
        """How many decisions an earlier review (or `mark`) had made on these papers."""
        self.order = screener.ranking()
        """The papers left, best first."""

    def _apply(self, made: Made) -> None:
        self.screener.record(made.index, made.decision)
        self.made.append(made)
        self.decided[made.index] = made.decision

    @property
    def total(self) -> int:
        return len(self.papers)

    def count(self, decision: str) -> int:
        return sum(1 for d in self.decided.values() if d == decision)

    def decide(self, i: int, decision: str, note: str | None = None) -> None:
        """Record the decision in the ledger, then learn from it and re-rank the papers left."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        if i in self.decided:
            raise ValueError(f"paper {i} is decided already")
        self.ledger.decide(self.papers[i], self.profile, decision, note)
        self._apply(Made(i, decision, note))
        self.order = self.screener.ranking()

    def undo(self) -> Made | None:
        """Take back the last decision (in the ledger too); the paper is left again. None when there is none."""
        if not self.made:
            return None
        last = self.made[-1]
        undone = self.ledger.undo_last(self.profile)
        if undone is not None and undone.paper.id != self.papers[last.index].id:
            self.ledger.decide(undone.paper, self.profile, undone.decision, undone.note)
            raise UndoElsewhere(f"the last decision for {self.profile} was made elsewhere ({undone.decision}: "
                                f"{undone.paper.title[:40]}); it is kept, and so is this one")
        self.made.pop()
        del self.decided[last.index]
        self.screener.record(last.index, None)
        self.order = self.screener.ranking()
        return last

    def explained(self, i: int) -> Scored:
        return self.screener.explained(i)

    def stopping(self) -> Stopping:
        return self.screener.stopping()

    def shown(self, i: int) -> None:
        """Remember the paper as shown (what `rank --new-only` hides)."""
        self.ledger.record([self.papers[i]])
