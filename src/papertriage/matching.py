"""Normalisation and fuzzy whole-word term matching, with the fuzzy work done once per distinct word."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, repeat
from typing import Iterable

from rapidfuzz.distance import Indel
from rapidfuzz.process import extract

_WORD = re.compile(r"[^\W_]+")
SHORT_TERM = 4
"""Terms this long or shorter (after normalisation) match only exactly."""
TRUNCATION_MIN = 4
"""The fewest letters a truncated word may keep (`migr*`, `*pril`): shorter stems match too much."""
_TRUNCATED_WORD = re.compile(r"(\*?)([^\W_]+)(\*?)")


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


_FIELD_BREAK = "\x00"
"""Put after the words of each text scanned together; no run of words may contain it."""
_BREAK = _FIELD_BREAK.encode()

_ASCII_WORDS = bytes.maketrans(
    bytes(range(128)), bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)))


_ASCII_WORDS_AND_BREAKS = b"\x00" + _ASCII_WORDS[1:]
"""The same table keeping NUL, which marks the end of each text scanned together."""


_NON_ASCII = re.compile("[^\x00-\x7f]")


def _non_ascii_kept(m: re.Match[str]) -> str:
    c = m.group()
    return "" if unicodedata.combining(c) or c in _INVISIBLE else c if c.isalnum() else " "


def _word_bytes(text: str) -> bytes:
    """The text's words, folded, as UTF-8 between spaces: `_WORD.findall(fold(text))`, by C-speed
    passes. A non-ASCII character is dropped where fold drops it (a combining mark after NFKD),
    parts words where it is no letter or digit, and is kept otherwise; the ASCII ones go through a
    bytes table. (Case-folding before the marks go changes nothing: they go after it, whatever it made.)"""
    if not text.isascii():
        text = _NON_ASCII.sub(_non_ascii_kept, unicodedata.normalize("NFKD", text).casefold())
    return text.encode().translate(_ASCII_WORDS)


def words(text: str) -> list[str]:
    """The text's words, folded: runs of letters and digits."""
    return _word_bytes(text).decode().split()


_WRITTEN_WORD = re.compile("[^\\W_]+(?:[\u00ad\u200c\u200d\u2060\ufeff]+[^\\W_]+)*")
"""A written word: letters and digits, with any soft hyphens or joiners inside it (see _INVISIBLE)."""


def word_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Per token of `words(text)`, its (start, end) in text; a written word that folds into several
    tokens gives each of them its span. Stops once `limit` tokens are placed."""
    spans: list[tuple[int, int]] = []
    for m in _WRITTEN_WORD.finditer(text):
        parts = _WORD.findall(fold(m.group(0))) if not m.group(0).isascii() else [m.group(0)]
        spans.extend([m.span()] * max(1, len(parts)))
        if limit is not None and len(spans) >= limit:
            break
    return spans


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
    if re.search(r"[^\W_]\*[^\W_]", folded):
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


def _tokens_with_breaks(texts: list[str]) -> list[bytes]:
    """The words of all texts as UTF-8 bytes, each text followed by a _BREAK token.

    Bytes, not str: splitting bytes is about four times faster, and most words are only looked up.
    Runs of ASCII texts are tokenised in one bytes translation (NUL kept as the break).
    """
    tokens: list[bytes] = []
    run: list[str] = []
    for text in texts:
        if text.isascii():
            run.append(text.replace(_FIELD_BREAK, " ") if _FIELD_BREAK in text else text)
            continue
        if run:
            tokens += _ascii_run_tokens(run)
            run = []
        tokens += _word_bytes(text).split()
        tokens.append(_BREAK)
    if run:
        tokens += _ascii_run_tokens(run)
    return tokens


def _ascii_run_tokens(texts: list[str]) -> list[bytes]:
    joined = " \x00 ".join(texts) + " \x00"
    return joined.encode("ascii").translate(_ASCII_WORDS_AND_BREAKS).split()


_HIT_FLAG = 2
"""The kind of a word that is a one-word pattern (see Matcher._kinds)."""
_ANCHOR_FLAG = 6
"""The kind of a word that anchors a multi-word pattern (it may also be a one-word pattern)."""
_BREAK_FLAG = 3
_FLAGGED = re.compile(b"[^\x00]")
_BREAKS = re.compile(b"\x03")
_NEW = re.compile(b"\x01")
_ANCHORS = re.compile(b"\x06")
_HITS_AND_BREAKS = bytes(1 if k in (_HIT_FLAG, _ANCHOR_FLAG, _BREAK_FLAG) else 0 for k in range(256))
"""Flags to 1 for the words that are patterns or anchor them, and for the breaks; the rest to 0."""
_UNCOMMON_FLAG = 4
COMMON_WORDS = 16_384
"""Words met first, whose kinds are looked up before the others' (see Matcher._flags)."""
_UNCOMMON = re.compile(b"\x04")
_match_start = re.Match.start


