"""The decision commands: mark, decisions list/export/import/forget, suggest, simulate, and what
rank does with decisions (learn from them; only what is shown counts as seen)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .helpers import cli
from .screening_data import PROFILE_YAML, synthetic, write_csv

REPO = Path(__file__).parent.parent
EXAMPLE = str(REPO / "examples" / "daily-papers.txt")
CONFIG = str(REPO / "config.example.yaml")


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.sqlite")


@pytest.fixture
def review(tmp_path: Path) -> tuple[str, str]:
    """A labelled screening CSV and its one-profile config."""
    papers, labels = synthetic(n=150, relevant=15)
    csv_path = write_csv(tmp_path / "screening.csv", papers, labels)
    config = tmp_path / "sleep.yaml"
    config.write_text(PROFILE_YAML, encoding="utf-8")
    return str(csv_path), str(config)


def decisions(state: str) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(state)
    return [tuple(r) for r in db.execute("SELECT id, profile, decision FROM decisions ORDER BY seq")]


def test_mark_a_paper_rank_showed_and_list_it(state: str) -> None:
    shown = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "jsonl", "--top", "2", "--state", state).records()
    run = cli("mark", shown[0]["title"], "--keep", "-p", "retrieval", "-c", CONFIG, "--note", "read first",
              "--state", state)
    assert (run.exit_code, run.stderr) == (0, "marked 1 paper keep for retrieval\n")
    listed = cli("decisions", "list", "--state", state)
    assert [line[18:] for line in listed.stdout.splitlines()] == [  # after the time
        f"keep   retrieval  {shown[0]['id']}  {shown[0]['title']}  [read first]"]


def test_mark_needs_exactly_one_decision_and_a_known_profile(state: str) -> None:
    assert cli("mark", "x", "-p", "retrieval", "--state", state).exit_code == 2
    assert cli("mark", "x", "--keep", "--skip", "-p", "retrieval", "--state", state).exit_code == 2
    run = cli("mark", "x", "--keep", "-c", CONFIG, "--state", state)
    assert run.exit_code == 1 and "name the profile the decisions are for with -p" in run.stderr
    run = cli("mark", "x", "--keep", "-c", CONFIG, "-p", "nope", "--state", state)
    assert run.exit_code == 1 and "no profile named 'nope'" in run.stderr


def test_an_unknown_paper_records_nothing(state: str) -> None:
    cli("rank", EXAMPLE, "-c", CONFIG, "--top", "2", "--state", state)
    shown = cli("seen", "list", "--state", state).stdout.split()[1]
    run = cli("mark", shown, "no such paper at all", "--skip", "-p", "retrieval", "--state", state)
    assert run.exit_code == 1
    assert run.stderr.startswith("Error: no paper in the ledger (papers shown or decided before) is 'no such paper at all'")
    assert decisions(state) == []


def test_mark_finds_a_paper_in_a_listing_given_with_in(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    run = cli("mark", "10.9999/s3", "--skip", "--in", csv_path, "-c", config, "--state", state)
    assert run.exit_code == 0
    assert decisions(state) == [("doi:10.9999/s3", "sleep", "skip")]


def test_import_a_labelled_listing_then_export_it(state: str, review: tuple[str, str], tmp_path: Path) -> None:
    csv_path, config = review
    run = cli("decisions", "import", csv_path, "-c", config, "--state", state)
    assert (run.exit_code, run.stderr) == (0, "imported 150 decisions for sleep: 15 keep, 135 skip\n")
    out = tmp_path / "kept.ris"
    assert cli("decisions", "export", "-f", "ris", "-o", str(out), "--state", state).exit_code == 0
    assert out.read_text(encoding="utf-8").count("TY  - ") == 15
    rows = cli("decisions", "export", "-f", "jsonl", "--state", state).records()
    assert len(rows) == 150 and set(rows[0]) == {"id", "title", "profile", "decision", "note", "at"}
    csv_out = cli("decisions", "export", "-f", "csv", "--state", state).stdout
    assert csv_out.splitlines()[0] == "id,title,profile,decision,note,at"


def test_a_label_that_is_not_a_decision_records_nothing(state: str, tmp_path: Path) -> None:
    papers, labels = synthetic(n=10, relevant=2)
    bad = write_csv(tmp_path / "bad.csv", papers, ["1", "0", "", "2", "0", "1", "0", "0", "0", "0"])
    run = cli("decisions", "import", str(bad), "-p", "sleep", "--state", state)
    assert run.exit_code == 1
    assert "column 'label_included': label '2' is not a decision; use 1/0, yes/no, true/false" in run.stderr
    assert not Path(state).exists() or decisions(state) == []


def test_an_empty_label_is_a_paper_not_screened_yet(state: str, tmp_path: Path) -> None:
    papers, _ = synthetic(n=4, relevant=1)
    partly = write_csv(tmp_path / "partly.csv", papers, ["1", "", "-1", "no"])
    run = cli("decisions", "import", str(partly), "-p", "sleep", "--state", state)
    assert (run.exit_code, run.stderr) == (0, "imported 2 decisions for sleep: 1 keep, 1 skip\n")


def test_a_ticked_reading_list_imports_as_keeps_for_its_sections(state: str, tmp_path: Path) -> None:
    reading = tmp_path / "reading-list.md"
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "md", "-o", str(reading), "--state", state)
    assert run.exit_code == 0
    # a file written is not "shown": nothing counts as seen, but the records are kept for later
    assert cli("seen", "list", "--state", state).stdout == ""
    text = reading.read_text(encoding="utf-8")
    first_box = text.index("- [ ]")
    reading.write_text(text[:first_box] + "- [x]" + text[first_box + 5:], encoding="utf-8")
    run = cli("decisions", "import", str(reading), "-c", CONFIG, "--state", state)
    assert (run.exit_code, run.stderr) == (0, "imported 1 decisions for retrieval: 1 keep\n")
    [(paper_id, profile, decision)] = decisions(state)
    assert (profile, decision) == ("retrieval", "keep") and paper_id.startswith("title:")
    run = cli("decisions", "import", str(reading), "-c", CONFIG, "--unticked", "skip", "--state", state)
    assert run.exit_code == 0 and len(decisions(state)) > 2


def test_forget_decisions(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    cli("decisions", "import", csv_path, "-c", config, "--state", state)
    run = cli("decisions", "forget", "10.9999/s3", "--state", state)
    assert (run.exit_code, run.stderr) == (0, "forgot the decisions on 1 paper\n")
    assert cli("decisions", "forget", "--state", state).exit_code == 2
    run = cli("decisions", "forget", "--all", "--yes", "--state", state)
    assert (run.exit_code, run.stderr) == (0, "forgot the decisions on 149 papers\n")


def test_rank_learns_from_decisions_and_says_what(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    before = cli("rank", csv_path, "-c", config, "-f", "jsonl", "--top", "15", "--state", state, "--no-record")
    cli("decisions", "import", csv_path, "-c", config, "--state", state)
    after = cli("rank", csv_path, "-c", config, "-f", "jsonl", "--top", "15", "--state", state, "--no-record")
    assert "sleep: learned from 15 keeps and 135 skips, strongest words: +" in after.stderr

    def relevant(run: object) -> int:  # the synthetic set's relevant papers are s0 to s14
        return sum(1 for r in run.records() if int(r["id"].rsplit("s", 1)[1]) < 15)  # type: ignore[attr-defined]

    assert relevant(after) >= 13 and relevant(after) > relevant(before)
    learned = [m for m in after.records()[0]["matches"] if m["from_decisions"]]
    assert learned and all(m["rarity"] == 1 for m in learned)
    plain = cli("rank", csv_path, "-c", config, "-f", "jsonl", "--top", "15", "--state", state, "--no-record",
                "--no-learn")
    assert plain.records() == before.records()


def test_the_table_and_markdown_name_the_words_decisions_taught(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    cli("decisions", "import", csv_path, "-c", config, "--state", state)
    table = cli("rank", csv_path, "-c", config, "--top", "3", "--width", "120", "--state", state, "--no-record")
    assert table.exit_code == 0 and "decisions: +" in table.stdout
    md = cli("rank", csv_path, "-c", config, "-f", "md", "--top", "3", "--state", state, "--no-record")
    assert md.exit_code == 0 and "  - learned from your decisions: \\+" in md.stdout  # Markdown-escaped


def test_explain_lists_the_learned_words_that_sum_to_the_score(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    cli("decisions", "import", csv_path, "-c", config, "--state", state)
    top = cli("rank", csv_path, "-c", config, "-f", "jsonl", "--top", "1", "--state", state, "--no-record").records()[0]
    run = cli("explain", csv_path, top["title"], "-c", config, "-f", "json", "--state", state)
    report = json.loads(run.stdout)
    matches = report["profiles"][0]["matches"]
    assert any(m["from_decisions"] for m in matches)
    assert report["score"] == pytest.approx(sum(m["contribution"] for m in matches), abs=1e-3) == top["score"]


def test_suggest_proposes_the_words_of_the_kept_papers(state: str, review: tuple[str, str]) -> None:
    csv_path, config = review
    cli("decisions", "import", csv_path, "-c", config, "--state", state)
    run = cli("suggest", "-c", config, "--state", state)
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert lines[0] == '# suggestions for profile "sleep" from 15 keeps and 135 skips'
    proposed = [line.split('"')[1] for line in lines if line.startswith("  - {term:") and "phrase" not in line]
    phrases = [line.split('"')[1] for line in lines if line.startswith("  - {term:") and "phrase" in line]
    topic = {"sleep", "insomnia", "circadian", "nocturnal", "wakefulness", "somnolence", "hypnotic"}
    assert proposed and set(proposed) <= topic
    assert all(set(phrase.split()) & topic for phrase in phrases)
    assert "melatonin" not in proposed  # already a term


def test_suggest_without_both_kinds_of_decision(state: str, review: tuple[str, str]) -> None:
    _, config = review
    run = cli("suggest", "-c", config, "--state", state)
    assert (run.exit_code, run.stderr) == (1, "Error: profile 'sleep' has 0 keeps and 0 skips; suggestions need at least "
                                              "one of each (papertriage mark ID --keep / --skip, or decisions import)\n")


def test_simulate_prints_the_screening_order_and_its_figures(review: tuple[str, str]) -> None:
    csv_path, config = review
    order = cli("simulate", csv_path, "-c", config, "-f", "jsonl").records()
    assert [r["step"] for r in order] == list(range(1, 151))
    assert sum(r["label"] for r in order) == 15 and set(order[0]) == {"step", "id", "title", "label"}
    figures = json.loads(cli("simulate", csv_path, "-c", config, "-f", "json").stdout)
    assert figures["papers"] == 150 and figures["relevant"] == 15 and figures["prior"] == 0
    last = max(r["step"] for r in order if r["label"])
    assert figures["screened_to_100"] == last
    table = cli("simulate", csv_path, "-c", config)
    assert table.exit_code == 0 and "WSS@95" in table.stdout
    assert cli("simulate", csv_path, "-c", config, "--prior", "2+2").exit_code == 2
