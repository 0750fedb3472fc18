"""Fuzzy whole-word term matching (words as `tokens` defines them), with the fuzzy work done once per distinct word."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from itertools import compress, repeat
from typing import Iterable, Iterator

from rapidfuzz.distance import Indel
from rapidfuzz.process import extract

from papertriage.tokens import BREAK as _BREAK
from papertriage.tokens import LETTER, WORD, fold, tokenise, word_spans, words

SHORT_TERM = 4
"""Terms this long or shorter (after normalisation) match only exactly."""
TRUNCATION_MIN = 4
"""The fewest letters a truncated word may keep (`migr*`, `*pril`): shorter stems match too much."""
_TRUNCATED_WORD = re.compile(rf"(\*?)({WORD.pattern})(\*?)")
"""A word of a term with its truncation marks: `migrain*`, `*triptan`."""


def stem(word: str) -> str:
    """A light English stemmer: inflections share one stem, and -ation nouns share their verb's.

    `partition`, `partitions`, `partitioning`, `partitioned` -> `partition`;
    `quantization`, `quantized`, `quantisation` -> `quantiz`. Words of 3 letters or fewer stay as they are.
    """
    if len(word) <= 3 or not word.isalpha() or word[-1] not in "sngde":
        return word  # the last test: no suffix below can apply
    singular = _singular(word)
    w = _without_suffix(singular)
    if w != singular:
        if w.endswith("is") and len(w) > 5:
            w = w[:-2] + "iz"
        elif w.endswith("e") and len(w) > 4:
            w = w[:-1]
        if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    return w


def _singular(w: str) -> str:
    """The plural's s (or es, ies) taken off."""
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _without_suffix(w: str) -> str:
    """One of -ation, -ing, -ed or a final e taken off, where the word is long enough."""
    if w.endswith("ation") and len(w) >= 10:
        return w[:-5]
    if w.endswith("ing") and len(w) > 5:
        return w[:-3]
    if w.endswith("ed") and len(w) > 4:
        return w[:-2]
    if w.endswith("e") and len(w) > 4:
        return w[:-1]
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
    truncation: tuple[str, ...] = ()
    """Per word, '' or how it is truncated: 'prefix' (`migrain*`: words beginning with it) or
    'suffix' (`*triptan`: words ending with it); empty when no word is."""

    @property
    def forms(self) -> tuple[str, ...]:
        """The words as written in a term, truncation marks included (`migrain*`)."""
        if not self.truncation:
            return self.words
        return tuple("*" + w if k == "suffix" else w + "*" if k == "prefix" else w
                     for w, k in zip(self.words, self.truncation, strict=True))

    @property
    def closed(self) -> str:
        """The words run together (`kvcache` for `KV cache`), keeping a truncation of the first word's
        start or the last word's end (`antiinflammat*`); empty where a word is truncated elsewhere."""
        t = self.truncation
        if t and (any(t[1:-1]) or t[0] == "prefix" or t[-1] == "suffix"):
            return ""
        return ("*" if t and t[0] else "") + "".join(self.words) + ("*" if t and t[-1] else "")

    def truncated_hit(self, k: int, token: str, token_stem: str) -> bool:
        """Word k of the pattern is truncated and token (or its stem) has that prefix or suffix."""
        kind = self.truncation[k] if self.truncation else ""
        if kind == "prefix":
            return token.startswith(self.words[k])
        if kind == "suffix":
            return token.endswith(self.words[k]) or token_stem.endswith(self.words[k])
        return False

    @cached_property
    def raw_words(self) -> tuple[bytes, ...]:
        """The words as UTF-8, as the matcher's tokens are."""
        return tuple(w.encode() for w in self.words)

    @cached_property
    def raw_letters(self) -> tuple[bytes, bytes]:
        """The first letters (UTF-8) a run must begin and end with (any for a word truncated in front)."""
        first, last = initial(self.stems[0]).encode(), initial(self.stems[-1]).encode()
        if self.truncation:
            first = b"" if self.truncation[0] == "suffix" else first
            last = b"" if self.truncation[-1] == "suffix" else last
        return first, last

    @property
    def joined(self) -> str:
        return " ".join(self.stems)


