"""`papertriage review`: screen a listing paper by paper with the keyboard, the rest re-ranked as you decide.

highlight.py finds what to colour, session.py holds the screening and its ledger, app.py is the screen.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import Callable

from papertriage.errors import InputError
from papertriage.models import Profile


def review_listings(inputs: list[str], profile: Profile, state: Path, *, fmt: str | None = None, plain: bool = False,
                    warn: Callable[[str], None] = lambda m: None,
                    read: Callable[[dict[str, int]], None] = lambda stats: None) -> str:
    """Open the review screen on the inputs' papers for the profile; returns what was done, in a line.

    read: called with the reading's stats once the listings are read, before the screen opens.
    """
    from papertriage.ledger import Ledger
    from papertriage.review.app import ReviewApp
    from papertriage.review.session import Review
    from papertriage.screening import Screener
    from papertriage.triage import parse_listings

    if not (sys.stdin.isatty() and sys.stdout.isatty() and sys.stderr.isatty()):
        raise InputError("review is a full-screen app: run it in a terminal (stdin, stdout and stderr), "
                         "not in a pipe or with output redirected")
    stats: dict[str, int] = {}
    papers = list(parse_listings(inputs, fmt=fmt, warn=warn, stats=stats))
    read(stats)
    if not papers:
        raise InputError(f"{', '.join(inputs)}: no paper to review")
    # the learned model's library takes 1.5 s to import, which the first keep-and-skip would wait
    # for: imported meanwhile, while the first paper is read
    threading.Thread(target=_import_model_library, daemon=True).start()
    with Ledger(state) as ledger:
        review = Review(papers, profile.name, ledger, Screener(papers, profile, plain=plain))
        ReviewApp(review).run()
        return (f"{profile.name}: {len(review.decided)} of {review.total} papers decided ({review.count('keep')} kept, "
                f"{review.count('maybe')} maybe) in {state}")


def _import_model_library() -> None:
    try:
        importlib.import_module("sklearn.linear_model")
    except ImportError:  # the screener says what is missing when it needs it
        pass
