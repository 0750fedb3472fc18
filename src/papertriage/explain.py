"""Why a paper scored what it did: every match of every profile, and the total rank shows."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from papertriage.models import Paper, Profile, Scored
from papertriage.scoring import SATURATION, Scorer


@dataclass
class Explanation:
    paper: Paper
    per_profile: list[tuple[Profile, Scored]]
    best: Scored


def explain(paper: Paper, profiles: list[Profile]) -> Explanation:
    scorer = Scorer(profiles)
    per = [(p, scorer.score_for(paper, p.name)) for p in profiles]
    return Explanation(paper, per, scorer.score(paper))


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


def render_table(report: Explanation, out: TextIO, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from papertriage.exports import printable

    console = Console(file=out, no_color=not color, force_terminal=color, color_system="auto" if color else None,
                      highlight=False, markup=False, emoji=False)
    console.print(Text(printable(report.paper.title), style="bold"))
    console.print(Text(printable(f"{report.paper.id} · {report.paper.published or 'no date'}"), style="dim"))
    console.print(Text(
        f"contribution = term weight × rarity × field weight × similarity/100 × saturation(count) × share, "
        f"saturation(c) = c·{SATURATION + 1:g}/(c+{SATURATION:g}); ~word: a related word learned from the listing",
        style="dim"))
    for profile, scored in report.per_profile:
        coverage = scored.matches[0].coverage if scored.matches else 1.0
        scaled = f" (every contribution × coverage {coverage:g}: the share of its concepts matched)" if coverage != 1 else ""
        table = Table(title=f"{profile.name}: {scored.score:g}{scaled}", title_justify="left")
        for col in ("term", "field", "matched text", "similarity", "count", "term w", "rarity", "field w", "share",
                    "contribution"):
            table.add_column(col, justify="right" if col not in ("term", "field", "matched text") else "left")
        for m in scored.matches:
            table.add_row(Text(("~" if m.learned else "") + printable(m.term)), m.field, Text(printable(m.text)),
                          f"{m.similarity:g}", str(m.count), f"{m.term_weight:g}", f"{m.rarity:g}",
                          f"{m.field_weight:g}", f"{m.share:g}", f"{m.contribution:g}")
        if not scored.matches:
            why = "no term matched, or an exclude/require/min_score rule dropped it"
            table.add_row("-", "-", why, "", "", "", "", "", "", "0")
        console.print(table)
    console.print(Text(f"score {report.best.score:g} (profile: {report.best.profile or 'none'})", style="bold"))
