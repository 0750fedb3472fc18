"""The keywords field: keywords, MeSH headings and author keywords of each source, scored with their own weight."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer
from papertriage.triage import parse_listings

from .conftest import need
from .helpers import cli

CORPORA = Path(__file__).parent.parent.parent / "shared" / "corpora"

SOURCES = {
    "medline.nbib": ("PMID- 1\nTI  - Sumatriptan in migraine.\nAB  - A trial.\nMH  - *Migraine Disorders/drug therapy\n"
                     "MH  - Humans\nMH  - Tryptamines/*therapeutic use/adverse effects\nOT  - triptans\n",
                     ["triptans", "Migraine Disorders", "Humans", "Tryptamines"]),
    "pubmed.xml": ("<?xml version='1.0'?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                   "<ArticleTitle>Sumatriptan in migraine.</ArticleTitle></Article><MeshHeadingList><MeshHeading>"
                   "<DescriptorName MajorTopicYN='Y'>Migraine Disorders</DescriptorName><QualifierName>drug therapy"
                   "</QualifierName></MeshHeading></MeshHeadingList><KeywordList><Keyword>triptans</Keyword>"
                   "</KeywordList></MedlineCitation></PubmedArticle></PubmedArticleSet>",
                   ["Migraine Disorders", "triptans"]),
    "refs.ris": ("TY  - JOUR\nTI  - Sumatriptan in migraine\nKW  - *Migraine Disorders/drug therapy\nHumans\n"
                 "KW  - triptans; nasal spray\nER  - \n", ["Migraine Disorders", "Humans", "triptans", "nasal spray"]),
    "refs.bib": ("@article{a, title={Sumatriptan in migraine}, keywords={migraine; triptans, nasal spray}}\n",
                 ["migraine", "triptans", "nasal spray"]),
    "savedrecs.txt": ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Sumatriptan in migraine\n"
                      "DE migraine; triptans\nID HEADACHE; Nasal Spray\nER\nEF\n",
                      ["migraine", "triptans", "HEADACHE", "Nasal Spray"]),
    "scopus.csv": ('Title,Abstract,Author Keywords,Index Keywords\n"Sumatriptan in migraine",x,"migraine; triptans",'
                   '"Humans; Migraine Disorders; migraine"\n', ["migraine", "triptans", "Humans", "Migraine Disorders"]),
    "daily.json": (json.dumps([{"paper": {"id": "2501.00001", "title": "Sparse routing", "summary": "x",
                                          "ai_keywords": ["mixture of experts", "routing"]}}]),
                   ["mixture of experts", "routing"]),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_fills_keywords(tmp_path: Path, name: str) -> None:
    text, expected = SOURCES[name]
    path = tmp_path / name
    path.write_text(text)
    [paper] = list(parse_listings([str(path)], dedupe=False))
    assert list(paper.keywords) == expected
    assert "keywords" not in paper.extra and "ai_keywords" not in paper.extra


def test_parse_output_carries_keywords_and_reads_them_back(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(SOURCES["refs.bib"][0])
    run = cli("parse", str(path))
    [record] = run.records()
    assert record["keywords"] == ["migraine", "triptans", "nasal spray"]
    again = tmp_path / "records.jsonl"
    again.write_text(run.stdout)
    [paper] = list(parse_listings([str(again)]))
    assert paper.keywords == ("migraine", "triptans", "nasal spray")


def test_keywords_score_with_their_own_field_weight() -> None:
    profile = Profile("p", (Term("nasal spray"),), fields=(("title", 3.0), ("abstract", 1.0), ("keywords", 2.0)))
    paper = make_paper(title="Sumatriptan in migraine", keywords=["migraine", "nasal spray"], source="t")
    [match] = Scorer([profile]).score(paper).matches
    assert (match.field, match.text, match.field_weight, match.contribution) == ("keywords", "nasal spray", 2.0, 2.0)
    # without keywords among the profile's fields they are not scored
    assert Scorer([Profile("q", (Term("nasal spray"),))]).score(paper).score == 0


def test_imported_subject_headings_match_the_keywords_only(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    assert cli("profiles", "import", '"migraine disorders"[mh] AND sumatriptan[tiab]', "--name", "m",
               "-o", str(config)).exit_code == 0
    listing = tmp_path / "refs.ris"
    listing.write_text("TY  - JOUR\nTI  - Sumatriptan for attacks\nKW  - Migraine Disorders\nER  - \n"
                       "TY  - JOUR\nTI  - Sumatriptan for migraine disorders\nER  - \n")
    run = cli("rank", str(listing), "-c", str(config), "-f", "jsonl", "--plain", "--no-record")
    scored = {r["title"]: {(m["term"], m["field"]) for m in r["matches"]} for r in run.records()}
    assert scored["Sumatriptan for attacks"] == {("migraine disorders", "keywords"), ("sumatriptan", "title")}
    assert ("migraine disorders", "title") not in scored.get("Sumatriptan for migraine disorders", set())


def test_real_exports_carry_their_keywords() -> None:
    corpora = need(CORPORA)
    xml = list(parse_listings([str(corpora / "pubmed" / "biopython_efetch_pubmed1.xml")]))
    assert "Acquired Immunodeficiency Syndrome" in xml[0].keywords
    medline = list(parse_listings([str(corpora / "pubmed" / "biopython_medline_pubmed_result2.txt")]))
    assert all(p.keywords for p in medline)
    ris = list(parse_listings([str(corpora / "ris" / "asreview_pubmed_endnote.txt")]))
    assert "Anti-Inflammatory Agents" in ris[0].keywords
    bib = list(parse_listings([str(corpora / "bibtex" / "litsearchr_WoS_corecollection_final_2.bib")]))
    assert sum(1 for p in bib if p.keywords) > 300
