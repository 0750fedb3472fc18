"""An input opened as a Listing: its head for detection, then its lines as a stream of any size in
bounded memory, or its whole text (capped); files, byte ranges of files (pieces), gzip and `-`."""

from __future__ import annotations

import codecs
import os
import sys
import zlib
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, TypeVar

from papertriage.errors import InputError
from papertriage.sources.base import ParseContext, Warn

inflate_lib: Any = zlib
"""ISA-L's inflate where isal is installed: the crawl's 211 MB of gzip in 0.24 s, against 0.67 s for zlib."""
try:
    from isal import isal_zlib as inflate_lib
except ImportError:  # pragma: no cover - a platform isal has no wheel for
    pass
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, inflate_lib.error)

MAX_INPUT_BYTES = 200 * 1024 * 1024
"""Largest listing read whole (the formats read as one document: XML, HTML, one JSON document, BibTeX,
the text copies), so a gzip bomb ends in a clear error, not an exhausted machine. Line formats
(JSON Lines, CSV/TSV, RIS, MEDLINE, WoS) are streamed and have no cap but MAX_LINE."""
MAX_LINE = 16 * 1024 * 1024
"""Longest line held (bytes; characters in UTF-16): a longer one is skipped and reported. It bounds
what a line format holds whatever the file's size; a CSV field may hold 10 MB."""

HEAD = 64 * 1024
"""Characters of the text that format detection looks at."""
_HEAD_BYTES = 4 * HEAD
"""Bytes read for the head: HEAD characters in any encoding; the encoding of lines is chosen from them."""
_CHUNK = 256 * 1024
_INFLATED = 1024 * 1024
"""Most bytes one inflate step gives: a gzip bomb is inflated a little at a time, like any file."""


@dataclass(frozen=True)
class Piece:
    """The lines of a plain file whose first byte lies in [start, end): a shard of one large file.

    Consecutive pieces (see split_file) hold every line of the file once. The format and the
    encoding are read from the file's head (offset 0), so every piece of a file agrees."""

    path: str
    start: int
    end: int


def input_path(name: str | Piece) -> str:
    """The file an input reads: a piece's file, or the name itself."""
    return name.path if isinstance(name, Piece) else name


_STDIN: list[tuple[object, bytes]] = []
"""The standard input read, and the stream it came from: a listing may be read twice (calibration)."""


def stdin_bytes() -> bytes:
    """The standard input, read once per stream (then kept): read whole, at most MAX_INPUT_BYTES."""
    if not _STDIN or _STDIN[0][0] is not sys.stdin:
        _STDIN[:] = [(sys.stdin, sys.stdin.buffer.read(MAX_INPUT_BYTES + 1))]
    return _STDIN[0][1]


def provide_stdin(data: bytes) -> None:
    """Make `-` read data: a worker process, whose own stdin is closed, gets the parent's this way."""
    _STDIN[:] = [(sys.stdin, data)]


def decode(data: bytes, name: str, warn: Warn) -> str:
    """Bytes to text: BOMs honoured, UTF-8 first, cp1252 as the announced fallback; never fails on bytes."""
    codec, skip = _encoding(data, name, warn)
    return data[skip:].decode(codec, errors="replace")


def _encoding(data: bytes, name: str, warn: Warn) -> tuple[str, int]:
    """(codec, BOM bytes to skip) for the data, as decode chooses; "utf-8" only for valid UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", 3
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0
    if b"\x00" in data[:HEAD]:
        # UTF-16 without BOM shows as every other byte NUL in ASCII text
        even, odd = data[:2000:2], data[1:2000:2]
        if odd.count(0) > len(odd) * 0.9:
            return "utf-16-le", 0
        if even.count(0) > len(even) * 0.9:
            return "utf-16-be", 0
        raise InputError(f"{name}: is a binary file, not a paper listing")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = sum(1 for b in data if b >= 0x80)
        if bad and data.decode("utf-8", errors="replace").count("\ufffd") < bad / 8:
            warn(f"{name}: invalid UTF-8 at byte {exc.start}; read as UTF-8 with the bad bytes replaced")
            return "utf-8-replace", 0
        warn(f"{name}: not valid UTF-8; read as Windows-1252 (cp1252)")
        return "cp1252", 0
    return "utf-8", 0


Chunk = TypeVar("Chunk", str, bytes)


def _line_end(data: Chunk, nl: Chunk, cr: Chunk) -> int:
    """Where the data's last whole line ends (0 if none): after its last LF, or after its last CR that
    is not the data's last character (a CR LF may straddle two chunks)."""
    return max(data.rfind(nl), data.rfind(cr, 0, len(data) - 1)) + 1


