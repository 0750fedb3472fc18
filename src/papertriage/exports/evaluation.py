"""Rendering of `evaluate` results: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TextIO

from papertriage.evaluation import Metrics

COLUMNS = [("papers", "papers"), ("positives", "kept"), ("average_precision", "AP"), ("recall_at_10pct", "R@10%"),
           ("recall_at_20pct", "R@20%"), ("wss_at_95", "WSS@95"), ("precision_at_10", "P@10"), ("ndcg_at_10", "nDCG@10")]


def render_json(results: dict[str, Metrics], out: TextIO) -> None:
    json.dump([{"profile": name, **asdict(m)} for name, m in results.items()], out, indent=2)
    out.write("\n")


def render_table(results: dict[str, Metrics], out: TextIO, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, no_color=not color, force_terminal=color, color_system="auto" if color else None,
                      highlight=False, markup=False, emoji=False)
    table = Table()
    table.add_column("profile")
    for _, label in COLUMNS:
        table.add_column(label, justify="right")
    for name, m in results.items():
        values = asdict(m)
        table.add_row(Text(name), *(str(values[k]) if isinstance(values[k], int) else f"{values[k]:.3f}"
                                    for k, _ in COLUMNS))
    console.print(table)
