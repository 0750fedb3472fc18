"""Tagged-line formats: RIS, Web of Science plain text and PubMed MEDLINE (nbib)."""

from __future__ import annotations

import re
from typing import Iterator

from papertriage.models import Paper, make_paper
from papertriage.sources.base import ParseContext, iso_date, line_starts_with
from papertriage.sources.reading import MAX_LINE, Lines, Listing

RIS = "ris"
WOS = "wos-tagged"
MEDLINE = "pubmed-medline"

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*)|)$")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*)|)$")
_MEDLINE_TAG = re.compile(r"^([A-Z][A-Z0-9]{0,3}) *- ?(.*)$")
"""`TAG - value`, also `TAG -value` and `PMID-123` as older exports and hand edits write them."""

_WOS_LIST_TAGS = frozenset("AU AF BA BF CA GP BE ED CR C1 EM RI OI".split())
"""Web of Science fields whose continuation lines are more items (one author, one reference a line),
not more text: `AU Brown, J` then `   Smith, K` are two authors."""


def detect_ris(head: str) -> float:
    """0.8 for a `TY  - ` line in the first 20,000 characters and an `ER  -`, `TI  - ` or `AU  - ` line."""
    start = head[:20000].lstrip("\ufeff")
    ris = line_starts_with(start, "TY ") and re.search(r"^TY  ?- ", start, re.M) is not None and \
        re.search(r"^(?:ER  ?-|T[I1]  ?- |AU  ?- )", head, re.M) is not None
    return 0.8 if ris else 0.0


def detect_wos(head: str) -> float:
    """1.0 for the `FN ` file header; 0.8 for `PT J` and `TI ` lines without it."""
    text = head.lstrip("\ufeff")
    if text.startswith("FN "):
        return 1.0
    marks = line_starts_with(text, "PT ") and re.search(r"^PT [A-Z]\s*$", text, re.M) is not None and \
        re.search(r"^TI ", text, re.M) is not None
    return 0.8 if marks else 0.0


def detect_medline(head: str) -> float:
    """0.8 for a `PMID- ` line: no other format starts a line so."""
    text = head.lstrip("\ufeff")
    return 0.8 if line_starts_with(text, "PMID-") and re.search(r"^PMID- ?\d+", text, re.M) else 0.0


Record = list[tuple[str, str, int]]
"""(tag, value, line number) in file order, continuation lines joined."""


def _records(listing: Listing, tag_re: re.Pattern[str], start: set[str], end: set[str], ctx: ParseContext, *,
             list_tags: frozenset[str] = frozenset(), medline: bool = False) -> Iterator[Record]:
    """Records of tagged lines, read a line at a time. A continuation line (not a tag) adds to the
    field above it: one more item of a list field (list_tags), else more text. In MEDLINE a
    continuation is indented and a blank line ends a record; an untagged line that is not a
    continuation is reported and left out."""
    record = _Builder(ctx)
    for number, raw in _numbered(listing.lines(ctx)):
        line = raw.rstrip()
        m = tag_re.match(line)
        if m:
            tag, value = m.group(1), (m.group(2) or "").strip()
            if tag in start and record:
                yield from record.take()
            if tag in end:
                if record:
                    yield from record.take()
                continue
            record.add(tag, value, number)
        elif not line.strip():
            if medline and record:
                yield from record.take()
        elif record and (not medline or raw[:1] in " \t"):
            if record.last_tag in list_tags:
                record.add(record.last_tag, line.strip(), number)
            else:
                record.extend(line.strip())
        elif medline or record:
            ctx.warn(f"{ctx.name}: line {number}: not a tagged line ({line.strip()[:40]!r}); left out")
    if record:
        yield from record.take()


def _numbered(lines: Lines) -> Iterator[tuple[int, str]]:
    """(number, line) of each line, the first without the BOMs it may start with."""
    for raw in lines:
        yield lines.number, raw.lstrip("\ufeff") if lines.number == 1 else raw


_MAX_RECORD = 4 * MAX_LINE
"""Most characters of one record held: a larger one (a file with no record ends, say) is skipped and
reported, and reading goes on; memory holds about one record whatever the file's size."""


class _Builder:
    """The record being read. The continuation lines of its last field are kept apart and joined once
    the field ends: adding each to the value as it came was quadratic (a 10 MB field on 100,000 lines
    took 129 s)."""

    def __init__(self, ctx: ParseContext) -> None:
        self.fields: Record = []
        self.more: list[str] = []
        self.size = 0
        self.ctx = ctx

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def last_tag(self) -> str:
        return self.fields[-1][0]

    def add(self, tag: str, value: str, number: int) -> None:
        self._join()
        self.fields.append((tag, value, number))
        self._held(value)

    def extend(self, text: str) -> None:
        self.more.append(text)
        self._held(text)

    def _held(self, text: str) -> None:
        self.size += len(text)
        if self.size > _MAX_RECORD:  # only the first field is kept, to say where the record began
            del self.fields[1:]
            self.more.clear()

    def take(self) -> list[Record]:
        """The record read (none when it was too large: reported), and a new one begun."""
        self._join()
        fields, self.fields = self.fields, []
        if self.size > _MAX_RECORD:
            self.ctx.skip(f"line {fields[0][2]}", f"a record over {_MAX_RECORD // 2**20} MB")
            fields = []
        self.size = 0
        return [fields] if fields else []

    def _join(self) -> None:
        if self.more:
            tag, value, at = self.fields[-1]
            self.fields[-1] = (tag, " ".join([value, *self.more]).strip(), at)
            self.more.clear()


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        values = fields.get(tag)
        if values and values[0]:
            return values[0]
    return ""