def better(similarity: float, start: int, hit: FieldHit) -> bool:
    """The best-hit rule: an occurrence beats the hit kept so far when it is more similar, or as
    similar and earlier in the text (the first among equals). Ties thus break the same way
    whatever order the occurrences are met in."""
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
        self._kinds: dict[bytes, int] = {_BREAK: _BREAK_FLAG}
        """Every word seen (UTF-8) -> _ANCHOR_FLAG if it anchors a multi-word pattern, else _HIT_FLAG
        if it is a one-word pattern, else 0; the break -> _BREAK_FLAG."""
        self._singles: dict[bytes, list[tuple[int, float]]] = {}
        """Word (UTF-8) -> the one-word patterns it matches, with similarities."""
        self._anchors: dict[bytes, list[tuple[int, float]]] = {}
        """Word -> the multi-word patterns it anchors (where they are tried), with similarities."""
        self._stems: dict[str, str] = {}
        self._common: dict[bytes, int] = {}
        """The kinds of the words met first, up to COMMON_WORDS of them (see _flags)."""
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
        kinds.update(dict.fromkeys(new, 0))
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
            kinds[raw] = _HIT_FLAG
            self._singles[raw] = [h for h in hits if len(self.patterns[h[0]].words) == 1]
            anchored = [h for h in hits if len(self.patterns[h[0]].words) > 1]
            if anchored:
                kinds[raw] = _ANCHOR_FLAG
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

    def _flags(self, tokens: list[bytes]) -> bytearray:
        """Each word's kind (1 for a new word), looked up first among the words of the first batches
        scanned (up to COMMON_WORDS of them), which hold the frequent ones: a dict that small stays
        in the processor's cache, where looking up most words costs far less than in the dict of
        every word seen."""
        common, kinds = self._common, self._kinds
        if not common:
            # the first batch's words are all new: learn them now and keep their kinds
            first = set(tokens)
            self._learn(first)
            common.update((t, kinds[t]) for t in first)
        flags = bytearray(map(common.get, tokens, repeat(_UNCOMMON_FLAG)))
        if _UNCOMMON_FLAG in flags:
            grow = len(common) < COMMON_WORDS
            for m in _UNCOMMON.finditer(flags):
                pos = m.start()
                kind = flags[pos] = kinds.get(tokens[pos], 1)
                if grow and kind != 1:
                    common[tokens[pos]] = kind
        return flags

    def _flagged(self, texts: list[str], words_of: list[set[bytes]] | None) -> tuple[list[bytes], bytearray]:
        """The words of the texts (each text followed by a break) and each word's kind (see _kinds),
        new words learned first.

        words_of: where to add each text's distinct words (UTF-8, as `words` gives them).
        """
        tokens = _tokens_with_breaks(texts)
        # one C-speed pass: each known word's kind, 1 for a new word
        flags = self._flags(tokens)
        if words_of is not None:
            begin = 0
            for end in map(_match_start, _BREAKS.finditer(flags)):
                words_of.append(set(tokens[begin:end]))
                begin = end + 1
        if 1 in flags:
            new = list(map(_match_start, _NEW.finditer(flags)))
            self._learn({tokens[pos] for pos in new})
            kinds = self._kinds
            for pos in new:
                flags[pos] = kinds[tokens[pos]]
        return tokens, flags

    def scan_fields(self, texts: list[str], words_of: list[set[bytes]] | None = None) -> list[dict[int, FieldHit]]:
        """Every pattern found in each text, with its best similarity, count and position (token
        indices in that text). Texts are scanned together, so callers pass the fields of many
        papers at once: the per-text cost is then a few C-speed passes over all the words.

        The fuzzy comparisons happen once per distinct word of the whole listing (see `_learn`);
        per occurrence, only the words that can start a pattern are visited in Python.
        words_of: where to add each text's distinct words (UTF-8, as `words` gives them).
        """
        tokens, flags = self._flagged(texts, words_of)
        outs: list[dict[int, FieldHit]] = [{} for _ in texts]
        patterns, add, window, anchors = self.patterns, self._add, self._window, self._anchors
        k, begin_k = 0, 0
        out = outs[0] if outs else {}
        seen: dict[bytes, list[int]] = {}
        """Hit word -> [first index, count] in the current text."""
        # only the flagged positions are visited, found by a C-speed search of the flags
        for pos in map(_match_start, _FLAGGED.finditer(flags)):
            flag = flags[pos]
            if flag == _BREAK_FLAG:
                if seen:
                    self._add_words(out, seen, begin_k)
                k, begin_k = k + 1, pos + 1
                if k < len(outs):
                    out = outs[k]
                continue
            token = tokens[pos]
            where = seen.get(token)
            if where is None:
                seen[token] = [pos, 1]
            else:
                where[1] += 1
            if flag == _ANCHOR_FLAG:
                for i, _ in anchors[token]:
                    sim, begin, end = window(patterns[i], tokens, pos)
                    if sim:
                        add(out, i, sim, begin - begin_k, end - begin_k, 1)
        return outs

    def tally_fields(self, texts: list[str], words_of: list[set[bytes]] | None = None) -> list[dict[int, FieldHit]]:
        """scan_fields without the positions (each hit's start and end are 0): the best similarity
        and the count of each pattern, all that a score needs. The hit words are picked out at C
        speed and counted per text, and only anchors are visited where they stand: past the shared
        tokenising, an eighth fewer instructions than scan_fields on crawl papers."""
        tokens, flags = self._flagged(texts, words_of)
        outs: list[dict[int, FieldHit]] = []
        singles = self._singles
        counts: dict[bytes, int] = {}
        for token in compress(tokens, flags.translate(_HITS_AND_BREAKS)):
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
        if _ANCHOR_FLAG in flags:
            breaks = list(map(_match_start, _BREAKS.finditer(flags)))
            patterns, window, anchors = self.patterns, self._window, self._anchors
            for pos in map(_match_start, _ANCHORS.finditer(flags)):
                for i, _ in anchors[tokens[pos]]:
                    sim = window(patterns[i], tokens, pos)[0]
                    if sim:
                        self._add(outs[bisect_left(breaks, pos)], i, sim, 0, 0, 1)
        return outs

    def _add_words(self, out: dict[int, FieldHit], seen: dict[bytes, list[int]], begin: int) -> None:
        """The one-word patterns of the hit words seen in a text, then forgets those words."""
        singles = self._singles
        for token, (first, n) in seen.items():
            start = first - begin
            for i, sim in singles[token]:
                hit = out.get(i)  # as in _add, inlined: this runs for most hits
                if hit is None:
                    out[i] = FieldHit(sim, n, start, start + 1)
                else:
                    hit.add(sim, n, start, start + 1)
        seen.clear()

    @staticmethod
    def _add(out: dict[int, FieldHit], i: int, sim: float, begin: int, end: int, count: int) -> None:
        hit = out.get(i)
        if hit is None:
            out[i] = FieldHit(sim, count, begin, end)
        else:
            hit.add(sim, count, begin, end)

    @staticmethod
    def matched_text(text: str, start: int, end: int) -> str:
        """The words from token start to token end as written in text (original case and hyphens)."""
        spans = word_spans(text, end)
        if end > len(spans) or start >= end:
            return " ".join(_WORD.findall(fold(text))[start:end])
        return text[spans[start][0]:spans[end - 1][1]]

    def occurrences(self, text: str, wanted: set[int]) -> list[tuple[int, int, int]]:
        """Every place in text where one of the wanted patterns matches, as (pattern, first token,
        end token): what the shown matches highlight (scan_fields keeps only each one's best)."""
        tokens, flags = self._flagged([text], None)
        found: list[tuple[int, int, int]] = []
        for pos in map(_match_start, _FLAGGED.finditer(flags)):
            if flags[pos] == _BREAK_FLAG:
                continue
            token = tokens[pos]
            found += [(i, pos, pos + 1) for i, _ in self._singles.get(token, ()) if i in wanted]
            for i, _ in self._anchors.get(token, ()) if flags[pos] == _ANCHOR_FLAG else ():
                if i in wanted:
                    sim, begin, end = self._window(self.patterns[i], tokens, pos)
                    if sim:
                        found.append((i, begin, end))
        return sorted(set(found), key=lambda f: (f[1], f[2], f[0]))

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
