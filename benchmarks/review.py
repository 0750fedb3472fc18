"""Review benchmark: the time from a decision to the next paper on the review screen, on a 2,000-paper listing.

    flock /tmp/papertriage-bench.lock python benchmarks/review.py       # Nagtegaal_2019: 2,008 papers
    python benchmarks/review.py --listing X.csv -p PROFILE --decisions 100

The decisions follow the listing's labels (keep what the reviewers included, skip the rest), so the
model learns from both kinds as it would from a person. Timed for each decision:

- decide: Review.decide alone: the ledger write, the refit of the learned model, the re-ranking;
- next: the screen's handling of the key (ReviewScreen.action_decide): decide, then the next
  paper's explained score, highlights and widgets updated, before textual lays out and paints;
- screen: through the app, headless at 80x24: from the key press until the next paper is on the
  screen (textual's layout and render included);
- idle key: a key bound to nothing, pressed the same way: what the headless driver itself costs
  (Pilot waits for the screen to settle), to subtract from the screen time.

Prints the start-up (read, calibrate, features) and the time a new review takes to resume the
decisions made, then median, 90th percentile and max of each.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import CORPORA, REPO

SYNERGY = CORPORA / "other" / "synergy"
PROFILES = REPO / "benchmarks" / "profiles" / "synergy.yaml"


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{name:<8} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   max {ms[-1]:7.1f} ms   ({len(ms)} keys)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listing", default=str(SYNERGY / "Nagtegaal_2019.csv"))
    parser.add_argument("-c", "--config", default=str(PROFILES))
    parser.add_argument("-p", "--profile", default="Nagtegaal_2019")
    parser.add_argument("--decisions", type=int, default=60)
    args = parser.parse_args()
    if not Path(args.listing).exists():
        sys.exit(f"benchmark needs {args.listing} (the shared corpora beside the repository)")

    from papertriage.config import resolve_profiles
    from papertriage.evaluation import load_labelled
    from papertriage.ledger import Ledger
    from papertriage.review.app import ReviewApp, ReviewScreen
    from papertriage.review.session import Review
    from papertriage.screening import Screener

    profile = resolve_profiles(args.config, [args.profile], [], None)[0]
    started = time.perf_counter()
    papers, flags = load_labelled([args.listing], fmt=None, column=None, labels_file=None, warn=lambda m: None)
    read = time.perf_counter()
    label = {id(p): kept for p, kept in zip(papers, flags, strict=True)}

    def opened(ledger: Ledger) -> Review:
        return Review(papers, profile.name, ledger, Screener(papers, profile))

    with tempfile.TemporaryDirectory() as tmp:
        with Ledger(Path(tmp) / "decide.sqlite") as ledger:
            review = opened(ledger)
            ready = time.perf_counter()
            print(f"{len(papers)} papers of {Path(args.listing).name}, profile {profile.name}: read {read - started:.2f} s, "
                  f"screener ready {ready - read:.2f} s")
            decide = []
            for _ in range(min(args.decisions, len(papers))):
                i = review.order[0]
                t0 = time.perf_counter()
                review.decide(i, "keep" if label[id(papers[i])] else "skip")
                decide.append(time.perf_counter() - t0)
            kept = review.count("keep")
            t0 = time.perf_counter()
            resumed = opened(ledger)
            resume = time.perf_counter() - t0
            assert resumed.resumed == len(decide)

        idle: list[float] = []
        handled: list[float] = []
        decide_key = ReviewScreen.action_decide

        def timed(self: ReviewScreen, decision: str) -> None:
            t0 = time.perf_counter()
            decide_key(self, decision)
            handled.append(time.perf_counter() - t0)

        ReviewScreen.action_decide = timed  # type: ignore[method-assign]

        async def drive(review: Review) -> list[float]:
            times = []
            app = ReviewApp(review, open_link=lambda url: False)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ReviewScreen)
                for _ in range(min(args.decisions, len(papers))):
                    i = screen.current
                    assert i is not None
                    t0 = time.perf_counter()
                    await pilot.press("k" if label[id(papers[i])] else "s")
                    await pilot.pause()
                    times.append(time.perf_counter() - t0)
                for _ in range(20):
                    t0 = time.perf_counter()
                    await pilot.press("x")
                    await pilot.pause()
                    idle.append(time.perf_counter() - t0)
            return times

        with Ledger(Path(tmp) / "screen.sqlite") as ledger:
            screen = asyncio.run(drive(opened(ledger)))
    print(f"decisions: {len(decide)} ({kept} kept), as the labels say; review again resumes them in {resume:.2f} s "
          "(screener included)")
    print(summary("decide", decide))
    print(summary("next", handled))
    print(summary("screen", screen))
    print(summary("idle key", idle))


if __name__ == "__main__":
    main()
