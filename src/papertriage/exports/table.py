"""The ranked table for the terminal, with matched words highlighted and nothing the terminal would run."""

from __future__ import annotations

import re
from typing import TextIO

from rich.text import Text

from papertriage.exports import ExportOptions, first_sentences, printable, strip_controls, terms_found
from papertriage.models import Scored

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\s]+")


def _highlighted(text: str, spans: list[tuple[int, int]], style: str = "bold yellow") -> Text:

    # Text() never interprets markup, so "[bold red]" in a title stays literal.
    out = Text()
    last = 0
    for a, b in sorted(spans):
        if a < last:
            continue
        out.append(_flat(text[last:a]))
        out.append(_flat(text[a:b]), style=style)
        last = b
    out.append(_flat(text[last:]))
    return out


def _flat(text: str) -> str:
    """Escapes and control characters removed, whitespace runs as single spaces (spans keep their gaps)."""
    return _CONTROL_OR_SPACE.sub(" ", strip_controls(text))


def matched_spans(s: Scored, field: str, text: str) -> list[tuple[int, int]]:
    """Where the words a field matched appear in text (found again: a Match keeps only its best text)."""
    from papertriage.matching import _WORD, fold

    wanted = {fold(w) for m in s.matches if m.field == field for w in _WORD.findall(m.text)}
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if fold(m.group(0)) in wanted]


def _terms_cell(s: Scored) -> Text:
    """The terms matched whole, then (dim, labelled) those found only in part and the learned words."""
    found = terms_found(s)
    cell = Text(printable(", ".join(found.whole)))
    for label, items in (("partly: ", found.partial), ("related: ", found.learned)):
        if items:
            if cell:
                cell.append("; ")
            cell.append(printable(label + ", ".join(items)), style="dim")
    return cell


def write(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, no_color=not options.color, color_system="auto" if options.color else None,
                      force_terminal=options.color, width=options.width, highlight=False, markup=False,
                      emoji=False)
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("profile", no_wrap=False, max_width=18)
    table.add_column("title", ratio=1, min_width=20)
    table.add_column("matched", max_width=28)
    table.add_column("date", no_wrap=True)
    table.add_column("▲", justify="right", no_wrap=True)
    for n, s in enumerate(results, 1):
        title = _highlighted(s.paper.title, matched_spans(s, "title", s.paper.title))
        if options.abstracts and s.paper.abstract:
            cell = Text()
            cell.append_text(title)
            cell.append("\n")
            excerpt = first_sentences(s.paper.abstract)
            cell.append_text(_highlighted(excerpt, matched_spans(s, "abstract", excerpt), style="yellow"))
            title = cell
        table.add_row(
            str(n), f"{s.score:.2f}", Text(printable(s.profile or "-")), title,
            _terms_cell(s), s.paper.published or "",
            "" if s.paper.upvotes is None else str(s.paper.upvotes),
        )
    console.print(table)
    console.print(Text(f"{len(results)} of {options.total} papers shown", style="dim"))
