"""Screening metrics on rankings small enough to check by hand, and the evaluate command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papertriage.errors import InputError
from papertriage.evaluation import metrics, ranking

from .helpers import cli

REPO = Path(__file__).parent.parent


def test_perfect_ranking() -> None:
    m = metrics([4, 3, 2, 1, 0, 0, 0, 0, 0, 0], [True, True, False, False, False, False, False, False, False, False],
                [str(i) for i in range(10)])
    assert m.average_precision == 1.0
    assert m.recall_at_10pct == 0.5 and m.recall_at_20pct == 1.0
    assert m.wss_at_95 == pytest.approx((10 - 2) / 10 - 0.05)
    assert m.precision_at_10 == 0.2 and m.ndcg_at_10 == pytest.approx(1.0)


def test_average_precision_by_hand() -> None:
    # ranks of the positives: 1 and 3 -> AP = (1/1 + 2/3) / 2
    m = metrics([5, 4, 3, 2], [True, False, True, False], ["a", "b", "c", "d"])
    assert m.average_precision == pytest.approx((1 + 2 / 3) / 2)
    assert m.wss_at_95 == pytest.approx((4 - 3) / 4 - 0.05)


def test_ties_are_ordered_by_paper_not_by_label_or_input_order() -> None:
    keys = ["p1", "p2", "p3", "p4"]
    assert ranking([0, 0, 0, 0], keys) == ranking([0, 0, 0, 0], keys)
    forward = ranking([1, 0, 0, 0], keys)
    assert forward[0] == 0
    assert sorted(forward[1:]) == [1, 2, 3]


def test_no_positive_is_an_error() -> None:
    with pytest.raises(InputError):
        metrics([1, 0], [False, False], ["a", "b"])


def write_labelled(tmp_path: Path) -> Path:
    rows = ["title,abstract,label_included"]
    for n in range(12):
        kept = n < 3
        topic = "pruning of neural networks" if kept else "weather forecasting"
        rows.append(f"Paper {n} about {topic},We study {topic}.,{1 if kept else 0}")
    path = tmp_path / "labelled.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_command_json_and_table(tmp_path: Path) -> None:
    path = write_labelled(tmp_path)
    run = cli("evaluate", str(path), "-k", "pruning", "-f", "json")
    assert run.exit_code == 0, run.stderr
    [row] = json.loads(run.stdout)
    assert row["profile"] == "keywords"
    assert (row["papers"], row["positives"], row["average_precision"]) == (12, 3, 1.0)
    table = cli("evaluate", str(path), "-k", "pruning")
    assert "WSS@95" in table.stdout and "keywords" in table.stdout


def test_evaluate_with_a_labels_file(tmp_path: Path) -> None:
    listing = REPO / "examples" / "daily-papers.txt"
    labels = tmp_path / "kept.txt"
    labels.write_text("# kept this week\nSparse Mixture-of-Experts Routing with Load-Aware Gates\n", encoding="utf-8")
    run = cli("evaluate", str(listing), "--labels", str(labels), "-k", "mixture of experts", "-f", "json")
    [row] = json.loads(run.stdout)
    assert (row["papers"], row["positives"], row["average_precision"]) == (12, 1, 1.0)


def test_evaluate_without_labels_says_what_to_do(tmp_path: Path) -> None:
    run = cli("evaluate", str(REPO / "examples" / "daily-papers.txt"), "-k", "x")
    assert run.exit_code == 1
    assert "--label-column" in run.stderr and "--labels" in run.stderr


def test_evaluate_agrees_with_the_quality_benchmark_code(corpora: Path) -> None:
    """The benchmark scores with papertriage.evaluation too; the CLI must print the same numbers."""
    from papertriage.config import load_config
    from papertriage.evaluation import evaluate, load_labelled

    config = REPO / "benchmarks" / "profiles" / "synergy.yaml"
    listing = corpora / "other" / "synergy" / "Cohen_2006_Triptans.csv"
    profiles = [p for p in load_config(config) if p.name == "Cohen_2006_Triptans"]
    papers, labels = load_labelled([str(listing)], fmt=None, column=None, labels_file=None, warn=lambda m: None)
    expected = evaluate(papers, labels, profiles)["Cohen_2006_Triptans"]
    run = cli("evaluate", str(listing), "-c", str(config), "-p", "Cohen_2006_Triptans", "-f", "json")
    [row] = json.loads(run.stdout)
    assert row["average_precision"] == expected.average_precision
    assert row["wss_at_95"] == expected.wss_at_95
    assert row["papers"] == 671 and row["positives"] == 24
