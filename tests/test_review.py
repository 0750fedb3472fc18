"""The review screen, driven headless: keys in, the ledger and the screen checked."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from papertriage.config import resolve_profiles
from papertriage.ledger import Ledger
from papertriage.review.app import KEYS, ReviewApp
from papertriage.review.session import Review
from papertriage.screening import Screener
from papertriage.triage import parse_listings
from tests.conftest import DATA
from tests.helpers import cli

LISTING = DATA / "review" / "listing.csv"
CONFIG = DATA / "review" / "review.yaml"
PROFILE = "efficient-llm"
BEST = "Quantized Mixture of Experts for Fast Inference"
SECOND = "Compressing the KV Cache with Low-Rank Projections"
NAMED_KEYS = ("left", "right", "up", "down", "enter", "escape", "slash")


@contextmanager
def opened(state: Path) -> Iterator[Review]:
    papers = list(parse_listings([str(LISTING)]))
    profile = resolve_profiles(str(CONFIG), [PROFILE], [], None)[0]
    with Ledger(state) as ledger:
        yield Review(papers, PROFILE, ledger, Screener(papers, profile))


def screen_text(app: ReviewApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def drive(review: Review, *keys: str, size: tuple[int, int] = (80, 24),
          open_link: Callable[[str], bool] = lambda url: False, raw: bool = False) -> str:
    """Press the keys (a string of several characters is typed), then return the screen's words in
    one line (so a phrase the screen wrapped is still found), or with raw=True the screen's lines."""

    async def go() -> str:
        app = ReviewApp(review, open_link=open_link)
        async with app.run_test(size=size) as pilot:
            for key in keys:
                if key in NAMED_KEYS or len(key) == 1:
                    await pilot.press(key)
                else:
                    await pilot.press(*("space" if c == " " else c for c in key))
                await pilot.pause()
            return screen_text(app)

    screen = asyncio.run(go())
    return screen if raw else flat(screen)


def flat(screen: str) -> str:
    """The screen's words in one line (so a phrase the screen wrapped is still found)."""
    return " ".join(screen.split())


def ledger_decisions(state: Path) -> list[tuple[str, str, str | None]]:
    with Ledger(state) as ledger:
        return [(d.title, d.decision, d.note) for d in ledger.decisions(PROFILE)]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


def test_the_best_paper_comes_first_with_its_fields_and_the_progress(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review)
    for shown in (BEST, "Ada Lovelace; Alan Turing; Grace Hopper", "2025-03-14", "doi:10.5555/review.0001",
                  "https://example.org/papers/0001", "screened 0/7", "kept 0", "rounding, so we keep them"):
        assert shown in screen, shown


def test_keep_is_in_the_ledger_at_once_and_the_next_paper_is_shown(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, "k")
        assert ledger_decisions(state) == [(BEST, "keep", None)]
    assert "screened 1/7" in screen and "kept 1" in screen and SECOND in screen and BEST not in screen.split("kept 1", 1)[1]


def test_skip_maybe_and_undo(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, "s", "m", "u")
        assert ledger_decisions(state) == [(BEST, "skip", None)]
    assert SECOND in screen and "screened 1/7" in screen and "undid maybe" in screen


def test_undo_never_takes_back_a_decision_made_elsewhere(state: Path) -> None:
    with opened(state) as review:
        drive(review, "k")
        other = review.papers[review.order[-1]]
        with Ledger(state) as elsewhere:  # `papertriage mark` in another terminal
            elsewhere.decide(other, PROFILE, "skip")
        screen = drive(review, "u")
    assert "Not undone: the last decision for efficient-llm" in screen and "was made elsewhere" in screen
    assert sorted(ledger_decisions(state)) == sorted([(BEST, "keep", None), (other.title, "skip", None)])


def test_the_arrows_move_through_the_ranking_without_deciding(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, "left", "right", "right", "left")
        assert ledger_decisions(state) == []
        assert SECOND in screen and "paper 2 of 7" in screen
        drive(review, "right", "k")
        assert ledger_decisions(state) == [(SECOND, "keep", None)]


def test_a_note_is_saved_with_the_papers_decision(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, "n", "check the router", "enter")
        assert "note: check the router" in screen and ledger_decisions(state) == []
        drive(review, "n", "check the router", "enter", "k")
    assert ledger_decisions(state) == [(BEST, "keep", "check the router")]


def test_escape_leaves_the_note_prompt_without_typing_into_the_screen(state: Path) -> None:
    with opened(state) as review:
        drive(review, "n", "ks", "escape")
    assert ledger_decisions(state) == []


