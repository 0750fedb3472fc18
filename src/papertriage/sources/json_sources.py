"""JSON listings: the Hugging Face daily_papers API and page, the HF archive dict, and JSON/JSONL records."""

from __future__ import annotations

import ast
import html
import json
import math
import re
from functools import partial
from typing import Any, Callable, Iterator

import orjson

from papertriage.errors import InputError
from papertriage.models import Paper, canonical_arxiv_id, make_paper
from papertriage.sources.base import ParseContext, is_markup, iso_date
from papertriage.sources.feeds import _ANNOUNCE, _ARXIV_TITLE
from papertriage.sources.reading import Lines, Listing

HF_API = "hf-api"
HF_HTML = "hf-html"
JSON_RECORDS = "json"

_HF_PROPS = re.compile(r"""data-target=["']DailyPapers["'][^>]*?data-props=["']([^"']*)["']|"""
                       r"""data-props=["']([^"']*)["'][^>]*?data-target=["']DailyPapers["']""", re.S)


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _OutOfRange:
    """A number no record field can hold: `1e999` (infinity) or an integer of thousands of digits."""

    def __repr__(self) -> str:
        return "OUT_OF_RANGE"


OUT_OF_RANGE = _OutOfRange()
_MAX_DIGITS = 4000
"""Longest integer literal read; Python refuses to convert longer ones (and would take quadratic time)."""