def _first_line_end(data: Chunk, nl: Chunk, cr: Chunk) -> int:
    ends = [i for i in (data.find(nl), data.find(cr)) if i >= 0]
    return min(ends) + 1 if ends else 0


def _blocks(chunks: Iterable[Chunk], nl: Chunk, cr: Chunk) -> Iterator[Chunk | None]:
    """The chunks (each at most MAX_LINE long) regrouped into blocks of whole lines (the last may lack
    its line end). A line longer than MAX_LINE is not held: it is given as None, its rest passed over."""
    carry = nl[:0]
    dropping = False
    for chunk in chunks:
        if carry or dropping:
            first = _first_line_end(chunk, nl, cr)  # where the line carried on ends, if it does here
            if dropping or len(carry) + (first - 1 if first else len(chunk)) > MAX_LINE:
                if not dropping:
                    yield None
                carry, dropping = nl[:0], not first
                if dropping:
                    continue
                chunk = chunk[first:]
        data = carry + chunk if carry else chunk
        cut = _line_end(data, nl, cr)
        if cut:
            yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _decoded(blocks: Iterator[bytes | None], codec: str, ctx: ParseContext, offset: int) -> Iterator[str | None]:
    """Blocks of whole lines decoded one at a time (no character of UTF-8 or cp1252 holds a line end
    byte). Bad UTF-8 after the head is replaced, and said once with its byte offset."""
    errors = "strict" if codec == "utf-8" else "replace"
    codec = codec.removesuffix("-replace")
    for block in blocks:
        if block is None:
            yield None
            continue
        try:
            yield block.decode(codec, errors)
        except UnicodeDecodeError as exc:
            ctx.warn(f"{ctx.name}: invalid UTF-8 at byte {offset + exc.start}; "
                     "read as UTF-8 with the bad bytes replaced")
            errors = "replace"
            yield block.decode(codec, errors)
        offset += len(block)


class Lines:
    """A listing's lines, read as they are asked for; `number` is the line last given."""

    def __init__(self, blocks: Iterator[str | None], ctx: ParseContext, first_byte: int) -> None:
        self._blocks = blocks
        self._ctx = ctx
        self.first_byte = first_byte
        self.number = 0

    def where(self) -> str:
        """The line last given, for a warning: `line N`; in a piece that starts inside its file (where
        line numbers are not known without reading all before) `line N after byte B`, the Nth line
        from byte B, where the piece's first line begins."""
        return f"line {self.number} after byte {self.first_byte}" if self.first_byte else f"line {self.number}"

    def _too_long(self) -> None:
        self.number += 1
        self._ctx.skip(self.where(), f"a line longer than {MAX_LINE // 2**20} MB")

    def __iter__(self) -> Iterator[str]:
        """The lines without their ends, split where str.splitlines splits."""
        for block in self._blocks:
            if block is None:
                self._too_long()
                continue
            for line in block.splitlines():
                self.number += 1
                yield line

    def with_ends(self, *, cr_as_lf: bool = False) -> Iterator[str]:
        """The lines split at LF only, each with its LF (as the csv module wants them); cr_as_lf
        first reads every CR as an LF (files whose lines end with CR only)."""
        carry = ""
        for block in self._blocks:
            if block is None:
                carry = ""
                self._too_long()
                continue
            if cr_as_lf:
                block = block.replace("\r", "\n")
            start = 0
            while (end := block.find("\n", start) + 1) > 0:
                self.number += 1
                yield carry + block[start:end] if carry else block[start:end]
                start, carry = end, ""
            carry += block[start:]
        if carry:
            self.number += 1
            yield carry