def _all(fields: dict[str, list[str]], *tags: str) -> list[str]:
    for tag in tags:
        if fields.get(tag):
            return fields[tag]
    return []


def _group(record: Record) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag, value, _ in record:
        fields.setdefault(tag, []).append(value)
    return fields


def _arxiv_from(*texts: str) -> str | None:
    for text in texts:
        m = re.search(r"arxiv(?:\.org/abs/|:)\s*([\w.\-/]+\d)", text or "", re.I)
        if m:
            return m.group(1)
    return None


def _split_authors(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [a.strip() for a in re.split(r";", v) if a.strip()] if ";" in v else [v]
    return out


def _paper(record: Record, ctx: ParseContext, source: str, *, title_tags: tuple[str, ...], abstract_tags: tuple[str, ...],
           author_tags: tuple[str, ...], date_tags: tuple[str, ...], doi_tags: tuple[str, ...],
           url_tags: tuple[str, ...], keyword_tags: tuple[str, ...], extra_tags: dict[str, str],
           doi: str | None = None, url: str | None = None) -> Paper | None:
    fields = _group(record)
    # MEDLINE repeats TI for a title that goes on (Bio.Medline joins them too); other formats take the first
    title = " ".join(v for v in fields.get("TI", []) if v) if source == MEDLINE else _first(fields, *title_tags)
    title = title or _first(fields, *title_tags)
    if not title:
        if record[0][0] in ("TY", "PT", "PMID") or source == MEDLINE:
            ctx.skip(f"line {record[0][2]}", "record has no title")
        # else: tags between one record's end and the next start (Ovid's NL after ER), not a paper
        return None
    urls = _all(fields, *url_tags)
    url = url or next((u for u in urls if u.startswith("http")), None)
    doi = doi or _first(fields, *doi_tags)
    date = next((iso_date(d) for d in (_first(fields, t) for t in date_tags) if iso_date(d)), None)
    extra: dict[str, object] = {key: _first(fields, tag) for tag, key in extra_tags.items()}
    keywords = [_heading(k) for tag in keyword_tags for v in fields.get(tag, []) for k in re.split(r"[;\n]", v)]
    return make_paper(
        title=title,
        abstract=" ".join(_all(fields, *abstract_tags)),
        authors=_split_authors(_all(fields, *author_tags)),
        published=date,
        url=url,
        doi=doi or next((u for u in urls if "doi.org/" in u), None),
        arxiv_id=_arxiv_from(*urls, _first(fields, "AN")),
        keywords=keywords,
        source=source,
        extra=extra,
    )


_SUBHEADINGS = re.compile(r"(?:/\*?[a-z][a-z ,-]*)+$")
"""MeSH subheadings after a heading: `/*drug therapy/adverse effects`."""


def _heading(keyword: str) -> str:
    """A keyword (every keyword field: WoS DE and ID, MEDLINE OT and MH, RIS KW) without MeSH
    subheadings and major-topic stars: `*Migraine Disorders/*drug therapy` -> `Migraine Disorders`."""
    return _SUBHEADINGS.sub("", keyword.strip()).strip(" *")


def parse_ris(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    # an untagged line after KW is one more keyword (EndNote, Ovid), not more of the same one
    for record in _records(listing, _RIS_TAG, {"TY"}, {"ER"}, ctx, list_tags=frozenset({"KW"})):
        paper = _paper(record, ctx, RIS, title_tags=("TI", "T1", "CT", "BT", "ST"), abstract_tags=("AB", "N2"),
                       author_tags=("AU", "A1", "A2"), date_tags=("DA", "PY", "Y1", "Y2"), doi_tags=("DO",),
                       url_tags=("UR", "L1", "L2"), keyword_tags=("KW",),
                       extra_tags={"JO": "journal", "JF": "journal", "T2": "journal", "SN": "issn", "TY": "type"})
        if paper:
            yield paper


def parse_wos(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    for record in _records(listing, _WOS_TAG, {"PT"}, {"ER", "EF"}, ctx, list_tags=_WOS_LIST_TAGS):
        if all(tag in ("FN", "VR") for tag, _, _ in record):
            continue
        record = [r for r in record if r[0] not in ("FN", "VR")]
        paper = _paper(record, ctx, WOS, title_tags=("TI",), abstract_tags=("AB",), author_tags=("AF", "AU"),
                       date_tags=("PY",), doi_tags=("DI",), url_tags=(), keyword_tags=("DE", "ID"),
                       extra_tags={"SO": "journal", "UT": "wos_id", "PM": "pmid"})
        if paper:
            yield paper


def parse_medline(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    for record in _records(listing, _MEDLINE_TAG, {"PMID"}, set(), ctx, medline=True):
        fields = _group(record)
        pmid = _first(fields, "PMID")
        if not pmid and any(fields.get("TI", [])):
            ctx.warn(f"{ctx.name}: line {record[0][2]}: record without a PMID line; read without its PubMed id")
        doi = next((v.split()[0] for v in _all(fields, "AID", "LID") if "[doi]" in v), None)
        paper = _paper(record, ctx, MEDLINE, title_tags=("TI", "BTI"), abstract_tags=("AB",), author_tags=("FAU", "AU"),
                       date_tags=("DP", "DEP", "DA"), doi_tags=(), url_tags=("AID",), keyword_tags=("OT", "MH"),
                       extra_tags={"PMID": "pmid", "JT": "journal", "TA": "journal_abbrev"},
                       doi=doi, url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None)
        if paper:
            yield paper
