"""Rendering of `simulate`: the figures as a table or JSON, or the screening order as JSON Lines."""

from __future__ import annotations

import json
from typing import Sequence, TextIO

from papertriage.models import Paper
from papertriage.simulate import Simulation

ROWS = [("papers", "papers"), ("relevant", "relevant"), ("average_precision", "AP of the screening order"),
        ("recall_at_10pct", "recall after 10% screened"), ("recall_at_20pct", "recall after 20% screened"),
        ("wss_at_95", "WSS@95"), ("screened_to_95", "screened to reach 95% recall"),
        ("screened_to_100", "screened to reach 100% recall"), ("stop_step", "suggested stop (papers screened)"),
        ("recall_at_stop", "recall at the suggested stop")]


def render_json(result: Simulation, out: TextIO) -> None:
    json.dump(result.summary(), out, indent=2)
    out.write("\n")


def render_jsonl(result: Simulation, papers: Sequence[Paper], out: TextIO) -> None:
    for step, (i, label) in enumerate(zip(result.order, result.labels, strict=True), 1):
        out.write(json.dumps({"step": step, "id": papers[i].id, "title": papers[i].title, "label": int(label)},
                             ensure_ascii=False) + "\n")


def render_table(result: Simulation, out: TextIO, color: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, no_color=not color, force_terminal=color, color_system="auto" if color else None,
                      highlight=False, markup=False, emoji=False)
    table = Table(show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    values = result.summary()
    for key, label in ROWS:
        value = values[key]
        table.add_row(label, "never" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)
