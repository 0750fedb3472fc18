"""Normalisation and fuzzy whole-word term matching, with the fuzzy work done once per distinct word."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import filterfalse

from rapidfuzz.distance import Indel

_WORD = re.compile(r"[^\W_]+")
SHORT_TERM = 4
"""Terms this long or shorter (after normalisation) match only exactly."""


def fold(text: str) -> str:
    """Lower case without accents; hyphens, slashes and underscores become word breaks in `words`."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_ASCII_WORDS = bytes.maketrans(
    bytes(range(128)), bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)))


def words(text: str) -> list[str]:
    """The text's words, folded: runs of letters and digits (a bytes table does it fast for ASCII)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """A light English stemmer: inflections share one stem, and -ation nouns share their verb's.

    `partition`, `partitions`, `partitioning`, `partitioned` -> `partition`;
    `quantization`, `quantized`, `quantisation` -> `quantiz`. Words of 3 letters or fewer stay as they are.
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "xes", "ches", "shes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    before = w
    if w.endswith("ation") and len(w) >= 10:
        w = w[:-5]
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    elif w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if w != before:
        if w.endswith("is") and len(w) > 5:
            w = w[:-2] + "iz"
        elif w.endswith("e") and len(w) > 4:
            w = w[:-1]
        if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    return w


@dataclass(frozen=True)
class Pattern:
    """A term or alias as matched: its normalised words, their stems, and how strictly to match."""

    text: str
    words: tuple[str, ...]
    stems: tuple[str, ...]
    exact: bool
    threshold: float
    anchor: int = 0
    """Index of the longest word: a multi-word pattern is only tried where this word occurs."""

    @property
    def joined(self) -> str:
        return " ".join(self.stems)


def compile_pattern(text: str, *, exact: bool = False, threshold: float = 88.0) -> Pattern:
    ws = tuple(words(text))
    is_exact = exact or len("".join(ws)) <= SHORT_TERM
    stems = tuple(stem(w) for w in ws)
    anchor = max(range(len(ws)), key=lambda i: (len(stems[i]), -i)) if ws else 0
    return Pattern(text, ws, stems, is_exact, threshold, anchor)


def word_similarity(pattern_stem: str, pattern_word: str, token: str, token_stem: str,
                    exact: bool, threshold: float) -> float:
    """Similarity 0-100 of one paper word to one pattern word, or 0 below the threshold."""
    if exact:
        if token == pattern_word or token == pattern_word + "s" or token_stem == pattern_stem and len(pattern_word) > SHORT_TERM:
            return 100.0
        return 0.0
    if token_stem == pattern_stem:
        return 100.0
    if not token_stem or token_stem[0] != pattern_stem[0]:
        return 0.0
    # the stems catch inflections, the words catch typos in a suffix (`quantizaton`)
    sim = max(Indel.normalized_similarity(pattern_stem, token_stem), Indel.normalized_similarity(pattern_word, token))
    sim *= 100
    return sim if sim >= threshold else 0.0


@dataclass
class FieldHit:
    """The best occurrence of one pattern in one field: similarity, how often it matched, and where."""

    similarity: float
    count: int
    start: int
    """Token index of the best occurrence (the first one among equals)."""
    end: int


_FIELD_BREAK = "\x00"
"""Put between the words of two fields scanned together; no run of words may contain it."""
TRIGGER_THRESHOLD = 80.0
"""A multi-word pattern is tried where a word is this similar to its anchor word (the whole run decides)."""


