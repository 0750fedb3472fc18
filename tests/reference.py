"""The matching and scoring rules of the README written out plainly, per paper and per word: the
oracle the fast matcher (matching.Matcher, with its word cache, flags and bulk comparisons) and
the scorer are checked against, as rapidfuzz checks its compiled scorers against `*_py.py` twins.

Nothing here is fast and nothing is shared with the code under test but `stem` (whose own rules
are tested on their own) and rapidfuzz's Indel ratio, which the README names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz.distance import Indel

from papertriage.matching import stem as _stem

SHORT = 4  # terms of this many characters or fewer (spaces and hyphens removed) match exactly
TRIGGER = 80.0  # a multi-word term is tried where a word is this similar to its longest word


def words(text: str) -> list[str]:
    """Case, accents, hyphens, slashes and underscores do not matter: lower case, accents dropped
    (NFKD, combining marks removed), words are the runs of letters and digits."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return re.findall(r"[^\W_]+", text)


@cache
def stem(word: str) -> str:
    return _stem(word)


def ratio(a: str, b: str) -> float:
    return 100 * Indel.normalized_similarity(a, b)


@dataclass
class Term:
    """One term or alias as the README describes it."""

    words: list[str]
    exact: bool
    threshold: float
    stems: list[str] = field(init=False)
    longest: int = field(init=False)
    """Where the term's longest word (by stem; the first of equals) stands."""

    def __post_init__(self) -> None:
        self.stems = [stem(w) for w in self.words]
        self.longest = max(range(len(self.words)), key=lambda i: (len(self.stems[i]), -i)) if self.words else 0

    @classmethod
    def of(cls, text: str, exact: bool = False, threshold: float = 88) -> Term:
        ws = words(text)
        return cls(ws, exact or len("".join(ws)) <= SHORT, threshold)


def word_similarity(word: str, stem_: str, token: str, exact: bool, threshold: float) -> float:
    """One word of the text against one word of a term: 0 when it does not match."""
    token_stem = stem(token)
    if exact:  # the same word, a plural s, or (for longer words) the same stem
        same = token in (word, word + "s") or (len(word) > SHORT and token_stem == stem_)
        return 100.0 if same else 0.0
    if token_stem == stem_:
        return 100.0
    if token_stem[:1] != stem_[:1]:  # a fuzzy match starts with the same letter
        return 0.0
    sim = max(ratio(stem_, token_stem), ratio(word, token))
    return sim if sim >= threshold else 0.0


def run_similarity(term: Term, run: list[str]) -> float:
    """A run of words against a multi-word term: the same words or stems, else their Indel ratio
    (joined by spaces, the better of words and stems); exact terms allow no edit."""
    if run == term.words or [stem(w) for w in run] == term.stems:
        return 100.0
    if term.exact:
        return 0.0
    return max(ratio(" ".join(term.stems), " ".join(map(stem, run))), ratio(" ".join(term.words), " ".join(run)))


def triggers(term: Term, token: str) -> bool:
    """Whether a word may stand for the term's longest word (where runs around it are tried)."""
    word, stem_ = term.words[term.longest], term.stems[term.longest]
    if term.exact:
        keys = {word, word + "s"} | ({stem_} if len(word) > SHORT else set())
        return token in keys or stem(token) in keys
    return word_similarity(word, stem_, token, False, min(term.threshold, TRIGGER)) > 0


def runs_around(term: Term, tokens: list[str], pos: int) -> list[tuple[int, int]]:
    """The runs tried around a word standing for the longest word: one word more or fewer, the
    longest word at most one place off; a fuzzy run begins and ends with the first letters of the
    term's first and last words."""
    n, a = len(term.words), term.longest
    out = []
    for begin in (pos - a, pos - a + 1, pos - a - 1):
        for size in (n, n - 1, n + 1):
            end = begin + size
            if size < 2 or begin < 0 or begin > pos or end <= pos or end > len(tokens):
                continue
            if tokens[begin][:1] == term.stems[0][:1] and tokens[end - 1][:1] == term.stems[-1][:1]:
                out.append((begin, end))
    return out


def find(term: Term, tokens: list[str]) -> tuple[float, int, int] | None:
    """(best similarity, how many times it matched, where the first best match starts) of a term
    in a text's words, or None."""
    hits: list[tuple[float, int]] = []
    if len(term.words) == 1:
        for pos, token in enumerate(tokens):
            sim = word_similarity(term.words[0], term.stems[0], token, term.exact, term.threshold)
            if sim:
                hits.append((sim, pos))
    elif term.words:
        for pos, token in enumerate(tokens):
            if not triggers(term, token):
                continue
            aligned = pos - term.longest
            if tokens[max(aligned, 0):aligned + len(term.words)] == term.words and aligned >= 0:
                hits.append((100.0, aligned))
                continue
            tried = [(run_similarity(term, tokens[b:e]), b) for b, e in runs_around(term, tokens, pos)]
            best = [(sim, b) for sim, b in tried if sim >= term.threshold and (not term.exact or b == aligned)]
            if best:
                top = max(sim for sim, _ in best)
                hits.append((top, min(b for sim, b in best if sim == top)))
    if not hits:
        return None
    top = max(sim for sim, _ in hits)
    return top, len(hits), min(p for sim, p in hits if sim == top)
