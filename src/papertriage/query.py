"""Boolean search strings (PubMed, Ovid, Scopus, Web of Science) turned into profiles.

A string is read into a small tree (terms, AND/OR/NOT, proximity), then translated: each operand
of the top-level AND is one concept (a term with aliases: the OR group's members), NOT becomes
`exclude`, field tags scope a term to the title, abstract or keywords, truncation stays truncation.
Whatever cannot be said exactly in a profile is translated as closely as it can be and reported
as a Note; a string that cannot be read at all raises QueryError with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterator, Union, cast

from papertriage.errors import PapertriageError
from papertriage.matching import TRUNCATION_MIN, truncation_problem

SYNTAXES = ("pubmed", "ovid", "scopus", "wos")
TITLE, ABSTRACT, KEYWORDS = "title", "abstract", "keywords"
TEXT = (TITLE, ABSTRACT)
ANY: tuple[str, ...] = ()
"""No field tag: the term is matched in every field of the profile."""
MAX_PHRASES = 24
"""A proximity between two OR groups becomes at most this many phrases (their cross product)."""


class QueryError(PapertriageError):
    """The search string cannot be read (unbalanced parentheses, a dangling operator...)."""


@dataclass(frozen=True)
class Note:
    """A part of the string that the profile says only approximately (or not at all)."""

    position: int
    """0-based offset in the string."""
    text: str
    message: str


# --- the tree ---------------------------------------------------------------------------------

@dataclass
class Leaf:
    text: str
    pos: int
    end: int
    """Where the term ends in the string (its position and end give the span a note quotes)."""
    fields: tuple[str, ...] | None = None
    """None: no tag of its own (a tag on an enclosing group may apply); ANY: every field."""


@dataclass
class Op:
    op: str
    """'and', 'or', 'not' (binary: the left side without the right), 'near'."""
    children: list[Node]
    pos: int
    end: int
    distance: int = 0
    """For 'near': how many words may stand between the two sides (0: adjacent)."""
    ordered: bool = False
    fields: tuple[str, ...] | None = None


@dataclass
class Dropped:
    """A part with no counterpart in a profile (an author, a year, a limit): left out."""

    text: str
    pos: int
    end: int
    why: str
    fields: tuple[str, ...] | None = None


Node = Union[Leaf, Op, Dropped]


# --- field tags -------------------------------------------------------------------------------

_PUBMED_TAGS = {
    "tiab": TEXT, "title/abstract": TEXT, "ti": (TITLE,), "title": (TITLE,), "ab": (ABSTRACT,),
    "abstract": (ABSTRACT,), "tw": (TITLE, ABSTRACT, KEYWORDS), "text word": (TITLE, ABSTRACT, KEYWORDS),
    "all": ANY, "all fields": ANY, "mh": (KEYWORDS,), "mesh": (KEYWORDS,), "mesh terms": (KEYWORDS,),
    "mh:noexp": (KEYWORDS,), "mesh:noexp": (KEYWORDS,), "majr": (KEYWORDS,), "mesh major topic": (KEYWORDS,),
    "ot": (KEYWORDS,), "other term": (KEYWORDS,), "kw": (KEYWORDS,), "sh": (KEYWORDS,), "nm": (KEYWORDS,),
    "tiab:noexp": TEXT, "ti:noexp": (TITLE,),
}
_OVID_TAGS = {
    "ti": (TITLE,), "ab": (ABSTRACT,), "tw": (TITLE, ABSTRACT, KEYWORDS), "mp": ANY, "af": ANY, "kw": (KEYWORDS,),
    "kf": (KEYWORDS,), "sh": (KEYWORDS,), "hw": (KEYWORDS,), "fs": (KEYWORDS,), "id": (KEYWORDS,),
    "ot": (KEYWORDS,), "de": (KEYWORDS,), "rn": (KEYWORDS,), "nm": (KEYWORDS,), "dq": (KEYWORDS,),
}
_SCOPUS_FIELDS = {
    "TITLE-ABS-KEY": ANY, "TITLE-ABS": TEXT, "TITLE": (TITLE,), "ABS": (ABSTRACT,), "KEY": (KEYWORDS,),
    "AUTHKEY": (KEYWORDS,), "INDEXTERMS": (KEYWORDS,), "ALL": ANY,
}
_WOS_FIELDS = {"TS": ANY, "TI": (TITLE,), "AB": (ABSTRACT,), "AK": (KEYWORDS,), "KP": (KEYWORDS,), "ALL": ANY}
_WOS_OTHER = "AU|AI|GP|ED|SO|DO|PY|CU|OG|OO|SG|SA|CI|PS|ZP|FO|FG|FD|FT|SU|WC|IS|UT|PMID|DOP|LD|PUBL|DT|LA|TMSO|TMIC"


def _field_name(fields: tuple[str, ...]) -> str:
    return "all fields" if not fields else "+".join(fields)


# --- tokens -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str
    """'(' ')' word phrase op near tag prefix func slash lineref combine"""
    text: str
    pos: int
    value: object = None
    end: int = 0


_SPACE = re.compile(r"\s+")
_NEAR = re.compile(r"(?i)adj(\d*)|near/(\d+)|w/(\d+)|pre/(\d+)")
_COMBINE = re.compile(r"(?i)(and|or)/(\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)")
_OVID_SUFFIX = re.compile(r"\.((?:[a-z]{2,3})(?:,[a-z]{2,3})*)\.", re.I)
_SCOPUS_FUNC = re.compile(r"([A-Z][A-Z-]*[A-Z]|[A-Z]+)\s*\(")
_WOS_PREFIX = re.compile(rf"((?:TS|TI|AB|AK|KP|ALL|{_WOS_OTHER}))\s*=\s*", re.I)
_WORD = re.compile(r"""[^\s()"\[\]{}]+""")