class Matcher:
    """Finds every pattern in a text; remembers per distinct word which patterns it can start."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        self._by_initial: dict[str, list[int]] = {}
        self._exact_words: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            if not p.words:
                continue
            word, st = p.words[p.anchor], p.stems[p.anchor]
            if p.exact:
                self._exact_words.setdefault(word, []).append(i)
                self._exact_words.setdefault(word + "s", []).append(i)
                if len(word) > SHORT_TERM:
                    self._exact_words.setdefault(st, []).append(i)
            else:
                self._by_initial.setdefault(st[:1], []).append(i)
        self._known: set[str] = set()
        self._hits: dict[str, tuple[list[tuple[int, float]], list[tuple[int, float]]]] = {}
        """Word -> (one-word patterns it matches, multi-word patterns it anchors), with similarities."""
        self._hit_words: set[str] = set()
        self._stems: dict[str, str] = {}

    def _learn(self, token: str) -> None:
        self._known.add(token)
        st = self.stem_of(token)
        found: list[tuple[int, float]] = []
        for i in self._exact_words.get(token, []) + self._exact_words.get(st, []):
            p = self.patterns[i]
            if len(p.words) > 1 or word_similarity(p.stems[0], p.words[0], token, st, True, p.threshold):
                found.append((i, 100.0))
        for i in self._by_initial.get(st[:1], ()):
            p = self.patterns[i]
            a = p.anchor
            threshold = p.threshold if len(p.words) == 1 else min(p.threshold, TRIGGER_THRESHOLD)
            sim = word_similarity(p.stems[a], p.words[a], token, st, False, threshold)
            if sim:
                found.append((i, sim))
        if found:
            found = sorted(set(found))
            self._hits[token] = ([h for h in found if len(self.patterns[h[0]].words) == 1],
                                 [h for h in found if len(self.patterns[h[0]].words) > 1])
            self._hit_words.add(token)

    def stem_of(self, token: str) -> str:
        st = self._stems.get(token)
        if st is None:
            st = self._stems[token] = stem(token)
        return st

    def scan_fields(self, texts: list[str], *, positions: bool = True) -> list[dict[int, FieldHit]]:
        """Every pattern found in each text (the fields of one paper, scanned in one pass over their
        words), with its best similarity, count and position in token indices.

        The per-paper work is C-speed set operations unless a word of the text starts a pattern;
        the fuzzy comparisons happen once per distinct word of the whole listing (see `_learn`).
        positions=False leaves FieldHit.start/end of one-word patterns at 0 (they only locate the
        matched words; similarity and count, hence the score, are the same).
        """
        fields = [words(text) for text in texts]
        tokens: list[str] = []
        starts = []
        for field_tokens in fields:
            if tokens:
                tokens.append(_FIELD_BREAK)
            starts.append(len(tokens))
            tokens += field_tokens
        outs: list[dict[int, FieldHit]] = [{} for _ in texts]
        # C-speed passes over the words: learn the new ones, then pick those that start a pattern
        for token in filterfalse(self._known.__contains__, tokens):
            if token not in self._known:
                self._learn(token)
        present = self._hit_words.intersection(tokens)
        if not present:
            return outs
        add = self._add
        for token in present:
            singles, multis = self._hits[token]
            if singles:
                for f, field_tokens in enumerate(fields):
                    n = field_tokens.count(token)
                    first = field_tokens.index(token) if n and positions else 0
                    if n:
                        for i, word_sim in singles:
                            add(outs[f], i, word_sim, first, first + 1, n)
            if not multis:
                continue
            at = tokens.index(token)
            anchors = [at]
            for _ in range(tokens.count(token) - 1):
                at = tokens.index(token, at + 1)
                anchors.append(at)
            for i, _ in multis:
                p = self.patterns[i]
                for pos in anchors:
                    sim, begin, end = self._window(p, tokens, pos)
                    if sim:
                        f = len(starts) - 1
                        while starts[f] > begin:
                            f -= 1
                        add(outs[f], i, sim, begin - starts[f], end - starts[f], 1)
        return outs

    @staticmethod
    def _add(out: dict[int, FieldHit], i: int, sim: float, begin: int, end: int, count: int) -> None:
        hit = out.get(i)
        if hit is None:
            out[i] = FieldHit(sim, count, begin, end)
            return
        hit.count += count
        if sim > hit.similarity or (sim == hit.similarity and begin < hit.start):
            hit.similarity, hit.start, hit.end = sim, begin, end

    @staticmethod
    def matched_text(text: str, start: int, end: int) -> str:
        """The words from token start to token end as written in text (original case and hyphens)."""
        spans: list[tuple[int, int]] = []
        for m in _WORD.finditer(text):
            parts = _WORD.findall(fold(m.group(0))) if not m.group(0).isascii() else [m.group(0)]
            spans.extend([m.span()] * max(1, len(parts)))
            if len(spans) >= end:
                break
        if end > len(spans) or start >= end:
            return " ".join(_WORD.findall(fold(text))[start:end])
        return text[spans[start][0]:spans[end - 1][1]]

    def _window(self, p: Pattern, tokens: list[str], pos: int) -> tuple[float, int, int]:
        """Best (similarity, start, end) of a multi-word pattern over word runs around its anchor at pos.

        Runs of the pattern's length, one word fewer and one more are tried; a fuzzy run must begin
        and end with the first letters of the pattern's first and last words.
        """
        n, a = len(p.words), p.anchor
        start = pos - a
        if start >= 0 and start + n <= len(tokens):
            run = tokens[start:start + n]
            if tuple(run) == p.words or tuple(self.stem_of(t) for t in run) == p.stems:
                return 100.0, start, start + n
        if p.exact:
            return 0.0, pos, pos
        best, best_start, best_end = 0.0, pos, pos
        target, target_words = p.joined, " ".join(p.words)
        first, last = p.stems[0][:1], p.stems[-1][:1]
        for offset in (a, a - 1, a + 1):
            begin = pos - offset
            if begin < 0 or begin > pos or not tokens[begin].startswith(first):
                continue
            for size in (n, n - 1, n + 1):
                end = begin + size
                if size < 2 or end <= pos or end > len(tokens) or not tokens[end - 1].startswith(last):
                    continue
                run = tokens[begin:end]
                if _FIELD_BREAK in run:
                    continue
                sim = 100 * max(Indel.normalized_similarity(target, " ".join(self.stem_of(t) for t in run)),
                                Indel.normalized_similarity(target_words, " ".join(run)))
                if sim > best and sim >= p.threshold:
                    best, best_start, best_end = sim, begin, end
        return best, best_start, best_end
