"""PubMed efetch XML (PubmedArticleSet), every DTD version from 2018 on."""

from __future__ import annotations

import re
from typing import Any, Iterator

from papertriage.models import Paper, make_paper, squash
from papertriage.sources.base import ParseContext, is_markup, iso_date, month_number, parse_xml
from papertriage.sources.reading import Listing

NAME = "pubmed-xml"


def detect(head: str) -> float:
    """1.0 for a PubMed article element in the first 5,000 characters of markup: the root, behind its
    declaration and DOCTYPE."""
    return 1.0 if is_markup(head) and re.search(r"<(PubmedArticleSet|PubmedArticle|PubmedBookArticle)\b", head[:5000]) \
        else 0.0


def _text(node: Any) -> str:
    return squash("".join(node.itertext())) if node is not None else ""


def _date(article: Any) -> str | None:
    for path in (".//ArticleDate", ".//PubDate", ".//DateCompleted", ".//DateRevised"):
        node = article.find(path)
        if node is None:
            continue
        year = _text(node.find("Year"))
        if not year:
            medline = _text(node.find("MedlineDate"))
            return iso_date(medline[:4]) if medline else None
        month = _text(node.find("Month"))
        day = _text(node.find("Day"))
        mnum = int(month) if month.isdigit() else (month_number(month) if month else None)
        if mnum and day.isdigit():
            return f"{year}-{mnum:02d}-{int(day):02d}"
        if mnum:
            return f"{year}-{mnum:02d}"
        return year
    return None


def parse(listing: Listing, ctx: ParseContext) -> Iterator[Paper]:
    text = listing.read()
    root = parse_xml(text, ctx)
    articles = root.findall(".//PubmedArticle") + root.findall(".//PubmedBookArticle")
    if root.tag in ("PubmedArticle", "PubmedBookArticle"):
        articles = [root]
    for n, art in enumerate(articles, 1):
        title = _text(art.find(".//ArticleTitle")) or _text(art.find(".//BookTitle"))
        pmid = _text(art.find(".//PMID"))
        if not title:
            ctx.skip(f"article {n} (PMID {pmid or '?'})", "no title")
            continue
        parts = []
        for node in art.findall(".//Abstract/AbstractText"):
            label = node.get("Label")
            body = _text(node)
            parts.append(f"{label}: {body}" if label and body else body)
        authors = []
        for a in art.findall(".//AuthorList/Author"):
            name = " ".join(x for x in (_text(a.find("ForeName")), _text(a.find("LastName"))) if x)
            authors.append(name or _text(a.find("CollectiveName")))
        ids = {i.get("IdType"): _text(i) for i in art.findall(".//ArticleIdList/ArticleId")}
        doi = ids.get("doi") or next((_text(e) for e in art.findall(".//ELocationID") if e.get("EIdType") == "doi"), None)
        yield make_paper(
            title=title,
            abstract=" ".join(p for p in parts if p),
            authors=authors,
            published=_date(art),
            doi=doi,
            url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
            keywords=[_text(k) for k in art.findall(".//MeshHeading/DescriptorName")]
            + [_text(k) for k in art.findall(".//KeywordList/Keyword")],
            source=NAME,
            extra={
                "pmid": pmid,
                "journal": _text(art.find(".//Journal/Title")),
            },
        )
