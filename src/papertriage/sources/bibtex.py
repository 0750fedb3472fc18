"""BibTeX (Scopus, Web of Science, Zotero exports): braces, {{double braces}}, LaTeX accents decoded."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date
from papertriage.sources.reading import Listing

NAME = "bibtex"

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
            "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
            "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_"}


_DETECT = re.compile(r"^[ \t]*@[ \t]*(?:(?:string|preamble|comment)[ \t]*[{(]"
                     r"|[A-Za-z][\w\-]*[ \t]*[{(][ \t]*[^\s,{}()=\"#%]*[ \t]*,)", re.I | re.M)


def detect(head: str) -> float:
    """0.7 for an entry of any type (`@software{key,`, `@a{b,`), or a @string/@preamble/@comment, at a
    line start (CR-only line ends too): below the tagged formats, whose continuation lines may start so."""
    if "@" not in head:
        return 0.0  # a fast scan spares the line-start search (see base.line_starts_with)
    head = head.lstrip("\ufeff")
    if "\r" in head:
        head = head.replace("\r\n", "\n").replace("\r", "\n")
    return 0.7 if _DETECT.search(head) else 0.0


_ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z]?)\s*\}|(\\i|[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckr])\s*(?:\{\s*(\\?[A-Za-z]?)\s*\}|\s+(\\i|[A-Za-z]))")
_SYMBOL = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?")
_ESCAPE = re.compile(r"\\([&%$#_])")
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?\s*|\\([,;:!> \-@/\\])")
_NAMED = {
    **{g: chr(c) for g, c in zip(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi psi "
        "omega".split(), (0x3B1, 0x3B2, 0x3B3, 0x3B4, 0x3B5, 0x3B6, 0x3B7, 0x3B8, 0x3B9, 0x3BA, 0x3BB, 0x3BC, 0x3BD,
                          0x3BE, 0x3C0, 0x3C1, 0x3C3, 0x3C4, 0x3C5, 0x3C6, 0x3C7, 0x3C8, 0x3C9), strict=True)},
    **{g: chr(c) for g, c in zip("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
                                 (0x393, 0x394, 0x398, 0x39B, 0x39E, 0x3A0, 0x3A3, 0x3A5, 0x3A6, 0x3A8, 0x3A9), strict=True)},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varsigma": "ς", "varrho": "ϱ", "varpi": "ϖ",
    "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "ldots": "…", "dots": "…", "textellipsis": "…",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "S": "§", "P": "¶", "copyright": "©", "textcopyright": "©", "textregistered": "®",
    "texttrademark": "™", "pounds": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡", "times": "×",
    "pm": "±", "mp": "∓", "cdot": "·", "infty": "∞", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠",
    "neq": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "leftrightarrow": "↔", "Rightarrow": "⇒", "degree": "°", "textdegree": "°", "textmu": "µ",
    "circ": "∘", "partial": "∂", "nabla": "∇", "sqrt": "√", "sum": "∑", "prod": "∏", "int": "∫", "in": "∈",
    "textbackslash": "\\", "textasciitilde": "~", "textunderscore": "_", "textbar": "|", "textless": "<",
    "textgreater": ">", "quad": " ", "qquad": " ", "par": " ", "newline": " ", "linebreak": " ",
}
"""Commands that stand for a character. Any other command (`\\textsc`, `\\emph`, `\\mbox`, unknown ones)
is dropped and its braced argument kept as text: `\\textsc{Lisp}` -> Lisp."""
_MATH = re.compile(r"(?<!\\)\$\$?.*?(?<!\\)\$\$?|\\\(.*?\\\)", re.S)
"""Inline math, kept as written (its braces and commands are the math, and removing them changes it)."""


def _command(m: re.Match[str]) -> str:
    name = m.group(1)
    if name is None:  # \, \; \  (spaces), \- (hyphenation point), \@, \/, \\ (line break)
        return " " if m.group(2) in ",;:> \\" else ""
    value = _NAMED.get(name)
    if value is None:
        return ""
    return value + (" " if m.group(0)[-1:].isspace() and value.isalpha() and len(value) > 1 else "")


_USED = frozenset("title author abstract eprint archiveprefix eprinttype year month date keywords url doi journal "
                  "booktitle".split())
"""The fields a paper is built from: the others (references, funding...) are not decoded."""


def decode_latex(text: str) -> str:
    """LaTeX to Unicode text: accents (`{\\"o}` -> ö, `\\'{e}` -> é), escapes (`\\&` -> &), ``quotes'' (-> “quotes”),
    Greek letters and symbols (`\\theta` -> θ); other commands dropped, their arguments kept (`\\textsc{x}` -> x);
    braces dropped outside math; `$...$` math kept as written."""
    if "$" in text or "\\(" in text:
        parts, last = [], 0
        for m in _MATH.finditer(text):
            parts += [_decode_text(text[last:m.start()]), m.group(0)]
            last = m.end()
        parts.append(_decode_text(text[last:]))
        return " ".join("".join(parts).split())
    return " ".join(_decode_text(text).split())


def _decode_text(text: str) -> str:
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
        text = text.replace("\\{", "\x01").replace("\\}", "\x02")  # escaped braces are kept
    if "-" in text or "~" in text:
        text = text.replace("---", "—").replace("--", "–").replace("~", " ")
    if "`" in text or "''" in text:
        text = text.replace("``", "“").replace("''", "”")
    if "\\" in text:
        text = _COMMAND.sub(_command, text)
    text = text.replace("{", "").replace("}", "")
    return text.replace("\x01", "{").replace("\x02", "}") if "\x01" in text or "\x02" in text else text


_BRACED = re.compile(r"[\\{}]")
_QUOTED = re.compile(r'["{}]')


def _next(special: re.Pattern[str], text: str, start: int) -> int:
    """Where the next special character is from start on (the end of text if none): value reading
    jumps from one brace, quote or backslash to the next instead of stepping through every character."""
    m = special.search(text, start)
    return m.start() if m else len(text)


_MONTHS = {m: m.capitalize() for m in "jan feb mar apr may jun jul aug sep oct nov dec".split()}
"""BibTeX's predefined month macros."""
_BARE = re.compile(r"[^,#}\s]+")


