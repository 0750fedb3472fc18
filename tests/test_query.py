"""`profiles import`: Boolean search strings of each database as profiles, and what cannot be said exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from papertriage.config import load_config
from papertriage.models import make_paper
from papertriage.scoring import Scorer

from .helpers import cli

PUBMED = ('(migraine[tiab] OR "migraine disorders"[mh] OR headache*[tiab]) AND (sumatriptan OR zolmitriptan '
          'OR triptan*[ti]) AND (randomi*[tiab] OR placebo) NOT (review[pt] OR rats[tiab])')


def test_pubmed_string_becomes_concepts_with_aliases_scopes_and_exclude() -> None:
    run = cli("profiles", "import", PUBMED, "--name", "triptans")
    assert run.exit_code == 0
    assert run.stdout == """\
profiles:
  triptans:
    description: Imported from a PubMed search string
    concepts: all
    fields: {title: 3, abstract: 1, keywords: 2}
    terms:
      - term: migraine
        fields: [title, abstract]
        aliases: [{term: migraine disorders, fields: [keywords]}, headache*]
      - term: sumatriptan
        aliases: [zolmitriptan, {term: triptan*, fields: [title]}]
      - term: randomi*
        fields: [title, abstract]
        aliases: [{term: placebo, fields: [title, abstract, keywords]}]
    exclude: [rats]
"""
    assert run.stderr == (
        "warning: not exact: position 152: 'review[pt]': [pt] limits by publication type or subset, which records "
        "do not carry: left out\n"
        "warning: not exact: overall: 1 subject-heading term(s) match only the keywords field: records without "
        "keywords (e.g. plain CSV) never match them\n"
        "imported profile triptans (pubmed): 3 concepts, 1 excluded term; 2 parts not translated exactly (above)\n")


def test_ovid_numbered_lines_are_combined_by_their_numbers(tmp_path: Path) -> None:
    search = tmp_path / "search.txt"
    search.write_text("1 exp Migraine Disorders/\n2 migrain$.ti,ab.\n3 1 or 2\n4 (sumatriptan or triptan$).tw.\n"
                      "5 (placebo adj3 control$).ti,ab.\n6 3 and 4 and 5\n7 limit 6 to english language\n")
    run = cli("profiles", "import", str(search), "--name", "triptans")
    assert run.exit_code == 0
    assert run.stdout == """\
profiles:
  triptans:
    description: Imported from an Ovid search string
    concepts: all
    fields: {title: 3, abstract: 1, keywords: 2}
    terms:
      - term: Migraine Disorders
        fields: [keywords]
        aliases: [{term: migrain*, fields: [title, abstract]}]
      - term: sumatriptan
        fields: [title, abstract, keywords]
        aliases: [triptan*]
      - term: placebo control*
        fields: [title, abstract]
"""
    assert run.stderr.splitlines() == [
        "warning: not exact: line 1, column 3: 'exp Migraine Disorders/': explode: only the heading itself is "
        "matched (its narrower headings are not listed)",
        "warning: not exact: line 5, column 12: 'placebo adj3 control$': proximity (up to 2 words apart, in either "
        "order) matched as the phrase 'placebo control*' (one word more or fewer allowed; its words found apart "
        "earn partial credit)",
        "warning: not exact: line 7, column 3: 'limit 6 to english language': limit: left out (records carry no "
        "language, year or publication type)",
        "warning: not exact: overall: 1 subject-heading term(s) match only the keywords field: records without "
        "keywords (e.g. plain CSV) never match them",
        "imported profile triptans (ovid): 3 concepts; 4 parts not translated exactly (above)",
    ]


def test_scopus_field_functions_and_and_not() -> None:
    run = cli("profiles", "import", 'TITLE-ABS-KEY(migraine OR "cluster headache") AND TITLE(triptan* OR '
              'sumatriptan) AND NOT TITLE-ABS-KEY(rats)', "--name", "s")
    assert run.exit_code == 0
    assert run.stdout == """\
profiles:
  s:
    description: Imported from a Scopus search string
    concepts: all
    terms:
      - term: migraine
        aliases: [cluster headache]
      - term: triptan*
        fields: [title]
        aliases: [sumatriptan]
    exclude: [rats]
