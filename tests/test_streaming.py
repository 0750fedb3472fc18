"""Line formats read as streams (no size cap, a line or record at a time), pieces of a file, and the
cap the whole-document formats keep."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from papertriage.errors import InputError
from papertriage.sources import Piece, read_papers, reading, split_file

from .helpers import cli

MB = 1024 * 1024


def records(n: int, start: int = 0) -> str:
    return "".join(json.dumps({"id": f"arxiv:2401.{i:05d}", "title": f"Paper {i} on routing",
                               "abstract": "é" * (i % 7)}) + "\n" for i in range(start, start + n))


def sparse(path: Path, head: str, hole: int, tail: str) -> Path:
    """A file of head, then hole bytes that take no disk (read as NULs), then tail."""
    with path.open("wb") as fh:
        fh.write(head.encode("utf-8"))
        fh.seek(hole, 1)
        fh.write(tail.encode("utf-8"))
    return path


def test_a_json_lines_file_over_200_mb_is_read_not_refused(tmp_path: Path) -> None:
    # 1,000 records, 210 MB of one line that is never held (NULs of a sparse file: no disk), 2 records
    path = sparse(tmp_path / "big.jsonl", records(1000), 210 * MB, "\n" + records(2, 1000))
    assert path.stat().st_size > reading.MAX_INPUT_BYTES
    warnings: list[str] = []
    stats: dict[str, int] = {}
    papers = list(read_papers([str(path)], warn=warnings.append, stats=stats))
    assert [p.title for p in papers[-3:]] == ["Paper 999 on routing", "Paper 1000 on routing", "Paper 1001 on routing"]
    assert warnings == [f"{path}: line 1001: a line longer than 16 MB; skipped"]
    assert (stats["papers"], stats["skipped"], stats["files"]) == (1002, 1, 1)


def test_a_gzip_bomb_of_one_endless_line_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(records(1).encode())
        for _ in range(260):
            fh.write(b"a" * MB)
        fh.write(b"\n" + records(1, 1).encode())
    run = cli("parse", str(path))
    assert run.exit_code == 0 and [r["title"] for r in run.records()] == ["Paper 0 on routing", "Paper 1 on routing"]
    assert f"{path}: line 2: a line longer than 16 MB; skipped" in run.stderr


@pytest.mark.parametrize(("name", "text", "where"), [
    ("a.jsonl", records(2) + '{"title": "' + "x" * 3000 + '"}\n' + records(1, 2), "line 3"),
    ("a.csv", "title,abstract\nFirst,one\nSecond," + "x" * 3000 + "\nThird,three\n", "line 3"),
    ("a.ris", "TY  - JOUR\nTI  - First\nER  - \nTY  - JOUR\nTI  - Second\nAB  - " + "x" * 3000
     + "\nER  - \nTY  - JOUR\nTI  - Third\nER  - \n", "line 6"),
])
def test_a_line_over_the_limit_is_skipped_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       name: str, text: str, where: str) -> None:
    monkeypatch.setattr(reading, "MAX_LINE", 2000)
    monkeypatch.setattr(reading, "_CHUNK", 1000)  # a chunk is never longer than the longest line
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    warnings: list[str] = []
    stats: dict[str, int] = {}
    papers = list(read_papers([str(path)], warn=warnings.append, stats=stats))
    assert f"{path}: {where}: a line longer than 0 MB; skipped" in warnings and stats["skipped"] >= 1
    assert papers[0].title in ("First", "Paper 0 on routing") and papers[-1].title in ("Third", "Paper 2 on routing")


def test_a_record_over_the_limit_is_skipped_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papertriage.sources import tagged

    monkeypatch.setattr(tagged, "_MAX_RECORD", 5000)
    path = tmp_path / "a.ris"
    path.write_text("TY  - JOUR\nTI  - First\nER  - \nTY  - JOUR\nTI  - Second\n" + "AU  - Someone, A\n" * 600
                    + "ER  - \nTY  - JOUR\nTI  - Third\nER  - \n", encoding="utf-8")
    warnings: list[str] = []
    assert [p.title for p in read_papers([str(path)], warn=warnings.append)] == ["First", "Third"]
    assert warnings == [f"{path}: line 4: a record over 0 MB; skipped"]


def test_a_whole_document_over_the_cap_is_one_error_line(tmp_path: Path) -> None:
    head = '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title>' + " " * 70000
    path = sparse(tmp_path / "big.rss", head, 201 * MB, "</channel></rss>\n")
    run = cli("parse", str(path))
    assert run.exit_code == 1 and run.stderr == f"Error: {path}: larger than 200 MB; split it into smaller files\n"
    bomb = tmp_path / "bomb.rss.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(head.encode())
        for _ in range(201):
            fh.write(b" " * MB)
    run = cli("parse", str(bomb))
    assert run.exit_code == 1 and "decompresses to more than 200 MB; split it or check it is not a zip bomb" in run.stderr


MIXED = (records(3) + "\n" + '{"title": "Crlf line"}\r\n' + "{broken\n" + '{"id": "x"}\n' + "   \n"
         + '{"title": "Ünïcödé ✓ title"}\n' + records(2, 10) + '{"title": "No end of line"}')


def titles_and_warnings(inputs: list[str | Piece]) -> tuple[list[str], list[str], dict[str, int]]:
    warnings: list[str] = []
    stats: dict[str, int] = {}
    papers = [p.title for p in read_papers(inputs, warn=warnings.append, stats=stats)]
    return papers, warnings, stats


def test_two_pieces_cut_anywhere_hold_the_records_of_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(MIXED.encode("utf-8"))
    size = path.stat().st_size
    whole, warned, stats = titles_and_warnings([str(path)])
    assert len(whole) == 8 and stats["skipped"] == 2 and len(warned) == 2
    for cut in range(1, size + 1):  # in the middle of every line, at every line end, in a character
        pieces: list[str | Piece] = [Piece(str(path), 0, cut), Piece(str(path), cut, size)]
        got, warnings, piece_stats = titles_and_warnings(pieces)
        assert got == whole, cut
        assert (piece_stats["files"], piece_stats["papers"], piece_stats["skipped"]) == (1, 8, 2), cut
        assert len(warnings) == 2


@pytest.mark.parametrize("size", [1, 13, 100, 257, 10_000])
def test_split_file_pieces_hold_the_records_of_the_whole_file(tmp_path: Path, size: int) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(MIXED.encode("utf-8"))
    pieces = split_file(str(path), size)
    assert pieces[0].start == 0 and pieces[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))
    assert len(pieces) == -(-path.stat().st_size // size)
    assert titles_and_warnings(list(pieces))[0] == titles_and_warnings([str(path)])[0]


def test_a_warning_in_a_piece_names_the_file_and_where(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(MIXED.encode("utf-8"))
    text = MIXED.encode("utf-8")
    cut = text.index(b"{broken")
    _, warnings, _ = titles_and_warnings([Piece(str(path), 0, cut), Piece(str(path), cut, len(text))])
    # the second piece cannot know its line numbers: it counts its lines from its first byte
    assert warnings[0] == f"{path}: line 1 after byte {cut}: broken JSON (Expecting property name enclosed in " \
                          "double quotes); skipped"
    assert titles_and_warnings([str(path)])[1][0].startswith(f"{path}: line 6: broken JSON")


def test_split_file_gives_one_piece_for_gzip_and_for_other_formats(tmp_path: Path) -> None:
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(MIXED.encode("utf-8")))
    document = tmp_path / "a.json"
    document.write_text(json.dumps([{"title": f"Paper {i}"} for i in range(100)], indent=1), encoding="utf-8")
    table = tmp_path / "a.csv"
    table.write_text("title,abstract\n" + "".join(f"Paper {i},about\n" for i in range(100)), encoding="utf-8")
    for path in (gz, document, table):
        assert split_file(str(path), 50) == [Piece(str(path), 0, path.stat().st_size)]
    with pytest.raises(InputError, match="a gzip file cannot be read in pieces"):
        list(read_papers([Piece(str(gz), 10, gz.stat().st_size)]))
    with pytest.raises(InputError, match="only a file of one record a line can be read in pieces"):
        list(read_papers([Piece(str(document), 0, 50)]))


def test_a_piece_is_read_as_its_file_head_says(tmp_path: Path) -> None:
    # the piece's own lines look like a CSV header and rows; the file's head says JSON Lines
    path = tmp_path / "a.jsonl"
    text = records(2) + "title,abstract\n" + records(1, 2)
    path.write_text(text, encoding="utf-8")
    cut = text.index("title,")
    warnings: list[str] = []
    papers = list(read_papers([Piece(str(path), cut, len(text))], warn=warnings.append))
    assert [p.title for p in papers] == ["Paper 2 on routing"] and "broken JSON" in warnings[0]


def test_bad_utf8_after_the_head_is_replaced_and_said_with_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    good = records(3000).encode("utf-8")
    assert len(good) > 4 * 64 * 1024
    path.write_bytes(good + b'{"title": "Caf\xe9 paper"}\n')
    warnings: list[str] = []
    papers = list(read_papers([str(path)], warn=warnings.append))
    assert papers[-1].title == "Caf\ufffd paper"
    assert warnings == [f"{path}: invalid UTF-8 at byte {len(good) + 14}; read as UTF-8 with the bad bytes replaced"]


def test_a_record_over_the_limit_is_not_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    from papertriage.sources import tagged

    monkeypatch.setattr(tagged, "_MAX_RECORD", 100_000)
    path = tmp_path / "a.ris"
    path.write_text("TY  - JOUR\nTI  - Endless\n" + "AU  - Someone, A\n" * 200_000 + "ER  - \n", encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="no paper could be read"):
            list(read_papers([str(path)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * path.stat().st_size  # 4.4 MB here; the 200,000 names held took 50 MB


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_lines_read_in_any_chunks_are_the_lines_of_the_whole_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 chunk: int, encoding: str) -> None:
    # CR LF, CR and LF line ends, cut between the CR and the LF, or inside a character
    path = tmp_path / "ends.jsonl"
    path.write_bytes(MIXED.replace("\n", "\r\n", 3).replace("\n", "\r", 2).encode(encoding))
    expected = titles_and_warnings([str(path)])
    monkeypatch.setattr(reading, "_CHUNK", chunk)
    assert titles_and_warnings([str(path)]) == expected
    assert len(expected[0]) == 8 and expected[1][0].split(": ")[1] == "line 8"