def truncation_problem(text: str) -> str | None:
    """Why a term's truncation (`*` at the start or end of a word) is refused, or None."""
    if "*" not in text:
        return None
    folded = fold(text)
    if re.search(rf"{LETTER}\*{LETTER}", folded):
        return "'*' inside a word is not supported: truncate at its start (*triptan) or end (migrain*)"
    for m in _TRUNCATED_WORD.finditer(folded):
        if m.group(1) and m.group(3):
            return f"'*{m.group(2)}*' is truncated at both ends: truncate one end only"
        if (m.group(1) or m.group(3)) and len(m.group(2)) < TRUNCATION_MIN:
            return (f"'{m.group(0)}' keeps only {len(m.group(2))} letters: truncation needs at least "
                    f"{TRUNCATION_MIN}, shorter stems match too many words")
    return None


def compile_pattern(text: str, *, exact: bool = False, threshold: float = 88.0) -> Pattern:
    if "*" in text:
        found = [(m.group(2), "suffix" if m.group(1) else "prefix" if m.group(3) else "")
                 for m in _TRUNCATED_WORD.finditer(fold(text))]
        ws = tuple(w for w, _ in found)
        truncation = tuple(k for _, k in found) if any(k for _, k in found) else ()
    else:
        ws, truncation = tuple(words(text)), ()
    is_exact = exact or len("".join(ws)) <= SHORT_TERM
    # a truncated word is its own stem: `migrain*` already names every ending
    stems = tuple(w if truncation and truncation[k] else stem(w) for k, w in enumerate(ws))
    # the anchor is a word matched as written where there is one (fewer words to compare it with)
    anchor = max(range(len(ws)), key=lambda i: (not (truncation and truncation[i]), len(stems[i]), -i)) if ws else 0
    return Pattern(text, ws, stems, is_exact, threshold, anchor, truncation)


def initial(word_stem: str) -> str:
    """The first-letter rule: a fuzzy match starts with the same letter (`raining` is no typo of
    `training`). A word is compared with a pattern word only when their stems share this initial
    (the Matcher indexes its fuzzy patterns by it), and a fuzzy run of words must begin and end
    with the initials of the pattern's first and last words. A stem keeps its word's first letter."""
    return word_stem[:1]


def word_similarity(pattern_stem: str, pattern_word: str, token: str, token_stem: str,
                    exact: bool, threshold: float) -> float:
    """Similarity 0-100 of one paper word to one pattern word, or 0 below the threshold. Fuzzy
    (exact=False), it is asked only of words with the pattern word's `initial`."""
    if exact:
        if token == pattern_word or token == pattern_word + "s" or token_stem == pattern_stem and len(pattern_word) > SHORT_TERM:
            return 100.0
        return 0.0
    if token_stem == pattern_stem:
        return 100.0
    # the stems catch inflections, the words catch typos in a suffix (`quantizaton`)
    sim = max(Indel.normalized_similarity(pattern_stem, token_stem), Indel.normalized_similarity(pattern_word, token))
    sim *= 100
    return sim if sim >= threshold else 0.0


class Kind(IntEnum):
    """What a word is to the matcher. A scan holds one byte per word, its kind, so that C-speed
    passes over those bytes (a regex search, itertools.compress) pick out the few words that matter."""

    OTHER = 0
    """Starts no pattern."""
    NEW = 1
    """Not compared with the patterns yet (see Matcher._learn)."""
    TERM = 2
    """Matches a one-word pattern."""
    ANCHOR = 3
    """Anchors a multi-word pattern, which is tried where it stands; it may match one-word patterns too."""
    BREAK = 4
    """The end of a text (the _BREAK token)."""
    UNCOMMON = 5
    """Not among the common words: its kind is looked up among all the words (see Matcher._kinds_of)."""


def _finder(*kinds: Kind) -> re.Pattern[bytes]:
    """A search for the words of these kinds in a scan's kinds."""
    return re.compile(b"[" + re.escape(bytes(kinds)) + b"]")


_MATCHED_OR_BREAK = _finder(Kind.TERM, Kind.ANCHOR, Kind.BREAK)
_MATCHED_OR_BREAK_MASK = bytes(k in (Kind.TERM, Kind.ANCHOR, Kind.BREAK) for k in range(256))
"""Kinds to 1 for the words that match or anchor a pattern, and for the breaks; the rest to 0."""
_BREAKS, _ANCHORS, _NEW, _UNCOMMON = _finder(Kind.BREAK), _finder(Kind.ANCHOR), _finder(Kind.NEW), _finder(Kind.UNCOMMON)
COMMON_WORDS = 16_384
"""Words met first, whose kinds are looked up before the others' (see Matcher._kinds_of)."""
_match_start = re.Match.start


