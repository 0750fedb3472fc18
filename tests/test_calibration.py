"""Calibration on the listing: term rarity and related words, the same in rank, evaluate and explain."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from papertriage.calibration import LEARN_FROM, RARITY_POWER, RELATED_SHARE, calibrate
from papertriage.evaluation import profile_scores
from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer, saturate

from .helpers import cli

PRUNING = Profile("p", (Term("pruning", 2.0), Term("model")))


def listing(n: int = 300) -> list[tuple[str, str]]:
    """20 pruning papers that also say `sparsity` and `latency`, 10 sparsity papers that never say
    pruning, and weather papers; every paper says `model`."""
    rows = []
    for i in range(n):
        if i % 15 == 0:
            rows.append((f"Pruning study {i}", f"We apply pruning to a model and reach high sparsity and low latency {i}."))
        elif i % 30 == 7:
            rows.append((f"Structured sparsity {i}", f"A sparse model with structured sparsity {i}."))
        else:
            rows.append((f"Radar forecast {i}", f"A weather model for rainfall nowcasting over region {i}."))
    return rows


def papers(rows: list[tuple[str, str]]) -> list:  # type: ignore[type-arg]
    return [make_paper(title=t, abstract=a, source="test") for t, a in rows]


def write_csv(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "listing.csv"
    path.write_text("title,abstract\n" + "".join(f'"{t}","{a}"\n' for t, a in rows), encoding="utf-8")
    return path


def test_rarity_is_the_fourth_root_of_papers_over_papers_matched() -> None:
    [prof] = calibrate([PRUNING], papers(listing()))
    rarity = {t.term: t.rarity for t in prof.terms if not t.learned}
    assert rarity["pruning"] == round((300 / 21) ** RARITY_POWER, 3)
    assert rarity["model"] == round((300 / 301) ** RARITY_POWER, 3)
    # the user's weights are kept as written; rarity multiplies them
    assert [t.weight for t in prof.terms if not t.learned] == [2.0, 1.0]


def test_related_words_come_from_the_best_matches_and_never_repeat_the_profile() -> None:
    sample = papers(listing())
    [prof] = calibrate([PRUNING], sample)
    learned = {t.term: t for t in prof.terms if t.learned}
    assert "sparsity" in learned and "latency" in learned
    assert not {"pruning", "model", "we", "and", "a"} & set(learned)
    assert all(t.exact and t.rarity == 1.0 for t in learned.values())
    # together they weigh RELATED_SHARE of a top paper's mean score; each in proportion to log(n / df)
    pruning, model = (t.rarity for t in prof.terms if not t.learned)
    top_score = 2 * pruning * 3 + 2 * pruning * 1 + 1 * model  # pruning in title and abstract, model in abstract
    assert Scorer([prof]).score(sample[0]).score >= top_score
    assert sum(t.weight for t in learned.values()) == pytest.approx(RELATED_SHARE * top_score, rel=1e-3)
    ratio = learned["sparsity"].weight / learned["latency"].weight
    assert ratio == pytest.approx(math.log(300 / 30) / math.log(300 / 20), rel=1e-3)


def test_nothing_is_learned_from_a_small_listing() -> None:
    [prof] = calibrate([PRUNING], papers(listing(LEARN_FROM - 1)))
    assert not any(t.learned for t in prof.terms)
    assert prof.terms[0].rarity > 1


def test_a_related_paper_without_the_terms_is_ranked_and_explained(tmp_path: Path) -> None:
    path = write_csv(tmp_path, listing())
    shown = cli("rank", str(path), "-k", "pruning", "--top", "0", "-f", "json", "--no-record")
    assert not [r for r in json.loads(shown.stdout) if r["title"].startswith("Structured sparsity")]
    assert "10 matched only by single words of multi-word terms or by learned words" in shown.stderr
    run = cli("rank", str(path), "-k", "pruning", "--top", "0", "-f", "json", "--no-record", "--show-partial")
    assert run.exit_code == 0, run.stderr
    assert "keywords: related words learned from the listing: " in run.stderr and "sparsity" in run.stderr
    records = json.loads(run.stdout)
    related = [r for r in records if r["title"].startswith("Structured sparsity")]
    assert len(related) == 10
    assert all(m["learned"] and m["rarity"] == 1.0 for r in related for m in r["matches"])
    assert max(r["score"] for r in related) < min(r["score"] for r in records if "Pruning" in r["title"])
    for r in records:  # every score is the sum of its contributions, each reproducible from its fields
        assert r["score"] == pytest.approx(sum(m["contribution"] for m in r["matches"]), abs=1e-3)
        for m in r["matches"]:
            expected = (m["term_weight"] * m["rarity"] * m["field_weight"] * m["similarity"] / 100
                        * saturate(m["count"]) * m["share"])
            assert m["contribution"] == pytest.approx(expected, abs=1e-3)
    plain = json.loads(cli("rank", str(path), "-k", "pruning", "--top", "0", "-f", "json", "--no-record",
                           "--plain").stdout)
    assert {r["title"] for r in plain} == {r["title"] for r in records if "Pruning" in r["title"]}
    assert all(m["rarity"] == 1.0 and not m["learned"] for r in plain for m in r["matches"])
    report = json.loads(cli("explain", str(path), "Structured sparsity 7", "-k", "pruning", "-f", "json").stdout)
    [row] = report["profiles"]
    assert {m["term"] for m in row["matches"] if m["learned"]} == {"sparsity"}
    assert report["score"] == [r["score"] for r in records if r["title"] == "Structured sparsity 7"][0]
    plain_report = json.loads(cli("explain", str(path), "Structured sparsity 7", "-k", "pruning", "-f", "json",
                                  "--plain").stdout)
    assert plain_report["score"] == 0


def test_rank_evaluate_and_stdin_score_alike(tmp_path: Path) -> None:
    rows = listing()
    path = write_csv(tmp_path, rows)
    ranked = json.loads(cli("rank", str(path), "-k", "pruning", "--top", "0", "-f", "json", "--no-record",
                             "--show-partial").stdout)
    by_title = {r["title"]: r["score"] for r in ranked}
    expected = profile_scores(papers(rows), [Profile("keywords", (Term("pruning"),))])["keywords"]
    assert {t: s for (t, _), s in zip(rows, expected, strict=True) if s > 0} == by_title
    piped = cli("rank", "-", "-k", "pruning", "--top", "0", "-f", "json", "--no-record", "--show-partial",
                input=path.read_bytes())
    assert json.loads(piped.stdout) == ranked


def test_calibrated_ranking_of_real_days_is_the_same_with_one_process_or_two(corpora: Path) -> None:
    """Thirty days of the arXiv crawl (more papers than the calibration sample): the sample is the
    input's beginning, so shards in any number of processes score with the same learned words."""
    from papertriage.exports.json_export import record
    from papertriage.triage import rank_listings

    files = sorted(str(f) for f in (corpora / "jsonl-bulk").rglob("*.jsonl.gz"))[100:130]
    prof = Profile("rl", (Term("reinforcement learning"), Term("reward", 2.0)))
    one, two = (rank_listings(files, [prof], top=30, jobs=jobs, shard_bytes=2**20) for jobs in (1, 2))
    assert [record(s) for s in one.results] == [record(s) for s in two.results]
    assert one.total > 5000
    learned = [t.term for t in one.profiles[0].terms if t.learned]
    assert learned and learned == [t.term for t in two.profiles[0].terms if t.learned]
    assert any(m.learned for s in one.results for m in s.matches)


