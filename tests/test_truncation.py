"""Truncation in terms: `migrain*` and `*triptan` match whole words by prefix or suffix, the rest stays fuzzy."""

from __future__ import annotations

from pathlib import Path

import pytest

from papertriage.calibration import calibrate
from papertriage.models import Profile, Term, make_paper
from papertriage.scoring import Scorer

from .helpers import cli


def found(term: str, text: str) -> list[str]:
    """The paper words the whole term matched in text (partial credit left out)."""
    profile = Profile("p", (Term(term),), fields=(("title", 1.0),))
    return [m.text for m in Scorer([profile]).score(make_paper(title=text, source="test")).matches if m.share == 1]


def test_prefix_truncation_matches_every_word_beginning_with_the_stem() -> None:
    profile = Profile("p", (Term("migrain*"),), fields=(("title", 1.0),))
    [match] = Scorer([profile]).score(make_paper(title="Migraine, migraines and migrainous aura", source="t")).matches
    assert (match.text, match.count, match.similarity) == ("Migraine", 3, 100.0)
    assert found("migrain*", "a migrain diary") == ["migrain"]  # the stem itself is a word with that prefix


def test_prefix_truncation_never_matches_inside_a_word_nor_fuzzily() -> None:
    assert found("migrain*", "hemigraine") == []
    assert found("migrain*", "migrane") == []  # a truncated word is matched as written, without typos
    assert found("migrain*", "migrai") == []


def test_suffix_truncation_matches_the_family_and_its_plurals() -> None:
    assert found("*triptan", "sumatriptan") == ["sumatriptan"]
    assert found("*triptan", "Zolmitriptan tablets") == ["Zolmitriptan"]
    assert found("*triptan", "triptans") == ["triptans"]  # the word itself, and its plural (by its stem)
    assert found("*triptan", "sumatriptans") == ["sumatriptans"]


def test_suffix_truncation_needs_the_word_to_end_with_the_stem() -> None:
    assert found("*triptan", "triptanol") == []
    assert found("*triptan", "tryptamine") == []


def test_the_rest_of_a_truncated_term_stays_fuzzy() -> None:
    assert found("treat* of migraine", "treatment of migraines") == ["treatment of migraines"]
    assert found("treat* of migraine", "treating of migrane") == ["treating of migrane"]  # a typo in the fuzzy word
    assert found("treat* of migraine", "retreat of migraine") == []
    assert found("anti-inflammat*", "antiinflammatory drugs") == ["antiinflammatory"]
    assert found("anti-inflammat*", "anti-inflammation drugs") == ["anti-inflammation"]


def test_learned_words_leave_out_what_a_truncated_term_matches() -> None:
    papers = [make_paper(title=f"Sumatriptan for migraine {i}", abstract="zolmitriptan cluster headache trial",
                         source="t") for i in range(30)]
    papers += [make_paper(title=f"Unrelated paper {i}", abstract="something else entirely", source="t")
               for i in range(200)]
    [profile] = calibrate([Profile("p", (Term("*triptan"), Term("migraine")))], papers)
    assert profile.learned and not {"sumatriptan", "zolmitriptan"} & set(profile.learned)


@pytest.mark.parametrize(("term", "message"), [
    ("mig*", "line 5: profile 'p': terms[1]: term \"mig*\": 'mig*' keeps only 3 letters: truncation needs at "
             "least 4, shorter stems match too many words"),
    ("*pri", "line 5: profile 'p': terms[1]: term \"*pri\": '*pri' keeps only 3 letters"),
    ("wom*n", "'*' inside a word is not supported"),
    ("*trip*", "'*trip*' is truncated at both ends: truncate one end only"),
])
def test_too_short_or_misplaced_truncation_is_a_config_error(tmp_path: Path, term: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f'profiles:\n  p:\n    terms:\n      - migraine\n      - "{term}"\n')
    run = cli("profiles", "-c", str(path))
    assert run.exit_code == 1
    assert message in run.stderr
    assert run.stderr.count("\n") == 1


def test_four_letters_may_be_truncated() -> None:
    assert found("*pril", "captopril and enalapril") == ["captopril"]