class Listing:
    """One input: its head for detection, then its text as lines (a stream of any size, in bounded
    memory) or whole (capped at MAX_INPUT_BYTES). Read once."""

    def __init__(self, name: str, head: bytes, data: Iterator[bytes], *, warn: Warn = lambda m: None,
                 complete: bool = True, gzipped: bool = False, first_byte: int = 0, whole_file: bool = True) -> None:
        self.name = name
        self.first_byte = first_byte
        """Where the text begins in its file: 0, or the first line of a piece inside it."""
        self.whole_file = whole_file
        self._warn = warn
        self._data = data
        self.gzipped = gzipped
        notes: list[str] = []
        sample = head if complete else _whole_characters(head)  # all of a small file, as decode reads it
        self._codec, skip = _encoding(sample, name, notes.append)
        self._notes = notes
        codec = "utf-8" if self._codec.startswith("utf-8") else self._codec
        self.head = head[skip:skip + _HEAD_BYTES].decode(codec, errors="replace")
        """The first 256 KB of the text (or all of it): detection reads its first HEAD characters."""

    @property
    def utf16(self) -> bool:
        """Whether the text is UTF-16, whose lines cannot be found by their bytes (no pieces)."""
        return self._codec.startswith("utf-16")

    @classmethod
    def of(cls, name: str, text: str) -> Listing:
        """A listing of text in memory (tests, fuzzing): read as a file of that text is read."""
        return _TextListing(name, text)

    def read(self) -> str:
        """The whole text, for the formats read as one document; at most MAX_INPUT_BYTES."""
        if not self.whole_file:
            raise InputError(f"{self.name}: only a file of one record a line can be read in pieces")
        data = bytearray()
        for chunk in self._data:
            data += chunk
            if len(data) > MAX_INPUT_BYTES:
                raise InputError(self._too_large())
        return decode(bytes(data), self.name, self._warn)

    def _too_large(self) -> str:
        limit = MAX_INPUT_BYTES // 2**20
        if self.gzipped:
            return f"{self.name}: decompresses to more than {limit} MB; split it or check it is not a zip bomb"
        return f"{self.name}: larger than {limit} MB; split it into smaller files"

    def lines(self, ctx: ParseContext) -> Lines:
        """The lines of the text, read as they are asked for: memory holds about one line."""
        for note in self._notes:
            self._warn(note)
        codec, data = self._codec, self._data
        if codec.startswith("utf-16"):
            if self.first_byte:
                raise InputError(f"{self.name}: a UTF-16 file cannot be read in pieces")
            decoder = codecs.getincrementaldecoder(codec)(errors="replace")
            text = chain((decoder.decode(chunk) for chunk in data), [decoder.decode(b"", True)])
            return Lines(_blocks(text, "\n", "\r"), ctx, 0)
        if codec == "utf-8-sig":
            codec = "utf-8-replace"
            if not self.first_byte:
                data = _after_bom(data)
        blocks = _blocks(data, b"\n", b"\r")
        return Lines(_decoded(blocks, codec, ctx, self.first_byte), ctx, self.first_byte)


class _TextListing(Listing):
    def __init__(self, name: str, text: str) -> None:
        self.name, self.first_byte, self.whole_file, self.gzipped, self._codec = name, 0, True, False, "utf-8"
        self.head = text[:_HEAD_BYTES]
        self._text = text

    def read(self) -> str:
        return self._text

    def lines(self, ctx: ParseContext) -> Lines:
        return Lines(_blocks(_sliced(self._text), "\n", "\r"), ctx, 0)


def _whole_characters(data: bytes) -> bytes:
    """The data without its last UTF-8 character when that may be cut (a cut character is no bad byte)."""
    for i in range(len(data) - 1, max(len(data) - 5, -1), -1):
        if data[i] < 0x80:
            break
        if data[i] >= 0xC0:
            return data[:i]
    return data


def _after_bom(data: Iterator[bytes]) -> Iterator[bytes]:
    yield next(data, b"")[3:]
    yield from data


