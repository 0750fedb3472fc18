"""Our BibTeX reader or bibtexparser v2 (with the middlewares that make it read as we need): one file.

    flock /tmp/papertriage-bench.lock farm-bench -n 7 -- python benchmarks/bibtex_choice.py ours FILE \
        --vs "python benchmarks/bibtex_choice.py bibtexparser FILE"

Each mode reads FILE into titles, author lists and abstracts and prints how many entries it read;
farm-bench times the whole process (start-up and imports included, as a user sees them).
"""

from __future__ import annotations

import sys


def main(mode: str, path: str) -> int:
    if mode == "ours":
        from papertriage.sources import read_papers

        papers = [(p.title, p.authors, p.abstract) for p in read_papers([path])]
    else:
        import bibtexparser
        from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

        with open(path, encoding="utf-8") as fh:
            lib = bibtexparser.parse_string(fh.read(), append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()])
        papers = []
        for e in lib.entries:
            f = {k.lower(): v.value for k, v in e.fields_dict.items()}
            papers.append((f.get("title", ""), f.get("author", []), f.get("abstract", "")))
    print(len(papers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
