"""Rendering of `explain`: JSON for scripts; for people a table per profile, or below MEDIUM columns
one block per match, so every number stays readable at 60 columns."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from rich.text import Text

from papertriage.explain import Explanation
from papertriage.exports import ExportOptions, authors_short, link_for, printable, safe_url
from papertriage.exports.table import MEDIUM, console_for
from papertriage.models import Match
from papertriage.scoring import SATURATION

COLUMNS = ("term", "field", "matched text", "similarity", "count", "term w", "rarity", "field w", "share",
           "contribution")


def to_dict(report: Explanation) -> dict[str, Any]:
    return {
        "paper": report.paper.to_dict(),
        "score": report.best.score,
        "profile": report.best.profile,
        "profiles": [
            {"profile": p.name, "score": s.score, "matches": [asdict(m) for m in s.matches]}
            for p, s in report.per_profile
        ],
    }


def render_json(report: Explanation, out: TextIO) -> None:
    json.dump(to_dict(report), out, ensure_ascii=False, indent=2)
    out.write("\n")


def _term(m: Match) -> str:
    """The term as explain names it: ~word for a related word learned from the listing, +word or
    -word for a word learned from decisions, (part) for a lone word of a term."""
    if m.learned:
        return "~" + printable(m.term)
    if m.from_decisions:
        return ("+" if m.contribution >= 0 else "-") + printable(m.term)
    return printable(m.term) + (" (part)" if m.share < 1 else "")


def render_table(report: Explanation, out: TextIO, color: bool, width: int | None = None) -> None:
    from rich.table import Table

    console = console_for(out, ExportOptions(color=color, width=width))
    paper = report.paper
    console.print(Text(printable(paper.title), style="bold"))
    facts = [paper.id, paper.published or "no date", authors_short(paper)]
    url = safe_url(link_for(paper))
    console.print(Text(" · ".join(f for f in facts if f) + (f"\n{url}" if url else ""), style="dim"))
    console.print(Text(
        f"contribution = term weight × rarity × field weight × similarity/100 × saturation(count) × share, "
        f"saturation(c) = c·{SATURATION + 1:g}/(c+{SATURATION:g}); ~word: a related word learned from the listing; "
        "+word/-word: a word learned from your decisions; "
        "(part): a word of a multi-word term found without the rest (partial credit, not a match)", style="dim"))
    narrow = console.width < MEDIUM
    for profile, scored in report.per_profile:
        coverage = scored.matches[0].coverage if scored.matches else 1.0
        scaled = f" (every contribution × coverage {coverage:g}: the share of its concepts matched)" if coverage != 1 else ""
        title = f"{printable(profile.name)}: {scored.score:g}{scaled}"
        if narrow:
            console.print(Text(title, style="bold"))
            for m in scored.matches:
                head = Text(f"  {_term(m)}", style="bold" if m.whole else "dim")
                head.append(f" · {m.field} · ")
                head.append(printable(m.text) or "-")
                console.print(head)
                console.print(Text(f"    {m.term_weight:g} × {m.rarity:g} × {m.field_weight:g} × {m.similarity:g}/100 × "
                                   f"sat({m.count}) × {m.share:g} = {m.contribution:g}"))
            if not scored.matches:
                console.print(Text("  no term matched, or an exclude/require/min_score rule dropped it"))
            continue
        table = Table(title=title, title_justify="left")
        for col in COLUMNS:
            table.add_column(col, justify="left" if col in ("term", "field", "matched text") else "right",
                             overflow="fold")
        for m in scored.matches:
            table.add_row(Text(_term(m)), m.field, Text(printable(m.text)), f"{m.similarity:g}", str(m.count),
                          f"{m.term_weight:g}", f"{m.rarity:g}", f"{m.field_weight:g}", f"{m.share:g}",
                          f"{m.contribution:g}")
        if not scored.matches:
            why = "no term matched, or an exclude/require/min_score rule dropped it"
            table.add_row("-", "-", why, "", "", "", "", "", "", "0")
        console.print(table)
    best = report.best
    console.print(Text(f"score {best.score:g} (profile: {best.profile or 'none'})", style="bold"))
    if best.partial_only:
        console.print(Text("no term of the profile matched whole (only lone words of terms or learned words): rank "
                           "leaves this paper out unless --show-partial", style="dim"))