def test_explain_shows_the_score_of_papertriage_explain(state: Path) -> None:
    run = cli("explain", str(LISTING), BEST, "-c", str(CONFIG), "-p", PROFILE, "-f", "json")
    score = json.loads(run.stdout)["score"]
    with opened(state) as review:
        screen = drive(review, "e")
    assert f"score {score:g}" in screen
    assert "mixture of experts" in screen and "contribution" in screen


def test_find_shows_the_paper_whose_title_matches(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, "slash", "graph neural", "enter")
        assert "Graph Neural Networks for Molecule Property Prediction" in screen
        drive(review, "slash", "graph neural", "enter", "k")
    assert ledger_decisions(state) == [("Graph Neural Networks for Molecule Property Prediction", "keep", None)]


def test_open_uses_the_browser_when_there_is_one_and_shows_the_link_otherwise(state: Path) -> None:
    opened_links: list[str] = []

    def browser(url: str) -> bool:
        opened_links.append(url)
        return True

    with opened(state) as review:
        screen = drive(review, "o", open_link=browser)
        assert opened_links == ["https://example.org/papers/0001"] and "opened the link" in screen
        screen = drive(review, "o")
    assert "No browser can be opened from here" in screen and "https://example.org/papers/0001" in screen


def test_the_buttons_do_what_their_keys_do(state: Path) -> None:
    async def go(review: Review) -> None:
        app = ReviewApp(review)
        async with app.run_test(size=(80, 24)) as pilot:
            n = next(n for n, k in enumerate(KEYS) if k.label == "skip")
            await pilot.click(f"#key-{n}")
            await pilot.pause()

    with opened(state) as review:
        asyncio.run(go(review))
    assert ledger_decisions(state) == [(BEST, "skip", None)]


def test_when_every_paper_is_decided_the_screen_says_so(state: Path) -> None:
    with opened(state) as review:
        screen = drive(review, *"kkkkkkk")
    assert "Every paper of the listing is decided (7 kept)" in screen and "screened 7/7" in screen


def test_a_new_review_resumes_with_the_decisions_made(state: Path) -> None:
    with opened(state) as review:
        drive(review, "k", "s")
    with opened(state) as review:
        assert review.resumed == 2 and len(review.order) == 5
        screen = drive(review)
    assert "screened 2/7" in screen and "kept 1" in screen and BEST not in screen and SECOND not in screen


def test_it_fits_80x24_and_a_large_terminal(state: Path) -> None:
    with opened(state) as review:
        small = drive(review, size=(80, 24), raw=True)
        large = drive(review, size=(160, 50), raw=True)
    assert len(small.splitlines()) == 24 and all(len(line) <= 80 for line in small.splitlines())
    for screen in (small, large):
        assert "q quit" in screen and "k keep" in screen and BEST in screen


_KILLED_CHILD = """
import asyncio, sys
from pathlib import Path
from tests.test_review import opened, ReviewApp
state, ready = Path(sys.argv[1]), Path(sys.argv[2])
async def go():
    with opened(state) as review:
        async with ReviewApp(review).run_test() as pilot:
            await pilot.press("k")
            await pilot.press("s")
            await pilot.pause()
            ready.write_text("decided")
            await asyncio.sleep(60)
asyncio.run(go())
"""


def test_decisions_survive_a_killed_review_and_the_next_one_resumes(state: Path, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, str(state), str(ready)], cwd=root, env=env)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the child review never decided"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert ledger_decisions(state) == [(BEST, "keep", None), (SECOND, "skip", None)]
    with opened(state) as review:
        screen = drive(review)
    assert "screened 2/7" in screen and BEST not in screen and SECOND not in screen


def test_list_keys_documents_every_key() -> None:
    run = cli("review", "--list-keys")
    assert run.exit_code == 0
    for key in KEYS:
        assert f"  {key.shown} " in run.stdout and key.help in run.stdout


def test_review_needs_a_listing_and_one_profile() -> None:
    assert cli("review").exit_code == 2
    run = cli("review", str(LISTING), "-c", str(CONFIG))
    assert run.exit_code == 2 and "efficient-llm, other" in run.stderr


def test_review_outside_a_terminal_is_one_clear_error() -> None:
    run = cli("review", str(LISTING), "-c", str(CONFIG), "-p", PROFILE)
    assert run.exit_code == 1 and "run it in a terminal" in run.stderr
