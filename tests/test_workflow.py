"""The daily workflow: the seen ledger, reading lists, citation exports, profile linting."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from .helpers import cli

REPO = Path(__file__).parent.parent
EXAMPLE = str(REPO / "examples" / "daily-papers.txt")
CONFIG = str(REPO / "config.example.yaml")


def ranked(*args: str) -> list[str]:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "jsonl", *args)
    assert run.exit_code == 0, run.stderr
    return [r["title"] for r in run.records()]


def test_new_only_shows_papers_once_then_none_until_cleared(tmp_path: Path) -> None:
    state = str(tmp_path / "seen.sqlite")
    first = ranked("--top", "0", "--new-only", "--state", state)
    assert len(first) == 8
    assert ranked("--top", "0", "--new-only", "--state", state) == []
    assert cli("seen", "clear", "--state", state).exit_code == 0
    assert ranked("--top", "0", "--new-only", "--state", state) == first


def test_new_only_hides_before_the_top_cut(tmp_path: Path) -> None:
    state = str(tmp_path / "seen.sqlite")
    a = ranked("--top", "3", "--new-only", "--state", state)
    b = ranked("--top", "3", "--new-only", "--state", state)
    assert len(a) == len(b) == 3 and not set(a) & set(b)
    assert ranked("--top", "3", "--state", state) == a  # without --new-only nothing is hidden


def test_no_record_and_state_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERTRIAGE_STATE", str(tmp_path / "env.sqlite"))
    ranked("--top", "2", "--no-record")
    assert cli("seen", "list").stdout == ""
    ranked("--top", "2")
    assert len(cli("seen", "list").stdout.splitlines()) == 2


def test_seen_forget_brings_one_paper_back(tmp_path: Path) -> None:
    state = str(tmp_path / "seen.sqlite")
    shown = ranked("--top", "2", "--state", state)
    assert cli("seen", "forget", shown[0], "--state", state).exit_code == 0
    assert ranked("--top", "0", "--new-only", "--state", state)[0] == shown[0]
    missing = cli("seen", "forget", "no such paper", "--state", state)
    assert missing.exit_code == 1 and "not in the seen ledger" in missing.stderr


def test_corrupt_ledger_is_a_clear_error_and_left_untouched(tmp_path: Path) -> None:
    state = tmp_path / "seen.sqlite"
    state.write_bytes(b"this is not a database" * 100)
    run = cli("rank", EXAMPLE, "-c", CONFIG, "--new-only", "--state", str(state))
    assert run.exit_code == 1 and "the ledger cannot be read" in run.stderr
    assert state.read_bytes() == b"this is not a database" * 100


def test_concurrent_runs_keep_the_ledger_whole(tmp_path: Path) -> None:
    from papertriage.ledger import Ledger
    from papertriage.models import make_paper

    path = tmp_path / "seen.sqlite"

    def writer(n: int) -> None:
        with Ledger(path) as ledger:
            ledger.record(make_paper(title=f"Paper {n}-{i}", source="t") for i in range(50))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Ledger(path) as ledger:
        assert len(ledger.entries()) == 200
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_markdown_has_front_matter_links_and_groups() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "md", "--top", "0", "--no-record")
    text = run.stdout
    head = text.split("---\n")[1]
    assert "date: " in head and "papers: 12" in head and "shown: 8" in head and '- "efficient-llm"' in head
    assert text.count("\n## ") == 3
    assert "- [ ] " in text and "score " in text and "▲ 41" in text


def test_markdown_links_to_arxiv_or_the_hf_page(tmp_path: Path) -> None:
    fixture = REPO / "tests" / "data" / "formats"
    hf = cli("rank", str(fixture / "sample-hf-api.json"), "-k", "gradient noise", "-f", "md", "--no-record").stdout
    assert "](https://huggingface.co/papers/2501.00001)" in hf
    atom = cli("rank", str(fixture / "sample-atom.xml"), "-k", "gradient noise", "-f", "md", "--no-record").stdout
    assert "](https://arxiv.org/abs/2501.00001)" in atom


def export(fmt: str, tmp_path: Path) -> tuple[Path, list[dict]]:
    out = tmp_path / f"picks.{fmt}"
    fixture = REPO / "tests" / "data" / "formats"
    run = cli("rank", EXAMPLE, str(fixture / "sample-atom.xml"), str(fixture / "sample.ris"),
              "-k", "gradient noise", "-k", "routing", "-k", "pruning", "-k", "quantization",
              "-f", fmt, "-o", str(out), "--top", "0", "--no-record")
    assert run.exit_code == 0, run.stderr
    shown = cli("rank", EXAMPLE, str(fixture / "sample-atom.xml"), str(fixture / "sample.ris"),
                "-k", "gradient noise", "-k", "routing", "-k", "pruning", "-k", "quantization",
                "-f", "jsonl", "--top", "0", "--no-record").records()
    return out, shown


def test_bibtex_export_round_trips(tmp_path: Path) -> None:
    import bibtexparser

    out, shown = export("bibtex", tmp_path)
    ours = [json.loads(line) for line in cli("parse", str(out), "--keep-duplicates").stdout.splitlines()]
    assert [p["title"] for p in ours] == [p["title"] for p in shown]
    theirs = bibtexparser.parse_string(out.read_text(encoding="utf-8")).entries
    assert len(theirs) == len(shown)
    assert [e["title"].strip("{}") for e in theirs] == [p["title"] for p in shown]
    routing = next(e for e in theirs if "Gradient" in e["title"])
    assert routing["eprint"] == "2501.00001" and routing["doi"] == "10.5555/mumul.2025.001"
    assert routing["author"] == "Adaeze Okafor and Per Lindqvist"


def test_ris_export_round_trips(tmp_path: Path) -> None:
    import rispy

    out, shown = export("ris", tmp_path)
    ours = [json.loads(line) for line in cli("parse", str(out), "--keep-duplicates").stdout.splitlines()]
    assert [p["title"] for p in ours] == [p["title"] for p in shown]
    theirs = rispy.loads(out.read_text(encoding="utf-8"))
    assert [e["title"] for e in theirs] == [p["title"] for p in shown]
    routing = next(e for e in theirs if "Gradient" in e["title"])
    assert routing["doi"] == "10.5555/mumul.2025.001" and routing["authors"] == ["Adaeze Okafor", "Per Lindqvist"]


def test_profiles_lists_terms_and_lints_against_a_listing() -> None:
    listing = cli("profiles", "-c", CONFIG)
    assert "efficient-llm" in listing.stdout and "mixture of experts  weight 2" in listing.stdout
    run = cli("profiles", "-c", CONFIG, "-p", "efficient-llm", "--lint", EXAMPLE)
    assert run.exit_code == 0
    from papertriage.config import load_config
    from papertriage.lint import lint
    from papertriage.triage import parse_listings

    reports = {r.term: r for r in lint(list(parse_listings([EXAMPLE])), load_config(Path(CONFIG))[:1])}
    assert reports["pruning"].papers == 1 and reports["inference efficiency"].papers == 0
    assert any("matches no paper" in w for w in reports["inference efficiency"].warnings)
    assert any("'MoE' is short" in w for w in reports["mixture of experts"].warnings)


def test_profiles_lint_flags_a_term_matching_most_of_the_listing(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("profiles: {p: {terms: [models, speech]}}", encoding="utf-8")
    from papertriage.config import load_config
    from papertriage.lint import lint
    from papertriage.models import make_paper

    papers = [make_paper(title=f"Models for task {i}", source="t") for i in range(9)]
    papers.append(make_paper(title="Speech", source="t"))
    reports = {r.term: r for r in lint(papers, load_config(cfg))}
    assert reports["models"].share == 0.9 and "too broad" in reports["models"].warnings[0]
    assert reports["speech"].warnings == []


def test_abstracts_option_shows_an_excerpt_with_the_matched_words_highlighted() -> None:
    import io

    from papertriage.exports import ExportOptions
    from papertriage.exports.table import write
    from papertriage.models import Profile, Term, make_paper
    from papertriage.scoring import Scorer

    paper = make_paper(title="Routing", abstract="We study quantization of routers. It works.", source="t")
    profiles = [Profile("p", (Term("quantization"),))]
    scored = Scorer(profiles).score(paper)
    out = io.StringIO()
    write([scored], out, ExportOptions(color=True, width=120, abstracts=True, total=1, scored_with=profiles))
    text = out.getvalue()
    assert "We study" in text
    assert "\x1b[1;33mquantization\x1b[0m" in text  # bold yellow, as the matched word
    plain = io.StringIO()
    write([scored], plain, ExportOptions(color=False, width=120, abstracts=False, total=1))
    assert "We study" not in plain.getvalue()
