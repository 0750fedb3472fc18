"""Decisions in and out: which profile they are for, the papers they name, labelled listings and
ticked reading lists imported as decisions, and what rank learns from the ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from papertriage.errors import ConfigError, InputError
from papertriage.ledger import Decision, Ledger, lookup_keys, paper_keys
from papertriage.models import Paper, Profile, canonical_arxiv_id, canonical_doi, make_paper

KEEP_VALUES = frozenset("1 true yes y keep kept include included relevant".split())
SKIP_VALUES = frozenset("0 false no n skip skipped exclude excluded irrelevant".split())
MAYBE_VALUES = frozenset("maybe".split())
UNDECIDED_VALUES = frozenset(["", "-1", "nan", "none", "null"])
"""A label column's values that mean "not screened yet" (ASReview writes an empty cell or -1)."""
LABEL_COLUMNS = ("label_included", "included", "label", "labels", "decision", "relevant", "kept")


def profile_for(profiles: Sequence[Profile], named: str | None, where: str) -> str:
    """The profile decisions are for: the one named with -p (which must exist where a config is in
    use), or the config's only profile."""
    names = [p.name for p in profiles]
    if named:
        if profiles and named not in names:
            raise ConfigError(f"{where}: no profile named {named!r}; it has: {', '.join(names)}")
        return named
    if len(names) == 1:
        return names[0]
    raise ConfigError(f"{where}: name the profile the decisions are for with -p (one of: {', '.join(names)})")


def resolve(references: Iterable[str], ledger: Ledger, listing: Sequence[Paper] = ()) -> list[Paper]:
    """The papers the references name, looked up in the listing given, then in the ledger; every
    reference must name a paper (InputError naming those that do not, before anything is recorded)."""
    by_key: dict[str, Paper] = {}
    for held in listing:
        for key in paper_keys(held):
            by_key.setdefault(key, held)
    found: list[Paper] = []
    missing: list[str] = []
    for reference in references:
        paper: Paper | None = next((by_key[k] for k in lookup_keys(reference) if k in by_key), None)
        paper = paper or ledger.find(reference)
        if paper is None:
            missing.append(reference)
        else:
            found.append(paper)
    if missing:
        where = "the listings given or the ledger" if listing else "the ledger (papers shown or decided before)"
        raise InputError(f"no paper in {where} is {', '.join(map(repr, missing))}; give its id, arXiv id, DOI, "
                         "title or the start of its title as `rank` shows them, or name the listing that holds it "
                         "with --in LISTING")
    return list({p.id: p for p in found}.values())


