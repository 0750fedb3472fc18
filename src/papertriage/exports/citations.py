"""BibTeX and RIS exports, so the picks import into Zotero, Mendeley and JabRef."""

from __future__ import annotations

import re
from typing import TextIO

from papertriage.exports import ExportOptions, link_for, printable
from papertriage.models import Paper, Scored, normalised_title

_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
                "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib_value(text: str) -> str:
    return "".join(_BIB_SPECIAL.get(c, c) for c in printable(text))


def _year(p: Paper) -> str | None:
    return p.published[:4] if p.published else None


def _key(p: Paper, used: set[str]) -> str:
    first = re.sub(r"[^A-Za-z]", "", (p.authors[0].split(",")[0].split()[-1] if p.authors else "")) or "paper"
    word = next((w for w in normalised_title(p.title).split() if len(w) > 3), "untitled")
    base = f"{first.lower()}{_year(p) or ''}{re.sub(r'[^a-z0-9]', '', word)}"
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2) if n <= 27 else n}"
    used.add(key)
    return key


def write_bibtex(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    used: set[str] = set()
    for s in results:
        p = s.paper
        fields = [("title", "{" + _bib_value(p.title) + "}")]
        if p.authors:
            fields.append(("author", _bib_value(" and ".join(p.authors))))
        if _year(p):
            fields.append(("year", _year(p) or ""))
        if p.abstract:
            fields.append(("abstract", _bib_value(p.abstract)))
        url = link_for(p)
        if url:
            fields.append(("url", url.replace("{", "%7B").replace("}", "%7D")))
        if p.doi:
            fields.append(("doi", _bib_value(p.doi)))
        if p.arxiv_id:
            fields += [("eprint", p.arxiv_id), ("archiveprefix", "arXiv")]
            if p.categories:
                fields.append(("primaryclass", _bib_value(p.categories[0])))
        fields.append(("note", _bib_value(f"papertriage score {s.score:g}" + (f", profile {s.profile}" if s.profile else ""))))
        kind = "article" if p.doi else "misc"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        out.write(f"@{kind}{{{_key(p, used)},\n{body}\n}}\n\n")


def write_ris(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    for s in results:
        p = s.paper
        lines = ["TY  - JOUR" if p.doi else "TY  - GEN", f"TI  - {printable(p.title)}"]
        lines += [f"AU  - {printable(a)}" for a in p.authors]
        if _year(p):
            lines.append(f"PY  - {_year(p)}")
        if p.published and len(p.published) == 10:
            lines.append(f"DA  - {p.published.replace('-', '/')}")
        if p.abstract:
            lines.append(f"AB  - {printable(p.abstract)}")
        url = link_for(p)
        if url:
            lines.append(f"UR  - {url}")
        if p.doi:
            lines.append(f"DO  - {printable(p.doi)}")
        if p.arxiv_id:
            lines.append(f"AN  - arXiv:{p.arxiv_id}")
        lines += [f"KW  - {printable(c)}" for c in p.categories]
        lines.append(f"N1  - papertriage score {s.score:g}" + (f", profile {printable(s.profile)}" if s.profile else ""))
        lines.append("ER  - ")
        out.write("\r\n".join(lines) + "\r\n\r\n")
