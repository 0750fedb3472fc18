"""The input and output formats as `papertriage formats` lists them, from the two registries."""

from __future__ import annotations

from typing import TextIO


def render_formats(out: TextIO) -> None:
    from papertriage.exports import formats
    from papertriage.sources import SOURCES

    out.write("Input formats (detected from the content; force one with --from NAME):\n")
    for s in SOURCES:
        out.write(f"  {s.name:<16} {s.description}\n")
        out.write(f"  {'':<16} detected by: {s.detection}\n")
        out.write(f"  {'':<16} e.g.: papertriage rank {s.example}\n")
    out.write("  Any of them may be gzip-compressed; '-' reads stdin; a directory reads every file in it.\n")
    out.write("\n")
    out.write("Output formats (rank --format NAME):\n")
    for name, desc in formats().items():
        out.write(f"  {name:<16} {desc}\n")
