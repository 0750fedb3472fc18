"""Hostile and broken input: XML attacks, terminal and Markdown injection, sizes, bombs, broken writes."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from papertriage.exports import ExportOptions
from papertriage.exports.markdown import write as write_markdown
from papertriage.exports.table import write as write_table
from papertriage.models import Match, Scored, make_paper

from .helpers import cli

EVIL_TITLE = "Pruning \x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ [bold red]markup[/] \u202eevil\x07"


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    feed = tmp_path / "xxe.xml"
    feed.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY s SYSTEM "file://{secret}">]>\n'
                    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2501.00001</id>'
                    "<title>Leak &s; here</title><summary>x &s;</summary></entry></feed>", encoding="utf-8")
    run = cli("parse", str(feed))
    assert "TOP-SECRET-CONTENT" not in run.stdout + run.stderr
    assert run.exit_code == 0 and run.records()[0]["id"] == "arxiv:2501.00001"


def test_billion_laughs_ends_with_a_clear_error(tmp_path: Path) -> None:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    path = tmp_path / "lol.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n<rss version="2.0"><channel><item>'
                    "<title>Laughs &l9;</title></item></channel></rss>", encoding="utf-8")
    run = cli("parse", str(path))
    assert run.exit_code == 1 and run.stderr.startswith("Error: ") and "lollollol" not in run.stdout


def test_huge_trees_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom">' + "<a>" * 5000 + "</a>" * 5000 + "</feed>",
                    encoding="utf-8")
    run = cli("parse", str(path))
    assert run.exit_code == 1 and "depth" in run.stderr and len(run.stderr.splitlines()) == 1


def scored(title: str, abstract: str = "") -> Scored:
    paper = make_paper(title=title, abstract=abstract, source="t", url="https://example.org/p")
    match = Match("pruning", "title", "Pruning", 100.0, 1, 1.0, 3.0, 3.0)
    return Scored(paper, 3.0, "p[bold]x[/bold]", (match,))


@pytest.mark.parametrize("color", [False, True])
def test_terminal_shows_titles_literally_and_never_emits_escapes(color: bool) -> None:
    out = io.StringIO()
    write_table([scored(EVIL_TITLE, "abstract \x1b[2J cleared")], out,
                ExportOptions(color=color, width=200, abstracts=True, total=1))
    text = out.getvalue()
    assert "[bold red]markup[/]" in text and "p[bold]x[/bold]" in text
    assert "\x07" not in text and "\u202e" not in text and "]8;;" not in text and "[2J" not in text
    if color:
        assert "\x1b[" in text  # rich's own styling
        assert "\x1b[31m" not in text and "\x1b]" not in text
    else:
        assert "\x1b" not in text


def test_error_messages_never_carry_escapes(tmp_path: Path) -> None:
    name = tmp_path / "x\x1b[31m.txt"
    run = cli("parse", str(name))
    assert run.exit_code == 1 and "\x1b" not in run.stderr


def test_markdown_cannot_be_broken_or_injected() -> None:
    title = "Evil <script>alert(1)</script> [click](javascript:alert(1)) | cell\n- [x] fake item\n# heading"
    out = io.StringIO()
    write_markdown([scored(title, "<img src=x onerror=alert(1)> ![](http://tracker)")], out, ExportOptions(total=1))
    text = out.getvalue()
    assert "<script>" not in text and "<img" not in text
    assert "](javascript:" not in text and "![](" not in text
    assert "\n- [x] fake" not in text and "\n# heading" not in text
    item = next(line for line in text.splitlines() if line.startswith("- [ ] "))
    assert item.startswith("- [ ] [Evil &lt;script&gt;") and item.count("](https://example.org/p)") == 1
    assert "\\|" in item


def test_output_to_a_missing_directory_or_a_file_as_directory(tmp_path: Path) -> None:
    listing = str(Path(__file__).parent.parent / "examples" / "daily-papers.txt")
    run = cli("rank", listing, "-k", "pruning", "-o", str(tmp_path / "nope" / "out.md"))
    assert run.exit_code == 1 and "does not exist" in run.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    run = cli("rank", listing, "-k", "pruning", "-o", str(blocker / "out.md"))
    assert run.exit_code == 1 and run.stderr.startswith("Error: ")


def test_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papertriage.exports import csv_export

    target = tmp_path / "out.csv"

    def broken(results, out, options):  # type: ignore[no-untyped-def]
        out.write("rank,score\n1,")
        raise KeyboardInterrupt

    monkeypatch.setattr(csv_export, "write", broken)
    listing = str(Path(__file__).parent.parent / "examples" / "daily-papers.txt")
    run = cli("rank", listing, "-k", "pruning", "-f", "csv", "-o", str(target), "--state", str(tmp_path / "s.sqlite"))
    assert run.exit_code == 130
    (tmp_path / "s.sqlite").unlink()
    assert list(tmp_path.iterdir()) == []


def test_a_30_mb_single_line_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_bytes(b"a" * 30_000_000)
    run = cli("parse", str(path))
    assert run.exit_code == 1 and "not a listing" in run.stderr


def test_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"title": ' + "[" * 100_000 + "]" * 100_000 + "}]", encoding="utf-8")
    run = cli("parse", str(path))
    assert run.exit_code == 1 and run.stderr.startswith("Error: ") and "Traceback" not in run.stderr
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"title": "Kept"}\n' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n", encoding="utf-8")
    run = cli("parse", str(lines))
    assert [r["title"] for r in run.records()] == ["Kept"] and "line 2" in run.stderr


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    # inflated a piece at a time, it is refused from its head (NULs: no text); the bombs a line
    # format or a document format could hold are in test_streaming.py
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        block = b"\0" * (1 << 20)
        for _ in range(260):
            fh.write(block)
    run = cli("parse", str(path))
    assert run.exit_code == 1 and "not a listing papertriage can read" in run.stderr


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"profiles: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    run = cli("rank", str(Path(__file__).parent.parent / "examples" / "daily-papers.txt"), "-c", str(cfg))
    assert run.exit_code == 1 and "invalid YAML" in run.stderr
    assert not marker.exists()


def test_unknown_and_duplicate_keys_name_file_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("profiles:\n  a:\n    terms: [x]\n  b:\n    terms: [y]\n    weigth: 2\n", encoding="utf-8")
    run = cli("rank", str(Path(__file__).parent.parent / "examples" / "daily-papers.txt"), "-c", str(cfg))
    assert f"{cfg}: line 6: profile 'b': unknown key 'weigth'" in run.stderr
    cfg.write_text("profiles:\n  a:\n    terms: [x]\n  a:\n    terms: [y]\n", encoding="utf-8")
    run = cli("rank", str(Path(__file__).parent.parent / "examples" / "daily-papers.txt"), "-c", str(cfg))
    assert f"{cfg}: line 4: duplicate key 'a'" in run.stderr
