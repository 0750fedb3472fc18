"""The reading rules that other parsers' test suites (../shared/corpora/external) showed we lacked,
each on a small fixture of made-up papers in tests/data/rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from papertriage.sources import read_papers

from .conftest import DATA

RULES = DATA / "rules"


def read(name: str, fmt: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    warnings: list[str] = []
    papers = [p.to_dict() for p in read_papers([str(RULES / name)], fmt=fmt, warn=warnings.append)]
    return papers, warnings


# Web of Science and MEDLINE tagged text


def test_wos_continuation_lines_of_authors_are_more_authors() -> None:
    (paper,), warnings = read("wos-one-author-a-line.txt")
    assert paper["authors"] == ["Okafor, Nneka T.", "Lindqvist, Anna", "Park, Seo-jun"]
    assert paper["title"] == "Tidal heating of icy moons measured from orbit"
    assert paper["abstract"] == "Three spacecraft flybys constrain the tidal dissipation of a small icy moon."
    assert warnings == []


def test_medline_blocks_are_records_and_stray_lines_are_reported() -> None:
    papers, warnings = read("medline-blocks.nbib")
    assert [p["title"] for p in papers] == [
        "Sleep spindles in a made-up cohort of night-shift workers.",
        "A record whose PMID line was lost",
        "Written without the space after the dash",
    ]
    assert papers[0]["authors"] == ["Moreau, Claire"]
    assert papers[0]["extra"]["pmid"] == "90000001" and "pmid" not in papers[1]["extra"]
    assert papers[2]["extra"]["pmid"] == "90000003"
    assert papers[1]["authors"] == ["Ibrahim, Sadiq"]  # not merged into the record before it
    assert any("line 4: not a tagged line" in w for w in warnings)
    assert any("line 9: record without a PMID line" in w for w in warnings)
    assert any("line 16: record has no title; skipped" in w for w in warnings)


# RSS and Atom


def test_atom_html_titles_lose_their_tags_and_content_or_media_is_the_abstract() -> None:
    papers, _ = read("atom-html-content-media.xml")
    assert [p["title"] for p in papers] == [
        "In vivo imaging of made-up & real neurons", "A video abstract of a made-up paper", "Spin 1/2 chains"]
    assert papers[0]["abstract"] == "Two-photon We image neurons in a made-up mouse."
    assert papers[1]["abstract"] == "Ten minutes on tidal heating."
    assert papers[2]["abstract"] == "Χρησιμοποιούμε αλυσίδες σπιν."  # any script is kept


def test_rss1_dc_description_in_any_script_is_the_abstract() -> None:
    (paper,), _ = read("rss1-dc-description.rdf")
    assert paper["title"] == "Модель сна у полярников"
    assert paper["abstract"] == "Мы изучаем сон на выдуманной полярной станции."
    assert paper["authors"] == ["Ирина Соколова"]


def test_undeclared_html_entities_do_not_refuse_a_feed() -> None:
    (paper,), warnings = read("rss2-html-entities.xml")
    assert [w.split(": ", 1)[1] for w in warnings] == ["line 9 (item 2): no title; skipped"]
    assert paper["title"] == "Café queues as made-up Markov chains"
    assert paper["abstract"] == "Waiting times & service — a toy model."


def test_rss_090_items_are_read() -> None:
    papers, _ = read("rss090.rdf")
    assert [p["title"] for p in papers] == ["Made-up dial-up latency study", "Made-up modem noise survey"]
    assert papers[0]["url"] == "http://example.org/1"


# BibTeX


def test_bibtex_macros_concatenation_field_names_and_latex() -> None:
    papers, warnings = read("bibtex-macros-latex.bib")
    assert [p["extra"]["type"] for p in papers] == ["software", "article", "article"]
    paper = papers[1]
    assert paper["title"] == "Lidar counts of made-up “forest” birds with $^{13}$C and $\\{x_{i}\\}$ tags"
    assert paper["authors"] == ["Okafor, Nneka", "Lindqvist, Anna", "Barnes and Noble, Inc."]
    assert paper["extra"]["journal"] == "Journal of Made-Up Ecology"
    assert paper["published"] == "2021-03"
    assert paper["abstract"] == "We count birds with lasers: 5% of them, twice."
    assert papers[2]["abstract"] == "Still read after the stray token."
    assert len(warnings) == 1 and "line 21 (broken): could not read '= {no name}' as a field; left out" in warnings[0]


def test_bibtex_detected_from_any_entry_type_and_cr_line_ends() -> None:
    (paper,), _ = read("bibtex-cr-only.bib")
    assert paper["title"] == "A made-up thesis saved with CR line ends"
    assert paper["extra"]["type"] == "mastersthesis" and paper["source"] == "bibtex"


# CSV


def test_semicolon_csv_and_its_id_columns() -> None:
    papers, warnings = read("semicolon-ids.csv")
    assert [p["title"] for p in papers] == ["Made-up statin trial in sailors", "Made-up sleep study in pilots",
                                            "Made-up diet survey of bakers"]
    assert papers[0]["abstract"] == "Sailors; statins; a toy trial"
    assert papers[0]["authors"] == ["Moreau C", "Park S"]
    assert papers[0]["extra"]["pmid"] == "90000011" and papers[0]["id"] == "doi:10.5555/made.up.1"
    assert papers[1]["extra"]["openalex_id"] == "https://openalex.org/W900002"
    assert papers[2]["extra"]["record_id"] == "3"
    assert warnings == []


def test_evaluate_labels_by_pmid_and_an_error_when_none_matches(tmp_path: Path) -> None:
    from .helpers import cli

    labels = tmp_path / "kept.txt"
    labels.write_text("90000012\npmid:90000013\n", encoding="utf-8")
    run = cli("evaluate", str(RULES / "semicolon-ids.csv"), "--labels", str(labels), "-k", "sleep", "-f", "json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)[0]["positives"] == 2
    labels.write_text("12345678\n", encoding="utf-8")
    run = cli("evaluate", str(RULES / "semicolon-ids.csv"), "--labels", str(labels), "-k", "sleep")
    assert run.exit_code == 1
    assert "no paper matched an id or title of the labels file" in run.stderr


def test_json_feed_content_and_author_objects() -> None:
    papers, _ = read("jsonfeed.json")
    assert papers[0]["abstract"] == "Glaciers retreat. Faster."
    assert papers[0]["authors"] == ["Ines Frost", "Jon Berg"] and papers[0]["published"] == "2024-05-02"
    assert papers[1]["abstract"] == "Cores of ice." and papers[1]["authors"] == ["Kai Moraine"]


# arXiv e-mail listings


def test_arxiv_mail_before_2007_names_papers_with_paper_lines() -> None:
    papers, _ = read("arxiv-mail-1992.txt")
    assert [p["id"] for p in papers] == ["arxiv:astro-ph/9204901", "arxiv:astro-ph/9204902"]
    assert papers[0]["authors"] == ["Ada Lovel", "Bert Stone", "Cy Young"]
    assert [p["abstract"] for p in papers] == ["", ""]


def test_arxiv_mail_footer_is_not_the_last_abstract() -> None:
    papers, _ = read("arxiv-mail-footer.txt")
    assert [p["abstract"] for p in papers] == ["We survey exomoons that do not exist.", ""]
    assert papers[1]["title"] == "A made-up replacement without abstract"


def test_bibtex_stray_brace_costs_one_value_not_the_entry_nor_the_next() -> None:
    papers, warnings = read("bibtex-stray-brace.bib")
    assert [p["title"] for p in papers] == ["A made-up survey of river crayfish", "The entry after a stray brace"]
    assert papers[0]["abstract"].startswith("Channels were dug") and "doi" not in papers[0]["abstract"]
    assert papers[0]["id"] == "doi:10.5555/made.up.crayfish" and papers[0]["published"] == "2012"
    assert len(warnings) == 1 and "line 1: @article entry is not closed; read up to the next entry" in warnings[0]
