"""Learning from decisions: the learned part is words with weights that sum with the profile's
contributions to the score, it starts only with a keep and a skip, it never sees a label early."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from statistics import mean

import pytest

from papertriage.config import profiles_from_data
from papertriage.learning import Vocabulary, profile_scores, teacher
from papertriage.models import Profile, make_paper
from papertriage.scoring import Scorer, saturate
from papertriage.screening import Screener, stop_rule
from papertriage.simulate import screening_metrics, simulate

from .screening_data import synthetic


def sleep_profile() -> Profile:
    import yaml

    from .screening_data import PROFILE_YAML

    return profiles_from_data(yaml.safe_load(PROFILE_YAML), "test.yaml")[0]


def test_the_model_counts_words_as_exact_terms_match_them() -> None:
    # plural, inflections of long words, never the inside of a word, short words only as themselves
    papers = [make_paper(title="Sleep and sleeping: models of insomnia", abstract="Rats sleep; the rat slept. "
                         "Modeling insomnias in a cohort of rats.", source="test"),
              make_paper(title="Sleepwalking", abstract="No insomnia here, only a ratio.", source="test")]
    vocab = Vocabulary.of_texts(p.title + " " + p.abstract for p in papers)
    fields = (("title", 3.0), ("abstract", 1.0))
    counts = {vocab.words[i]: round(c, 4) for i, c in vocab.counts(papers[0], fields).items()}
    # "sleeping" is "sleep", "slept" a word of its own; "Modeling" is "models" (the shortest spelling
    # of the stem met); "Rats", "rat", "rats" are "rat"
    assert counts == {"insomnia": round(3 + saturate(1), 4), "models": 4.0, "rat": round(saturate(3), 4),
                      "sleep": round(3 * saturate(2) + 1, 4), "slept": 1.0, "cohort": 1.0}
    assert vocab.matches("ratio") == (vocab.index["ratio"],) and vocab.matches("sleepwalking") == (
        vocab.index["sleepwalking"],)


def test_learned_contributions_sum_with_the_profile_to_the_score() -> None:
    papers, labels = synthetic()
    screener = Screener(papers, sleep_profile(), plain=True)
    for _ in range(40):
        i = screener.next()
        assert i is not None
        screener.record(i, "keep" if labels[i] else "skip")
    for i in screener.ranking()[:30]:
        explained = screener.explained(i)
        learned = [m for m in explained.matches if m.from_decisions]
        assert learned, "the learned words show as matches of their own"
        assert explained.score == pytest.approx(screener.score(i), abs=1e-3 * len(explained.matches))
        assert explained.score == pytest.approx(sum(m.contribution for m in explained.matches), abs=1e-3)


def test_rank_learns_the_same_weights_as_a_screening_of_the_same_decisions() -> None:
    papers, labels = synthetic(n=120, relevant=15)
    profile = sleep_profile()
    screener = Screener(papers, profile, plain=True)
    decided = list(range(0, 120, 3))
    for i in decided:
        screener.record(i, "keep" if labels[i] else "skip")
    taught = teacher({"sleep": [(papers[i], labels[i]) for i in decided]})([profile])[0]
    scorer = Scorer([replace(taught, min_score=-math.inf)])  # rank drops what scores below min_score
    for i in range(1, 120, 7):
        assert scorer.score_for(papers[i], "sleep").score == pytest.approx(screener.score(i), abs=0.01)


def test_without_a_keep_and_a_skip_the_ranking_is_the_profile_alone() -> None:
    papers, labels = synthetic(n=80, relevant=10)
    profile = sleep_profile()
    prior, _ = profile_scores(profile, papers)
    screener = Screener(papers, profile, plain=True)
    skipped = [i for i, y in enumerate(labels) if not y][:5]
    for i in skipped:
        screener.record(i, "skip")
    assert [screener.score(i) for i in range(80)] == prior
    assert teacher({"sleep": [(papers[i], False) for i in skipped]})([profile]) == [profile]


def test_learning_finds_what_the_profile_cannot() -> None:
    papers, labels = synthetic()
    profile_only = screening_metrics([labels[i] for i in sorted(range(len(papers)), key=lambda i: -profile_scores(
        sleep_profile(), papers)[0][i])])
    learned = simulate(papers, labels, sleep_profile(), plain=True).metrics
    assert learned.screened_to_100 < profile_only.screened_to_100 / 2
    assert learned.wss_at_95 > 0.6


def test_on_labels_shuffled_at_random_it_does_no_better_than_random_order() -> None:
    # the model must never see a label before its paper is screened: were it to, shuffled labels
    # would still be found early
    papers, labels = synthetic()
    wss, recall10 = [], []
    for seed in range(6):
        shuffled = labels[:]
        random.Random(seed).shuffle(shuffled)
        m = simulate(papers, shuffled, sleep_profile(), plain=True).metrics
        wss.append(m.wss_at_95)
        recall10.append(m.recall_at_10pct)
    assert abs(mean(wss)) < 0.08 and mean(recall10) < 0.2


def test_the_prior_of_one_and_one_starts_from_a_seeded_relevant_and_irrelevant_paper() -> None:
    papers, labels = synthetic(n=100, relevant=10)
    a = simulate(papers, labels, sleep_profile(), prior="1+1", seed=4, plain=True)
    b = simulate(papers, labels, sleep_profile(), prior="1+1", seed=4, plain=True)
    assert a.order == b.order and a.labels[:2] == [True, False] and a.prior == 2
    assert sorted(a.order) == list(range(100))


def test_stopping_is_suggested_after_a_long_run_of_skips_only() -> None:
    assert stop_rule([False] * 500, 1000) == (False, "keep screening: nothing kept yet")
    assert stop_rule([True] + [False] * 149, 1000)[0] is False  # 15% of 1000 = 150 needed
    stop, reason = stop_rule([True] + [False] * 150, 1000)
    assert stop and "150" in reason
    assert stop_rule([True] + [False] * 99, 300)[0] is False  # never fewer than 100
    assert stop_rule([True] + [False] * 100, 300)[0] is True


def test_screening_metrics_of_an_order() -> None:
    m = screening_metrics([True, False, True, False, False, False, False, False, False, False])
    assert (m.relevant, m.screened_to_95, m.screened_to_100) == (2, 3, 3)
    assert m.average_precision == pytest.approx((1 + 2 / 3) / 2)
    assert m.recall_at_10pct == 0.5 and m.wss_at_95 == pytest.approx((10 - 3) / 10 - 0.05)
