"""Hostile input, second round: each test writes the attack and checks it costs at most its own entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import cli

EXAMPLE = str(Path(__file__).parent.parent / "examples" / "daily-papers.txt")
ESC = "\x1b]8;;http://evil.example\x07\x1b[31m"


def config(tmp_path: Path, text: str, name: str = "c.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def one_error_line(run: object) -> str:
    stderr = run.stderr  # type: ignore[attr-defined]
    assert run.exit_code == 1 and "Traceback" not in stderr, stderr  # type: ignore[attr-defined]
    assert len(stderr.splitlines()) == 1 and stderr.startswith("Error: "), stderr
    return str(stderr)


# 4. YAML alias bomb and size bound

ALIAS_BOMB = """profiles:
  p:
    terms: [pruning]
    description: [&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"],
      &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b],
      &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d],
      &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], &g [*f,*f,*f,*f,*f,*f,*f,*f,*f],
      &h [*g,*g,*g,*g,*g,*g,*g,*g,*g], &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]
"""
"""Nine levels of nine: 500 bytes that str() would turn into 387 million strings."""


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    assert len(ALIAS_BOMB) < 600
    line = one_error_line(cli("rank", EXAMPLE, "-c", config(tmp_path, ALIAS_BOMB)))
    assert "expands to more than 100,000 values" in line


def test_a_huge_config_is_refused_before_parsing(tmp_path: Path) -> None:
    text = "profiles:\n  p:\n    terms:\n" + "".join(f"      - term{i}\n" for i in range(100_000))
    line = one_error_line(cli("rank", EXAMPLE, "-c", config(tmp_path, text)))
    assert "larger than 1024 KB" in line


# 9. deep YAML, threshold below 5

def test_deeply_nested_yaml_is_one_error_line(tmp_path: Path) -> None:
    text = "profiles: {p: {terms: [pruning]}}\ndefaults: " + "[" * 20_000 + "]" * 20_000 + "\n"
    assert "nested too deeply" in one_error_line(cli("rank", EXAMPLE, "-c", config(tmp_path, text)))


@pytest.mark.parametrize("threshold", ["0", "3", "4.9"])
def test_a_threshold_below_5_ranks(threshold: str) -> None:
    run = cli("rank", EXAMPLE, "-k", "pruning", "--threshold", threshold, "-f", "jsonl")
    assert run.exit_code == 0, run.stderr
    assert any("Pruning" in r["title"] for r in run.records())


# 8. NaN and infinity in the config

@pytest.mark.parametrize(("body", "expected"), [
    ("terms: [{term: pruning, weight: .nan}]", "terms[0].weight: must be a finite number, got nan"),
    ("terms: [pruning]\n    threshold: .nan", "threshold: must be a finite number"),
    ("terms: [pruning]\n    min_score: .nan", "min_score: must be a finite number"),
    ("terms: [{term: pruning, weight: .inf}]", "terms[0].weight: must be a finite number, got inf"),
    ("terms: [{term: pruning, weight: 1.0e+308}]", "terms[0].weight: must be at most 1e+06"),
    ("terms: [pruning]\n    fields: {title: 1.0e+308}", "fields.title: must be at most 1e+06"),
    ("terms: [{term: pruning, weight: " + "9" * 5000 + "}]", "invalid value"),
])
def test_numbers_in_the_config_are_finite_and_bounded(tmp_path: Path, body: str, expected: str) -> None:
    line = one_error_line(cli("rank", EXAMPLE, "-c", config(tmp_path, f"profiles:\n  p:\n    {body}\n")))
    assert expected in line


# 12. terms that can never match

@pytest.mark.parametrize("term", ["'++'", "'\U0001F600'", "'--'", "'* *'"])
def test_a_term_without_letters_or_digits_is_refused(tmp_path: Path, term: str) -> None:
    line = one_error_line(cli("rank", EXAMPLE, "-c", config(tmp_path, f"profiles:\n  p:\n    terms: [pruning, {term}]\n")))
    assert "has no letter or digit, so it can never match" in line and "terms[1]" in line


def test_an_adhoc_term_without_letters_is_refused() -> None:
    assert "has no letter or digit" in one_error_line(cli("rank", EXAMPLE, "-k", "++"))


# 2. escape sequences through config names, file names, DOIs and URLs

@pytest.mark.parametrize("where", ["profile", "term", "alias", "description", "exclude"])
def test_control_characters_in_config_names_are_refused(tmp_path: Path, where: str) -> None:
    esc = '"x\\e[31m"'
    body = {
        "profile": f"{esc}:\n    terms: [pruning]",
        "term": f"p:\n    terms: [{esc}]",
        "alias": f"p:\n    terms: [{{term: pruning, aliases: [{esc}]}}]",
        "description": f"p:\n    description: {esc}\n    terms: [pruning]",
        "exclude": f"p:\n    terms: [pruning]\n    exclude: [{esc}]",
    }[where]
    run = cli("profiles", "-c", config(tmp_path, f"profiles:\n  {body}\n"))
    assert "control character U+001B" in one_error_line(run) and "\x1b" not in run.stdout + run.stderr


def test_a_file_name_with_escapes_never_reaches_the_lint_table(tmp_path: Path) -> None:
    name = tmp_path / f"list{ESC.replace('/', '')}.txt"
    name.write_bytes(Path(EXAMPLE).read_bytes())
    cfg = config(tmp_path, "profiles:\n  p:\n    terms: [pruning]\n")
    run = cli("profiles", "-c", cfg, "--lint", str(name))
    assert run.exit_code == 0, run.stderr
    assert "\x1b" not in run.stdout + run.stderr and "\x07" not in run.stdout


def hostile_listing(tmp_path: Path) -> Path:
    records = [
        {"title": "Pruning with a poisoned DOI", "abstract": "pruning", "doi": f"10.1234/abc{ESC}def"},
        {"title": "Pruning with a script link", "abstract": "pruning", "url": "javascript:alert(1)"},
        {"title": "Pruning with a record in its link", "abstract": "pruning",
         "url": "https://example.org/a\r\nER  - \r\n\r\nTY  - JOUR\r\nTI  - Injected"},
        {"title": "Pruning with an escape in its link", "abstract": "pruning", "url": f"https://example.org/{ESC}"},
        {"title": "Pruning with a data link", "abstract": "pruning", "url": "data:text/html,<script>alert(1)</script>"},
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_doi_with_escapes_never_reaches_the_terminal(tmp_path: Path) -> None:
    listing = str(hostile_listing(tmp_path))
    state = str(tmp_path / "seen.sqlite")
    assert cli("rank", listing, "-k", "pruning", "--state", state).exit_code == 0
    shown = cli("seen", "list", "--state", state).stdout
    explained = cli("explain", listing, "poisoned DOI", "-k", "pruning")
    assert "doi:10.1234/abc" in shown and "doi:10.1234/abc" in explained.stdout
    for text in (shown, explained.stdout, explained.stderr):
        assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "md", "ris", "bibtex", "table"])
def test_only_http_urls_reach_any_output(tmp_path: Path, fmt: str) -> None:
    run = cli("rank", str(hostile_listing(tmp_path)), "-k", "pruning", "-f", fmt, "--no-record")
    assert run.exit_code == 0, run.stderr
    assert "javascript:" not in run.stdout and "data:text" not in run.stdout and "\x1b" not in run.stdout
    assert "Injected" not in run.stdout


def test_a_url_with_a_line_break_cannot_inject_a_ris_record(tmp_path: Path) -> None:
    run = cli("rank", str(hostile_listing(tmp_path)), "-k", "pruning", "-f", "ris", "--no-record")
    assert run.stdout.count("TY  - ") == 5 and run.stdout.count("ER  - ") == 5


def test_parse_keeps_only_http_urls(tmp_path: Path) -> None:
    records = cli("parse", str(hostile_listing(tmp_path))).records()
    assert [r["url"] for r in records] == [None, None, None, None, None]
    assert records[0]["id"] == "doi:10.1234/abc"


# 5. one crafted number costs its own record

@pytest.mark.parametrize("number", ["1e999", "-1e999", "9" * 5000])
def test_a_number_out_of_range_skips_its_record_only(tmp_path: Path, number: str) -> None:
    lines = tmp_path / "day.jsonl"
    lines.write_text('{"title": "First paper"}\n{"title": "Crafted", "upvotes": ' + number + '}\n'
                     '{"title": "Last paper"}\n', encoding="utf-8")
    doc = tmp_path / "day.json"
    doc.write_text('[{"title": "First paper"}, {"title": "Crafted", "n_authors": ' + number + '}, '
                   '{"title": "Last paper"}]', encoding="utf-8")
    for path, where in ((lines, "line 2"), (doc, "item 2")):
        run = cli("parse", str(path))
        assert run.exit_code == 0 and "Traceback" not in run.stderr
        assert [r["title"] for r in run.records()] == ["First paper", "Last paper"]
        assert f"{where}: a number too large to read; skipped" in run.stderr
        assert "1 entries could not be read" in run.stderr


# 6. parsers linear in their input

def test_unclosed_bibtex_entries_are_each_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from papertriage.sources import bibtex

    scanned = [0]

    class Counting:
        """The brace pattern, counting the characters its searches pass over."""

        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern = pattern

        def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
            m = self.pattern.search(text, pos)
            scanned[0] += (m.end() if m else len(text)) - pos
            return m

    monkeypatch.setattr(bibtex, "_NESTING", Counting(bibtex._NESTING))
    path = tmp_path / "unclosed.bib"
    text = "@article{k0, title={A real paper}}\n" + "".join(f"@article{{k{i}, title={{x\n" for i in range(1, 4001))
    path.write_text(text, encoding="utf-8")
    run = cli("parse", str(path), "--keep-duplicates")
    assert run.records()[0]["title"] == "A real paper" and len(run.records()) == 4001
    assert scanned[0] < 5 * len(text)  # each entry to the end of the file would be 2,000 times the file


def test_a_ris_field_of_100000_lines_reads_in_one_pass(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "long.ris"
    path.write_text("TY  - JOUR\nTI  - A long abstract\nAB  - start\n" + "  more text of the abstract\n" * 100_000
                    + "ER  - \n", encoding="utf-8")
    # a guard against the quadratic join (129 s for this file), not a timing measure: it runs in about 1 s
    run = subprocess.run([sys.executable, "-m", "papertriage", "parse", str(path)], capture_output=True, text=True,
                         timeout=60)
    record = json.loads(run.stdout)
    assert record["title"] == "A long abstract" and record["abstract"].count("more text") == 100_000


# 7. no silent drops

def test_a_csv_field_over_the_limit_costs_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('title,abstract\nFirst,ok\nHuge,"' + "a" * (11 * 1024 * 1024) + '"\nSecond,ok\nThird,ok\n',
                    encoding="utf-8")
    run = cli("parse", str(path))
    assert [r["title"] for r in run.records()] == ["First", "Second", "Third"]
    assert "row 3" in run.stderr and "field larger than field limit" in run.stderr


ARXIV_ENTRY = ('<dt><a href="/abs/2501.0000{n}" title="Abstract">arXiv:2501.0000{n}</a></dt>\n<dd><div class="meta">'
               '<div class="list-title mathjax"><span class="descriptor">Title:</span> Paper number {n}</div>'
               '<div class="list-authors"><a href="/a/x">A. Author</a></div></div></dd>\n')


@pytest.mark.parametrize("nesting", ["<div>" * 600 + "x" + "</div>" * 600, "<span>" * 600])
def test_html_nested_past_the_parser_depth_costs_its_entry_only(tmp_path: Path, nesting: str) -> None:
    entries = [ARXIV_ENTRY.format(n=n) for n in range(1, 6)]
    entries[1] = entries[1].replace("</dd>", nesting + "</dd>")
    path = tmp_path / "new.html"
    path.write_text('<html><body><h3>New submissions</h3><dl id="articles">' + "".join(entries)
                    + "</dl></body></html>", encoding="utf-8")
    run = cli("parse", str(path))
    assert [r["id"] for r in run.records()] == [f"arxiv:2501.0000{n}" for n in (1, 3, 4, 5)], run.stderr
    assert "nested too deeply" in run.stderr and "1 entries could not be read" in run.stderr


# 10. FIFOs and pipes

def test_a_fifo_in_a_walked_folder_is_skipped_not_waited_for(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    folder = tmp_path / "listings"
    folder.mkdir()
    (folder / "a.txt").write_bytes(Path(EXAMPLE).read_bytes())
    os.mkfifo(folder / "b-pipe")
    # in its own process: a regression would wait forever for a writer
    run = subprocess.run([sys.executable, "-m", "papertriage", "parse", str(folder)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and len(run.stdout.splitlines()) == 12
    assert "b-pipe: is not a regular file" in run.stderr and "1 files skipped" in run.stderr


def test_explain_reads_a_pipe_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    # `explain <(cat listing) TEXT`: the listing is a pipe, which calibration must not read again
    script = ("import os, subprocess, sys\n"
              "r, w = os.pipe()\n"
              "data = open(sys.argv[1], 'rb').read()\n"
              "p = subprocess.Popen([sys.executable, '-m', 'papertriage', 'explain', f'/dev/fd/{r}', 'Field Guide',"
              " '-k', 'pruning'], pass_fds=(r,))\n"
              "os.close(r)\n"
              "os.write(w, data)\n"
              "os.close(w)\n"
              "sys.exit(p.wait())\n")
    run = subprocess.run([sys.executable, "-c", script, EXAMPLE], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "A Field Guide to Pruning Vision Transformers" in run.stdout


# 13. gzip padding, unreadable folders

def test_gzip_with_nul_padding_reads(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "listing.txt.gz"
    path.write_bytes(gzip.compress(Path(EXAMPLE).read_bytes()) + b"\0" * 4096)
    run = cli("parse", str(path))
    assert run.exit_code == 0 and len(run.records()) == 12, run.stderr


def test_gzip_with_garbage_after_the_member_is_still_refused(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "listing.txt.gz"
    path.write_bytes(gzip.compress(Path(EXAMPLE).read_bytes()) + b"\0\0garbage")
    assert "gzip data" in one_error_line(cli("parse", str(path)))


needs_user = pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root reads any folder; run as a normal user")


@needs_user
def test_an_unreadable_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "a.txt").write_bytes(Path(EXAMPLE).read_bytes())
    folder.chmod(0)
    try:
        line = one_error_line(cli("parse", str(folder)))
    finally:
        folder.chmod(0o755)
    assert "cannot open the folder (permission denied)" in line


@needs_user
def test_an_unreadable_subfolder_is_reported_and_skipped(tmp_path: Path) -> None:
    top = tmp_path / "listings"
    (top / "locked").mkdir(parents=True)
    (top / "a.txt").write_bytes(Path(EXAMPLE).read_bytes())
    (top / "locked").chmod(0)
    try:
        run = cli("parse", str(top))
    finally:
        (top / "locked").chmod(0o755)
    assert run.exit_code == 0 and len(run.records()) == 12
    assert "locked: cannot open the folder (permission denied)" in run.stderr and "1 files skipped" in run.stderr


# 12. matching edge cases

def listing_of(tmp_path: Path, titles: list[str]) -> str:
    path = tmp_path / "titles.jsonl"
    path.write_text("".join(json.dumps({"title": t}) + "\n" for t in titles), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("joiner", ["\u00ad", "\u200d", "\u200c", "\u2060", "\ufeff"])
def test_soft_hyphens_and_joiners_do_not_split_words(tmp_path: Path, joiner: str) -> None:
    listing = listing_of(tmp_path, [f"Lo{joiner}RA adapters for vision", "Exploration of sparse models"])
    run = cli("rank", listing, "-k", "LoRA", "-f", "jsonl", "--plain", "--no-record")
    assert [r["title"] for r in run.records()] == [f"Lo{joiner}RA adapters for vision"]


def test_full_case_folding(tmp_path: Path) -> None:
    listing = listing_of(tmp_path, ["Die STRASSE der Modelle", "Straße und Schiene", "Strasbourg notes"])
    run = cli("rank", listing, "-k", "straße", "-f", "jsonl", "--plain", "--no-record", "--min-score", "0.5")
    assert sorted(r["title"] for r in run.records()) == ["Die STRASSE der Modelle", "Straße und Schiene"]


@pytest.mark.parametrize("term", ["C++", "C#", "F#"])
def test_a_term_with_a_symbol_on_a_word_is_refused(tmp_path: Path, term: str) -> None:
    cfg = config(tmp_path, f'profiles:\n  p:\n    terms: ["{term}"]\n')
    line = one_error_line(cli("rank", EXAMPLE, "-c", cfg))
    assert f'term "{term}"' in line and "is no part of a word" in line
    assert "is no part of a word" in one_error_line(cli("rank", EXAMPLE, "-k", term))


def test_a_csv_export_is_read_without_a_copy_of_the_whole_text(tmp_path: Path) -> None:
    import tracemalloc

    from papertriage.sources import open_listing, source_named
    from papertriage.sources.base import ParseContext

    path = tmp_path / "wide.csv"
    header = ["title", "abstract"] + [f"column {i}" for i in range(300)]
    rows = [",".join([f"Paper {r}", "an abstract"] + [f"v{r}x{i}" for i in range(300)]) for r in range(3200)]
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")  # 8.6 MB
    listing = open_listing(str(path), lambda m: None)
    tracemalloc.start()
    try:
        read = sum(1 for _ in source_named("csv").parse(listing, ParseContext(str(path))))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # papers are dropped as they come and the file is read a block at a time: what stays is a block
    # of lines and a row, not the text (once at 4 bytes a character, it was 2.3 times the file)
    assert read == 3200 and peak < path.stat().st_size // 2


@needs_user
@pytest.mark.parametrize("args", [["parse", "locked/a.txt"],
                                  ["rank", EXAMPLE, "-k", "pruning", "--no-record", "-o", "locked/out.md"],
                                  ["rank", EXAMPLE, "-k", "pruning", "--state", "locked/seen.sqlite"],
                                  ["rank", EXAMPLE, "-c", "locked/papertriage.yaml"]])
def test_a_path_under_an_unreadable_folder_is_one_error_line(tmp_path: Path, args: list[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_bytes(Path(EXAMPLE).read_bytes())
    locked.chmod(0)
    try:
        line = one_error_line(cli(*args))
    finally:
        locked.chmod(0o755)
    assert "locked/" in line and "permission denied" in line