def tokens(text: str, syntax: str) -> Iterator[Token]:
    """The tokens of one string (or one Ovid line), with their offsets."""
    i, n = 0, len(text)
    while i < n:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        c = text[i]
        if c in "()":
            yield Token(c, c, i, end=i + 1)
            i += 1
        elif c in "\"“”" or (c == "{" and syntax == "scopus"):
            close = "}" if c == "{" else "\"”“"
            end = i + 1
            while end < n and text[end] not in close:
                end += 1
            if end >= n:
                raise _error(text, i, f"the quote {c} is never closed")
            yield Token("phrase", text[i + 1:end], i, end=end + 1)
            i = end + 1
        elif c == "[":
            end = text.find("]", i)
            if end < 0:
                raise _error(text, i, "the field tag '[' is never closed with ']'")
            yield Token("tag", text[i + 1:end].strip().lower(), i, end=end + 1)
            i = end + 1
        elif c == "]":
            raise _error(text, i, "']' closes no field tag")
        else:
            tok, end = _word_token(text, i, syntax)
            yield replace(tok, end=end)
            i = end


def _word_token(text: str, i: int, syntax: str) -> tuple[Token, int]:
    """The word-like token at i and where it ends: an operator, a proximity, a field prefix or
    function, an Ovid heading's slash or field suffix, or a word."""
    rest = text[i:]
    if syntax == "scopus":
        m = _SCOPUS_FUNC.match(rest)
        if m and m.group(1).upper() not in ("AND", "OR", "NOT"):
            return Token("func", m.group(1).upper(), i), i + m.end() - 1  # the '(' is a token of its own
    if syntax == "wos":
        m = _WOS_PREFIX.match(rest)
        if m:
            return Token("prefix", m.group(1).upper(), i), i + m.end()
    if syntax == "ovid":
        m = _COMBINE.match(rest)
        if m:
            return Token("combine", m.group(0), i, (m.group(1).lower(), _line_numbers(m.group(2)))), i + m.end()
    m = _WORD.match(text, i)
    assert m is not None
    word, end = m.group(0), m.end()
    if syntax == "ovid":
        found = _ovid_word(word, i, end)
        if isinstance(found, tuple):
            return found
        word, end = found, i + len(found)
    return _operator(text, word, i, end, syntax) or (_plain(word, i, syntax), end)


def _ovid_word(word: str, i: int, end: int) -> tuple[Token, int] | str:
    """`Migraine/`, `migrain$.ti,ab.`: a subject heading's slash and a field suffix end a word.
    The token they make, or the word without its suffix."""
    suffix = _OVID_SUFFIX.search(word)
    if suffix and suffix.end() == len(word):
        if suffix.start() == 0:
            return Token("tag", suffix.group(1).lower(), i, "ovid"), end
        word = word[:suffix.start()]
    slash = word.find("/")
    if slash == 0:
        return Token("slash", word, i), end
    if slash > 0:
        return _plain(word[:slash], i, "ovid"), i + slash
    return word


