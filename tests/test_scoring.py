"""The score formula: reproducible from its matches, weights, rules and deterministic ties."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer, rank, saturate


def paper(title: str, abstract: str = "", **kw: object) -> object:
    return make_paper(title=title, abstract=abstract, source="test", **kw)  # type: ignore[arg-type]


def test_saturation_grows_but_is_bounded() -> None:
    assert saturate(1) == pytest.approx(1.0)
    assert saturate(1) < saturate(2) < saturate(5) < saturate(100) < 2.2


def test_score_is_the_sum_of_contributions_as_the_readme_states() -> None:
    prof = Profile("p", (Term("quantization", 2), Term("pruning", 1)), fields=(("title", 3.0), ("abstract", 1.0)))
    s = Scorer([prof]).score(paper("Quantizaton for all", "pruning and pruning and quantization"))
    by = {(m.term, m.field): m for m in s.matches}
    title = by[("quantization", "title")]
    assert title.similarity == pytest.approx(95.7, abs=0.05)
    assert title.contribution == pytest.approx(2 * 3 * 0.957 * 1, abs=1e-3)
    assert by[("pruning", "abstract")].count == 2
    assert by[("pruning", "abstract")].contribution == pytest.approx(1 * 1 * 1.0 * 2 * 2.2 / 3.2, abs=1e-3)
    assert s.score == pytest.approx(sum(m.contribution for m in s.matches), abs=1e-3)
    for m in s.matches:
        expected = m.term_weight * m.field_weight * m.similarity / 100 * saturate(m.count) * m.share
        assert m.contribution == pytest.approx(expected, abs=1e-2)


def test_words_of_a_multi_word_term_found_apart_earn_partial_credit() -> None:
    scorer = Scorer([Profile("p", (Term("chronic pain management", 2),), fields=(("abstract", 1.0),))])
    whole = scorer.score(paper("x", "chronic pain management works"))
    apart = scorer.score(paper("x", "pain in chronic cases"))
    assert [(m.text, m.share) for m in whole.matches] == [("chronic pain management", 1.0)]
    assert [(m.text, m.share) for m in apart.matches] == [("chronic", 0.1667), ("pain", 0.1667)]
    assert apart.score == pytest.approx(2 * 2 * 0.5 / 3, abs=1e-3)
    assert whole.score > apart.score > 0
    # found whole in the title and apart in the abstract: the abstract's words still count there
    both = Scorer([Profile("p", (Term("chronic pain"),))]).score(paper("Chronic pain", "pain"))
    assert [(m.field, m.share) for m in both.matches] == [("title", 1.0), ("abstract", 0.25)]


def test_title_matches_weigh_more_than_abstract_ones() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),))])
    assert scorer.score(paper("Pruning nets", "x")).score > scorer.score(paper("Nets", "pruning")).score


def test_aliases_do_not_multiply_a_concept() -> None:
    scorer = Scorer([Profile("p", (Term("mixture of experts", aliases=("MoE",)),))])
    both = scorer.score(paper("MoE: a mixture of experts"))
    one = scorer.score(paper("a mixture of experts"))
    assert len(both.matches) == 1
    assert both.score <= one.score * 2.2 / 1.0


def test_exclude_drops_the_paper_from_the_profile() -> None:
    scorer = Scorer([Profile("p", (Term("distillation"),), exclude=("federated",))])
    assert scorer.score(paper("Federated distillation")).profile is None
    assert scorer.score(paper("Federated distillation")).score == 0
    assert scorer.score(paper("Distillation at scale")).profile == "p"


def test_require_needs_one_of_its_terms() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),), require=("transformer", "attention"))])
    assert scorer.score(paper("Pruning CNNs")).score == 0
    assert scorer.score(paper("Pruning transformers")).score > 0


def test_min_score_hides_weak_matches() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),), min_score=2)])
    assert scorer.score(paper("x", "pruning")).score == 0
    assert scorer.score(paper("pruning", "x")).score == 3


def test_best_profile_wins_and_names_itself() -> None:
    a = Profile("a", (Term("pruning"),))
    b = Profile("b", (Term("pruning", 2),))
    s = Scorer([a, b]).score(paper("Pruning"))
    assert (s.profile, s.score) == ("b", 6)


def test_ties_break_deterministically() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"),))])
    papers = [paper("Pruning B", upvotes=1), paper("Pruning A", upvotes=1), paper("Pruning C", upvotes=5),
              paper("Pruning D", upvotes=1, published="2025-01-02")]
    order = [s.paper.title for s in rank([scorer.score(p) for p in papers])]
    assert order == ["Pruning C", "Pruning D", "Pruning A", "Pruning B"]
    assert order == [s.paper.title for s in rank([scorer.score(p) for p in reversed(papers)])]


def test_top_keeps_the_same_best_papers_as_a_full_sort() -> None:
    scorer = Scorer([Profile("p", (Term("pruning"), Term("quantization")))])
    papers = [paper(f"Paper {i}", "pruning " * (i % 4) + "quantization " * (i % 3)) for i in range(40)]
    full = rank([scorer.score(p) for p in papers])
    assert [s.paper.id for s in rank([scorer.score(p) for p in papers], top=5)] == [s.paper.id for s in full[:5]]


def test_several_processes_give_the_same_ranking_as_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from papertriage.exports.json_export import record
    from papertriage.triage import rank_listings

    topics = ["pruning", "quantization of weights", "mixture of experts", "speech", "graphs", "LoRA adapters"]
    files = []
    for day in range(6):
        path = tmp_path / f"day{day}.jsonl"
        rows = []
        for n in range(40):
            k = (day * 7 + n) % 60  # overlapping days: the same paper appears in several files
            rows.append({"id": f"2501.{k:05d}", "title": f"Paper {k} on {topics[k % 6]}",
                         "summary": f"We study {topics[(k * 5) % 6]} and {topics[(k + day) % 6]}." * (1 + day % 2)})
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        files.append(str(path))
    prof = Profile("p", (Term("pruning"), Term("quantization", 2), Term("mixture of experts"), Term("LoRA")))
    runs = [rank_listings(files, [prof], top=top, jobs=jobs, shard_bytes=1) for jobs in (1, 2) for top in (5, 0)]
    one, many = [record(r) for r in runs[0].results], [record(r) for r in runs[2].results]
    assert one == many and len(one) == 5
    assert [s.paper.to_dict() for s in runs[1].results] == [s.paper.to_dict() for s in runs[3].results]
    assert runs[1].total == runs[3].total == 60


def test_standard_input_among_files_is_read_by_a_worker_process_too(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import sys

    from papertriage.exports.json_export import record
    from papertriage.triage import rank_listings

    files = []
    for day in range(3):
        path = tmp_path / f"day{day}.jsonl"
        path.write_text("\n".join(json.dumps({"id": f"2501.{day}{n:04d}", "title": f"Pruning paper {day}-{n}"})
                                  for n in range(5)), encoding="utf-8")
        files.append(str(path))
    piped = "\n".join(json.dumps({"id": f"2502.{n:05d}", "title": f"Piped pruning {n}"}) for n in range(4)).encode()
    runs = []
    for jobs in (1, 2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped)))
        runs.append(rank_listings([*files, "-"], [Profile("p", (Term("pruning"),))], top=0, jobs=jobs, shard_bytes=1))
    one, two = ([record(s) for s in r.results] for r in runs)
    assert one == two and len(one) == 19
    assert sum(r["title"].startswith("Piped") for r in two) == 4


def _days(tmp_path: Path, days: int = 6, per_day: int = 40) -> list[str]:
    import json

    files = []
    for day in range(days):
        path = tmp_path / f"day{day}.jsonl"
        rows = [{"id": f"2501.{(day * 7 + n) % 60:05d}", "title": f"Paper {(day * 7 + n) % 60} on pruning",
                 "summary": f"We study quantization {'and pruning ' * (n % 3)}on day {day}."} for n in range(per_day)]
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        files.append(str(path))
    return files


def test_a_shard_calibration_stops_in_ranks_as_with_the_profiles_calibrated_apart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Calibration samples 25 papers: it stops inside the first file (40 records), which is read
    again in its turn (its bad entry reported once), with one process or two, as the profiles
    calibrated apart and used as written would rank."""
    from papertriage import triage
    from papertriage.calibration import calibrate
    from papertriage.exports.json_export import record
    from papertriage.identity import first_papers
    from papertriage.sources import read_papers

    files = _days(tmp_path)
    with open(files[0], "a", encoding="utf-8") as fh:
        fh.write('\n{"id": "2501.99999", "title": ')  # one bad entry, at the end of the first file
    prof = [Profile("p", (Term("pruning"), Term("quantization", 2)))]
    warnings: list[list[str]] = [[], []]
    one, two = (triage.rank_listings(files, prof, top=0, jobs=jobs, shard_bytes=1, sample=25,
                                     warn=warnings[jobs - 1].append) for jobs in (1, 2))
    assert [record(s) for s in one.results] == [record(s) for s in two.results]
    assert one.stats == two.stats and one.total == 60 and one.stats["skipped"] == 1
    assert warnings[0] == warnings[1] and len(warnings[0]) == 1 and "day0.jsonl" in warnings[0][0]
    assert one.profiles == two.profiles and [t.rarity for t in two.profiles[0].terms] != [1.0, 1.0]
    sample = first_papers(read_papers(files), 25)

    apart = triage.rank_listings(files, calibrate(prof, sample), top=0, plain=True, shard_bytes=1)
    assert one.profiles == apart.profiles and one.stats == apart.stats
    assert [record(s) for s in one.results] == [record(s) for s in apart.results]


