"""Normalisation and fuzzy whole-word term matching, with the fuzzy work done once per distinct word."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

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


def words(text: str) -> list[str]:
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

    @property
    def joined(self) -> str:
        return " ".join(self.stems)


def compile_pattern(text: str, *, exact: bool = False, threshold: float = 88.0) -> Pattern:
    ws = tuple(words(text))
    is_exact = exact or len("".join(ws)) <= SHORT_TERM
    return Pattern(text, ws, tuple(stem(w) for w in ws), is_exact, threshold)


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
    """The best occurrence of one pattern in one field."""

    similarity: float
    text: str
    count: int
    spans: list[tuple[int, int]] = field(default_factory=list)


TRIGGER_THRESHOLD = 70.0
"""A multi-word pattern is tried at a word this similar to its first word (the window decides)."""


class Matcher:
    """Finds every pattern in a text; remembers per distinct word which patterns it can start."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        self._by_initial: dict[str, list[int]] = {}
        self._exact_words: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            if not p.words:
                continue
            if p.exact:
                self._exact_words.setdefault(p.words[0], []).append(i)
                self._exact_words.setdefault(p.words[0] + "s", []).append(i)
                if len(p.words[0]) > SHORT_TERM:
                    self._exact_words.setdefault(p.stems[0], []).append(i)
            else:
                self._by_initial.setdefault(p.stems[0][:1], []).append(i)
        self._known: set[str] = set()
        self._hits: dict[str, list[tuple[int, float]]] = {}
        self._hit_words: set[str] = set()

    def _learn(self, token: str) -> None:
        self._known.add(token)
        st = stem(token)
        found: list[tuple[int, float]] = []
        for i in self._exact_words.get(token, []) + self._exact_words.get(st, []):
            p = self.patterns[i]
            if word_similarity(p.stems[0], p.words[0], token, st, True, p.threshold):
                found.append((i, 100.0))
        for i in self._by_initial.get(st[:1], ()):
            p = self.patterns[i]
            threshold = p.threshold if len(p.words) == 1 else min(p.threshold, TRIGGER_THRESHOLD)
            sim = word_similarity(p.stems[0], p.words[0], token, st, False, threshold)
            if sim:
                found.append((i, sim))
        if found:
            self._hits[token] = sorted(set(found))
            self._hit_words.add(token)

    def might_match(self, text: str) -> bool:
        """Cheap test: does any word of the text start a pattern? Most papers answer no."""
        distinct = set(words(text))
        for token in distinct - self._known:
            self._learn(token)
        return not self._hit_words.isdisjoint(distinct)

    def find(self, text: str) -> dict[int, FieldHit]:
        """Every pattern found in text, with its best similarity, matched words and count."""
        if not self.might_match(text):
            return {}
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        tokens = [fold(text[a:b]) for a, b in spans]
        # fold() can split one written word into several (rare ligatures); keep them aligned
        flat_tokens: list[str] = []
        flat_spans: list[tuple[int, int]] = []
        for (a, b), tok in zip(spans, tokens, strict=True):
            for part in _WORD.findall(tok) or [tok]:
                flat_tokens.append(part)
                flat_spans.append((a, b))
        stems: list[str] | None = None
        out: dict[int, FieldHit] = {}
        for pos, token in enumerate(flat_tokens):
            hits = self._hits.get(token)
            if hits is None:
                if token not in self._known:
                    self._learn(token)
                    hits = self._hits.get(token)
                if hits is None:
                    continue
            for i, sim in hits:
                p = self.patterns[i]
                end = pos + 1
                if len(p.words) > 1:
                    if stems is None:
                        stems = [stem(t) for t in flat_tokens]
                    sim, end = self._window(p, flat_tokens, stems, pos)
                    if not sim:
                        continue
                a, b = flat_spans[pos][0], flat_spans[end - 1][1]
                hit = out.get(i)
                if hit is None:
                    out[i] = FieldHit(sim, text[a:b], 1, [(a, b)])
                else:
                    hit.count += 1
                    hit.spans.append((a, b))
                    if sim > hit.similarity:
                        hit.similarity, hit.text = sim, text[a:b]
        return out

    @staticmethod
    def _window(p: Pattern, tokens: list[str], stems: list[str], pos: int) -> tuple[float, int]:
        """Best similarity of a multi-word pattern to word runs starting at pos (one word more or fewer)."""
        n = len(p.words)
        best, best_end = 0.0, pos
        if p.exact:
            if tuple(tokens[pos:pos + n]) == p.words or tuple(stems[pos:pos + n]) == p.stems:
                return 100.0, pos + n
            return 0.0, pos
        target, target_words = p.joined, " ".join(p.words)
        for size in (n, n - 1, n + 1):
            end = pos + size
            if size < 1 or end > len(tokens):
                continue
            sim = 100 * max(Indel.normalized_similarity(target, " ".join(stems[pos:end])),
                            Indel.normalized_similarity(target_words, " ".join(tokens[pos:end])))
            if sim > best and sim >= p.threshold:
                best, best_end = sim, end
        if best and stems[best_end - 1][:1] != p.stems[-1][:1]:
            return 0.0, pos
        return best, best_end
