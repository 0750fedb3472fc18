"""BibTeX (Scopus, Web of Science, Zotero exports): braces, {{double braces}}, LaTeX accents decoded."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date

NAME = "bibtex"

_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*[{(]", re.M)
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
            "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
            "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_"}


def detect(head: str) -> bool:
    return re.search(r"^\s*@\s*(article|inproceedings|book|misc|incollection|phdthesis|techreport|online|"
                     r"conference|inbook|preamble|string|unpublished|report|thesis|proceedings)\s*[{(]",
                     head.lstrip("\ufeff"), re.I | re.M) is not None


_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z]?)\s*\}|(\\i|[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckr])\s*(?:\{\s*(\\?[A-Za-z]?)\s*\}|\s+(\\i|[A-Za-z]))")
_SYMBOL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?")
_ESCAPE = re.compile(r"\\([&%$#_])")
_STYLE = re.compile(r"\\(?:textit|textbf|emph|textrm|mathrm|text)\s*")
_USED = frozenset("title author abstract eprint archiveprefix eprinttype year month date keywords url doi journal "
                  "booktitle".split())
"""The fields a paper is built from: the others (references, funding...) are not decoded."""


def decode_latex(text: str) -> str:
    """LaTeX accents and escapes to Unicode (`{\\"o}` -> ö, `\\'{e}` -> é, `\\&` -> &); braces dropped."""

    def accent(m: re.Match[str]) -> str:
        mark, letter = m.group(1), m.group(2) or m.group(3) or ""
        if letter == "\\i":
            letter = "i"
        return unicodedata.normalize("NFC", letter + _ACCENTS[mark]) if letter else ""

    if "\\" in text:
        text = _ACCENT.sub(accent, text)
        text = _LETTER_ACCENT.sub(accent, text)
        text = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(1)], text)
        text = _ESCAPE.sub(lambda m: _SYMBOLS[m.group(1)], text)
    if "-" in text or "~" in text:
        text = text.replace("--", "–").replace("~", " ")
    if "\\" in text:
        text = _STYLE.sub("", text)
    return " ".join(text.replace("{", "").replace("}", "").split())


_BRACED = re.compile(r"[\\{}]")
_QUOTED = re.compile(r'["{}]')


def _next(special: re.Pattern[str], text: str, start: int) -> int:
    """Where the next special character is from start on (the end of text if none): value reading
    jumps from one brace, quote or backslash to the next instead of stepping through every character."""
    m = special.search(text, start)
    return m.start() if m else len(text)


def _value(body: str, i: int) -> tuple[str, int]:
    """Read one field value starting at i (a braced or quoted string, a number or macro, joined by #)."""
    parts = []
    n = len(body)
    while i < n:
        while i < n and body[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        ch = body[i]
        if ch == "{":
            depth, j = 0, i
            while j < n:
                j = _next(_BRACED, body, j)
                if j == n:
                    break
                if body[j] == "\\":
                    j += 2
                    continue
                if body[j] == "{":
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            parts.append(body[i + 1:j])
            i = j + 1
        elif ch == '"':
            j = i + 1
            depth = 0
            while j < n:
                j = _next(_QUOTED, body, j)
                if j == n or body[j] == '"' and depth == 0:
                    break
                depth += body[j] == "{"
                depth -= body[j] == "}"
                j += 1
            parts.append(body[i + 1:j])
            i = j + 1
        else:
            m = re.match(r"[^,#}\s]+", body[i:])
            parts.append(m.group(0) if m else "")
            i += len(m.group(0)) if m else 1
        while i < n and body[i] in " \t\r\n":
            i += 1
        if i < n and body[i] == "#":
            i += 1
            continue
        break
    return "".join(parts), i


_FIELD = re.compile(r"\s*,?\s*([A-Za-z][\w\-:.]*)\s*=\s*")
_NESTING = re.compile(r"[\\{}()]")
"""The characters that open, close or escape; the brace matching jumps from one to the next."""


def _fields(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while True:
        m = _FIELD.match(body, i)
        if not m:
            break
        value, i = _value(body, m.end())
        fields[m.group(1).lower()] = value
    return fields


def _entries(text: str) -> Iterator[tuple[int, str, str | None, str]]:
    """(line, type, key, body) of each entry; the body ends at the matching close brace."""
    line, counted = 1, 0
    for m in _ENTRY.finditer(text):
        kind = m.group(1).lower()
        start = m.end()
        depth, j = 1, start
        while depth:
            special = _NESTING.search(text, j)
            if special is None:
                j = len(text)
                break
            c, j = special.group(), special.end()
            if c == "\\":
                j += 1  # the escaped character
            else:
                depth += 1 if c in "{(" else -1
        inner = text[start:j - 1] if depth == 0 else text[start:j]
        key_m = re.match(r"\s*([^,\s]*)\s*,", inner)
        key = key_m.group(1) if key_m else None
        body = inner[key_m.end():] if key_m else inner
        line += text.count("\n", counted, m.start())  # from the last entry on: counting from the top each time was quadratic
        counted = m.start()
        yield line, kind, key, body


def parse(text: str, ctx: ParseContext) -> Iterator[Paper]:
    for line, kind, key, body in _entries(text):
        if kind in ("comment", "preamble", "string"):
            continue
        f = {k: decode_latex(v) for k, v in _fields(body).items() if k in _USED}
        title = f.get("title", "")
        if not title:
            ctx.skip(f"line {line} ({key or kind})", "entry has no title")
            continue
        authors = [a.strip() for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
        eprint = f.get("eprint") if (f.get("archiveprefix", "").lower() == "arxiv" or "arxiv" in f.get("eprinttype", "").lower()
                                     or re.match(r"\d{4}\.\d{4,5}", f.get("eprint", ""))) else None
        year, month = f.get("year", ""), f.get("month", "")
        published = iso_date(f.get("date")) or iso_date(f"{year} {month}".strip()) or iso_date(year)
        keywords = [k.strip() for k in re.split(r"[;,]", f.get("keywords", "")) if k.strip()]
        yield make_paper(
            title=title,
            abstract=f.get("abstract", ""),
            authors=authors,
            published=published,
            url=f.get("url") or None,
            arxiv_id=eprint or (f.get("url") if "arxiv.org/abs/" in f.get("url", "") else None),
            doi=f.get("doi"),
            keywords=keywords,
            source=NAME,
            extra={"key": key, "type": kind, "journal": f.get("journal") or f.get("booktitle")},
        )