def _float_literal(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else OUT_OF_RANGE


def _int_literal(text: str) -> int | _OutOfRange:
    return int(text) if len(text) <= _MAX_DIGITS else OUT_OF_RANGE


def out_of_range(value: Any) -> bool:
    """Whether the parsed value holds a number out of range anywhere: its record is skipped, not the file."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item is OUT_OF_RANGE:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _standard_loads(text: str) -> Any:
    """json.loads, for what orjson refuses: NaN, integers over 64 bits, and escaped lone surrogates
    (`\\ud800`, from a cut emoji), which no output could encode: each becomes U+FFFD. A number out of
    range becomes OUT_OF_RANGE (see out_of_range)."""
    value = json.loads(text, parse_float=_float_literal, parse_int=_int_literal)
    return _without_surrogates(value) if _ESCAPED_SURROGATE.search(text) else value


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)  # json.loads joins the pairs: what is left is alone
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def load_json(text: str, ctx: ParseContext) -> Any:
    stripped = text.lstrip("\ufeff")
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        pass  # the standard library reads what orjson refuses and words the errors
    try:
        ctx.details["out_of_range"] = True  # the standard library's reading may hold OUT_OF_RANGE
        return _standard_loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(f"{ctx.name}: broken JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
                         "check the file is complete") from None
    except RecursionError:
        raise InputError(f"{ctx.name}: JSON nested too deeply; not a paper listing") from None


def detect_hf_api(head: str) -> float:
    """1.0 when the first item is {"paper": {...}} (also under "data", or as a Python repr) or the
    first key an arXiv id: shapes of the API's JSON that plain JSON records never have."""
    start = head.lstrip("\ufeff \t\r\n")
    if not start.startswith(("[", "{")):
        return 0.0
    first_item = re.match(r"""\s*(?:\{[^\[]*?"data"\s*:\s*)?\[\s*(?:\{\s*"paper"\s*:\s*\{|["']\{'paper'\s*:)""", start)
    return 1.0 if first_item is not None or _derived_head(head) else 0.0


def _derived_head(head: str) -> bool:
    return re.match(r'\s*\{\s*"\d{4}\.\d{4,5}(v\d+)?"\s*:\s*\{', head.lstrip("\ufeff")) is not None


def detect_hf_html(head: str) -> float:
    """1.0 for markup holding the page's app data: the DailyPapers component and its data-props."""
    return 1.0 if is_markup(head) and "DailyPapers" in head and "data-props" in head else 0.0


def detect_json_records(head: str) -> float:
    """0.5 for JSON with a "title" key: any JSON listing has one, so a format with its own JSON shape
    (the HF API, the wrapped Atom feed) scores higher on its files."""
    start = head.lstrip("\ufeff \t\r\n")
    return 0.5 if start.startswith(("{", "[")) and re.search(r'"title"\s*:', head[:200000]) else 0.0


def _name(org: Any) -> str | None:
    if isinstance(org, dict):
        return org.get("fullname") or org.get("name")
    if isinstance(org, str) and org.strip():
        return org
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", False, True) else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: infinity
        return None


def hf_paper(item: dict[str, Any], source: str) -> Paper | None:
    """One entry of the daily_papers API (or page props): {'paper': {...}, 'title', 'summary', ...}."""
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else item
    assert isinstance(paper, dict)
    title = paper.get("title") or item.get("title") or ""
    if not isinstance(title, str) or not title.strip():
        return None
    arxiv = str(paper.get("id") or "")
    authors = []
    for a in paper.get("authors") or []:
        name = a.get("name") if isinstance(a, dict) else a
        if isinstance(name, str) and name.strip():
            authors.append(name)
    org = _name(paper.get("organization")) or _name(item.get("organization"))
    summary = paper.get("summary") or item.get("summary") or ""
    keywords = paper.get("ai_keywords")
    return make_paper(
        title=title,
        abstract=summary if isinstance(summary, str) else "",
        authors=authors,
        organization=org,
        published=iso_date(paper.get("publishedAt") or item.get("publishedAt")),
        upvotes=_int(paper.get("upvotes")),
        url=f"https://huggingface.co/papers/{arxiv}" if arxiv else None,
        arxiv_id=arxiv,
        keywords=keywords if isinstance(keywords, list) else (),
        source=source,
        extra={
            "submitted_on_daily": iso_date(paper.get("submittedOnDailyAt")),
            "github": paper.get("githubRepo"),
            "project_page": paper.get("projectPage"),
            "comments": _int(item.get("numComments")),
            "ai_summary": paper.get("ai_summary"),
        },
    )


def _repr_item(text: str, ctx: ParseContext, n: int) -> dict[str, Any] | None:
    """An item the archiver stored as a Python repr string: read it as a literal, never executed."""
    if len(text) > 2_000_000:
        ctx.skip(f"item {n}", "Python-repr item too large")
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        ctx.skip(f"item {n}", "item is a string that is not a readable record")
        return None
    return _without_surrogates(value) if isinstance(value, dict) else None


def _hf_items(data: Any, ctx: ParseContext) -> Iterator[tuple[int, Any]]:
    if isinstance(data, dict):
        for key in ("dailyPapers", "data", "papers"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise InputError(f"{ctx.name}: expected a list of daily papers")
    repr_items = 0
    for n, item in enumerate(data, 1):
        if isinstance(item, str):
            repr_items += 1
            item = _repr_item(item, ctx, n)
            if item is None:
                continue
        yield n, item
    if repr_items:
        ctx.warn(f"{ctx.name}: {repr_items} items were stored as Python-repr strings (an archiver bug); "
                 "read them as literals")


def parse_hf_api(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    data = load_json(listing.read(), ctx)
    if isinstance(data, dict) and data and all(re.match(r"\d{4}\.\d{4,5}", k) for k in list(data)[:5]):
        yield from _parse_derived(data, ctx)
        return
    for n, item in _hf_items(data, ctx):
        if not isinstance(item, dict):
            ctx.skip(f"item {n}", "not a paper object")
            continue
        paper = hf_paper(item, HF_API)
        if paper is None:
            ctx.skip(f"item {n}", "no title")
            continue
        yield paper


def _list_field(value: Any) -> list[str]:
    """Authors or categories stored as a list, a comma string, or a Python-repr string of a list; JSON
    Feed's author objects (`{"name": ...}`, one or a list) by their names."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return [str(v["name"]) for v in value if isinstance(v, dict) and v.get("name")]
        return list(map(str, filter(None, value)))
    if isinstance(value, str) and value.strip():
        s = value.strip()
        if s.startswith("["):
            try:
                parsed = ast.literal_eval(s) if len(s) < 200_000 else None
                if isinstance(parsed, list):
                    return [str(v) for v in parsed if v]
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                pass
        return [p.strip() for p in re.split(r",|;|\band\b", s.strip("[]")) if p.strip(" '\"")]
    return []


def _parse_derived(data: dict[str, Any], ctx: ParseContext) -> Iterator[Paper]:
    """The older HF archive: {arxiv_id: {url, title, authors, abstract, publication_date, upvotes}}."""
    for key, rec in data.items():
        if not isinstance(rec, dict) or not rec.get("title"):
            ctx.skip(f"entry {key}", "no title")
            continue
        yield make_paper(
            title=str(rec["title"]),
            abstract=str(rec.get("abstract") or ""),
            authors=_list_field(rec.get("authors")),
            published=iso_date(rec.get("publication_date")),
            upvotes=_int(rec.get("upvotes")),
            url=f"https://huggingface.co/papers/{key}",
            arxiv_id=key,
            source=HF_API,
        )


def parse_hf_html(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    m = _HF_PROPS.search(text)
    if not m:
        raise InputError(f"{ctx.name}: a Daily Papers page without its data-props; save the page again")
    props = load_json(html.unescape(m.group(1) or m.group(2)), ctx)
    for n, item in _hf_items(props, ctx):
        paper = hf_paper(item, HF_HTML) if isinstance(item, dict) else None
        if paper is None:
            ctx.skip(f"item {n}", "no title")
            continue
        yield paper


_FIELDS = {
    "title": ("title", "Title", "name"),
    "abstract": ("abstract", "summary", "Abstract", "description", "content_text"),
    "authors": ("authors", "author", "Authors"),
    "published": ("published", "publication_date", "date", "published_date", "publishedAt", "year", "created",
                  "date_published"),
    "url": ("url", "abs", "link", "URL"),
    "categories": ("categories", "category", "tags"),
    "keywords": ("keywords", "ai_keywords", "author_keywords"),
}


_KNOWN = {n for names in _FIELDS.values() for n in names} | {
    "id", "doi", "arxiv_id", "pdf", "extra", "source", "n_authors", "organization", "upvotes", "content_html"}


def _get(rec: dict[str, Any], key: str) -> Any:
    return _first(rec, _FIELDS[key])


def _first(rec: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first of names that the record holds, not null nor empty."""
    for name in names:
        value = rec.get(name)
        if value or value is not None and value != "" and value != []:
            return value
    return None


_Shape = tuple[dict[str, tuple[str, ...]], tuple[str, ...]]
_SHAPES: dict[tuple[str, ...], _Shape] = {}
"""A record's keys -> (per field, the names of _FIELDS[field] among them; the keys not _KNOWN).
A listing's records mostly share their keys: record_paper then looks up only names they hold."""


def _shape(rec: dict[str, Any]) -> _Shape:
    keys = tuple(rec)
    shape = _SHAPES.get(keys)
    if shape is None:
        held = set(keys)
        shape = ({field: tuple(n for n in names if n in held) for field, names in _FIELDS.items()},
                 tuple(k for k in keys if k not in _KNOWN))
        if len(_SHAPES) < 1024:
            _SHAPES[keys] = shape
    return shape


def record_paper(rec: dict[str, Any]) -> Paper | None:
    """A generic JSON record: our own `parse` output, the arXiv daily crawl, per-paper feed JSON."""
    names, others = _shape(rec)
    title = _first(rec, names["title"])
    if not isinstance(title, str) or not title.strip():
        return None
    abstract = _first(rec, names["abstract"])
    abstract = abstract if isinstance(abstract, str) else ""
    if not abstract and isinstance(rec.get("content_html"), str):  # a JSON Feed item with only HTML content
        from papertriage.sources.feeds import html_text

        abstract = html_text(rec["content_html"])
    categories = _list_field(_first(rec, names["categories"]))
    keywords = _list_field(_first(rec, names["keywords"]))
    arxiv = None
    raw_id = str(rec.get("id") or "")
    extra_in: dict[str, Any] = rec["extra"] if isinstance(rec.get("extra"), dict) else {}
    doi = raw_id[4:] if raw_id.startswith("doi:") else (rec.get("doi") or extra_in.get("doi"))
    url = _first(rec, names["url"])
    for candidate in (raw_id.removeprefix("arxiv:"), rec.get("arxiv_id"), url, rec.get("pdf")):
        if isinstance(candidate, str) and candidate:
            arxiv = canonical_arxiv_id(candidate)
            if arxiv:
                break
    m = _ARXIV_TITLE.search(title) if "arXiv:" in title else None
    if m:
        arxiv = arxiv or m.group(1)
        categories = categories or [c.strip() for c in m.group(2).split(",")]
        title = title[: m.start()].rstrip(". ")
    a = _ANNOUNCE.match(abstract) if abstract[:6].lower() == "arxiv:" else None
    if a:
        arxiv = arxiv or a.group(1)
        abstract = abstract[a.end():]
    authors = _list_field(_first(rec, names["authors"]))
    published = _first(rec, names["published"])
    extra: dict[str, Any] = {}
    for k in others:
        v = rec[k]
        if isinstance(v, (str, int, float, list)) and v != "":
            extra[k] = v
    extra.update(extra_in)
    return make_paper(
        title=title,
        abstract=abstract,
        authors=authors,
        n_authors=_int(rec.get("n_authors")),
        organization=rec.get("organization") if isinstance(rec.get("organization"), str) else None,
        published=iso_date(str(published)) if published else None,
        upvotes=_int(rec.get("upvotes")),
        url=url if isinstance(url, str) else None,
        categories=categories,
        keywords=keywords,
        arxiv_id=arxiv,
        doi=doi if isinstance(doi, str) else None,
        source=str(rec.get("source") or JSON_RECORDS) if rec.get("source") else JSON_RECORDS,
        extra=extra,
    )


def parse_json_records(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    """The records of one JSON document (a list, or the list under a usual key; read whole), or of
    JSON Lines (read as a stream, one line at a time)."""
    if not one_record_a_line(listing.head):
        for n, item in enumerate(_document_items(listing, ctx), 1):
            paper = _record_paper(item, None, ctx, partial("item {}".format, n))
            if paper is not None:
                yield paper
        return
    lines = listing.lines(ctx)
    where = lines.where
    for rec, line in _jsonl(lines, ctx):
        paper = _record_paper(rec, line, ctx, where)
        if paper is not None:
            yield paper


def _record_paper(rec: Any, line: str | None, ctx: ParseContext, where: Callable[[], str]) -> Paper | None:
    """The paper of one parsed record (None when it is skipped, or counted as a known duplicate)."""
    if ctx.details.get("out_of_range") and out_of_range(rec):  # set by load_json as it reads
        ctx.skip(where(), "a number too large to read")
        return None
    if isinstance(rec, str):
        rec = _repr_item(rec, ctx, 0) or rec
    if not isinstance(rec, dict):
        ctx.skip(where(), "not a JSON object")
        return None
    seen = ctx.seen_lines
    if ctx.known_duplicate is not None and _known_record(rec, ctx.known_duplicate):
        ctx.duplicates += 1
        if seen is not None and line is not None:
            seen.add(hash(line))
        return None
    paper = record_paper(rec)
    if paper is None:
        ctx.skip(where(), "record has no title")
        return None
    if seen is not None and line is not None:
        seen.add(hash(line))
    return paper


def one_record_a_line(head: str) -> bool:
    """Whether JSON whose text begins so is JSON Lines (else one document: a list, or a
    pretty-printed object)."""
    stripped = head.lstrip("\ufeff \t\r\n")
    return not (stripped.startswith("[") or (stripped.startswith("{") and _single_document(stripped)))


def _document_items(listing: Listing, ctx: ParseContext) -> list[Any]:
    data = load_json(listing.read().lstrip("\ufeff \t\r\n"), ctx)
    if isinstance(data, dict):
        for key in ("papers", "records", "items", "data", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    return data if isinstance(data, list) else [data]


def _known_record(rec: dict[str, Any], known: Callable[[str, str, str], bool]) -> bool:
    """Whether the caller already holds this record (see ParseContext.known_duplicate). A record
    with a DOI is read: its DOI may be a key the kept record lacks."""
    if rec.get("doi") or (isinstance(rec.get("extra"), dict) and rec["extra"].get("doi")):
        return False
    arxiv = canonical_arxiv_id(str(rec.get("id") or ""))
    title, abstract = rec.get("title"), _get(rec, "abstract")
    return bool(arxiv and isinstance(title, str) and isinstance(abstract, str) and known(arxiv, title, abstract))


def _single_document(text: str) -> bool:
    """A pretty-printed JSON object (one document) rather than one object per line."""
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).strip()  # without copying the rest of the text
    return first == "{" or not first.endswith("}")


def _jsonl(lines: Lines, ctx: ParseContext) -> Iterator[tuple[Any, str]]:
    """Each line's object, with the line; orjson parses about four times faster than json, which
    reads what orjson refuses (NaN, integers over 64 bits) and words the error of a broken line.

    A line equal to one already read into a paper (ctx.seen_lines, when the caller merges
    duplicates) is counted as a duplicate without being parsed: merging a record into itself
    changes nothing. Daily crawls repeat many records byte for byte. The lines are kept as their
    hashes (Python's, computed once a string): a shard of 32 MB holds some 16,000 lines, so two
    lines sharing a hash there has a chance of about 10^-11; the lines themselves held 32 MB a process.
    """
    loads, seen = orjson.loads, ctx.seen_lines
    for line in lines:
        if not line or line.isspace():
            continue
        if seen is not None and hash(line) in seen:
            ctx.duplicates += 1
            continue
        try:
            yield loads(line), line
            continue
        except orjson.JSONDecodeError:
            pass
        try:
            value = _standard_loads(line)
        except json.JSONDecodeError as exc:
            ctx.skip(lines.where(), f"broken JSON ({exc.msg})")
            continue
        except RecursionError:
            ctx.skip(lines.where(), "nested too deeply")
            continue
        if out_of_range(value):
            ctx.skip(lines.where(), "a number too large to read")
            continue
        yield value, line
