"""`suggest` as a YAML snippet to paste into the profile, with the counts behind each line as comments."""

from __future__ import annotations

from typing import TextIO

from papertriage.exports import printable
from papertriage.suggest import Suggestion, Suggestions


def _quoted(text: str) -> str:
    return '"' + printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _weight(s: Suggestion) -> str:
    return f"{max(0.5, round(s.weight * 2) / 2):g}"


def write(s: Suggestions, out: TextIO) -> None:
    lines = [f"# suggestions for profile {_quoted(s.profile)} from {s.keeps} keeps and {s.skips} skips",
             "# (kept / skipped: how many decided papers hold the word; weight: what the decisions taught it)"]
    if s.terms or s.phrases:
        lines.append("terms:")
        for t in s.terms:
            lines.append(f"  - {{term: {_quoted(t.text)}, weight: {_weight(t)}}}   # kept {t.kept} / skipped {t.skipped}")
        for t in s.phrases:
            lines.append(f"  - {{term: {_quoted(t.text)}, weight: {_weight(t)}}}   # phrase, kept {t.kept} / "
                         f"skipped {t.skipped}")
    else:
        lines.append("# no word or phrase separates the kept papers from the skipped ones yet")
    if s.excludes:
        lines.append("exclude:")
        for t in s.excludes:
            lines.append(f"  - {_quoted(t.text)}   # kept {t.kept} / skipped {t.skipped}")
    if s.skipped_terms:
        lines.append("# terms of the profile whose matches were mostly skipped (lower their weight or drop them):")
        for t in s.skipped_terms:
            lines.append(f"#   {printable(t.text)}: matched {t.kept} kept, {t.skipped} skipped")
    out.write("\n".join(lines) + "\n")
