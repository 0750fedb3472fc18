"""Rendering of `profiles --lint`: a table per term from MEDIUM columns, below that one block per
term, so every count and warning stays readable at 60 columns."""

from __future__ import annotations

from typing import TextIO

from rich.text import Text

from papertriage.exports import ExportOptions, printable
from papertriage.exports.table import MEDIUM, console_for
from papertriage.lint import TermReport
from papertriage.models import Profile

LEGEND = ("papers: those the term (or an alias) matches whole, what rank shows as a match; only words: those "
          "holding some of its words but not the term (partial credit, not shown); rarity is counted on both")


def render_lint(reports: list[TermReport], calibrated: list[Profile], title: str, out: TextIO, color: bool,
                width: int | None = None) -> None:
    from rich.table import Table

    console = console_for(out, ExportOptions(color=color, width=width))
    console.print(Text(printable(title), style="bold"))
    console.print(Text(LEGEND, style="dim"))
    if console.width < MEDIUM:
        for r in reports:
            console.print(Text(f"{printable(r.profile)} · {printable(r.term)}", style="bold"))
            console.print(Text(f"  papers {r.papers} ({r.share:.0%}) · only words {r.partly} · rarity {r.rarity:g}"))
            for warning in r.warnings:
                console.print(Text(f"  ! {printable(warning)}"))
    else:
        table = Table()
        for col in ("profile", "term", "papers", "%", "only words", "rarity", "warning"):
            table.add_column(col, justify="left" if col in ("profile", "term", "warning") else "right", overflow="fold")
        for r in reports:
            table.add_row(Text(printable(r.profile)), Text(printable(r.term)), str(r.papers), f"{r.share:.0%}",
                          str(r.partly), f"{r.rarity:g}", Text(printable("; ".join(r.warnings))))
        console.print(table)
    for prof in calibrated:
        if prof.learned:
            console.print(Text(printable(f"{prof.name}: rank learns these related words from the listing: "
                                         f"{', '.join(prof.learned)} (make one a term or alias to weigh it yourself)")))