def test_lint_shows_each_terms_rarity_and_the_words_rank_would_learn(tmp_path: Path) -> None:
    path = write_csv(tmp_path, listing())
    config = tmp_path / "p.yaml"
    config.write_text("profiles:\n  p:\n    terms: [{term: pruning, weight: 2}, model]\n", encoding="utf-8")
    run = cli("profiles", "-c", str(config), "--lint", str(path))
    assert run.exit_code == 0, run.stderr
    assert "rarity" in run.stdout and f"{round((300 / 21) ** RARITY_POWER, 3):g}" in run.stdout
    assert "p: rank learns these related words from the listing: " in run.stdout and "sparsity" in run.stdout


def test_progress_starts_when_calibration_is_done(tmp_path: Path) -> None:
    from papertriage.triage import rank_listings

    calls: list[tuple[int, int]] = []
    rank_listings([str(write_csv(tmp_path, listing()))], [PRUNING], top=5, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 1), (1, 1)]


def test_a_learned_word_must_go_with_two_of_the_profiles_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """`hypertension` recurs in the best papers but, across the listing, goes with `migraine` less
    often than chance: a neighbouring topic, not learned; `placebo` goes with both terms."""
    papers = [make_paper(title=f"Sumatriptan for migraine {i}", abstract="placebo hypertension", source="t")
              for i in range(10)]
    papers += [make_paper(title=f"Migraine attacks {i}", abstract="aura", source="t") for i in range(20)]
    papers += [make_paper(title=f"Hypertension in adults {i}", abstract="blood pressure", source="t")
               for i in range(120)]
    papers += [make_paper(title=f"Unrelated {i}", abstract="something else", source="t") for i in range(150)]
    profile = Profile("p", (Term("migraine"), Term("sumatriptan")))
    [learned] = calibrate([profile], papers)
    assert "placebo" in learned.learned and "hypertension" not in learned.learned
    monkeypatch.setattr("papertriage.calibration.JUSTIFYING", 0)
    [unjustified] = calibrate([profile], papers)
    assert "hypertension" in unjustified.learned
