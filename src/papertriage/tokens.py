"""What a word is: text folded, split into words, each word placed in the text, and a title's key.

The one definition, for matching, highlighting and the shown matches: a word is a run of letters and
digits (`WORD`) in the folded text (`fold`: case-folded, accents and soft hyphens gone), so
hyphens, slashes, underscores and other signs part words. `words` gives them as str, `tokenise`
as UTF-8 bytes for the matcher's scan, `word_spans` where each stands in the text; the C-speed
passes are twins of `WORD.findall(fold(text))`, and tests/test_fuzz.py holds them to it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice

LETTER = r"[^\W_]"
"""A letter or digit (Unicode `\\w` less the underscore)."""
WORD = re.compile(LETTER + "+")
"""A word of folded text."""

_MAYBE_COMBINING = re.compile("[^\x00-\u00ac\u00ae-\u02ff]")
"""Characters from U+0300 on, where every combining mark lies, and the soft hyphen."""
_INVISIBLE = frozenset("\u00ad\u200c\u200d\u2060\ufeff")
"""Soft hyphen, zero-width (non-)joiner, word joiners: inside a word they part nothing (`Lo\u00adRA` is LoRA)."""


def _unless_combining(m: re.Match[str]) -> str:
    c = m.group()
    return "" if unicodedata.combining(c) or c in _INVISIBLE else c


def fold(text: str) -> str:
    """Case-folded without accents (`STRASSE` and `straße` alike); hyphens, slashes and underscores
    become word breaks in `words`; soft hyphens and joiners go."""
    if text.isascii():
        return text.lower()
    # the combining marks NFKD splits off the letters go, after case folding as in _word_bytes (a
    # combining mark may fold to a letter: U+0345 to ι); Python looks only at characters from U+0300
    return _MAYBE_COMBINING.sub(_unless_combining, unicodedata.normalize("NFKD", text).casefold())


FIELD_BREAK = "\x00"
"""Put after the words of each text tokenised together; no run of words may contain it."""
BREAK = FIELD_BREAK.encode()
"""The token after each text's words in `tokenise`."""

_ASCII_WORDS = bytes.maketrans(
    bytes(range(128)), bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)))
"""Bytes table: ASCII letters lower-cased, digits kept, the rest spaces (WORD over fold, for ASCII)."""
_ASCII_WORDS_AND_BREAKS = b"\x00" + _ASCII_WORDS[1:]
"""The same table keeping NUL, which marks the end of each text tokenised together."""
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _non_ascii_kept(m: re.Match[str]) -> str:
    c = m.group()
    return "" if unicodedata.combining(c) or c in _INVISIBLE else c if c.isalnum() else " "


def _word_bytes(text: str) -> bytes:
    """The text's words, folded, as UTF-8 between spaces: `WORD.findall(fold(text))`, by C-speed
    passes. A non-ASCII character is dropped where fold drops it (a combining mark after NFKD),
    parts words where it is no letter or digit, and is kept otherwise; the ASCII ones go through a
    bytes table. (Case-folding before the marks go changes nothing: they go after it, whatever it made.)"""
    if not text.isascii():
        text = _NON_ASCII.sub(_non_ascii_kept, unicodedata.normalize("NFKD", text).casefold())
    return text.encode().translate(_ASCII_WORDS)


def words(text: str) -> list[str]:
    """The text's words, folded: runs of letters and digits."""
    return _word_bytes(text).decode().split()


def tokenise(texts: list[str]) -> list[bytes]:
    """The words of all texts as UTF-8 bytes, each text followed by a BREAK token.

    Bytes, not str: splitting bytes is about four times faster, and most words are only looked up.
    Runs of ASCII texts are tokenised in one bytes translation (NUL kept as the break).
    """
    tokens: list[bytes] = []
    run: list[str] = []
    for text in texts:
        if text.isascii():
            run.append(text.replace(FIELD_BREAK, " ") if FIELD_BREAK in text else text)
            continue
        if run:
            tokens += _ascii_run_tokens(run)
            run = []
        tokens += _word_bytes(text).split()
        tokens.append(BREAK)
    if run:
        tokens += _ascii_run_tokens(run)
    return tokens


def _ascii_run_tokens(texts: list[str]) -> list[bytes]:
    joined = " \x00 ".join(texts) + " \x00"
    return joined.encode("ascii").translate(_ASCII_WORDS_AND_BREAKS).split()


_fold_char = lru_cache(maxsize=4096)(fold)
"""fold of one character: folding is character by character (NFKD only reorders the combining
marks, which go), so the folded text is the folded characters joined."""


def word_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Per word of `words(text)`, its (start, end) in text: from the first character folded into
    it to the last, and the accents after it (`ﬁne` is one character folded into two letters;
    `½` folds into two words, `1` and `2`, both placed on it). Stops once `limit` words are placed."""
    if text.isascii():  # fold is lower(): the words stand where WORD finds them
        return [m.span() for m in islice(WORD.finditer(text), limit)]
    folded = [_fold_char(c) for c in text]
    owner = [i for i, f in enumerate(folded) for _ in f]
    """Per character of the folded text, the character of text it came from."""
    spans = []
    for m in islice(WORD.finditer("".join(folded)), limit):
        end = owner[m.end() - 1] + 1
        while end < len(text) and not folded[end]:  # a combining accent, a soft hyphen
            end += 1
        spans.append((owner[m.start()], end))
    return spans


_TITLE_WORD = re.compile(r"\w+")
_ASCII_TITLE_WORDS = bytes(ord(chr(c).lower()) if chr(c).isalnum() or c == 95 else 32 for c in range(128)) + bytes(
    range(128, 256))
"""Bytes table: ASCII letters lower-cased, digits and `_` kept (the `\\w` of _TITLE_WORD), the rest spaces."""


def normalised_title(title: str) -> str:
    """Title reduced to lower-case ASCII-ish words, for deduplication and title ids.

    An identity, not a match: the ids of papers with neither arXiv id nor DOI are hashes of it, and
    ledgers and labels files hold them, so its rule stays as it was when those were written. It
    is `words` but for three things: `_` joins words (`class_sz`), case is lowered, not folded (`ß`
    stays), and soft hyphens and joiners part words. Making it `words` would give 12 of the shared
    corpora's papers new ids (tests/test_tokens.py pins the differences)."""
    if title.isascii():  # the words of _TITLE_WORD, by a bytes table: four times faster than findall
        return " ".join(title.encode("ascii").translate(_ASCII_TITLE_WORDS).decode("ascii").split())
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(_TITLE_WORD.findall(text))
