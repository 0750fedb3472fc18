"""Exact output of the commands, in the sqlite-utils style: the whole stdout, stderr and exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from papertriage.cli import app

from .conftest import DATA
from .helpers import cli

FIXTURES = DATA / "cli"
LISTING = str(FIXTURES / "listing.txt")
CONFIG = str(FIXTURES / "profiles.yaml")


def every_command() -> list[tuple[str, ...]]:
    """Every command and subcommand of the app, as the words that call it (found from the app, so
    a command added later is covered too)."""
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():  # a group's commands
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


@pytest.mark.parametrize("path", every_command(), ids=lambda p: " ".join(p) or "papertriage")
def test_every_command_and_subcommand_has_help(path: tuple[str, ...]) -> None:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert (command.help or "").strip(), f"`papertriage {' '.join(path)}` has no help text"
    run = cli(*path, "--help")
    assert run.exit_code == 0 and "Usage:" in run.stdout
    for param in command.params:
        if param.param_type_name == "option" and not param.hidden:
            assert (param.help or "").strip(), f"`papertriage {' '.join(path)}` option {param.opts[0]} has no help"


def test_the_help_check_sees_subcommands() -> None:
    assert ("seen", "list") in every_command() and ("rank",) in every_command()


def test_rank_csv_of_ad_hoc_keywords(tmp_path: Path) -> None:
    # pruning in the title (3) and twice in the abstract, as prune and pruned (1 x saturation(2) = 1.375)
    out = tmp_path / "ranked.csv"
    run = cli("rank", LISTING, "-k", "pruning", "-f", "csv", "--no-record", "--plain", "-o", str(out))
    assert (run.exit_code, run.stdout, out.read_bytes().decode(), run.stderr) == (
        0,
        "",
        "rank,score,profile,title,matched_terms,partial_terms,learned_words,published,upvotes,authors,n_authors,"
        "organization,categories,link,url,id,source,abstract\r\n"
        "1,4.375,keywords,Pruning Vision Transformers by Token Merging,pruning,,,2026-03-01,7,,2,,,"
        "https://huggingface.co/papers?q=Pruning+Vision+Transformers+by+Token+Merging,,title:3e17882a3c42c9ea,"
        'hf-text,"We prune redundant tokens in vision transformers by merging them, and distill the pruned model from '
        'the original."\r\n',
        "read 8 papers from 1 listing\n",
    )


def test_rank_jsonl_score_profile_and_matches() -> None:
    run = cli("rank", LISTING, "-k", "token merging", "-f", "jsonl", "--no-record", "--plain")
    assert run.exit_code == 0
    # the second paper holds only `tokens` (partial credit): not a match, left out (1a44a19)
    [first] = run.records()
    assert (first["title"], first["score"], first["profile"]) == ("Pruning Vision Transformers by Token Merging",
                                                                  3.5, "keywords")
    assert first["matches"] == [
        {"term": "token merging", "field": "title", "text": "Token Merging", "similarity": 100.0, "count": 1,
         "term_weight": 1.0, "field_weight": 3.0, "contribution": 3.0, "share": 1.0, "rarity": 1.0, "learned": False,
         "coverage": 1.0, "from_decisions": False},
        {"term": "token merging", "field": "abstract", "text": "tokens", "similarity": 100.0, "count": 1,
         "term_weight": 1.0, "field_weight": 1.0, "contribution": 0.25, "share": 0.25, "rarity": 1.0, "learned": False,
         "coverage": 1.0, "from_decisions": False},
        {"term": "token merging", "field": "abstract", "text": "merging", "similarity": 100.0, "count": 1,
         "term_weight": 1.0, "field_weight": 1.0, "contribution": 0.25, "share": 0.25, "rarity": 1.0, "learned": False,
         "coverage": 1.0, "from_decisions": False},
    ]


def test_parse_jsonl_of_one_paper_exactly() -> None:
    listing = ("Tidal Forecasts from Radar\n\nWe forecast tides.\n\n  • 3 authors\n·\nFeb 27, 2026 1\n")
    run = cli("parse", "-", input=listing)
    assert (run.exit_code, run.stdout, run.stderr) == (
        0,
        '{"id": "title:c8e04d015302fd8a", "title": "Tidal Forecasts from Radar", "abstract": "We forecast tides.", '
        '"authors": [], "n_authors": 3, "organization": null, "published": "2026-02-27", "upvotes": 1, "url": null, '
        '"categories": [], "keywords": [], "source": "hf-text", "extra": {"line": 1}}\n',
        "read 1 papers from 1 listing\n",
    )


def test_a_missing_listing() -> None:
    run = cli("rank", "nowhere.txt", "-k", "x")
    assert (run.exit_code, run.stdout, run.stderr) == (1, "", "Error: nowhere.txt: no such file; check the path\n")


def test_an_unknown_profile() -> None:
    run = cli("rank", LISTING, "-c", CONFIG, "-p", "nope")
    assert run.exit_code == 1 and run.stdout == ""
    assert run.stderr.startswith("Error: ") and "nope" in run.stderr and run.stderr.count("\n") == 1


def test_an_unknown_input_format() -> None:
    run = cli("rank", LISTING, "-k", "x", "--from", "word")
    assert (run.exit_code, run.stdout) == (2, "")  # bad usage (8c5b8ec)
    assert "Invalid value for '--from'" in run.stderr and "hf-html" in run.stderr


def test_seen_list_after_a_rank(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    cli("rank", LISTING, "-k", "token merging", "--state", state)
    run = cli("seen", "list", "--state", state)
    assert run.exit_code == 0
    assert [line[10:] for line in run.stdout.splitlines()] == [  # after the date shown
        "  title:3e17882a3c42c9ea  Pruning Vision Transformers by Token Merging"]  # the only whole match
    assert cli("seen", "clear", "--state", state).stderr == "forgot 1 papers\n"


def test_format_choices_come_from_the_registries() -> None:
    from papertriage.cli import ParseFormat, RankFormat
    from papertriage.exports import WRITERS, formats
    from papertriage.exports.records import WRITERS as RECORD_WRITERS

    assert [f.value for f in RankFormat] == list(WRITERS) == list(formats())
    assert [f.value for f in ParseFormat] == list(RECORD_WRITERS)
    assert "--format <table|md|csv|json|jsonl|bibtex|ris>" in cli("rank", "--help").stdout
