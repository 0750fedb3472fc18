"""Where a paper's title and abstract match its profile: the spans the review screen colours, by kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from rich.text import Text

from papertriage.exports import strip_controls
from papertriage.matching import Matcher, compile_pattern
from papertriage.models import Paper, field_text
from papertriage.scoring import Scorer

TERM, PART, LEARNED, AGAINST, EXCLUDE = "term", "part", "learned", "against", "exclude"
KINDS = (PART, AGAINST, LEARNED, TERM, EXCLUDE)
"""Lowest priority first: where spans overlap, the later kind is shown (an exclude term always is)."""


@dataclass(frozen=True)
class Span:
    """Characters start..end of a field's text matched a pattern of this kind."""

    start: int
    end: int
    kind: str


class Highlighter:
    """The spans of one profile's patterns in a paper's scored fields, with the kind of each:

    - term: a term or alias of the profile (or a `require` term), found whole;
    - part: a word of a multi-word term found where the whole term is not (it earns partial credit);
    - learned: a related word calibration learned from the listing, or a word the decisions taught
      to count for the paper; against: a word the decisions taught to count against it;
    - exclude: an `exclude` term (the paper leaves the profile).
    """

    def __init__(self, scorer: Scorer, profile: str) -> None:
        compiled = next(cp for cp in scorer.compiled if cp.profile.name == profile)
        self.scorer = scorer
        self.fields = [name for name, _ in compiled.profile.fields]
        self.kinds: list[dict[int, str]] = []
        """Per field of the profile (a term may be scoped to some): pattern -> its kind there."""
        self.whole: list[dict[int, set[int]]] = []
        """Per field: part pattern -> the whole-term patterns of the terms it is a word of."""
        for concepts_of, parts_of in zip(compiled.concepts_of, compiled.parts_of, strict=True):
            kind: dict[int, str] = {}
            for i, concepts in concepts_of.items():
                kind[i] = LEARNED if all(compiled.concepts[c].learned for c in concepts) else TERM
            for i in compiled.require:
                kind.setdefault(i, TERM)
            for i in parts_of:
                kind.setdefault(i, PART)
            for i in compiled.exclude:
                kind[i] = EXCLUDE
            self.kinds.append(kind)
            self.whole.append({i: {p for p, cs in concepts_of.items() if set(cs) & set(concepts)}
                               for i, concepts in parts_of.items()})

    def spans(self, paper: Paper, taught: Sequence[tuple[str, float]] = ()) -> dict[str, list[Span]]:
        """Per scored field of the paper, the spans of its text that match, in text order.

        taught: words learned from decisions, with their weight (below 0: against the paper); they
        match as the learned terms do, exactly with their inflections.
        """
        extra = Matcher([compile_pattern(w, exact=True) for w, _ in taught])
        kinds = [LEARNED if weight > 0 else AGAINST for _, weight in taught]
        return {name: self.field_spans(field_text(paper, name) or "", f, extra, kinds) for f, name in enumerate(self.fields)}

    def field_spans(self, text: str, field: int = 0, extra: Matcher | None = None,
                    extra_kinds: Sequence[str] = ()) -> list[Span]:
        """The spans of text, as the profile's field number `field`."""
        kind_of, whole = self.kinds[field], self.whole[field]
        found = self.scorer.matcher.places(text, set(kind_of))
        present = {i for i, _, _ in found}
        out = []
        for i, a, b in found:
            kind = kind_of[i]
            if kind == PART and whole[i] & present:
                continue  # the whole term is in this field: its words earn nothing apart
            out.append(Span(a, b, kind))
        if extra is not None and extra.patterns:
            out += [Span(a, b, extra_kinds[i]) for i, a, b in extra.places(text, set(range(len(extra.patterns))))]
        return sorted(set(out), key=lambda s: (s.start, s.end, KINDS.index(s.kind)))


def painted(text: str, spans: Iterable[Span], styles: Mapping[str, str]) -> Text:
    """text as rich Text with each span in its kind's style (the highest kind where spans overlap);
    escapes and control characters removed piece by piece, so the spans stay in place."""
    rank = [-1] * len(text)
    for s in spans:
        k = KINDS.index(s.kind)
        for c in range(s.start, min(s.end, len(text))):
            if k > rank[c]:
                rank[c] = k
    out = Text()
    start = 0
    for c in range(1, len(text) + 1):
        if c == len(text) or rank[c] != rank[start]:
            piece = strip_controls(text[start:c])
            out.append(piece, style=styles[KINDS[rank[start]]] if rank[start] >= 0 else "")
            start = c
    return out
