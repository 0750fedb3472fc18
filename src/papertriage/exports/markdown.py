"""A Markdown reading list: a checkbox per paper, grouped by profile, safe to render anywhere."""

from __future__ import annotations

import re
from datetime import date
from typing import TextIO

from papertriage.exports import ExportOptions, first_sentences, link_for, printable, terms_found
from papertriage.models import Scored

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~=$-])")


def md_text(text: str) -> str:
    """Inline text that cannot open HTML, a link, an image, a list, a heading or a table cell."""
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _front_matter(results: list[Scored], options: ExportOptions) -> list[str]:
    lines = ["---", f"date: {date.today().isoformat()}"]
    if options.sources:
        lines.append("sources:")
        lines += [f"  - {_yaml_str(s)}" for s in options.sources]
    if options.profiles:
        lines.append("profiles:")
        lines += [f"  - {_yaml_str(s)}" for s in options.profiles]
    lines += [f"papers: {options.total}", f"shown: {len(results)}", "---", ""]
    return lines


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    lines = _front_matter(results, options)
    lines += ["# Reading list", ""]
    groups: dict[str, list[tuple[int, Scored]]] = {}
    for n, s in enumerate(results, 1):
        groups.setdefault(s.profile or "unmatched", []).append((n, s))
    for profile, items in groups.items():
        lines += [f"## {md_text(profile)} ({len(items)})", ""]
        for _, s in items:
            p = s.paper
            title = md_text(p.title) or "(untitled)"
            link = link_for(p)
            head = f"[{title}]({_url(link)})" if link else title
            facts = [f"score {s.score:g}"]
            if p.published:
                facts.append(p.published)
            if p.upvotes is not None:
                facts.append(f"▲ {p.upvotes}")
            lines.append(f"- [ ] {head} — {' · '.join(facts)}")
            found = terms_found(s)
            if found.whole:
                lines.append(f"  - matched: {', '.join(md_text(t) for t in found.whole)}")
            if found.partial:
                lines.append(f"  - partly (single words of a term, not a match): {', '.join(md_text(t) for t in found.partial)}")
            if found.learned:
                lines.append(f"  - related words learned from the listing: {', '.join(md_text(t[1:]) for t in found.learned)}")
            if found.decided:
                lines.append(f"  - learned from your decisions: {', '.join(md_text(t) for t in found.decided)}")
            excerpt = first_sentences(p.abstract)
            if excerpt:
                lines.append(f"  - {md_text(excerpt)}")
        lines.append("")
    out.write("\n".join(lines).rstrip("\n") + "\n")
