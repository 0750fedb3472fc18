"""Every input format: detection, golden records from our fixtures, encodings, gzip, directories, dedup."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from pathlib import Path

import pytest

from papertriage.errors import InputError
from papertriage.sources import SOURCES, Listing, decode, detect_source, read_papers
from papertriage.sources.bibtex import decode_latex
from papertriage.triage import parse_listings

from .conftest import DATA
from .helpers import cli

FORMATS = DATA / "formats"
GOLDEN = DATA / "golden"
EXPECTED_SOURCE = {
    "sample.ris": "ris", "sample.bib": "bibtex", "sample.nbib": "pubmed-medline", "sample-pubmed.xml": "pubmed-xml",
    "sample-atom.xml": "arxiv-atom", "sample-rss2.xml": "rss", "sample-rss1.rdf": "rss", "sample-hf-api.json": "hf-api",
    "sample-hf.html": "hf-html", "sample.jsonl": "json", "sample-wos.txt": "csv", "sample.csv": "csv",
    "sample-mail.txt": "arxiv-mail", "sample-arxiv-new.html": "arxiv-html",
}


def records(path: Path | str, **kw: object) -> list[dict]:
    return [p.to_dict() for p in parse_listings([str(path)], dedupe=False, **kw)]  # type: ignore[arg-type]


def test_every_source_has_a_fixture() -> None:
    assert {s.name for s in SOURCES} - set(EXPECTED_SOURCE.values()) <= {"hf-text", "wos-tagged"}


@pytest.mark.parametrize("name", sorted(EXPECTED_SOURCE))
def test_detected_from_content(name: str) -> None:
    text = (FORMATS / name).read_bytes().decode("utf-8-sig")
    assert detect_source(Listing.of(name, text)).name == EXPECTED_SOURCE[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_SOURCE))
def test_golden_records(name: str) -> None:
    """Records match the reviewed golden file; regenerate with PAPERTRIAGE_UPDATE_GOLDEN=1 and review the diff."""
    got = records(FORMATS / name)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("PAPERTRIAGE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_fields_filled_where_the_source_has_them() -> None:
    atom = records(FORMATS / "sample-atom.xml")[0]
    assert atom["id"] == "arxiv:2501.00001"
    assert atom["title"] == "Gradient Noise Shapes Sparse Expert Routing"
    assert atom["authors"] == ["Adaeze Okafor", "Per Lindqvist"]
    assert atom["categories"] == ["cs.LG", "cs.CL"]
    assert atom["extra"]["doi"] == "10.5555/mumul.2025.001"
    assert atom["url"] == "https://arxiv.org/abs/2501.00001"
    hf = records(FORMATS / "sample-hf.html")
    assert [p["upvotes"] for p in hf] == [12, 4]
    assert hf[0]["organization"] == "Made Up Lab"
    assert hf[0]["url"] == "https://huggingface.co/papers/2501.00001"
    rss = records(FORMATS / "sample-rss2.xml")
    assert rss[0]["title"] == "Gradient Noise Shapes Sparse Expert Routing"
    assert rss[0]["categories"] == ["cs.LG"]
    assert rss[1]["abstract"] == "Distilling into four-bit students keeps word error rates low."
    jsonl = records(FORMATS / "sample.jsonl")
    assert jsonl[1]["authors"] == ["Lena Brandt"] and jsonl[1]["categories"] == ["cs.SD", "eess.AS"]
    assert jsonl[0]["id"] == "arxiv:2501.00001"
    mail = records(FORMATS / "sample-mail.txt")
    assert mail[0]["title"] == "Gradient Noise Shapes Sparse Expert Routing"
    assert mail[0]["abstract"] == "We show that gradient noise decides which experts a sparse router prefers."
    assert mail[1]["abstract"] == "" and mail[1]["extra"]["replaced"] is True


def test_bibtex_braces_and_latex_accents() -> None:
    bib = records(FORMATS / "sample.bib")
    assert bib[0]["title"] == "Gradient Noise Shapes Sparse Expert Routing"
    assert bib[0]["authors"][2] == "Müller, Jörg"
    assert bib[0]["published"] == "2025-03"
    assert "3% overhead" in bib[0]["abstract"]
    assert bib[1]["authors"] == ["Brandt, Lena", "García, José"]
    assert bib[1]["id"] == "arxiv:2401.01234"
    assert decode_latex(r"Schr\"{o}dinger {\'E}cole \c{c}a \ss{} \& co") == "Schrödinger École ça ß & co"


def test_ris_multiline_fields_and_keywords() -> None:
    ris = records(FORMATS / "sample.ris")
    assert ris[0]["abstract"] == ("We show that gradient noise decides which experts a sparse router prefers, "
                                  "and propose a damping term.")
    assert ris[0]["keywords"] == ["mixture of experts", "routing"]
    assert ris[0]["published"] == "2025-03-14"
    assert ris[0]["id"] == "doi:10.5555/mumul.2025.001"


def test_wos_tab_delimited_with_cr_line_ends() -> None:
    wos = records(FORMATS / "sample-wos.txt")
    assert [p["title"] for p in wos] == ["Gradient Noise Shapes Sparse Expert Routing",
                                          "Quantisation-Aware Distillation for Tiny Speech Models"]
    assert wos[0]["authors"] == ["Okafor, A", "Lindqvist, P"]


def test_forced_format_and_unknown_format() -> None:
    assert len(records(FORMATS / "sample.csv", fmt="csv")) == 2
    run = cli("parse", str(FORMATS / "sample.csv"), "--from", "docx")
    assert run.exit_code == 2 and "unknown input format 'docx'" in run.stderr


def test_gzip_stdin_directory_and_several_files(tmp_path: Path) -> None:
    gz = tmp_path / "l.ris.gz"
    gz.write_bytes(gzip.compress((FORMATS / "sample.ris").read_bytes()))
    assert [p["title"] for p in records(gz)] == [p["title"] for p in records(FORMATS / "sample.ris")]
    run = cli("parse", "-", input=(FORMATS / "sample.bib").read_bytes())
    assert run.exit_code == 0 and len(run.records()) == 2
    both = cli("parse", str(FORMATS / "sample.ris"), str(FORMATS / "sample.csv"), "--keep-duplicates")
    assert len(both.records()) == 4
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a.xml").write_bytes((FORMATS / "sample-atom.xml").read_bytes())
    (tmp_path / "dir" / "b.jsonl").write_bytes((FORMATS / "sample.jsonl").read_bytes())
    assert len(cli("parse", str(tmp_path / "dir"), "--keep-duplicates").records()) == 3


def test_duplicates_across_inputs_merge_keeping_the_richest() -> None:
    run = cli("parse", str(FORMATS / "sample.csv"), str(FORMATS / "sample-atom.xml"), str(FORMATS / "sample-hf-api.json"))
    papers = run.records()
    assert len(papers) == 2
    routing = papers[0]
    assert routing["id"] == "arxiv:2501.00001"
    assert routing["upvotes"] == 12 and routing["categories"] == ["cs.LG", "cs.CL"]
    assert "damping term" in routing["abstract"]
    assert "3 duplicate records merged" in run.stderr


def test_different_ids_with_one_title_stay_two_papers(tmp_path: Path) -> None:
    a = {"id": "2501.00001", "title": "Introduction", "summary": "one"}
    b = {"id": "2501.00002", "title": "Introduction", "summary": "two"}
    c = {"title": "Introduction", "summary": "three"}
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (a, b, c)), encoding="utf-8")
    assert [p["id"] for p in cli("parse", str(path)).records()] == ["arxiv:2501.00001", "arxiv:2501.00002"]


def test_parse_output_reads_back_as_the_same_records(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    cli("parse", str(FORMATS / "sample-hf-api.json"), "-o", str(out))
    assert [p.to_dict() | {"source": ""} for p in read_papers([str(out)])] == \
        [r | {"source": ""} for r in records(FORMATS / "sample-hf-api.json")]


@pytest.mark.parametrize("encode", [
    lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),
    lambda t: t.encode("cp1252"),
])
def test_encodings(tmp_path: Path, encode) -> None:  # type: ignore[no-untyped-def]
    text = "title,abstract\nCaf\u00e9 na\u00efve routing,\u201cquoted\u201d abstract\n"
    path = tmp_path / "enc.csv"
    path.write_bytes(encode(text))
    run = cli("parse", str(path))
    assert run.exit_code == 0
    assert run.records()[0]["title"] == "Café naïve routing"
    assert run.records()[0]["abstract"] == "\u201cquoted\u201d abstract"


def test_cp1252_fallback_is_announced() -> None:
    warnings: list[str] = []
    assert decode("caf\xe9 \x93x\x94".encode("latin-1"), "f.txt", warnings.append) == "café “x”"
    assert "cp1252" in warnings[0]


def test_invalid_bytes_never_crash() -> None:
    warnings: list[str] = []
    text = decode(b"title,abstract\nGood \xff\xfe title," + b"ok " * 200 + b"\n", "f.csv", warnings.append)
    assert "Good" in text and warnings


def test_malformed_hf_api_items_stored_as_python_repr(tmp_path: Path) -> None:
    item = {"paper": {"id": "2501.00009", "title": "Repr Paper", "summary": "s", "authors": [], "upvotes": 2}}
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"status": "success", "data": [repr(item), "{'paper': broken"]}), encoding="utf-8")
    run = cli("parse", str(path))
    assert [r["title"] for r in run.records()] == ["Repr Paper"]
    assert "item 2" in run.stderr and "1 entries could not be read" in run.stderr


def test_atom_error_feed_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "err.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>https://arxiv.org/api/errors#bad</id>'
                    "<title>Error</title><summary>incorrect id format for abc</summary></entry></feed>", encoding="utf-8")
    run = cli("parse", str(path))
    assert run.exit_code == 1 and "incorrect id format for abc" in run.stderr and run.stdout == ""


def test_empty_atom_result_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "none.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>q</title></feed>', encoding="utf-8")
    run = cli("parse", str(path))
    assert run.exit_code == 0 and "holds no papers" in run.stderr


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress((FORMATS / "sample.jsonl").read_bytes())[:40])
    run = cli("parse", str(path))
    assert run.exit_code == 1 and "gzip" in run.stderr


def test_unreadable_json_line_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "One"}\n{"title": broken\n{"title": "Three"}\n', encoding="utf-8")
    run = cli("parse", str(path))
    assert [r["title"] for r in run.records()] == ["One", "Three"]
    assert "line 2" in run.stderr


def test_json_lines_the_fast_parser_refuses_are_still_read(tmp_path: Path) -> None:
    # orjson refuses NaN and integers over 64 bits, which the standard json module reads
    path = tmp_path / "odd.jsonl"
    path.write_text('{"title": "One", "score": NaN}\n{"title": "Two", "upvotes": 123456789012345678901234567890}\n'
                    '{"title": "Three", "abstract": "caf\\u00e9"}\n', encoding="utf-8")
    run = cli("parse", str(path))
    assert [r["title"] for r in run.records()] == ["One", "Two", "Three"]
    assert run.records()[2]["abstract"] == "caf\u00e9"
    assert run.stderr.count("skipped") == 0


def test_input_error_type() -> None:
    with pytest.raises(InputError):
        list(read_papers([str(FORMATS / "nope.ris")]))


def test_a_directory_skips_files_that_are_not_listings_but_a_named_file_does_not(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.ris").write_bytes((FORMATS / "sample.ris").read_bytes())
    (folder / "README.md").write_text("# my notes\nnothing to see\n", encoding="utf-8")
    (folder / "broken.xml").write_text("<feed xmlns='http://www.w3.org/2005/Atom'><entry>", encoding="utf-8")
    for command in (["parse"], ["rank", "-k", "routing", "--no-record"]):
        run = cli(*command, str(folder))
        assert run.exit_code == 0, run.stderr
        assert "README.md: not a listing" in run.stderr and "broken.xml" in run.stderr
        assert "2 files skipped" in run.stderr
    assert cli("parse", str(folder / "README.md")).exit_code == 1
    (folder / "a.ris").unlink()
    run = cli("rank", str(folder), "-k", "routing")
    assert run.exit_code == 1 and "no file in it is a listing" in run.stderr
    run = cli("parse", str(folder))
    assert run.exit_code == 1 and "no file in it is a listing" in run.stderr


@pytest.mark.parametrize("inflater", ["installed", "zlib"])
def test_gzip_reads_alike_with_isal_or_zlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inflater: str) -> None:
    # isal inflates where it has wheels; elsewhere zlib does: same papers, same errors
    import zlib

    import papertriage.sources.reading as reading

    if inflater == "zlib":
        monkeypatch.setattr(reading, "inflate_lib", zlib)
        monkeypatch.setattr(reading, "_INFLATE_ERRORS", (zlib.error,))
    data = (FORMATS / "sample.jsonl").read_bytes()
    two = tmp_path / "two-members.jsonl.gz"
    two.write_bytes(gzip.compress(data) + gzip.compress(data.replace(b'"title": "', b'"title": "Again ')))
    papers = list(read_papers([str(two)]))
    plain = list(read_papers([str(FORMATS / "sample.jsonl")]))
    assert len(papers) == 2 * len(plain) and papers[len(plain)].title.startswith("Again")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(data)[:-12])
    with pytest.raises(InputError, match="truncated"):
        list(read_papers([str(cut)]))
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data at all" * 4)
    with pytest.raises(InputError, match="broken gzip"):
        list(read_papers([str(broken)]))


def test_bibtex_nesting_escapes_quotes_and_the_line_of_each_skipped_entry(tmp_path: Path) -> None:
    entries = []
    for n in range(60):
        title = "" if n % 20 == 7 else f"  title = {{Paper {{{n}}} with \\}} and {{nested {{braces}}}}}},\n"
        entries.append(f"@article{{k{n},\n{title}  abstract = \"Quoted {{a, b}} \" # {{joined}},\n}}\n")
    path = tmp_path / "many.bib"
    path.write_text("".join(entries) + "@article{last, title = {Cut at the end \\", encoding="utf-8")
    warnings: list[str] = []
    papers = list(read_papers([str(path)], warn=warnings.append))
    assert len(papers) == 58
    assert papers[0].title == "Paper 0 with } and nested braces" and papers[0].abstract == "Quoted a, b joined"
    assert papers[-1].title == "Cut at the end \\"
    # entry n starts on line 4n+1 when it has a title, and each untitled one is a line shorter
    assert [w.split(": ")[1] for w in warnings] == ["line 29 (k7)", "line 108 (k27)", "line 187 (k47)", "line 238"]
    assert warnings[-1].endswith("@article entry is not closed; read up to the end of the file")


@pytest.mark.parametrize(("text", "iso"), [
    ("2017", "2017"), ("2017///", "2017"), ("2017/05/03/", "2017-05-03"), ("1999.1.2", "1999-01-02"),
    ("2024-12-02T10:00:00Z", "2024-12-02"), ("Mon, 02 Dec 2024 10:00:00 GMT", "2024-12-02"), ("02 Dec 2024", "2024-12-02"),
    ("Dec 2, 2024", "2024-12-02"), ("December 2, 2024", "2024-12-02"), ("2 December 2024", "2024-12-02"),
    ("2024 Dec 2", "2024-12-02"), ("  2024   Dec ", "2024-12"), ("2020 Spring", "2020"), ("1700", None), ("abc", None),
    ("", None), (None, None),
])
def test_dates_of_every_shape_listings_use(text: str | None, iso: str | None) -> None:
    from papertriage.sources.base import iso_date

    assert iso_date(text) == iso
    assert iso_date(text) == iso  # and again, from the memo


def test_escaped_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    # '\ud800' in JSON (a cut emoji) read as such could not be written anywhere: rank ended in a traceback
    lines = tmp_path / "cut.jsonl"
    lines.write_text('{"title": "Lone \\ud800 surrogate pruning", "summary": "pruning \\udfff"}\n'
                     '{"title": "Emoji \\ud83d\\ude00 pruning"}\n', encoding="utf-8")
    run = cli("rank", str(lines), "-k", "pruning", "-f", "json")
    assert run.exit_code == 0 and "Traceback" not in run.stderr
    titles = sorted(r["title"] for r in json.loads(run.stdout))
    assert titles == ["Emoji \U0001F600 pruning", "Lone \ufffd surrogate pruning"]
    document = tmp_path / "cut.json"
    document.write_text('[{"title": "Cut \\udc00 end", "abstract": "x"}]', encoding="utf-8")
    assert [r["title"] for r in cli("parse", str(document)).records()] == ["Cut \ufffd end"]
