"""The command line as a user meets it: outputs, options, exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from papertriage.cli import app

from .helpers import cli
from .test_hf_text import page

REPO = Path(__file__).parent.parent
EXAMPLE = str(REPO / "examples" / "daily-papers.txt")
CONFIG = str(REPO / "config.example.yaml")


def test_every_command_has_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"command {name} has no help text"
        assert cli(name, "--help").exit_code == 0


def test_rank_table_shows_the_best_papers_first() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "--top", "3")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    body = "\n".join(lines)
    assert body.index("Tidal") < body.index("Knowledge") < body.index("Sparse")
    assert "3 of 12 papers shown" in run.stdout
    assert "\x1b[" not in run.stdout


def test_rank_json_carries_record_fields_score_profile_and_matches() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "json", "--top", "0")
    records = json.loads(run.stdout)
    assert records[0]["title"].startswith("Tidal")
    assert {"id", "title", "abstract", "score", "profile", "matches", "upvotes"} <= set(records[0])
    for r in records:
        assert r["score"] == pytest.approx(sum(m["contribution"] for m in r["matches"]), abs=1e-3)
    assert [r["score"] for r in records] == sorted((r["score"] for r in records), reverse=True)


def test_adhoc_keywords_need_no_config() -> None:
    run = cli("rank", EXAMPLE, "-k", "speculative decoding", "-k", "LoRA", "-f", "jsonl")
    assert run.exit_code == 0
    titles = [r["title"] for r in run.records()]
    assert titles == ["Speculative Decoding with Draft Trees for Long Outputs", "LoRA Adapters Forget Less Than You Think"]
    assert run.records()[0]["profile"] == "keywords"


def test_min_score_zero_lists_every_paper() -> None:
    run = cli("rank", EXAMPLE, "-k", "LoRA", "-f", "jsonl", "--min-score", "0", "--top", "0")
    records = run.records()
    assert len(records) == 12
    assert records[0]["title"].startswith("LoRA") and all(r["score"] == 0 for r in records[1:])


def test_profile_selection_and_top() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-p", "scaling", "-f", "jsonl", "--top", "1")
    assert [r["profile"] for r in run.records()] == ["scaling"]


def test_exclude_keeps_federated_paper_out_of_efficient_llm() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-p", "efficient-llm", "-f", "jsonl", "--top", "0")
    assert not any("Federated" in r["title"] for r in run.records())


def test_markdown_reading_list() -> None:
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "md", "--top", "4")
    text = run.stdout
    assert text.startswith("---\n")
    assert "## retrieval (2)" in text
    assert "- [ ] [Tidal: Scaling Laws for Retrieval\\-Augmented Generation](https://huggingface.co/papers?q=" in text
    assert "matched: retrieval augmented generation" in text
    assert text.count("- [ ] ") == 4


def test_csv_is_rfc4180_and_formula_safe(tmp_path: Path) -> None:
    listing = tmp_path / "evil.txt"
    evil = ("=HYPERLINK(\"http://x\") pruning", "Pruning, with \"quotes\"\nand commas.", "  • 2 authors", "Jan 1, 2025")
    listing.write_text(page([evil,
                             ("-1+2 pruning", "", "  • 1 author", "Jan 2, 2025"),
                             ("@SUM(A1) pruning", "", "  • 1 author", "Jan 3, 2025")]), encoding="utf-8")
    run = cli("rank", str(listing), "-k", "pruning", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == 3
    assert {r["title"][0] for r in rows} == {"'"}
    assert rows[0]["abstract"] == 'Pruning, with "quotes" and commas.'
    assert run.stdout.splitlines()[0].startswith("rank,score,profile,title")


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "list.md"
    run = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "md", "-o", str(out))
    assert run.exit_code == 0 and run.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("---")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".list.md")] == []


def test_output_onto_an_input_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "l.txt"
    listing.write_text(Path(EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8")
    run = cli("rank", str(listing), "-k", "x", "-o", str(listing))
    assert run.exit_code == 1 and "is also an input" in run.stderr
    assert listing.read_text(encoding="utf-8") == Path(EXAMPLE).read_text(encoding="utf-8")


def one_error_line(run_stderr: str) -> str:
    lines = [line for line in run_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run_stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in run_stderr
    return lines[0]


@pytest.mark.parametrize("make,expected", [
    (lambda d: str(d / "missing.txt"), "no such file"),
    (lambda d: str(d), "directory with no listing"),
    (lambda d: _write(d / "empty.txt", b""), "is empty"),
    (lambda d: _write(d / "blob.bin", bytes(range(256)) * 50), "binary file"),
    (lambda d: _write(d / "notes.txt", b"just some notes\nnothing else\n"), "not a listing"),
])
def test_bad_listing_is_one_clear_line_and_exit_1(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sub").mkdir()
    target = make(tmp_path / "sub")
    run = cli("rank", target, "-k", "x")
    assert run.exit_code == 1
    assert expected in one_error_line(run.stderr)
    assert run.stdout == ""


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("config_text,args,expected", [
    ("profiles: [", [], "invalid YAML"),
    ("profiles: {p: {terms: [x]}}", ["-p", "nope"], "no profile named 'nope'"),
    ("profiles: {p: {terms: [x], threshold: 101}}", [], "threshold: must be between 0 and 100"),
    ("profiles: {p: {terms: [{term: x, weight: -2}]}}", [], "weight: must be at least 0"),
])
def test_bad_config_is_one_clear_line_and_exit_1(tmp_path: Path, config_text: str, args: list[str], expected: str) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(config_text, encoding="utf-8")
    run = cli("rank", EXAMPLE, "-c", str(cfg), *args)
    assert run.exit_code == 1
    assert expected in one_error_line(run.stderr)


def test_no_config_at_all_says_what_to_do() -> None:
    run = cli("rank", EXAMPLE)
    assert run.exit_code == 1
    assert "papertriage init" in one_error_line(run.stderr)


def test_usage_errors_exit_2() -> None:
    assert cli("rank").exit_code == 2
    assert cli("rank", EXAMPLE, "--format", "docx").exit_code == 2
    assert cli("rank", EXAMPLE, "--top", "-1").exit_code == 2


def test_stdin_is_read_with_dash() -> None:
    run = cli("parse", "-", input=Path(EXAMPLE).read_text(encoding="utf-8"))
    assert run.exit_code == 0 and len(run.records()) == 12


def test_parse_csv_and_json() -> None:
    as_json = json.loads(cli("parse", EXAMPLE, "-f", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(cli("parse", EXAMPLE, "-f", "csv").stdout)))
    assert [p["title"] for p in as_json] == [r["title"] for r in rows]
    assert len(rows) == 12


def test_explain_total_equals_rank_score() -> None:
    ranked = cli("rank", EXAMPLE, "-c", CONFIG, "-f", "jsonl", "--top", "0").records()
    for record in ranked[:5]:
        explained = json.loads(cli("explain", EXAMPLE, record["title"], "-c", CONFIG, "-f", "json").stdout)
        assert explained["paper"]["id"] == record["id"]
        assert (explained["score"], explained["profile"]) == (record["score"], record["profile"])


def test_init_writes_a_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    assert cli("init", str(target)).exit_code == 0
    assert cli("rank", EXAMPLE, "-c", str(target), "--top", "1").exit_code == 0
    again = cli("init", str(target))
    assert again.exit_code == 1 and "--force" in again.stderr
    assert cli("init", str(target), "--force").exit_code == 0


def test_formats_lists_every_source() -> None:
    from papertriage.sources import SOURCES

    out = cli("formats").stdout
    for source in SOURCES:
        assert source.name in out


def test_version() -> None:
    run = cli("--version")
    assert run.exit_code == 0 and run.stdout.startswith("papertriage ")