def better(similarity: float, start: int, hit: FieldHit) -> bool:
    """The best-hit rule: an occurrence beats the hit kept so far when it is more similar, or as
    similar and earlier in the text (the first among equals). One as similar at the same start
    does not: the one met first stays (see Matcher._occurrences for the order)."""
    return similarity > hit.similarity or (similarity == hit.similarity and start < hit.start)


@dataclass(slots=True)
class FieldHit:
    """The best occurrence of one pattern in one field: similarity, how often it matched, and where."""

    similarity: float
    count: int
    start: int
    """Token index of the best occurrence (the first one among equals)."""
    end: int

    def add(self, similarity: float, count: int, start: int, end: int) -> None:
        """count more occurrences, the best of them at start..end: kept if `better`."""
        self.count += count
        if better(similarity, start, self):
            self.similarity, self.start, self.end = similarity, start, end


TRIGGER_THRESHOLD = 80.0
"""A multi-word pattern is tried where a word is this similar to its anchor word (the whole run decides)."""


RUN_CACHE = 100_000
"""Word runs whose fuzzy comparison is remembered (most recur: the same phrase in many papers)."""


class Matcher:
    """Finds every pattern in a text; remembers per distinct word which patterns it can start."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        self._by_initial: dict[str, list[int]] = {}
        self._exact_words: dict[str, list[int]] = {}
        self._truncated: list[int] = []
        """The patterns whose anchor word is truncated: a word starts them when it has the prefix or suffix."""
        for i, p in enumerate(patterns):
            if not p.words:
                continue
            word, st = p.words[p.anchor], p.stems[p.anchor]
            if p.truncation and p.truncation[p.anchor]:
                self._truncated.append(i)
            elif p.exact:
                self._exact_words.setdefault(word, []).append(i)
                self._exact_words.setdefault(word + "s", []).append(i)
                if len(word) > SHORT_TERM:
                    self._exact_words.setdefault(st, []).append(i)
            else:
                self._by_initial.setdefault(initial(st), []).append(i)
        self._kinds: dict[bytes, Kind] = {_BREAK: Kind.BREAK}
        """Every word seen (UTF-8) -> its Kind: ANCHOR, TERM or OTHER; the break -> BREAK."""
        self._singles: dict[bytes, list[tuple[int, float]]] = {}
        """Word (UTF-8) -> the one-word patterns it matches, with similarities."""
        self._anchors: dict[bytes, list[tuple[int, float]]] = {}
        """Word -> the multi-word patterns it anchors (where they are tried), with similarities."""
        self._stems: dict[str, str] = {}
        self._common: dict[bytes, Kind] = {}
        """The kinds of the words met first, up to COMMON_WORDS of them (see _kinds_of)."""
        self._runs: dict[tuple[int, tuple[bytes, ...]], float] = {}
        """(id of the pattern, word run) -> _run_similarity."""

    def _learn(self, raws: Iterable[bytes]) -> None:
        """Compares new words with every pattern once and records their kind (see _kinds).

        The fuzzy comparisons run in rapidfuzz's C++: each pattern word is compared with all the new
        words sharing its first letter at once (process.extract), and only those it finds near enough
        go through word_similarity, which gives the similarity kept.
        """
        kinds = self._kinds
        new = [raw for raw in dict.fromkeys(raws) if raw not in kinds]
        kinds.update(dict.fromkeys(new, Kind.OTHER))
        tokens = [raw.decode() for raw in new]
        stems = list(map(self.stem_of, tokens))
        found: dict[int, list[tuple[int, float]]] = {}
        """New word (by position) -> the patterns it matches, with similarities."""
        exact, initials = self._exact_words, self._by_initial
        by_initial: dict[str, list[int]] = {}
        for n, (token, st) in enumerate(zip(tokens, stems, strict=True)):
            letter = initial(st)
            if letter in initials:
                by_initial.setdefault(letter, []).append(n)
            if token in exact or st in exact:
                for i in exact.get(token, []) + exact.get(st, []):
                    p = self.patterns[i]
                    if len(p.words) > 1 or word_similarity(p.stems[0], p.words[0], token, st, True, p.threshold):
                        found.setdefault(n, []).append((i, 100.0))
        self._learn_truncated(tokens, stems, found)
        for letter, members in by_initial.items():
            group_stems = [stems[n] for n in members]
            group_words = [tokens[n] for n in members]
            for i in initials[letter]:
                p = self.patterns[i]
                a = p.anchor
                threshold = p.threshold if len(p.words) == 1 else min(p.threshold, TRIGGER_THRESHOLD)
                # a generous cutoff: extract works from a distance bound and may put a word exactly at
                # the threshold just under it; word_similarity decides
                cutoff = max(0.0, threshold / 100 - 0.05)  # rapidfuzz refuses a negative cutoff
                near = {k for _, _, k in extract(p.stems[a], group_stems, scorer=Indel.normalized_similarity,
                                                  score_cutoff=cutoff, limit=None)}
                near.update(k for _, _, k in extract(p.words[a], group_words, scorer=Indel.normalized_similarity,
                                                      score_cutoff=cutoff, limit=None))
                for k in near:
                    n = members[k]
                    sim = word_similarity(p.stems[a], p.words[a], tokens[n], stems[n], False, threshold)
                    if sim:
                        found.setdefault(n, []).append((i, sim))
        for n, hits in found.items():
            raw, hits = new[n], sorted(set(hits))
            kinds[raw] = Kind.TERM
            self._singles[raw] = [h for h in hits if len(self.patterns[h[0]].words) == 1]
            anchored = [h for h in hits if len(self.patterns[h[0]].words) > 1]
            if anchored:
                kinds[raw] = Kind.ANCHOR
                self._anchors[raw] = anchored

    def _learn_truncated(self, tokens: list[str], stems: list[str], found: dict[int, list[tuple[int, float]]]) -> None:
        """The new words that start a pattern by its truncated anchor word (a prefix or suffix match:
        similarity 100). One C-speed startswith/endswith over all the stems per word rules most out."""
        if not self._truncated:
            return
        patterns = self.patterns
        prefixes = tuple(patterns[i].words[patterns[i].anchor] for i in self._truncated
                         if patterns[i].truncation[patterns[i].anchor] == "prefix")
        suffixes = tuple(patterns[i].words[patterns[i].anchor] for i in self._truncated
                         if patterns[i].truncation[patterns[i].anchor] == "suffix")
        for n, (token, st) in enumerate(zip(tokens, stems, strict=True)):
            if token.startswith(prefixes) or token.endswith(suffixes) or st.endswith(suffixes):
                for i in self._truncated:
                    if patterns[i].truncated_hit(patterns[i].anchor, token, st):
                        found.setdefault(n, []).append((i, 100.0))

    def stem_of(self, token: str) -> str:
        st = self._stems.get(token)
        if st is None:
            st = self._stems[token] = stem(token)
        return st

    def _kinds_of(self, tokens: list[bytes]) -> bytearray:
        """Each word's Kind (NEW for a new word), looked up first among the words of the first
        batches scanned (up to COMMON_WORDS of them), which hold the frequent ones: a dict that
        small stays in the processor's cache, where looking up most words costs far less than in
        the dict of every word seen."""
        common, kinds = self._common, self._kinds
        if not common:
            # the first batch's words are all new: learn them now and keep their kinds
            first = set(tokens)
            self._learn(first)
            common.update((t, kinds[t]) for t in first)
        out = bytearray(map(common.get, tokens, repeat(Kind.UNCOMMON)))
        if Kind.UNCOMMON in out:
            grow = len(common) < COMMON_WORDS
            for m in _UNCOMMON.finditer(out):
                pos = m.start()
                kind = out[pos] = kinds.get(tokens[pos], Kind.NEW)
                if grow and kind != Kind.NEW:
                    common[tokens[pos]] = kind
        return out

    def _scan(self, texts: list[str]) -> tuple[list[bytes], bytearray]:
        """The one scan: the words of the texts (each text followed by a break) and each word's
        Kind, new words learned first. Scores count its matched words (tally_fields); what is
        shown places them (scan_fields, occurrences).
        """
        tokens = tokenise(texts)
        # one C-speed pass: each known word's kind, NEW for a new word
        kinds = self._kinds_of(tokens)
        if Kind.NEW in kinds:
            new = list(map(_match_start, _NEW.finditer(kinds)))
            self._learn({tokens[pos] for pos in new})
            known = self._kinds
            for pos in new:
                kinds[pos] = known[tokens[pos]]
        return tokens, kinds

    def tally_fields(self, texts: list[str]) -> list[dict[int, FieldHit]]:
        """Every pattern found in each text, with its best similarity and count (start and end are
        0): all that a score needs. Texts are scanned together, so callers pass the fields of many
        papers at once: the matched words are picked out at C speed (itertools.compress over their
        kinds) and counted per text, and Python visits only the anchors, where they stand.

        The fuzzy comparisons happen once per distinct word of the whole listing (see `_learn`).
        """
        tokens, kinds = self._scan(texts)
        outs: list[dict[int, FieldHit]] = []
        singles = self._singles
        counts: dict[bytes, int] = {}
        for token in compress(tokens, kinds.translate(_MATCHED_OR_BREAK_MASK)):
            if token != _BREAK:
                counts[token] = counts.get(token, 0) + 1
                continue
            out: dict[int, FieldHit] = {}
            for word, n in counts.items():
                for i, sim in singles[word]:
                    hit = out.get(i)
                    if hit is None:
                        out[i] = FieldHit(sim, n, 0, 0)
                    else:
                        hit.add(sim, n, 0, 0)
            outs.append(out)
            counts = {}
        if Kind.ANCHOR in kinds:
            breaks = list(map(_match_start, _BREAKS.finditer(kinds)))
            patterns, window, anchors = self.patterns, self._window, self._anchors
            for pos in map(_match_start, _ANCHORS.finditer(kinds)):
                for i, _ in anchors[tokens[pos]]:
                    sim = window(patterns[i], tokens, pos)[0]
                    if sim:
                        out = outs[bisect_left(breaks, pos)]
                        hit = out.get(i)
                        if hit is None:
                            out[i] = FieldHit(sim, 1, 0, 0)
                        else:
                            hit.add(sim, 1, 0, 0)
        return outs

    def scan_fields(self, texts: list[str]) -> list[dict[int, FieldHit]]:
        """tally_fields with positions: each pattern's best occurrence (see `better`) as token
        indices in its text, which the words a match shows come from. For the papers shown."""
        tokens, kinds = self._scan(texts)
        outs: list[dict[int, FieldHit]] = [{} for _ in texts]
        for k, i, sim, start, end in self._occurrences(tokens, kinds):
            hit = outs[k].get(i)
            if hit is None:
                outs[k][i] = FieldHit(sim, 1, start, end)
            else:
                hit.add(sim, 1, start, end)
        return outs

    @staticmethod
    def matched_text(text: str, start: int, end: int) -> str:
        """The words from token start to token end as written in text (original case and hyphens)."""
        spans = word_spans(text, end)
        if end > len(spans) or start >= end:
            return " ".join(words(text)[start:end])
        return text[spans[start][0]:spans[end - 1][1]]

    def occurrences(self, text: str, wanted: set[int]) -> list[tuple[int, int, int]]:
        """Every place in text where one of the wanted patterns matches, as (pattern, first token,
        end token), in text order: what the shown matches highlight (scan_fields keeps only each one's best)."""
        found = {(i, start, end) for _, i, _, start, end in self._occurrences(*self._scan([text])) if i in wanted}
        return sorted(found, key=lambda f: (f[1], f[2], f[0]))

    def places(self, text: str, wanted: set[int]) -> list[tuple[int, int, int]]:
        """occurrences as characters: (pattern, start, end) of text, from the first word's start to
        the last word's end."""
        spans = word_spans(text)
        return [(i, spans[a][0], spans[b - 1][1]) for i, a, b in self.occurrences(text, wanted) if b <= len(spans)]

    def _occurrences(self, tokens: list[bytes], kinds: bytearray) -> Iterator[tuple[int, int, float, int, int]]:
        """Every match in a scan: (text, pattern, similarity, first token, end token), token indices
        counted from the text's start. Per text, first each multi-word match, where its anchor
        stands, then the words' one-word matches, by word in the order first met: where two
        occurrences tie on similarity and start, the one met first stays the best."""
        patterns, window, anchors, singles = self.patterns, self._window, self._anchors, self._singles
        text, begin = 0, 0
        seen: dict[bytes, list[int]] = {}
        """Matched word -> its positions in the current text."""
        for pos in map(_match_start, _MATCHED_OR_BREAK.finditer(kinds)):
            kind = kinds[pos]
            if kind == Kind.BREAK:
                for token, places in seen.items():
                    for i, sim in singles[token]:
                        for at in places:
                            yield text, i, sim, at - begin, at - begin + 1
                seen.clear()
                text, begin = text + 1, pos + 1
                continue
            token = tokens[pos]
            seen.setdefault(token, []).append(pos)
            if kind == Kind.ANCHOR:
                for i, _ in anchors[token]:
                    sim, start, end = window(patterns[i], tokens, pos)
                    if sim:
                        yield text, i, sim, start - begin, end - begin

    def _window(self, p: Pattern, raw: list[bytes], pos: int) -> tuple[float, int, int]:
        """Best (similarity, start, end) of a multi-word pattern over word runs around its anchor at pos.

        Runs of the pattern's length, one word fewer and one more are tried; a fuzzy run must begin
        and end with the first letters of the pattern's first and last words.
        """
        n, a = len(p.words), p.anchor
        start = pos - a
        if start >= 0 and tuple(raw[start:start + n]) == p.raw_words:
            return 100.0, start, start + n
        # a run must begin and end with the right letters: most anchors have no such run around them
        first, last = p.raw_letters
        size = len(raw)
        for b in (start, start + 1, start - 1):
            if 0 <= b <= pos and raw[b].startswith(first) and (
                    pos < b + n <= size and raw[b + n - 1].startswith(last)
                    or n > 2 and pos < b + n - 1 <= size and raw[b + n - 2].startswith(last)
                    or pos < b + n + 1 <= size and raw[b + n].startswith(last)):
                break
        else:
            return 0.0, pos, pos
        if start >= 0 and start + n <= len(raw) and self._run_similarity(p, tuple(raw[start:start + n])) == 100.0:
            return 100.0, start, start + n
        if p.exact:
            return 0.0, pos, pos
        best, best_start, best_end = 0.0, pos, pos
        first, last = p.raw_letters
        for offset in (a, a - 1, a + 1):
            begin = pos - offset
            if begin < 0 or begin > pos or not raw[begin].startswith(first):
                continue
            for size in (n, n - 1, n + 1):
                end = begin + size
                if size < 2 or end <= pos or end > len(raw) or not raw[end - 1].startswith(last):
                    continue
                run = tuple(raw[begin:end])
                if _BREAK in run:
                    continue
                sim = self._run_similarity(p, run)
                if sim > best and sim >= p.threshold:
                    best, best_start, best_end = sim, begin, end
        return best, best_start, best_end

    @staticmethod
    def _as_truncated(p: Pattern, words: tuple[str, ...], stems: tuple[str, ...]
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The run's words (and stems) with each one that matches a truncated word of the pattern
        replaced by that word, so that the run compares with the pattern as if it were written so."""
        cut = [k for k, kind in enumerate(p.truncation) if kind]
        out_words, out_stems = list(words), list(stems)
        for j, (token, st) in enumerate(zip(words, stems, strict=True)):
            for k in cut:
                if p.truncated_hit(k, token, st):
                    out_words[j] = out_stems[j] = p.words[k]
                    break
        return tuple(out_words), tuple(out_stems)

    def _run_similarity(self, p: Pattern, run: tuple[bytes, ...]) -> float:
        """Similarity 0-100 of a word run to a multi-word pattern: 100 for its words or their stems,
        else the better of the stems' and the words' similarity. Remembered per run: the same
        phrases recur around many anchors."""
        key = (id(p), run)
        sim = self._runs.get(key)
        if sim is None:
            if len(self._runs) >= RUN_CACHE:
                self._runs.clear()
            words = tuple(t.decode() for t in run)
            stems = tuple(self.stem_of(t) for t in words)
            if p.truncation:
                # a word with a truncated word's prefix or suffix counts as that word, exactly
                words, stems = self._as_truncated(p, words, stems)
            if words == p.words or stems == p.stems:
                sim = 100.0
            elif p.exact:
                sim = 0.0
            else:
                sim = 100 * max(Indel.normalized_similarity(p.joined, " ".join(stems)),
                                Indel.normalized_similarity(" ".join(p.words), " ".join(words)))
            self._runs[key] = sim
        return sim
