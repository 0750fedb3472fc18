"""Build tests/data/external_oracle.json: how each file's owning library reads ../shared/corpora/external.

    pip install -e ".[oracle]" && python tests/tools/external_oracle.py [CORPUS_DIR]

For every fixture, the library that owns its format (bibtexparser v2, rispy, feedparser, Bio.Medline,
metaknowledge, lxml for PubMed XML, pandas as ASReview calls it, json for JSON Feed) gives the papers it reads:
title, number of authors and abstract, as plain text (HTML from feedparser is turned into text by lxml).
tests/test_external.py compares papertriage's reading with this table, so the tests need none of
these libraries. The "differences" of each file (papertriage's reading where it is judged that the
library is wrong, with the reason) are written by hand in the table and kept when it is generated
again.

arXiv's mailings and .abs files have no installable reader (arxiv-browse is a web service): they are
read by independent regular expressions here, the layout of arxiv-browse's own fixtures.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "data" / "external_oracle.json"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "external"

Reading = dict[str, Any]


def text(value: Any) -> str:
    """The comparison form of a string: NFC, whitespace (also no-break) squashed."""
    return " ".join(unicodedata.normalize("NFC", str(value or "")).replace("\u00a0", " ").split())


BLOCKS = set("p div br h1 h2 h3 h4 h5 h6 li ul ol tr td th blockquote pre dd dt table section article".split())


def html_text(value: str) -> str:
    """HTML as the text a reader sees: tags removed, a space where a block element starts or ends."""
    from lxml import html

    if "<" not in value and "&" not in value:
        return text(value)
    doc = html.fragment_fromstring(value, create_parent="div")
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.lower() in BLOCKS:
            el.text, el.tail = " " + (el.text or ""), " " + (el.tail or "")
    return text(doc.text_content())


def paper(title: Any, n_authors: int, abstract: Any) -> dict[str, Any]:
    return {"title": text(title), "n_authors": n_authors, "abstract": text(abstract)}


def bibtex(path: Path) -> Reading:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

    raw = path.read_bytes()
    for codec in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            data = raw.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    lib = bibtexparser.parse_string(data, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()])
    papers, untitled = [], 0
    for entry in lib.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        title = fields["title"].value if "title" in fields else ""
        if not text(title):
            untitled += 1
            continue
        authors = fields["author"].value if "author" in fields else []
        abstract = fields["abstract"].value if "abstract" in fields else ""
        papers.append(paper(title, len(authors) if isinstance(authors, list) else 1, abstract))
    return {"library": f"bibtexparser {version('bibtexparser')}", "papers": papers, "untitled": untitled,
            "failed_blocks": len(lib.failed_blocks)}


def ris(path: Path) -> Reading:
    import rispy

    with path.open(encoding="utf-8-sig") as fh:
        entries = rispy.load(fh, skip_unknown_tags=False, enforce_list_tags=False)
    papers, untitled = [], 0
    for e in entries:
        title = next((e[k] for k in ("title", "primary_title", "translated_title", "secondary_title")
                      if e.get(k)), "")
        if not text(title):
            untitled += 1
            continue
        authors = e.get("authors") or e.get("first_authors") or []
        papers.append(paper(title, len(authors), e.get("abstract") or e.get("notes_abstract") or ""))
    return {"library": f"rispy {version('rispy')}", "papers": papers, "untitled": untitled}


def wos_rispy(path: Path) -> Reading:
    import rispy

    with path.open(encoding="utf-8-sig") as fh:
        entries = rispy.load(fh, implementation=rispy.WokParser)
    papers = [paper(e["document_title"], len(e.get("author_full_name") or e.get("authors") or []), e.get("abstract", ""))
              for e in entries if text(e.get("document_title"))]
    return {"library": f"rispy {version('rispy')} (WokParser)", "papers": papers,
            "untitled": sum(1 for e in entries if not text(e.get("document_title")))}


def wos(path: Path) -> Reading:
    import metaknowledge

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = metaknowledge.RecordCollection(str(path))
    papers, untitled = [], 0
    records = list(rc)
    for r in records:
        if r.bad:
            continue
        title = r.get("TI") or ""
        if not text(title):
            untitled += 1
            continue
        authors = r.get("AF") or r.get("AU") or []
        papers.append(paper(title, len(authors), r.get("AB") or ""))
    return {"library": f"metaknowledge {version('metaknowledge')}", "papers": papers, "untitled": untitled,
            "bad_records": sum(1 for r in rc if r.bad), "order": "set"}  # a RecordCollection is a set: no file order


def medline(path: Path) -> Reading:
    from Bio import Medline

    with path.open(encoding="utf-8-sig") as fh:
        records = list(Medline.parse(fh))
    papers, untitled = [], 0
    for r in records:
        title = r.get("TI") or r.get("BTI") or ""
        if not text(title):
            untitled += 1
            continue
        papers.append(paper(title, len(r.get("FAU") or r.get("AU") or []), r.get("AB", "")))
    return {"library": f"biopython {version('biopython')} (Bio.Medline)", "papers": papers, "untitled": untitled}


def pubmed_xml(path: Path) -> Reading:
    # Bio.Entrez refuses XML without a declaration and DTD (four of JabRef's files): lxml with the
    # XPaths pubmed_parser uses reads the PubmedArticle and PubmedBookArticle elements instead
    from lxml import etree

    lib = f"lxml {version('lxml')} (PubMed XPaths)"
    try:
        root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return {"library": lib, "papers": [], "error": f"XMLSyntaxError: {str(exc)[:80]}"}
    papers, untitled = [], 0
    for art in root.iter("PubmedArticle", "PubmedBookArticle"):
        title = " ".join(t.xpath("string()") for t in art.iterfind(".//ArticleTitle")) or \
            " ".join(t.xpath("string()") for t in art.iterfind(".//BookTitle"))
        abstract = " ".join(t.xpath("string()") for t in art.iterfind(".//Abstract/AbstractText"))
        authors = art.findall(".//AuthorList/Author")
        if not text(title):
            untitled += 1
            continue
        papers.append(paper(title, len(authors), abstract))
    return {"library": lib, "papers": papers, "untitled": untitled, "root": root.tag}


def feed(path: Path) -> Reading:
    import feedparser

    parsed = feedparser.parse(path.read_bytes())
    papers, untitled = [], 0
    for e in parsed.entries:
        detail = e.get("title_detail") or {}
        title = html_text(e.get("title", "")) if "html" in detail.get("type", "") else text(e.get("title", ""))
        if not title:
            untitled += 1
            continue
        abstract = e.get("summary") or (e["content"][0].value if e.get("content") else "") or e.get("media_description", "")
        authors = e.get("authors") or ([{"name": e["author"]}] if e.get("author") else [])
        papers.append(paper(title, len([a for a in authors if a]), html_text(abstract)))
    reading: Reading = {"library": f"feedparser {version('feedparser')}", "papers": papers, "untitled": untitled,
                        "version": parsed.get("version", "")}
    if parsed.get("bozo"):
        reading["bozo"] = type(parsed.get("bozo_exception")).__name__
    return reading


def json_feed(path: Path) -> Reading:
    doc = json.loads(path.read_bytes())
    papers, untitled = [], 0
    for item in doc.get("items", []):
        if not text(item.get("title")):
            untitled += 1
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        abstract = item.get("summary") or item.get("content_text") or html_text(item.get("content_html", ""))
        papers.append(paper(item["title"], len(authors), abstract))
    return {"library": "json (JSON Feed 1.1 fields; feed-rs is Rust)", "papers": papers, "untitled": untitled}


def table(path: Path) -> Reading:
    import pandas as pd

    # ASReview's reader: pandas.read_csv with the delimiter sniffed (sep=None), then its column names
    df = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    names = {c.lower().strip(): c for c in df.columns}
    title_col = next((names[c] for c in ("title", "primary_title", "ti", "t1", "article title") if c in names), None)
    abs_col = next((names[c] for c in ("abstract", "abstract note", "ab", "n2", "notes_abstract") if c in names), None)
    au_col = next((names[c] for c in ("authors", "author names", "author", "au", "first_authors") if c in names), None)
    papers, untitled = [], 0
    for _, row in df.iterrows():
        title = row[title_col] if title_col else ""
        if not text(title):
            untitled += 1 if any(text(v) for v in row.values) else 0
            continue
        authors = text(row[au_col]) if au_col else ""
        sep = ";" if ";" in authors else ","
        papers.append(paper(title, len([a for a in authors.split(sep) if a.strip()]), row[abs_col] if abs_col else ""))
    return {"library": f"pandas {version('pandas')} read_csv(sep=None) (as ASReview reads)", "papers": papers,
            "untitled": untitled}


def arxiv_mail(path: Path) -> Reading:
    """No installable library reads arXiv's mailings (arxiv-browse is the web service): an independent
    reading by the layout arxiv-browse's fixtures show. An entry is `\\\\`, a header naming the paper
    (`arXiv:ID` or, before 2007, `Paper: ID`), then either `\\\\` abstract `\\\\ ( url , size)`, or no
    abstract: `\\\\ ( url , size)` or a bare `\\\\` followed by the dashed line between entries."""
    raw = path.read_text(encoding="utf-8")
    papers = []
    entry = re.compile(r"^\\\\\n((?:arXiv:|Paper: ?)\S+[^\n]*\n.*?)^\\\\([^\n]*)$", re.M | re.S)
    for m in entry.finditer(raw.replace("\r\n", "\n")):
        header, closer = m.group(1), m.group(2)
        fields: dict[str, str] = {}
        last = ""
        for line in header.splitlines():
            if line[:1] in " \t" and last:
                fields[last] += " " + line.strip()
            elif ":" in line:
                last, _, value = line.partition(":")
                fields[last] = value.strip()
        abstract = ""
        if not closer.strip():  # a bare `\\\\`: an abstract follows, up to the next `\\\\` line
            rest = raw[m.end():]
            body = re.match(r"\n(.*?)^\\\\", rest, re.M | re.S)
            if body and not body.group(1).lstrip().startswith("-" * 10):
                abstract = body.group(1)
        names = re.sub(r"\([^)]*\)", "", fields.get("Authors", ""))
        authors = [a for a in re.split(r",\s*(?:and\s+)?|\s+and\s+", names) if a.strip()]
        papers.append(paper(fields.get("Title", ""), len(authors), abstract))
    return {"library": "regular expressions by hand (no installable library: arxiv-browse is a web service)",
            "papers": papers, "untitled": 0}


READERS: dict[str, Callable[[Path], Reading]] = {
    "bibtex": bibtex, "ris": ris, "rss": feed, "atom": feed, "json": json_feed, "medline": medline,
    "pubmed-xml": pubmed_xml, "csv": table,
}


LIBRARY = {"bibtex": "bibtexparser", "ris": "rispy", "rss": "feedparser", "atom": "feedparser", "json": "json",
           "medline": "Bio.Medline", "pubmed-xml": "lxml", "csv": "pandas", "wos": "metaknowledge", "arxiv-mail": "re"}
"""Which library's refusal an error is."""


def read(path: Path, folder: str) -> Reading:
    if folder == "wos":
        return wos_rispy(path) if path.suffix == ".ris" else wos(path)
    if folder == "arxiv-mail":
        return arxiv_mail(path)
    return READERS[folder](path)


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else DEFAULT_CORPUS
    old = json.loads(TABLE.read_text(encoding="utf-8")) if TABLE.exists() else {}
    out: dict[str, Any] = {}
    for path in sorted(corpus.glob("*/*")):
        rel = path.relative_to(corpus).as_posix()
        try:
            reading = read(path, rel.split("/")[0])
        except Exception as exc:  # noqa: BLE001 - a refusal by the library is its reading of the file
            reading = {"library": LIBRARY.get(rel.split("/")[0], "?"), "papers": [],
                       "error": f"{type(exc).__name__}: {str(exc)[:80]}"}
        kept = {k: v for k, v in old.get(rel, {}).items() if k == "differences"}
        out[rel] = {**reading, **kept}
        print(f"{rel}: {len(reading.get('papers', []))} papers ({reading['library']})", file=sys.stderr)
    TABLE.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