def label_decision(value: object, where: str) -> str | None:
    """keep/skip/maybe for a label cell, None for a paper not screened yet; InputError otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    if text in UNDECIDED_VALUES:
        return None
    if text in KEEP_VALUES:
        return "keep"
    if text in SKIP_VALUES:
        return "skip"
    if text in MAYBE_VALUES:
        return "maybe"
    raise InputError(f"{where}: label {str(value)!r} is not a decision; use 1/0, yes/no, true/false "
                     "(or include/exclude, maybe; empty for not screened)")


def labelled_decisions(papers: Iterable[Paper], column: str | None, kept: set[str] | None,
                       where: str) -> list[tuple[Paper, str]]:
    """Decisions from a labelled listing: its label column (named, or the first of LABEL_COLUMNS it
    has), or, with kept (ids and titles from --labels), keep for those and skip for the rest."""
    from papertriage.evaluation import is_kept

    out: list[tuple[Paper, str]] = []
    columns = (column.lower(),) if column else LABEL_COLUMNS
    labelled_any = False
    for n, paper in enumerate(papers, 1):
        if kept is not None:
            out.append((paper, "keep" if is_kept(paper, kept) else "skip"))
            continue
        name = next((c for c in columns if c in paper.extra), None)
        if name is None:
            continue
        labelled_any = True
        decision = label_decision(paper.extra[name], f"{where}: record {n} ({paper.title[:60]!r}), column {name!r}")
        if decision is not None:
            out.append((paper, decision))
    if kept is not None and not any(d == "keep" for _, d in out):
        raise InputError(f"{where}: no paper matches an id or title of the --labels file; nothing was recorded")
    if kept is None and not labelled_any:
        what = f"column {column!r}" if column else "a label column (" + ", ".join(LABEL_COLUMNS) + ")"
        raise InputError(f"{where}: no paper carries {what}; name it with --label-column, or pass --labels FILE")
    return out


_ITEM = re.compile(r"^\s*[-*] \[([ xX])\] (.*)$")
_LINKED = re.compile(r"^\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")
_SECTION = re.compile(r"^## (.*?)(?: \(\d+\))?\s*$")
_MD_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class ListItem:
    """One checkbox of a Markdown reading list written by `rank -f md`."""

    title: str
    link: str | None
    ticked: bool
    section: str | None
    """The profile heading it was listed under."""
    line: int


def _md_plain(text: str) -> str:
    text = _MD_ESCAPE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def reading_list(path: str) -> list[ListItem]:
    """The checkboxes of a Markdown reading list, ticked (`- [x]`) or not."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the reading list ({exc}); give a UTF-8 Markdown file") from None
    items: list[ListItem] = []
    section = None
    for n, line in enumerate(lines, 1):
        heading = _SECTION.match(line)
        if heading:
            section = _md_plain(heading.group(1))
            continue
        item = _ITEM.match(line)
        if not item:
            continue
        rest = item.group(2)
        linked = _LINKED.match(rest)
        if linked:
            title, link = _md_plain(linked.group(1)), linked.group(2)
        else:
            title, link = _md_plain(rest.split(" — score ")[0]), None
        items.append(ListItem(title.strip(), link, item.group(1) != " ", section, n))
    if not items:
        raise InputError(f"{path}: holds no checkbox (`- [ ]` or `- [x]`); is it a reading list written by rank -f md?")
    return items


def is_reading_list(path: str) -> bool:
    return path.lower().endswith((".md", ".markdown"))


def reading_list_decisions(path: str, ledger: Ledger, unticked: str | None) -> list[tuple[Paper, str, str | None]]:
    """(paper, decision, section profile) for the ticked boxes (keep) and, when unticked is given,
    the others; a paper the ledger does not hold is rebuilt from its title and link."""
    out: list[tuple[Paper, str, str | None]] = []
    for item in reading_list(path):
        decision = "keep" if item.ticked else unticked
        if decision is None:
            continue
        paper = (ledger.find(item.link) if item.link else None) or ledger.find(item.title)
        if paper is None:
            link = item.link or ""
            paper = make_paper(title=item.title, source="markdown", url=link if link.startswith("http") else None,
                               arxiv_id=canonical_arxiv_id(link), doi=canonical_doi(link))
        out.append((paper, decision, item.section))
    return out


def teacher_from(decisions: Sequence[Decision]) -> Callable[[list[Profile]], list[Profile]] | None:
    """What rank learns from these decisions (None when no profile has both a keep and a skip)."""
    from papertriage.learning import teacher

    by_profile: dict[str, list[tuple[Paper, bool]]] = {}
    for d in decisions:
        if d.decision in ("keep", "skip"):
            by_profile.setdefault(d.profile, []).append((d.paper, d.decision == "keep"))
    usable = {name: items for name, items in by_profile.items()
              if any(kept for _, kept in items) and not all(kept for _, kept in items)}
    return teacher(usable) if usable else None


def learned_note(profiles: Sequence[Profile], shown: int = 6) -> list[str]:
    """One line per profile that learned from decisions: from how many, and its strongest words."""
    lines = []
    for p in profiles:
        if p.model is not None:
            top = ", ".join(f"{'+' if weight > 0 else '-'}{word}" for word, weight in p.model.strongest(shown))
            lines.append(f"{p.name}: learned from {p.model.keeps} keeps and {p.model.skips} skips, strongest words: "
                         f"{top} (--no-learn to rank without them)")
    return lines
