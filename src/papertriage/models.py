"""The records papertriage works on: papers, profiles and their terms, matches and scores."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

from papertriage.tokens import normalised_title as normalised_title  # its home is the tokeniser; imported from here too

if TYPE_CHECKING:
    from papertriage.learning import WordModel

T = TypeVar("T")

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")


def canonical_arxiv_id(raw: str | None) -> str | None:
    """`2312.07541v2`, `arXiv:2312.07541`, `https://arxiv.org/abs/hep-th/0101001v1` -> id without version."""
    if not raw:
        return None
    quick = _ARXIV_NEW.match(raw)
    if quick:
        return quick.group(1)
    text = raw.strip().rstrip("/")
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = re.sub(r"^(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", "", text, flags=re.I)
    text = re.sub(r"^arxiv:", "", text, flags=re.I)
    text = re.sub(r"\.pdf$", "", text)
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        m = pattern.match(text)
        if m:
            return m.group(1)
    return None


_UNSHOWABLE = "\\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
"""Whitespace, control characters (a terminal escape starts with one) and bidi overrides, as a regex
class body: never part of a DOI or a URL, and the way a listing would inject into a terminal or an export."""
_DOI = re.compile(f"10\\.\\d{{4,9}}/[^{_UNSHOWABLE}]+")
_URL = re.compile(f"https?://[^{_UNSHOWABLE}/][^{_UNSHOWABLE}]*", re.I)


def safe_url(raw: str | None) -> str | None:
    """The URL when it is a plain http(s) one, else None: `javascript:`, `data:`, or a URL holding a line
    break (which would inject a record into RIS) or an escape never reaches an output."""
    if not raw:
        return None
    url = raw.strip()
    return url if _URL.fullmatch(url) else None


def canonical_doi(raw: str | None) -> str | None:
    """Lower-cased DOI without resolver prefix, or None when the text holds no DOI."""
    if not raw:
        return None
    m = _DOI.search(raw.strip())
    if not m:
        return None
    return m.group(0).rstrip(".,;").lower()


def paper_id(arxiv_id: str | None = None, doi: str | None = None, title: str = "") -> str:
    """The canonical id rule of product.md: arXiv id, else DOI, else a hash of the normalised title."""
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if doi:
        return f"doi:{doi}"
    digest = hashlib.sha1(normalised_title(title).encode("utf-8")).hexdigest()[:16]
    return f"title:{digest}"


@dataclass(frozen=True)
class Paper:
    """One paper, whatever listing it came from."""

    id: str
    """Canonical id: `arxiv:<id>`, `doi:<doi>` or `title:<hash of normalised title>`."""
    title: str
    abstract: str = ""
    """May be empty: some listings carry no abstracts."""
    authors: tuple[str, ...] = ()
    """Names; empty when the source gives only a count."""
    n_authors: int | None = None
    organization: str | None = None
    published: str | None = None
    """ISO date `YYYY-MM-DD`."""
    upvotes: int | None = None
    url: str | None = None
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    """Keywords, subject headings (MeSH) and author keywords the source gives, one phrase each."""
    source: str = ""
    """Name of the input format the record was read from."""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The record with its JSON field names, in product order."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "n_authors": self.n_authors,
            "organization": self.organization,
            "published": self.published,
            "upvotes": self.upvotes,
            "url": self.url,
            "categories": list(self.categories),
            "keywords": list(self.keywords),
            "source": self.source,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """The record of to_dict back as a Paper (keys it does not know are ignored, missing ones default)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("authors", "categories", "keywords"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        values["extra"] = dict(values.get("extra") or {})
        return cls(**values)

    @property
    def arxiv_id(self) -> str | None:
        return self.id[len("arxiv:"):] if self.id.startswith("arxiv:") else self.extra.get("arxiv_id")

    @property
    def doi(self) -> str | None:
        return self.id[len("doi:"):] if self.id.startswith("doi:") else self.extra.get("doi")


def built(cls: type[T], **values: Any) -> T:
    """cls(**values) for a frozen dataclass given every field: its __init__ sets each field through
    object.__setattr__, six times slower than one update of the instance dict. For the records
    made once per paper read (Paper, Scored)."""
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


def squash(text: str) -> str:
    """Whitespace runs to single spaces, trimmed: `" ".join(text.split())`, faster on the common case."""
    if text.isascii():
        flat = text.replace("\n", " ")
        # the other ASCII characters str.split() takes for whitespace; single `in` tests are C-fast
        if ("  " not in flat and "\t" not in flat and "\r" not in flat and "\x0b" not in flat and "\x0c" not in flat
                and "\x1c" not in flat and "\x1d" not in flat and "\x1e" not in flat and "\x1f" not in flat):
            return flat.strip()
    return " ".join(text.split())


def make_paper(
    *,
    title: str,
    source: str,
    abstract: str = "",
    authors: list[str] | tuple[str, ...] = (),
    n_authors: int | None = None,
    organization: str | None = None,
    published: str | None = None,
    upvotes: int | None = None,
    url: str | None = None,
    categories: list[str] | tuple[str, ...] = (),
    keywords: list[str] | tuple[str, ...] = (),
    arxiv_id: str | None = None,
    doi: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Paper:
    """Build a Paper with its canonical id, cleaned whitespace and n_authors filled from authors."""
    arxiv = canonical_arxiv_id(arxiv_id)
    doi_c = canonical_doi(doi)
    extra = {k: v for k, v in (extra or {}).items() if v not in (None, "", [], {})}
    if arxiv and doi_c:
        extra["doi"] = doi_c
    names = tuple(filter(None, map(str.strip, authors)))
    if url is None and arxiv:
        url = f"https://arxiv.org/abs/{arxiv}"
    return built(
        Paper,
        id=paper_id(arxiv, doi_c, title),
        title=squash(title),
        abstract=squash(abstract),
        authors=names,
        n_authors=n_authors if n_authors is not None else (len(names) or None),
        organization=organization or None,
        published=published or None,
        upvotes=upvotes,
        url=safe_url(url) or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        categories=tuple(dict.fromkeys(filter(None, map(str.strip, categories)))),
        keywords=_keywords(keywords),
        source=source,
        extra=extra,
    )


def _keywords(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Keywords trimmed, each once (the first spelling of those equal but for case)."""
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str):
            text = squash(value)
            if text:
                seen.setdefault(text.lower(), text)
    return tuple(seen.values())


def field_text(paper: Paper, name: str) -> str:
    """The text of a scored field: title, abstract, or the keywords joined by `; `."""
    return "; ".join(paper.keywords) if name == "keywords" else getattr(paper, name)


@dataclass(frozen=True)
class Term:
    """One weighted term of a profile; aliases count as the same concept."""

    term: str
    weight: float = 1.0
    aliases: tuple[str, ...] = ()
    exact: bool = False
    """Match only exact whole words (always so for terms of 4 characters or fewer)."""
    rarity: float = 1.0
    """How rare the term is in the listing ranked (see calibration); 1 for a profile as written."""
    learned: bool = False
    """A related word learned from the listing's best matches, not written by the user."""
    partial: bool = True
    """The words of a multi-word term found apart earn partial credit (see scoring.PART_CREDIT)."""
    scopes: tuple[tuple[str, ...], ...] = ()
    """Per variant (the term, then each alias), the fields it is looked for in; () for every field
    of the profile. Empty when no variant is scoped (a field tag of an imported search string)."""

    def scope(self, variant: int) -> tuple[str, ...]:
        """The fields variant (0 the term, 1.. its aliases) is looked for in; () for all of them."""
        return self.scopes[variant] if self.scopes else ()


@dataclass(frozen=True)
class Profile:
    """A named set of weighted terms, with the rules that filter and threshold its matches."""

    name: str
    terms: tuple[Term, ...]
    description: str = ""
    exclude: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    min_score: float = 0.0
    threshold: float = 88.0
    fields: tuple[tuple[str, float], ...] = (("title", 3.0), ("abstract", 1.0))
    learn: bool = True
    """Calibration may learn related words for it from the listing (and the learning module words
    from decisions); False (--no-learn) keeps only rarity."""
    concepts: str = "any"
    """'all': the terms are concepts joined by AND (an imported search string), and each
    contribution is scaled by the share of them the paper matches (see Match.coverage)."""
    model: WordModel | None = None
    """What the decisions made for the profile taught it (see learning); its words' contributions
    add to the score. None without decisions."""

    @property
    def learned(self) -> list[str]:
        """The related words calibration learned from a listing (none in a profile as written)."""
        return [t.term for t in self.terms if t.learned]


@dataclass(frozen=True)
class Match:
    """The best match of one term in one field of a paper, and what it added to the score."""

    term: str
    field: str
    text: str
    """The words of the paper that matched, as written there."""
    similarity: float
    """0-100."""
    count: int
    """How many times the term matched in this field."""
    term_weight: float
    field_weight: float
    contribution: float
    share: float = 1.0
    """1 when the whole term matched; for one word of a multi-word term found without the others,
    PART_CREDIT divided by the term's number of content words."""
    rarity: float = 1.0
    """The term's rarity factor in the listing (1 with --plain and for learned words)."""
    learned: bool = False
    """The term is a related word learned from the listing, not one of the profile's."""
    coverage: float = 1.0
    """For a profile with `concepts: all`: the share of its terms (concepts) the paper matches
    whole in some field, which scales every contribution; 1 otherwise."""
    from_decisions: bool = False
    """A word of the profile's model learned from decisions (see learning.WordModel.matches):
    term_weight is its weight, field_weight the paper's tf-idf value of it (field "words")."""

    @property
    def whole(self) -> bool:
        """A real match: the whole term (or an alias) written in the profile, not one of its words
        found alone (partial credit) nor a word learned from the listing or from decisions."""
        return self.share == 1.0 and not self.learned and not self.from_decisions


@dataclass(frozen=True)
class Scored:
    """A paper with its best profile, score, and the matches that make up the score."""

    paper: Paper
    score: float
    profile: str | None
    matches: tuple[Match, ...] = ()
    partial_only: bool = False
    """The score comes only from words of multi-word terms found apart or from related words learned
    from the listing: no term of the profile (nor a word the decisions taught) matched whole, so rank
    does not show it as a match by default."""