"""
    assert run.stderr == "imported profile s (scopus): 2 concepts, 1 excluded term\n"


def test_web_of_science_field_prefixes_proximity_and_not_precedence() -> None:
    run = cli("profiles", "import", "TS=(migraine OR headache*) AND TI=(sumatriptan NEAR/2 nasal) NOT AU=(smith) "
              "NOT TS=(rat OR mice)", "--name", "w")
    assert run.exit_code == 0
    assert run.stdout == """\
profiles:
  w:
    description: Imported from a Web of Science search string
    concepts: all
    terms:
      - term: migraine
        aliases: [headache*]
      - term: sumatriptan nasal
        fields: [title]
    exclude: [rat, mice]
"""
    assert run.stderr.splitlines() == [
        "warning: not exact: position 48: 'sumatriptan NEAR/2 nasal': proximity (up to 2 words apart, in either "
        "order) matched as the phrase 'sumatriptan nasal' (one word more or fewer allowed; its words found apart "
        "earn partial credit)",
        "warning: not exact: position 66: 'AU=(smith)': the field AU= has no counterpart in a profile: left out",
        "imported profile w (wos): 2 concepts, 2 excluded terms; 2 parts not translated exactly (above)",
    ]


def test_syntax_can_be_forced() -> None:
    # read as Ovid, `adj2` is proximity; read as PubMed it would be a word of the phrase
    run = cli("profiles", "import", "migraine adj2 therapy", "--name", "o", "--syntax", "ovid")
    assert "  - term: migraine therapy\n" in run.stdout
    assert "proximity (up to 1 words apart" in run.stderr
    run = cli("profiles", "import", "migraine adj2 therapy", "--name", "p", "--syntax", "pubmed")
    assert "  - term: migraine adj2 therapy\n" in run.stdout


@pytest.mark.parametrize(("query", "message"), [
    ("(migraine OR headache AND triptan", "Error: position 1: '(' is never closed\n"),
    ("migraine OR headache) AND triptan", "Error: position 21: ')' has no matching '('\n"),
    ("migraine AND", "Error: position 10: 'AND' has nothing after it\n"),
    ("migraine AND OR triptan", "Error: position 10: 'AND' has nothing after it\n"),
    ("OR triptan", "Error: position 1: 'OR' has nothing before it\n"),
    ('"migraine therapy AND triptan', 'Error: position 1: the quote " is never closed\n'),
    ("migraine[tiab AND triptan", "Error: position 9: the field tag '[' is never closed with ']'\n"),
    ("()", "Error: position 1: empty parentheses\n"),
    ("1 migraine.ti.\n2 1 or 3", "Error: line 2, column 8: line 3 is not defined before this line\n"),
    ("rats[pt]", "Error: the search string has no term to look for (only NOT parts or parts left out)\n"),
])
def test_bad_strings_give_one_line_with_the_position(query: str, message: str) -> None:
    run = cli("profiles", "import", query, "--name", "x")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == message


def test_printed_profile_loads_as_a_config(tmp_path: Path) -> None:
    run = cli("profiles", "import", PUBMED, "--name", "triptans")
    path = tmp_path / "c.yaml"
    path.write_text(run.stdout)
    [profile] = load_config(path)
    assert profile.concepts == "all"
    assert [t.term for t in profile.terms] == ["migraine", "sumatriptan", "randomi*"]
    assert profile.terms[1].scopes == ((), (), ("title",))
    assert profile.exclude == ("rats",)


def test_output_adds_the_profile_to_a_config_keeping_the_rest(tmp_path: Path) -> None:
    config = tmp_path / "papertriage.yaml"
    original = ("# my profiles\ndefaults:\n  threshold: 90\nprofiles:\n    llm:   # keep me\n"
                "        terms: [quantization]\n\n# trailing comment\n")
    config.write_text(original)
    run = cli("profiles", "import", "migraine AND (sumatriptan OR zolmitriptan)", "--name", "triptans",
              "-o", str(config))
    assert run.exit_code == 0
    assert run.stdout == ""
    assert run.stderr == f"added profile triptans (pubmed): 2 concepts to {config}\n"
    assert config.read_text() == (
        "# my profiles\ndefaults:\n  threshold: 90\nprofiles:\n    llm:   # keep me\n"
        "        terms: [quantization]\n\n"
        "    triptans:\n      description: Imported from a PubMed search string\n      concepts: all\n      terms:\n"
        "        - term: migraine\n        - term: sumatriptan\n          aliases: [zolmitriptan]\n"
        "\n# trailing comment\n")
    assert [p.name for p in load_config(config)] == ["llm", "triptans"]
    again = cli("profiles", "import", "migraine", "--name", "triptans", "-o", str(config))
    assert again.exit_code == 1
    assert again.stderr == (f"Error: {config}: already has a profile named 'triptans'; choose another --name or "
                            "remove that profile first\n")
    assert [p.name for p in load_config(config)] == ["llm", "triptans"]


def test_output_creates_a_missing_config(tmp_path: Path) -> None:
    config = tmp_path / "new.yaml"
    assert cli("profiles", "import", "migraine", "--name", "m", "-o", str(config)).exit_code == 0
    assert yaml.safe_load(config.read_text())["profiles"]["m"]["terms"] == [{"term": "migraine"}]


def test_search_string_from_stdin() -> None:
    run = cli("profiles", "import", "-", "--name", "m", input="migraine OR headache\n")
    assert run.exit_code == 0
    assert "  - term: migraine\n      aliases: [headache]\n" in run.stdout.replace("    aliases", "  aliases")


def _profile(tmp_path: Path, body: str) -> Scorer:
    path = tmp_path / "c.yaml"
    path.write_text(body)
    return Scorer(load_config(path))


def test_concepts_all_scales_contributions_by_the_share_of_concepts_matched(tmp_path: Path) -> None:
    scorer = _profile(tmp_path, "profiles:\n  p:\n    concepts: all\n    terms: [migraine, sumatriptan, placebo]\n")
    both = make_paper(title="Sumatriptan for migraine", source="t")
    one = make_paper(title="Migraine in children", source="t")
    s_both, s_one = scorer.score(both), scorer.score(one)
    assert [m.coverage for m in s_both.matches] == [0.6667, 0.6667]
    assert [m.contribution for m in s_both.matches] == [2.0001, 2.0001]  # 1 x 3 (title) x 2/3
    assert s_both.score == 4.0002
    assert s_one.score == 0.9999  # one concept of three: a third of its weight (coverage 0.3333)
    any_scorer = _profile(tmp_path, "profiles:\n  p:\n    terms: [migraine, sumatriptan, placebo]\n")
    assert any_scorer.score(one).score == 3.0


def test_a_term_scoped_to_the_title_does_not_match_in_the_abstract(tmp_path: Path) -> None:
    scorer = _profile(tmp_path, "profiles:\n  p:\n    terms:\n      - {term: migraine, fields: [title],"
                                " aliases: [{term: headache, fields: [abstract]}]}\n")
    in_title = make_paper(title="Migraine", abstract="headache", source="t")
    swapped = make_paper(title="Headache", abstract="migraine", source="t")
    assert [(m.field, m.text) for m in scorer.score(in_title).matches] == [("title", "Migraine"),
                                                                          ("abstract", "headache")]
    assert scorer.score(swapped).score == 0


@pytest.mark.parametrize(("body", "message"), [
    ("profiles:\n  p:\n    concepts: most\n    terms: [a b c]\n",
     "line 3: profile 'p': concepts: must be 'any' or 'all'"),
    ("profiles:\n  p:\n    terms:\n      - {term: migraine, fields: [body]}\n",
     "line 4: profile 'p': terms[0].fields: unknown field 'body'"),
    ("profiles:\n  p:\n    fields: {title: 1}\n    terms:\n      - {term: migraine, fields: [abstract]}\n",
     "profile 'p': terms[0].fields: 'abstract' is not among the profile's fields (title)"),
])
def test_scopes_and_concepts_are_validated(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(body)
    run = cli("profiles", "-c", str(path))
    assert run.exit_code == 1
    assert message in run.stderr
