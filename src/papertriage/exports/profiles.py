"""The profiles as `papertriage profiles` lists them: each one's terms, weights, aliases and rules."""

from __future__ import annotations

from typing import TextIO

from papertriage.exports import printable
from papertriage.models import Profile


def render_profiles(profiles: list[Profile], out: TextIO, color: bool) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, no_color=not color, highlight=False, markup=False, emoji=False)
    for p in profiles:
        console.print(Text(printable(f"{p.name}: {p.description}" if p.description else p.name), style="bold"))
        for t in p.terms:
            extra = f" (aliases: {printable(', '.join(t.aliases))})" if t.aliases else ""
            console.print(Text(f"  {printable(t.term)}  weight {t.weight:g}{' exact' if t.exact else ''}{extra}"))
        if p.exclude:
            console.print(Text("  exclude: " + printable(", ".join(p.exclude))))
        if p.require:
            console.print(Text("  require: " + printable(", ".join(p.require))))