def test_a_sample_that_ends_at_a_shard_end_reads_no_further(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """40 papers a file, 40 sampled: calibration learns that the sample is full from the first
    record of the second file, and that shard is read in its turn like the others."""
    from papertriage import triage
    from papertriage.exports.json_export import record

    files = _days(tmp_path, days=3)
    prof = [Profile("p", (Term("pruning"), Term("quantization", 2)))]
    one, two = (triage.rank_listings(files, prof, top=0, jobs=jobs, shard_bytes=1, sample=40) for jobs in (1, 2))
    assert [record(s) for s in one.results] == [record(s) for s in two.results] and one.stats == two.stats


def test_with_another_thread_running_workers_rank_as_one_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A process with threads does not fork (their locks could stay taken in the child): it spawns."""
    import threading

    from papertriage import triage
    from papertriage.exports.json_export import record

    files = _days(tmp_path)
    prof = Profile("p", (Term("pruning"), Term("quantization", 2)))
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        two = triage.rank_listings(files, [prof], top=0, jobs=2, shard_bytes=1)
    finally:
        stop.set()
        waiting.join()
    one = triage.rank_listings(files, [prof], top=0, jobs=1, shard_bytes=1)
    assert [record(s) for s in one.results] == [record(s) for s in two.results] and one.stats == two.stats


def test_workers_started_by_spawn_rank_as_one_process(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """macOS and Windows start processes by spawn, not fork: the workers get their shards pickled."""
    import multiprocessing

    from papertriage import triage
    from papertriage.exports.json_export import record

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    files = _days(tmp_path, days=3)
    prof = Profile("p", (Term("pruning"), Term("quantization", 2)))
    one, two = (triage.rank_listings(files, [prof], top=0, jobs=jobs, shard_bytes=1) for jobs in (1, 2))
    assert [record(s) for s in one.results] == [record(s) for s in two.results]
    assert one.stats == two.stats and one.total == 54


def test_a_bad_file_read_ahead_by_a_worker_fails_as_in_one_process(tmp_path: Path) -> None:
    from papertriage.errors import InputError
    from papertriage.triage import rank_listings

    files = _days(tmp_path)
    (tmp_path / "day3.jsonl").write_text("\x00\x01 not a listing", encoding="utf-8")
    errors = []
    for jobs in (1, 2):
        with pytest.raises(InputError) as caught:
            rank_listings(files, [Profile("p", (Term("pruning"),))], jobs=jobs, shard_bytes=1)
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and "day3.jsonl" in errors[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_worker_that_dies_ends_the_run_with_an_error_not_a_hang(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker killed (here while it waits on a pipe nobody writes to) ends the run with one clear
    error, and the other workers are stopped."""
    import multiprocessing
    import signal

    from papertriage import triage

    fifo = tmp_path / "waits.jsonl"
    os.mkfifo(fifo)

    def kill_workers(done: int, total: int) -> None:
        if done == 0:
            for child in multiprocessing.active_children():
                os.kill(child.pid or 0, signal.SIGKILL)

    with pytest.raises(RuntimeError, match="worker process stopped"):
        triage.rank_listings([*_days(tmp_path, days=2), str(fifo)], [Profile("p", (Term("pruning"),))], jobs=2,
                             shard_bytes=1, plain=True, progress=kill_workers)
    import time

    deadline = time.monotonic() + 5  # the pool's own thread reaps what it started as it notices
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


SPEED_LIKE = Profile("p", (Term("large language model", aliases=("LLM",)), Term("mixture of experts", 2, ("MoE",)),
                           Term("quantization"), Term("KV cache"), Term("in-context learning"), Term("RAG")))


def one_at_a_time(scorer: Scorer, papers: list) -> list[tuple[float, str | None]]:  # type: ignore[type-arg]
    return [(s.score, s.profile) for s in (Scorer(scorer.profiles).score(p, detail=False) for p in papers)]


def test_papers_scanned_together_score_as_they_do_alone() -> None:
    # a batch joins every text's words: nothing may leak from one text or paper into the next
    papers = [
        paper("Serving a large language", "model quantization"),  # a term split across title and abstract
        paper("Large", "language model"),
        paper("Model", "for a large language"),  # fields are scanned abstract first, then title
        paper("model mixture of", "experts"),
        paper("A KV", "cache\x00 for LLM\x00s; quantizaton"),  # NUL inside a text, a typo
        paper("Übersicht: große Sprachmodelle", "Quantisierung und Mixture-of-Experts für LLMs"),
        paper("In-context", ""),
        paper("learning in context learning", "in-context learning RAG dragging"),
        paper("Déjà vu in KV caches", "in context learning, mixtures of expert"),
    ]
    scorer = Scorer([SPEED_LIKE])
    together = [(s.score, s.profile) for s in scorer.score_many(papers)]
    assert together == one_at_a_time(scorer, papers)
    assert together[1][0] > 0 and together[0][0] > 0
    # ...nor from one field into the next: only the words of "large language model" are found
    for split_term in papers[1:3]:
        assert {(m.term, m.share < 1) for m in scorer.score(split_term).matches} == {("large language model", True)}
    # the same again with the words already learned, and in another order
    assert [(s.score, s.profile) for s in scorer.score_many(papers[::-1])] == together[::-1]


def test_batches_of_a_real_listing_score_as_single_papers(seed: Path) -> None:
    from papertriage.sources import read_papers

    papers = list(read_papers([str(seed)]))
    scorer = Scorer([SPEED_LIKE, Profile("q", (Term("agent"), Term("reinforcement learning", 2), Term("video generation")))])
    assert [(s.score, s.profile) for s in scorer.score_many(papers)] == one_at_a_time(scorer, papers)
    full = [scorer.score(p) for p in papers]
    assert [s.score for s in full] == [s.score for s in scorer.score_many(papers)]
    assert sum(1 for s in full if s.score) > 10


def test_scores_without_matches_equal_the_explained_scores_on_real_days(corpora: Path) -> None:
    # rank scores most papers without building their matches (Scorer._total): the same numbers
    from papertriage.calibration import calibrate
    from papertriage.sources import read_papers

    days = sorted((corpora / "jsonl-bulk" / "dw-dengwei-daily-arxiv" / "gz").glob("*.jsonl.gz"))[:6]
    papers = list(read_papers([str(d) for d in days]))
    profiles = [SPEED_LIKE,
                Profile("q", (Term("agent"), Term("reinforcement learning", 2, ("RL",)), Term("video generation")),
                        exclude=("survey",), fields=(("title", 2.0), ("abstract", 1.0))),
                Profile("r", (Term("graph neural network"), Term("molecule")), require=("graph",), min_score=0.5)]
    for scorer in (Scorer(profiles), Scorer(calibrate(profiles, papers))):
        checked = 0
        for start in range(0, len(papers), 256):
            batch = papers[start:start + 256]
            for p, hits in zip(batch, scorer.field_hits_many(batch), strict=True):
                for cp in scorer.compiled:
                    explained = scorer.score_profile(cp, hits, p)
                    quick = scorer.score_profile(cp, hits, with_matches=False)
                    assert (explained and explained[0]) == (quick and quick[0]), p.title
                    checked += bool(explained)
        assert checked > 300


def test_a_tally_without_positions_finds_what_the_scan_finds_on_real_days(corpora: Path) -> None:
    # score_many and calibration tally the hits (Matcher.tally_fields); explain scans them with positions
    from papertriage.sources import read_papers

    days = sorted((corpora / "jsonl-bulk" / "dw-dengwei-daily-arxiv" / "gz").glob("*.jsonl.gz"))[:4]
    papers = list(read_papers([str(d) for d in days]))
    scorer = Scorer([SPEED_LIKE, Profile("q", (Term("reinforcement learning", aliases=("RL",)), Term("diffusion model")))])
    tallied = Scorer(scorer.profiles)  # its own matcher: it learns the words itself
    found = 0
    for start in range(0, len(papers), 200):
        batch = papers[start:start + 200]
        for scanned, counted in zip(scorer.field_hits_many(batch), tallied.field_hits_many(batch, positions=False),
                                    strict=True):
            assert scanned.keys() == counted.keys()
            for name, hits in scanned.items():
                assert {i: (h.similarity, h.count) for i, h in hits.items()} == \
                       {i: (h.similarity, h.count) for i, h in counted[name].items()}
                found += len(hits)
    assert found > 1000


def test_a_repeated_line_is_one_record_merged_and_a_repeated_bad_line_is_reported_twice(tmp_path: Path) -> None:
    import json

    from papertriage.ledger import paper_keys
    from papertriage.triage import rank_listings

    good = json.dumps({"id": "2501.00001", "title": "Quantization of large language models", "summary": "We quantize."})
    other = json.dumps({"id": "2501.00002", "title": "KV cache quantization", "summary": "Smaller caches."})
    bad = json.dumps({"id": "2501.00003", "summary": "a record without a title"})
    listing = tmp_path / "day.jsonl"
    listing.write_text("\n".join([good, other, good, bad, bad, good]) + "\n", encoding="utf-8")
    profile = [Profile("p", (Term("quantization"),))]
    warnings: list[str] = []
    result = rank_listings([str(listing)], profile, warn=warnings.append, plain=True)
    assert [s.paper.id for s in result.results] == ["arxiv:2501.00001", "arxiv:2501.00002"]
    assert result.stats["merged"] == 2 and result.stats["papers"] == 4 and result.stats["skipped"] == 2
    assert sum("line 4" in w for w in warnings) == 1 and sum("line 5" in w for w in warnings) == 1
    # a hidden paper counts once as hidden, however many records it has (its repeats are merged)
    first = result.results[0].paper
    hidden = rank_listings([str(listing)], profile, hidden=frozenset(paper_keys(first)), plain=True)
    assert [s.paper.id for s in hidden.results] == ["arxiv:2501.00002"]
    assert hidden.stats["hidden"] == 1 and hidden.stats["merged"] == 2


def test_files_calibration_read_are_not_read_again_yet_report_as_if_they_were(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # one process: rank keeps the files calibration read to their end and gives them to the shards;
    # the results, stats and warnings are those of two processes, which read every file again
    import json

    import papertriage.sources as sources
    from papertriage.exports.json_export import record
    from papertriage.triage import rank_listings

    folder = tmp_path / "inbox"
    folder.mkdir()
    for day in range(3):
        rows = [json.dumps({"id": f"2501.{(day * 3 + n) % 8:05d}", "title": f"Pruning paper {(day * 3 + n) % 8}",
                            "summary": "sparse pruning" if n % 2 else "quantization"}) for n in range(6)]
        rows.insert(2, '{"title": broken')
        (folder / f"day{day}.jsonl").write_text("\n".join(rows + rows[:2]), encoding="utf-8")
    (folder / "notes.txt").write_text("not a listing\n", encoding="utf-8")
    opened: list[str] = []
    real_open = sources.open_listing
    monkeypatch.setattr(sources, "open_listing", lambda name, warn: opened.append(name) or real_open(name, warn))
    prof = [Profile("p", (Term("pruning"), Term("quantization")))]
    runs = []
    for jobs in (1, 2):
        warnings: list[str] = []
        opened.clear()
        runs.append((rank_listings([str(folder)], prof, top=0, jobs=jobs, shard_bytes=1, warn=warnings.append),
                     warnings, len(opened)))
    (one, one_warnings, one_opened), (two, two_warnings, _) = runs
    assert [record(s) for s in one.results] == [record(s) for s in two.results] and len(one.results) == 8
    assert one.stats == two.stats and one.stats["skipped"] == 3 and one.stats["files_skipped"] == 1
    assert one_warnings == two_warnings and len(one_warnings) == 4
    assert one_opened == 4  # each file once: calibration's reading served the shards


def test_since_counts_papers_not_records_across_shards(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An old paper listed in two files is one paper left out; a paper with an old record and a
    new one is kept (its new record is ranked); the same with one process or two."""
    import json

    from papertriage.triage import rank_listings

    def day(name: str, rows: list[tuple[str, str]]) -> str:
        path = tmp_path / name
        path.write_text("\n".join(json.dumps({"id": i, "title": f"Pruning paper {i}", "published": d})
                                  for i, d in rows), encoding="utf-8")
        return str(path)

    files = [day("a.jsonl", [("2501.00001", "2025-01-05"), ("2501.00002", "2025-01-05"), ("2502.00003", "2025-02-07")]),
             day("b.jsonl", [("2501.00001", "2025-01-05"), ("2501.00002", "2025-02-09"), ("2502.00004", "2025-02-08")])]
    for jobs in (1, 2):
        result = rank_listings(files, [Profile("p", (Term("pruning"),))], top=0, jobs=jobs, shard_bytes=1,
                               since="2025-02-01")
        assert sorted(s.paper.id for s in result.results) == ["arxiv:2501.00002", "arxiv:2502.00003",
                                                              "arxiv:2502.00004"]
        assert result.stats["before_since"] == 1 and result.stats["unique"] == 4


def test_a_large_line_file_is_cut_into_pieces_that_rank_as_the_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A JSON Lines file over SHARD_BYTES is cut into pieces, shards of their own; its papers
    rank as from one shard, a paper listed at the start and at the end merged once."""
    import json

    from papertriage import triage
    from papertriage.exports.json_export import record

    path = tmp_path / "big.jsonl"
    filler = "a study of routing " * 120
    rows = [{"id": f"2501.{n:05d}", "title": f"Paper {n} on {'pruning' if n % 7 == 0 else 'speech'}",
             "summary": filler + ("with quantization" if n % 5 == 0 else "")} for n in range(2200)]
    rows.append({**rows[0], "summary": rows[0]["summary"] + " and more pruning"})  # a later, fuller record
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert path.stat().st_size > triage.SHARD_BYTES
    plan = triage.plan_shards([str(path)], shard_bytes=1)
    assert len(plan) == 2 and all(isinstance(item, triage.Piece) for shard in plan for item in shard)
    prof = [Profile("p", (Term("pruning"), Term("quantization", 2)))]
    whole = triage.rank_listings([str(path)], prof, top=0, jobs=1, shard_bytes=2**30, plain=True)
    for jobs in (1, 2):
        cut = triage.rank_listings([str(path)], prof, top=0, jobs=jobs, shard_bytes=1, plain=True)
        assert [record(s) for s in cut.results] == [record(s) for s in whole.results]
        assert cut.stats == whole.stats and cut.total == 2200 and cut.stats["merged"] == 1


def test_keys_of_a_papers_later_records_merge_across_shards(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A paper whose arXiv id comes only with its second record, in the first file, is the paper a
    later file lists by that id under another title; with one shard or one a file, as the records
    merged in one stream."""
    import json

    from papertriage.identity import merged_papers
    from papertriage.sources import read_papers
    from papertriage.triage import rank_listings

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"title": "Pruning at scale", "summary": "x"}) + "\n"
                 + json.dumps({"title": "Pruning at scale", "id": "2501.00001"}) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"title": "Pruning at scale, revised", "id": "2501.00001v2"}) + "\n", encoding="utf-8")
    files = [str(a), str(b)]
    expected = len(list(merged_papers(read_papers(files))))
    for shard_bytes in (1, 2**30):
        result = rank_listings(files, [Profile("p", (Term("pruning"),))], top=0, shard_bytes=shard_bytes, plain=True)
        assert result.total == expected == 1 and len(result.results) == 1


def test_a_title_added_twice_in_a_shard_keeps_its_first_paper_across_a_flush() -> None:
    """Two papers (different arXiv ids) share a title in one shard, and the recent keys move to a
    sorted run between them: a later record with no id and that title joins the first paper."""
    from papertriage.identity import PaperTable

    table = PaperTable(recent=2)
    first = table.add_groups([(("arxiv:1",), ("t:other",)), (("arxiv:2",), ("t:same",)), (("arxiv:3",), ("t:same",))])
    assert first == [0, 1, 2]
    assert table.add_groups([((), ("t:same",))]) == [1] and table.count == 3 and table.merged == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_the_sample_ends_in_is_read_once_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`rank <(zcat listing.gz)`: calibration stops inside the pipe (25 of 40 papers); a pipe
    cannot be read twice, so the rest is read on from there and every paper is ranked."""
    import threading

    from papertriage.triage import rank_listings

    (day,) = _days(tmp_path, days=1)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = Path(day).read_bytes()

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = rank_listings([str(fifo)], [Profile("p", (Term("pruning"), Term("quantization")))], top=0,
                               sample=25)
    finally:
        writer.join(timeout=5)
    assert result.total == 40 and result.stats["files"] == 1