def open_input(name: str | Piece, warn: Warn) -> Listing:
    """The input opened, its head read: a file, a piece of one, `-` (read whole), gzip or not."""
    if name == "-":
        stdin = stdin_bytes()
        if len(stdin) > MAX_INPUT_BYTES:
            raise InputError(f"-: larger than {MAX_INPUT_BYTES // 2**20} MB; split it into smaller files")
        return _listing("-", iter([stdin]), warn)
    path = input_path(name)
    fh = _open(path)
    if not isinstance(name, Piece) or name.start <= 0 and name.end >= os.fstat(fh.fileno()).st_size:
        return _listing(path, _file_chunks(fh, path), warn)
    head = fh.read(_HEAD_BYTES)
    if head[:2] == b"\x1f\x8b":
        fh.close()
        raise InputError(f"{path}: a gzip file cannot be read in pieces; read it whole")
    if not head.strip():
        raise InputError(f"{path}: is empty; save the listing again")
    start, end = _line_start(fh, name.start), _line_start(fh, name.end)
    fh.seek(start)
    return Listing(path, head, _file_chunks(fh, path, end - start), warn=warn, complete=len(head) < _HEAD_BYTES,
                   first_byte=start, whole_file=False)


def _listing(name: str, raw: Iterator[bytes], warn: Warn) -> Listing:
    first = next(raw, b"")
    gzipped = first[:2] == b"\x1f\x8b"
    data: Iterator[bytes] = chain([first], raw)
    if gzipped:
        data = _gunzip(data, name)
    parts, at_end = _peek(data)
    head = b"".join(parts)
    if not head.strip() and at_end:
        raise InputError(f"{name}: is empty; save the listing again")
    return Listing(name, head, chain(parts, data), warn=warn, complete=at_end, gzipped=gzipped)


def _sliced(data: Chunk) -> Iterator[Chunk]:
    """The data in chunks of _CHUNK (no longer than a line may be)."""
    return (data[i:i + _CHUNK] for i in range(0, len(data), _CHUNK))


def _peek(data: Iterator[bytes]) -> tuple[list[bytes], bool]:
    """(the first chunks of the data, _HEAD_BYTES or more, whether they are all of it), taken from data."""
    parts: list[bytes] = []
    size = 0
    for chunk in data:
        parts.append(chunk)
        size += len(chunk)
        if size >= _HEAD_BYTES:
            return parts, False
    return parts, True


def _open(path: str) -> IO[bytes]:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file; check the path")
    if p.is_dir():
        if not os.access(p, os.R_OK | os.X_OK):
            raise InputError(f"{path}: cannot open the folder (permission denied); check its permissions")
        raise InputError(f"{path}: is a directory with no listing in it")
    try:
        return p.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None


def _file_chunks(fh: IO[bytes], path: str, size: int | None = None) -> Iterator[bytes]:
    """The file's bytes from where fh stands, a chunk at a time (size of them, or to the end)."""
    with fh:
        try:
            while size is None or size > 0:
                chunk = fh.read(_CHUNK if size is None else min(_CHUNK, size))
                if not chunk:
                    return
                if size is not None:
                    size -= len(chunk)
                yield chunk
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None


def _line_start(fh: IO[bytes], at: int) -> int:
    """The offset of the first line that begins at or after byte at (the file's size if none)."""
    if at <= 0:
        return 0
    fh.seek(at - 1)
    offset = at - 1
    while chunk := fh.read(_CHUNK):
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(chunk)
    return offset


def _gunzip(data: Iterator[bytes], name: str) -> Iterator[bytes]:
    """The inflated members, a bounded piece at a time; NUL padding after the last member is
    ignored (tape tools, some servers), as gzip -d reads it."""
    d = inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
    padding = False
    try:
        for buf in data:
            while True:
                if d.eof:
                    if not buf.strip(b"\0"):
                        padding = padding or bool(buf)
                        break
                    d = inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
                    buf = b"\0" + buf if padding else buf  # data after padding is no member: refused as it was
                out = d.decompress(buf, _INFLATED)
                if out:
                    yield out
                buf = d.unused_data if d.eof else d.unconsumed_tail
                if not buf and not d.eof and len(out) < _INFLATED:
                    break  # the next chunk, please (a full output may have more to give from this one)
        if not d.eof:
            raise InputError(f"{name}: gzip data is truncated; download the file again")
    except _INFLATE_ERRORS as exc:
        raise InputError(f"{name}: broken gzip data ({exc}); download the file again") from None