def _operator(text: str, word: str, i: int, end: int, syntax: str) -> tuple[Token, int] | None:
    """AND, OR, NOT (Scopus's AND NOT, WoS's SAME) or a proximity operator, else None."""
    lower = word.lower()
    if lower in ("and", "or", "not") or (lower == "same" and syntax == "wos"):
        after = re.match(r"\s+not\b", text[end:], re.I) if lower == "and" and syntax == "scopus" else None
        if after:
            return Token("op", "AND NOT", i, "not"), end + after.end()
        return Token("op", word, i, "and" if lower == "same" else lower), end
    near = _NEAR.fullmatch(word)
    if near and (syntax == "ovid" or not lower.startswith("adj")):
        digits = next((g for g in near.groups() if g is not None), "")
        ordered = lower.startswith("pre/") or lower == "adj"
        # Ovid's adjN: at most N-1 words between; NEAR/N, W/N, PRE/N: at most N
        distance = int(digits or 1) - 1 if lower.startswith("adj") else int(digits)
        return Token("near", word, i, (distance, ordered)), end
    return None


def _plain(word: str, pos: int, syntax: str) -> Token:
    if syntax == "ovid" and word.isdigit():
        return Token("lineref", word, pos, int(word))
    return Token("word", word, pos)


def _line_numbers(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.replace(" ", "").split(","):
        if "-" in part:
            a, b = map(int, part.split("-"))
            out += range(a, b + 1)
        else:
            out.append(int(part))
    return out


def _error(text: str, pos: int, message: str) -> QueryError:
    return QueryError(f"{where(text, pos)}: {message}")


def where(text: str, pos: int) -> str:
    """`position 12` in a one-line string, `line 3, column 5` in a multi-line one (1-based)."""
    if "\n" not in text.strip():
        return f"position {pos + 1}"
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


# --- parsing ----------------------------------------------------------------------------------

_BINDING = {
    # pubmed and ovid read operators left to right; scopus binds OR before AND before AND NOT;
    # web of science NEAR before SAME before NOT before AND before OR
    "pubmed": {"and": 1, "or": 1, "not": 1, "near": 5},
    "ovid": {"and": 1, "or": 1, "not": 1, "near": 5},
    "scopus": {"or": 3, "and": 2, "not": 1, "near": 5},
    "wos": {"near": 5, "not": 3, "and": 2, "or": 1},
}


class _Parser:
    def __init__(self, text: str, syntax: str, offset: int = 0, lines: dict[int, Node] | None = None,
                 notes: list[Note] | None = None) -> None:
        self.text = text
        self.syntax = syntax
        self.toks = list(tokens(text, syntax))
        self.i = 0
        self.offset = offset
        self.lines = lines if lines is not None else {}
        self.notes = notes if notes is not None else []
        self.full = text
        self.last_end = 0

    def error(self, pos: int, message: str) -> QueryError:
        return _error(self.full, pos, message)

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        self.last_end = tok.end
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise self.error(0, "the search string is empty")
        node = self.expr(0)
        tok = self.peek()
        if tok is not None:
            if tok.kind == ")":
                raise self.error(tok.pos, "')' has no matching '('")
            raise self.error(tok.pos, f"unexpected {tok.text!r}")  # pragma: no cover - expr takes the rest
        return node

    def expr(self, min_bp: int) -> Node:
        left = self.primary()
        binding = _BINDING[self.syntax]
        while True:
            tok = self.peek()
            if tok is None or tok.kind == ")":
                return left
            explicit = tok.kind in ("op", "near")
            # no operator between two operands: both must hold (as PubMed, Scopus and WoS read it)
            op = ("near" if tok.kind == "near" else str(tok.value)) if explicit else "and"
            bp = binding[op]
            if bp < min_bp:
                return left
            if explicit:
                self.take()
                after = self.peek()
                if after is None or after.kind in (")", "op", "near"):
                    raise self.error(tok.pos, f"{tok.text!r} has nothing after it")
            else:
                self.notes.append(Note(tok.pos, tok.text, "no operator before it: read as AND"))
            right = self.expr(bp + 1)
            if op == "near":
                distance, ordered = cast("tuple[int, bool]", tok.value)
                left = Op("near", [left, right], tok.pos, self.last_end, distance=distance, ordered=ordered)
            elif isinstance(left, Op) and left.op == op and op != "not" and left.fields is None:
                left = Op(op, [*left.children, right], left.pos, self.last_end)  # a new node: line references are shared
            else:
                left = Op(op, [left, right], tok.pos, self.last_end)

    _NOTHING_BEFORE = {"op": "{!r} has nothing before it", "near": "{!r} has nothing before it",
                       ")": "')' has no matching '('", "tag": "the field tag {!r} follows no term",
                       "slash": "'/' follows no subject heading"}

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:  # pragma: no cover - callers check first
            raise self.error(len(self.full), "the string ends where a term was expected")
        if tok.kind in self._NOTHING_BEFORE:
            raise self.error(tok.pos, self._NOTHING_BEFORE[tok.kind].format(tok.text))
        readers = {"(": self.group, "func": self.function, "prefix": self.prefixed, "combine": self.combine}
        if tok.kind in readers:
            node = readers[tok.kind]()
        elif tok.kind == "lineref" and self.lines:
            node = self.line_reference()
        else:
            node = self.run()
        return self.tagged(node)

    def line_reference(self) -> Node:
        tok = self.take()
        number = int(tok.value)  # type: ignore[call-overload]
        if number not in self.lines:
            raise self.error(tok.pos, f"line {number} is not defined before this line")
        return self.lines[number]

    def group(self) -> Node:
        start = self.take()
        if self.peek() is None:
            raise self.error(start.pos, "'(' is never closed")
        if self.peek().kind == ")":  # type: ignore[union-attr]
            raise self.error(start.pos, "empty parentheses")
        node = self.expr(0)
        end = self.peek()
        if end is None or end.kind != ")":
            raise self.error(start.pos, "'(' is never closed")
        self.take()
        return node

    def function(self) -> Node:
        func = self.take()
        node = self.group()
        if func.text in _SCOPUS_FIELDS:
            return _scoped(node, _SCOPUS_FIELDS[func.text])
        return Dropped(self.full[func.pos:self.last_end], func.pos, self.last_end,
                       f"{func.text}(...) has no counterpart in a profile: left out")

    def prefixed(self) -> Node:
        prefix = self.take()
        if self.peek() is None or self.peek().kind in (")", "op", "near"):  # type: ignore[union-attr]
            raise self.error(prefix.pos, f"{prefix.text}= has no term after it")
        node = self.tagged(self.group() if self.peek().kind == "(" else self.run())  # type: ignore[union-attr]
        if prefix.text in _WOS_FIELDS:
            return _scoped(node, _WOS_FIELDS[prefix.text])
        return Dropped(self.full[prefix.pos:self.last_end], prefix.pos, self.last_end,
                       f"the field {prefix.text}= has no counterpart in a profile: left out")

    def combine(self) -> Node:
        tok = self.take()
        op, numbers = cast("tuple[str, list[int]]", tok.value)
        missing = [k for k in numbers if k not in self.lines]
        if missing:
            raise self.error(tok.pos, f"line {missing[0]} is not defined before this line")
        return Op(op, [self.lines[k] for k in numbers], tok.pos, tok.end)

    def run(self) -> Node:
        """Words with no operator between them (a phrase), a quoted phrase, or an Ovid heading."""
        tok = self.peek()
        assert tok is not None
        explode, exp_pos = False, 0
        if tok.kind == "word" and self.syntax == "ovid" and tok.text.lower() == "exp":
            explode = True
            exp_pos = self.take().pos
            tok = self.peek()
            if tok is None or tok.kind != "word":
                raise self.error(self.toks[self.i - 1].pos, "'exp' names no subject heading")
        if tok.kind == "phrase":
            self.take()
            text = " ".join(str(tok.text).split())
            if not text:
                raise self.error(tok.pos, "empty quotes")
            return Leaf(text, tok.pos, tok.end)
        if tok.kind == "lineref":
            self.take()
            return Leaf(tok.text, tok.pos, tok.end)
        parts = [self.take()]
        while self.peek() is not None and self.peek().kind in ("word", "lineref"):  # type: ignore[union-attr]
            parts.append(self.take())
        text = " ".join(t.text for t in parts)
        if self.syntax in ("scopus", "wos") and len(parts) > 1:
            self.notes.append(Note(parts[0].pos, text, "words without an operator between them are matched as a "
                                                       f"phrase ({_LABEL[self.syntax]} reads them as AND)"))
        if self.syntax == "ovid" and self.peek() is not None and self.peek().kind == "slash":  # type: ignore[union-attr]
            slash = self.take()
            heading = text.lstrip("*")
            if slash.text.strip("/"):
                self.notes.append(Note(slash.pos, slash.text, f"subheading {slash.text} of {heading!r} left out"))
            if explode:
                self.notes.append(Note(exp_pos, f"exp {text}/", "explode: only the heading itself is matched "
                                                                    "(its narrower headings are not listed)"))
            return Leaf(heading, parts[0].pos, slash.end, (KEYWORDS,))
        if explode:
            raise self.error(parts[0].pos, "'exp' must be followed by a subject heading ending in '/'")
        return Leaf(text, parts[0].pos, parts[-1].end)

    def tagged(self, node: Node) -> Node:
        while self.peek() is not None and self.peek().kind == "tag":  # type: ignore[union-attr]
            tag = self.take()
            node = self.apply_tag(node, tag)
        return node

    def apply_tag(self, node: Node, tag: Token) -> Node:
        if tag.value == "ovid":
            fields: set[str] = set()
            for code in tag.text.split(","):
                if code not in _OVID_TAGS:
                    self.notes.append(Note(tag.pos, f".{tag.text}.", f"Ovid field .{code}. has no counterpart: "
                                                                     "matched in every field"))
                    return _scoped(node, ANY)
                found = _OVID_TAGS[code]
                if not found:
                    return _scoped(node, ANY)
                fields.update(found)
            return _scoped(node, tuple(f for f in (TITLE, ABSTRACT, KEYWORDS) if f in fields))
        text = str(tag.text)
        near = re.fullmatch(r"(.+?):~(\d+)", text)
        if near:  # PubMed proximity: "heart failure"[tiab:~2]
            inner = _PUBMED_TAGS.get(near.group(1))
            if inner is None or not isinstance(node, Leaf) or " " not in node.text:
                raise self.error(tag.pos, f"the proximity tag [{text}] needs a quoted phrase and tiab, ti or ab")
            words = node.text.split()
            leaves: list[Node] = [Leaf(w, node.pos, node.end) for w in words]
            return _scoped(Op("near", leaves, node.pos, tag.end, distance=int(near.group(2))), inner)
        if text in _PUBMED_TAGS:
            if text in ("majr", "mesh major topic"):
                self.notes.append(Note(tag.pos, f"[{text}]", "major topic: matched as any subject heading"))
            return _scoped(node, _PUBMED_TAGS[text])
        if text in ("pt", "publication type", "sb", "subset", "filter"):
            return Dropped(self.full[node.pos:tag.end], node.pos, tag.end,
                           f"[{text}] limits by publication type or subset, which records do not carry: left out")
        if text in ("la", "language", "dp", "pdat", "edat", "crdt", "au", "author", "1au", "lastau", "ta", "journal",
                    "ad", "affiliation", "pmid", "uid", "sex", "ages"):
            return Dropped(self.full[node.pos:tag.end], node.pos, tag.end,
                           f"[{text}] limits by a field papertriage does not score: left out")
        self.notes.append(Note(tag.pos, f"[{text}]", "unknown field tag: matched in every field"))
        return _scoped(node, ANY)


_LABEL = {"pubmed": "PubMed", "ovid": "Ovid", "scopus": "Scopus", "wos": "Web of Science"}


def _scoped(node: Node, fields: tuple[str, ...]) -> Node:
    """The node with a field tag applied to it, unless it has one (a tag on a group applies to its
    untagged members). A copy: Ovid line references share their nodes."""
    return replace(node, fields=fields) if node.fields is None else node


def detect_syntax(text: str) -> str:
    """The syntax a string is written in, from its field tags and operators (pubmed when nothing says)."""
    if re.search(r"^\s*\d+[.)]?\s+\S", text, re.M) and re.search(r"\n\s*\d+[.)]?\s+\S", text) or re.search(
            r"\.(ti|ab|tw|mp|sh|kf|kw)(,\w\w)*\.|\badj\d*\b|\bexp\s+\w[^/\n]*/|\b\w+\$", text, re.I):
        return "ovid"
    if re.search(r"\b(TITLE-ABS-KEY|TITLE-ABS|AUTHKEY|INDEXTERMS|TITLE|ABS|KEY)\s*\(|\b(W|PRE)/\d", text):
        return "scopus"
    if re.search(r"\b(TS|TI|AB|AK|KP)\s*=|\bNEAR/\d", text):
        return "wos"
    return "pubmed"


_OVID_LINE = re.compile(r"^\s*(\d+)[.)]?\s+(.*?)\s*(?:\(\d[\d,]*\)|\t\s*\d[\d,]*)?\s*$")


def parse(text: str, syntax: str = "auto") -> tuple[Node, list[Note], str]:
    """The tree of a search string, the notes made while reading it, and the syntax it was read as."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if syntax == "auto":
        syntax = detect_syntax(text)
    if syntax not in SYNTAXES:
        raise QueryError(f"unknown syntax {syntax!r}; use one of {', '.join(SYNTAXES)} or auto")
    notes: list[Note] = []
    lines = [(m, offset) for m, offset in _numbered_lines(text)]
    if syntax == "ovid" and lines and all(m is not None for m, _ in lines):
        defined: dict[int, Node] = {}
        last: Node | None = None
        for m, offset in lines:
            assert m is not None
            number, body = int(m.group(1)), m.group(2)
            start = offset + m.start(2)
            if re.match(r"(?i)limit\b", body):
                ref = re.match(r"(?i)limit\s+(\d+)\s+to\s+(.*)", body)
                if ref is None or int(ref.group(1)) not in defined:
                    raise _error(text, start, "'limit' needs a line number defined before it: limit N to ...")
                notes.append(Note(start, body, "limit: left out (records carry no language, year or publication type)"))
                defined[number] = last = defined[int(ref.group(1))]
                continue
            padded = " " * start + body  # positions in the whole text
            parser = _Parser(padded, syntax, lines=defined, notes=notes)
            parser.full = text
            last = defined[number] = parser.parse()
        assert last is not None
        return last, notes, syntax
    return _Parser(text, syntax, notes=notes).parse(), notes, syntax


def _numbered_lines(text: str) -> Iterator[tuple[re.Match[str] | None, int]]:
    """Each non-blank line as a match of _OVID_LINE (None when it is not numbered), with its offset."""
    offset = 0
    numbered = 0
    found: list[tuple[re.Match[str] | None, int]] = []
    for line in text.split("\n"):
        if line.strip():
            m = _OVID_LINE.match(line)
            found.append((m, offset))
            numbered += m is not None
        offset += len(line) + 1
    if numbered >= 2:
        yield from found


# --- translation --------------------------------------------------------------------------------

@dataclass
class Variant:
    text: str
    fields: tuple[str, ...]
    """ANY for every field of the profile."""


@dataclass
class Concept:
    variants: list[Variant] = field(default_factory=list)


@dataclass
class Imported:
    """A search string as a profile: its concepts (AND), what it excludes (NOT), and the notes."""

    name: str
    syntax: str
    concepts: list[Concept]
    exclude: list[str]
    notes: list[Note]
    source: str


class _Translator:
    def __init__(self, text: str, syntax: str, notes: list[Note]) -> None:
        self.text = text
        self.syntax = syntax
        self.notes = notes

    def note(self, pos: int, text: str, message: str) -> None:
        self.notes.append(Note(pos, text, message))

    def translate(self, root: Node) -> tuple[list[Concept], list[str]]:
        positives, negatives = self.conjuncts(root, None)
        concepts = []
        for node, fields in positives:
            variants = self.variants(node, fields)
            if variants:
                concepts.append(Concept(_merged(variants)))
        exclude: list[str] = []
        for node, fields in negatives:
            for v in self.variants(node, fields):
                if v.fields != ANY and not set(TEXT) <= set(v.fields):
                    self.note(node.pos, v.text, f"excluded in every field, not only in {_field_name(v.fields)}")
                if v.text not in exclude:
                    exclude.append(v.text)
        if not concepts:
            raise QueryError("the search string has no term to look for (only NOT parts or parts left out)")
        return concepts, exclude

    def conjuncts(self, node: Node, fields: tuple[str, ...] | None
                  ) -> tuple[list[tuple[Node, tuple[str, ...] | None]], list[tuple[Node, tuple[str, ...] | None]]]:
        """The operands of the top-level AND (each a concept) and of its NOTs (each excluded)."""
        own = node.fields if node.fields is not None else fields
        if isinstance(node, Op) and node.op == "and":
            pos: list[tuple[Node, tuple[str, ...] | None]] = []
            neg: list[tuple[Node, tuple[str, ...] | None]] = []
            for child in node.children:
                p, n = self.conjuncts(child, own)
                pos += p
                neg += n
            return pos, neg
        if isinstance(node, Op) and node.op == "not":
            pos, neg = self.conjuncts(node.children[0], own)
            right = node.children[1]
            if isinstance(right, Op) and right.op in ("not", "and"):
                # NOT (animals NOT humans), NOT (a AND b): a profile's exclude drops on any one term
                self.note(right.pos, _span(self.text, right), "NOT of a combination cannot be an exclude list: "
                                                               "left out")
            else:
                neg.append((right, own))
            return pos, neg
        if isinstance(node, Dropped):
            self.note(node.pos, node.text, node.why)
            return [], []
        return [(node, own)], []

    def variants(self, node: Node, fields: tuple[str, ...] | None) -> list[Variant]:
        """The terms a node stands for, each with the fields it is looked for in."""
        own = node.fields if node.fields is not None else fields
        if isinstance(node, Dropped):
            self.note(node.pos, node.text, node.why)
            return []
        if isinstance(node, Leaf):
            text = self.term_text(node)
            return [Variant(text, own if own is not None else ANY)] if text else []
        if node.op == "near":
            return self.near(node, own)
        if node.op in ("and", "not"):
            what = "AND" if node.op == "and" else "NOT"
            self.note(node.pos, _span(self.text, node), f"{what} inside an OR group: its terms are taken as "
                                                        "alternatives of the concept")
            children = node.children if node.op == "and" else node.children[:1]
        else:
            children = node.children
        out: list[Variant] = []
        for child in children:
            out += self.variants(child, own)
        return out

    def near(self, node: Op, fields: tuple[str, ...] | None) -> list[Variant]:
        sides = [self.variants(child, fields) for child in node.children]
        phrases: list[Variant] = [Variant("", ANY)]
        for side in sides:
            phrases = [Variant(f"{a.text} {b.text}".strip(), b.fields if b.fields != ANY else a.fields)
                       for a in phrases for b in side]
        if len(phrases) > MAX_PHRASES:
            self.note(node.pos, _span(self.text, node), f"proximity of OR groups gives {len(phrases)} phrases: "
                                                        f"the first {MAX_PHRASES} kept")
            phrases = phrases[:MAX_PHRASES]
        if node.distance > 0 or not node.ordered:
            gap = "adjacent" if node.distance == 0 else f"up to {node.distance} words apart"
            order = "in either order" if not node.ordered else "in this order"
            self.note(node.pos, _span(self.text, node),
                      f"proximity ({gap}, {order}) matched as the phrase{'s' if len(phrases) > 1 else ''} "
                      f"{', '.join(repr(p.text) for p in phrases[:3])}{'...' if len(phrases) > 3 else ''} "
                      "(one word more or fewer allowed; its words found apart earn partial credit)")
        return phrases

    def term_text(self, leaf: Leaf) -> str:
        """The term as a profile writes it: Ovid's `$` and WoS's wildcards as `*` where they truncate."""
        text = leaf.text
        if self.syntax == "ovid":
            limited = re.search(r"\$(\d+)", text)
            if limited:
                self.note(leaf.pos, text, f"limited truncation ${limited.group(1)}: any ending matched")
            text = re.sub(r"\$\d*", "*", text)
        words = []
        for word in text.split():
            bare = word.strip("*")
            inner = re.search(r"[*?#$]", bare)
            if inner:
                fixed = re.sub(r"[*?#$]", "", bare)
                self.note(leaf.pos, word, f"wildcard inside a word: matched fuzzily as {fixed!r}")
                word = word.replace(bare, fixed)
            if word.startswith("*") and word.endswith("*") and len(word) > 1:
                self.note(leaf.pos, word, "truncation at both ends: only the right end kept")
                word = word.lstrip("*")
            if truncation_problem(word):
                self.note(leaf.pos, word, f"truncation of a stem under {TRUNCATION_MIN} letters is too broad: "
                                          f"matched as the whole word {word.strip('*')!r}")
                word = word.strip("*")
            if word.strip("*"):
                words.append(word)
        return " ".join(words)


def _span(text: str, node: Node) -> str:
    """The part of the string a node was read from (shortened when long)."""
    snippet = " ".join(text[_leftmost(node):node.end].split())
    return snippet if len(snippet) <= 60 else snippet[:57] + "..."


def _leftmost(node: Node) -> int:
    if isinstance(node, Op) and node.children:
        return min(node.pos, _leftmost(node.children[0]))
    return node.pos


def _merged(variants: list[Variant]) -> list[Variant]:
    """Variants of the same text (case aside) as one, with the union of their fields."""
    order = (TITLE, ABSTRACT, KEYWORDS)
    out: dict[str, Variant] = {}
    for v in variants:
        key = v.text.lower()
        if key not in out:
            out[key] = Variant(v.text, v.fields)
            continue
        kept = out[key]
        if ANY in (kept.fields, v.fields):
            kept.fields = ANY
        else:
            kept.fields = tuple(f for f in order if f in kept.fields or f in v.fields)
    return list(out.values())


def import_query(text: str, name: str, syntax: str = "auto") -> Imported:
    """A Boolean search string as a profile's concepts and exclude list, with notes on what is approximate."""
    tree, notes, used = parse(text, syntax)
    translator = _Translator(text.replace("\r\n", "\n").replace("\r", "\n"), used, notes)
    concepts, exclude = translator.translate(tree)
    keyword_only = [v.text for c in concepts for v in c.variants if v.fields == (KEYWORDS,)]
    if keyword_only:
        notes.append(Note(len(text), "", f"{len(keyword_only)} subject-heading term(s) match only the keywords "
                                         "field: records without keywords (e.g. plain CSV) never match them"))
    notes.sort(key=lambda n: n.position)
    return Imported(name, used, concepts, exclude, _unique(notes), text)


def _unique(notes: list[Note]) -> list[Note]:
    return list(dict.fromkeys(notes))


# --- the profile as YAML --------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9][\w .'/+*-]*[\w.'*+-]|[A-Za-z0-9]")


def _scalar(text: str) -> str:
    """A YAML scalar for a term: plain where that reads back the same, else double-quoted."""
    if _PLAIN.fullmatch(text) and not re.search(r"(^|\s)#|:\s|\s$", text) and text.lower() not in (
            "yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _described(imported: Imported) -> str:
    label = _LABEL[imported.syntax]
    return f"Imported from {'an' if label[0] in 'AEIOU' else 'a'} {label} search string"


def _fields_list(fields: tuple[str, ...]) -> str:
    return "[" + ", ".join(fields) + "]"


def profile_yaml(imported: Imported, indent: str = "  ") -> str:
    """The profile's block under `profiles:` (its name line first), indented by indent."""
    uses_keywords = any(KEYWORDS in v.fields for c in imported.concepts for v in c.variants)
    every = (*TEXT, KEYWORDS) if uses_keywords else TEXT
    lines = [f"{indent}{_scalar(imported.name)}:",
             f"{indent}  description: {_scalar(_described(imported))}",
             f"{indent}  concepts: all"]
    if uses_keywords:
        lines.append(f"{indent}  fields: {{title: 3, abstract: 1, keywords: 2}}")
    lines.append(f"{indent}  terms:")
    for concept in imported.concepts:
        first, *rest = concept.variants
        shared = first.fields
        lines.append(f"{indent}    - term: {_scalar(first.text)}")
        if shared != ANY:
            lines.append(f"{indent}      fields: {_fields_list(shared)}")
        if rest:
            items = [_scalar(v.text) if v.fields == shared else
                     f"{{term: {_scalar(v.text)}, fields: {_fields_list(v.fields or every)}}}"
                     for v in rest]
            lines.append(f"{indent}      aliases: [{', '.join(items)}]")
    if imported.exclude:
        lines.append(f"{indent}  exclude: [{', '.join(_scalar(x) for x in imported.exclude)}]")
    return "\n".join(lines) + "\n"


def config_yaml(imported: Imported) -> str:
    """A whole config holding the one profile (what `profiles import` prints)."""
    return "profiles:\n" + profile_yaml(imported)


def note_lines(imported: Imported) -> list[str]:
    """One line per note, for stderr: where, what, how it was translated."""
    text = imported.source.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for n in imported.notes:
        place = where(text, n.position) if n.position < len(text) else "overall"
        out.append(f"{place}: {n.text!r}: {n.message}" if n.text else f"{place}: {n.message}")
    return out


def add_to_config(config_text: str | None, imported: Imported, where_: str) -> str:
    """The config's text with the profile added at the end of its `profiles:` mapping; the rest of
    the file (comments, order, other profiles) is kept as written."""
    if not config_text or not config_text.strip():
        return config_yaml(imported)
    from papertriage.config import _UniqueKeyLoader

    data = _UniqueKeyLoader.load(config_text, where_)
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise QueryError(f"{where_}: has no 'profiles:' mapping to add the profile to")
    if imported.name in data["profiles"]:
        raise QueryError(f"{where_}: already has a profile named {imported.name!r}; choose another --name "
                         "or remove that profile first")
    lines = config_text.splitlines(keepends=True)
    top = next((k for k, line in enumerate(lines) if re.match(r"profiles\s*:\s*(#.*)?$", line.rstrip("\n"))), None)
    if top is None:
        raise QueryError(f"{where_}: 'profiles:' must be a block mapping (one profile per line) to add to it")
    end = len(lines)
    for k in range(top + 1, len(lines)):
        if re.match(r"[^\s#]", lines[k]):
            end = k
            break
    indent = "  "
    for line in lines[top + 1:end]:
        m = re.match(r"( +)[^\s#]", line)
        if m:
            indent = m.group(1)
            break
    # blank lines and comments at the left margin before what follows belong to it, not to the profiles
    while end > top + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    head = "".join(lines[:end])
    if head and not head.endswith("\n"):
        head += "\n"
    tail = "".join(lines[end:])
    block = ("\n" if lines[end - 1].strip() and end > top + 1 else "") + profile_yaml(imported, indent)
    updated = head + block + ("\n" + tail.lstrip("\n") if tail.strip() else "")
    from papertriage.config import profiles_from_data

    profiles_from_data(_UniqueKeyLoader.load(updated, where_), where_)  # what is written must load
    return updated
