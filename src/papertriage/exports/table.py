"""The ranked table for the terminal: laid out for its width, matched words highlighted, a way to
each paper, and nothing the terminal would run."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from rich.text import Text

from papertriage.exports import (
    ExportOptions,
    authors_short,
    excerpt,
    link_for,
    printable,
    safe_url,
    short_id,
    strip_controls,
    terms_found,
)
from papertriage.models import Scored

if TYPE_CHECKING:
    from rich.console import Console

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\s]+")

WIDE = 120
"""From this width on, profile, matched terms, date and upvotes each have a column."""
MEDIUM = 100
"""From this width on (below WIDE), profile and matched terms keep their columns, date and
upvotes go under the title; below it every fact goes under the title (only #, score, paper)."""

STYLES = {"whole": "bold yellow", "partial": "dim underline", "learned": "dim italic"}
"""How a highlighted word shows, by what it is (see Scorer.highlights)."""


def _flat(text: str) -> str:
    """Escapes and control characters removed, whitespace runs as single spaces (spans keep their gaps)."""
    return _CONTROL_OR_SPACE.sub(" ", strip_controls(text))


def highlighted(text: str, spans: list[tuple[int, int, str]], base: str = "") -> Text:
    """text with each span styled by its kind; overlapping spans shown once, the longest first.
    Text() never interprets markup, so "[bold red]" in a title stays literal."""
    out = Text(style=base)
    last = 0
    for a, b, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if a < last:
            continue
        out.append(_flat(text[last:a]))
        out.append(_flat(text[a:b]), style=STYLES.get(kind, STYLES["whole"]))
        last = b
    out.append(_flat(text[last:]))
    return out


def terms_cell(s: Scored) -> Text:
    """The terms matched whole, then (dim, labelled) those found only in part and the learned words."""
    found = terms_found(s)
    cell = Text(printable(", ".join(found.whole)))
    for label, items in (("partly: ", found.partial), ("related: ", found.learned), ("decisions: ", found.decided)):
        if items:
            if cell:
                cell.append("; ")
            cell.append(printable(label + ", ".join(items)), style="dim")
    return cell


def _link_text(s: Scored, links: bool) -> Text:
    """The way to the paper: its id, clickable where the terminal takes hyperlinks (OSC 8), else the
    link written out."""
    url = safe_url(link_for(s.paper))
    ident = short_id(s.paper)
    if url and links:
        label = ident or ("search huggingface.co" if "huggingface.co/papers?q=" in url else url.split("/")[2])
        return Text(printable(label), style=f"link {url}")
    return Text(url or printable(ident), style="dim")


def _paper_cell(s: Scored, options: ExportOptions, stacked: bool, columns: set[str],
                spans: dict[str, list[tuple[int, int, str]]]) -> Text:
    """Title (clickable when links are on), then the facts that have no column of their own,
    then (stacked) the matched terms, the link, and the excerpt with --abstracts."""
    p = s.paper
    url = safe_url(link_for(p))
    title = highlighted(p.title or "(untitled)", spans.get("title", []), base="bold")
    if options.links and url:
        title.stylize(f"link {url}")
    cell = Text()
    cell.append_text(title)
    facts = [] if "profile" in columns else [printable(s.profile or "-")]
    if "date" not in columns and p.published:
        facts.append(p.published)
    if "upvotes" not in columns and p.upvotes is not None:
        facts.append(f"▲ {p.upvotes}")
    who = authors_short(p)
    if who:
        facts.append(who)
    meta = Text(" · ".join(facts), style="dim")
    link = _link_text(s, options.links)
    if link and options.links:  # a short clickable id goes on the line of facts
        meta.append(" · " if meta else "", style="dim")
        meta.append_text(link)
    for line in (meta, link if not options.links else None):
        if line:
            cell.append("\n")
            cell.append_text(line)
    if stacked:
        terms = terms_cell(s)
        if terms:
            cell.append("\n")
            cell.append_text(terms)
    if options.abstracts and p.abstract:
        text, shifted = excerpt(p.abstract, spans.get("abstract", []))
        cell.append("\n")
        cell.append_text(highlighted(text, shifted))
    return cell


def layout(width: int) -> tuple[bool, set[str]]:
    """(stacked, the columns beside #, score and the paper) for a terminal this wide: columns are
    dropped by priority (upvotes and date first, then profile and matched terms); title and score
    never go, and what has no column goes under the title, so nothing is cut."""
    if width >= WIDE:
        return False, {"profile", "matched", "date", "upvotes"}
    if width >= MEDIUM:
        return False, {"profile", "matched"}
    return True, set()


def console_for(out: TextIO, options: ExportOptions) -> Console:
    from rich.console import Console

    return Console(file=out, no_color=not options.color, color_system="auto" if options.color else None,
                   force_terminal=options.color, width=options.width, highlight=False, markup=False,
                   emoji=False, legacy_windows=False)


def write(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    from rich import box
    from rich.table import Table

    from papertriage.scoring import Scorer

    console = console_for(out, options)
    stacked, columns = layout(console.width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, padding=(0, 1))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("paper", ratio=1, overflow="fold")
    if "profile" in columns:
        table.add_column("profile", max_width=18, overflow="fold")
    if "matched" in columns:
        table.add_column("matched", max_width=28 if "date" in columns else 24, overflow="fold")
    if "date" in columns:
        table.add_column("date", no_wrap=True)
    if "upvotes" in columns:
        table.add_column("▲", justify="right", no_wrap=True)
    scorer = Scorer(options.scored_with) if options.scored_with else None
    for n, s in enumerate(results, 1):
        spans = scorer.highlights(s) if scorer else {}
        row: list[Text | str] = [str(n), f"{s.score:.2f}", _paper_cell(s, options, stacked, columns, spans)]
        if "profile" in columns:
            row.append(Text(printable(s.profile or "-")))
        if "matched" in columns:
            row.append(terms_cell(s))
        if "date" in columns:
            row.append(s.paper.published or "")
        if "upvotes" in columns:
            row.append("" if s.paper.upvotes is None else str(s.paper.upvotes))
        table.add_row(*row)
        if n < len(results):
            table.add_row()
    console.print(table)
    shown = f"{len(results)} of {options.total} papers shown"
    if options.sort != "score":
        shown += f", sorted by {options.sort}"
    console.print(Text(shown, style="dim"))