def _braced_end(body: str, i: int) -> int:
    """Where the brace opened at i closes (the end of body if it never does); escapes skipped."""
    n = len(body)
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
    return j


def _quoted_end(body: str, i: int) -> int:
    """Where the quote opened at i closes, outside braces (the end of body if it never does)."""
    n = len(body)
    j = i + 1
    depth = 0
    while j < n:
        j = _next(_QUOTED, body, j)
        if j == n or body[j] == '"' and depth == 0:
            break
        depth += body[j] == "{"
        depth -= body[j] == "}"
        j += 1
    return j


def _value(body: str, i: int, macros: dict[str, str]) -> tuple[str, int]:
    """Read one field value starting at i: braced or quoted strings, numbers and @string macros, joined by #."""
    parts = []
    n = len(body)
    while i < n:
        while i < n and body[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        ch = body[i]
        if ch == "{":
            j = _braced_end(body, i)
            parts.append(body[i + 1:j])
            i = j + 1
        elif ch == '"':
            j = _quoted_end(body, i)
            parts.append(body[i + 1:j])
            i = j + 1
        else:
            m = _BARE.match(body, i)
            word = m.group(0) if m else ""
            # a number as it is; a macro by its @string value (names are case-insensitive), or its name if undefined
            parts.append(word if word.isdigit() else macros.get(word.lower(), _MONTHS.get(word.lower(), word)))
            i += len(word) if m else 1
        while i < n and body[i] in " \t\r\n":
            i += 1
        if i < n and body[i] == "#":
            i += 1
            continue
        break
    return "".join(parts), i


_FIELD = re.compile(r"\s*([^\s=,{}()\"#%'\\]+)\s*=\s*")
"""A field name is anything BibTeX allows: biblatex's `author+an`, `author+an:orcid`, `file-name`..."""
_NESTING = re.compile(r"[\\{}]")
_AT = re.compile(r"@[ \t]*([A-Za-z][\w\-]*)[ \t\r\n]*([{(])")
_LINE_AT = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w\-]*[ \t]*[{(]")


_NEXT_FIELD = re.compile(r"\n[ \t]*[A-Za-z][\w\-:+.]*[ \t]*=[ \t]*[{\"]")


def _fields(body: str, macros: dict[str, str], lost: list[str]) -> dict[str, str]:
    """The fields of an entry body. Text that is not `name = value` is left out and noted in lost.
    In a body whose braces do not balance (a value opened by a stray `{`: the entry never closed), a
    value ends where a line starts the next `name = {`, so one typo costs that value's end only."""
    fields: dict[str, str] = {}
    i, n = 0, len(body)
    unbalanced = body.count("{") - body.count("\\{") > body.count("}") - body.count("\\}")
    while True:
        while i < n and body[i] in " \t\r\n,":
            i += 1
        if i >= n:
            break
        m = _FIELD.match(body, i)
        if not m:
            depth, j = 0, i  # skip to the next comma outside braces: the fields after it are still read
            while j < n and not (body[j] == "," and depth == 0):
                depth += (body[j] == "{") - (body[j] == "}")
                j += 1
            lost.append(" ".join(body[i:j].split())[:40])
            i = j
            continue
        value, i = _value(body, m.end(), macros)
        cut = _NEXT_FIELD.search(body, m.end(), i) if unbalanced else None
        if cut:  # the value up to the comma that ends its line
            value = _value(body[:cut.start()].rstrip().removesuffix(","), m.end(), macros)[0]
            i = cut.start()
        fields.setdefault(m.group(1).lower(), value)  # BibTeX keeps the first of a repeated field
    return fields


def _entries(text: str, ctx: ParseContext) -> Iterator[tuple[int, str, str | None, str]]:
    """(line, type, key, body) of each entry, read one after another (an `@` inside an entry is its text).
    A braced entry ends at its matching brace, one in parentheses at the first `)` outside braces; an
    entry never closed ends before the next line that starts an entry, with a warning."""
    line, counted, pos = 1, 0, 0
    unclosed = _Unclosed(text)
    while True:
        m = _AT.search(text, pos)
        if m is None:
            return
        kind, paren = m.group(1).lower(), m.group(2) == "("
        start = j = m.end()
        depth = 0
        closed = False
        while paren or not unclosed.never_closes(start):
            special = (_NESTING if not paren else _PAREN_NESTING).search(text, j)
            if special is None:
                j = len(text)
                break
            c, j = special.group(), special.end()
            if c == "\\":
                j += 1  # the escaped character
            elif c == "{":
                depth += 1
            elif c == "}" and depth:
                depth -= 1
            elif (c == "}" and not paren) or (c == ")" and depth == 0):
                closed = True
                break
        line += text.count("\n", counted, m.start())  # from the last entry on: counting from the top each time was quadratic
        counted = m.start()
        if closed:
            inner = text[start:j - 1]
        else:
            if not paren:
                unclosed.learn()
            cut = _LINE_AT.search(text, start)
            j = cut.start() + 1 if cut else len(text)
            inner = text[start:j].rstrip()
            inner = inner[:-1] if inner.endswith("}") else inner  # the entry's own closing brace, on its line
            if kind not in ("comment", "preamble"):
                ctx.warn(f"{ctx.name}: line {line}: @{kind} entry is not closed; read up to "
                         + ("the next entry" if cut else "the end of the file"))
        pos = j
        key_m = re.match(r"\s*([^,\s]*)\s*,", inner) if kind not in ("string", "preamble", "comment") else None
        key = key_m.group(1) if key_m else None
        body = inner[key_m.end():] if key_m else inner
        yield line, kind, key, body


_PAREN_NESTING = re.compile(r"[\\{})]")


class _Unclosed:
    """Tells at once whether a braced entry starting at a position never finds its closing brace, so
    that each unclosed entry is not scanned to the end of the file: 4,000 of them (300 KB) took 35 s.
    Built on the first unclosed entry met (a well-formed file never needs it): the brace depth after
    each brace of the file, and the lowest depth from each brace on."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where: list[int] | None = None
        self.depth: list[int] = []
        self.lowest_after: list[int] = []

    def _build(self) -> None:
        where, depth, level, j, text = [], [], 0, 0, self.text
        while True:
            special = _NESTING.search(text, j)
            if special is None:
                break
            c, j = special.group(), special.end()
            if c == "\\":
                j += 1
                continue
            level += 1 if c == "{" else -1
            where.append(special.start())
            depth.append(level)
        lowest, low = [0] * len(depth), 1 << 62
        for i in range(len(depth) - 1, -1, -1):
            low = min(low, depth[i])
            lowest[i] = low
        self.where, self.depth, self.lowest_after = where, depth, lowest

    def never_closes(self, start: int) -> bool:
        """Whether the entry whose body starts at start (after its `{`) never drops below its depth."""
        import bisect

        if self.where is None:
            return False  # not known yet: scan, and learn it on the first entry found unclosed
        i = bisect.bisect_left(self.where, start)
        level = self.depth[i - 1] if i else 0
        return i >= len(self.where) or self.lowest_after[i] >= level

    def learn(self) -> None:
        if self.where is None:
            self._build()
_AND = re.compile(r"[{}]|\s+and\s+", re.I)


def split_names(value: str) -> list[str]:
    """BibTeX's name list: names joined by `and` (any case) outside braces, so `{Barnes and Noble, Inc.}`
    is one name."""
    if "and" not in value.lower():
        return [value] if value.strip() else []
    names, depth, start = [], 0, 0
    for m in _AND.finditer(value):
        found = m.group()
        if found == "{":
            depth += 1
        elif found == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:m.start()])
            start = m.end()
    names.append(value[start:])
    return [n for n in (n.strip() for n in names) if n]


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # JabRef and old Mac files end lines with CR
    macros: dict[str, str] = {}
    for line, kind, key, body in _entries(text, ctx):
        if kind in ("comment", "preamble"):
            continue
        lost: list[str] = []
        if kind == "string":
            macros.update(_fields(body, macros, lost))
            for what in lost:
                ctx.warn(f"{ctx.name}: line {line}: @string: could not read {what!r}; left out")
            continue
        raw = _fields(body, macros, lost)
        for what in lost:
            ctx.warn(f"{ctx.name}: line {line} ({key or kind}): could not read {what!r} as a field; left out")
        f = {k: decode_latex(v) for k, v in raw.items() if k in _USED and k != "author"}
        title = f.get("title", "")
        if not title:
            ctx.skip(f"line {line} ({key or kind})", "entry has no title")
            continue
        authors = [a for a in (decode_latex(name) for name in split_names(raw.get("author", ""))) if a]
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
