"""Quality benchmark: papertriage against the reference peers, with the same profiles, on real labels.

    python benchmarks/quality.py                    # SYNERGY screening sets + arXiv categories
    python benchmarks/quality.py --profiles alt     # the profiles written independently (robustness)
    python benchmarks/quality.py --only synergy     # or: --only arxiv
    python benchmarks/quality.py --profiles boolean # a Boolean search string per SYNERGY review

SYNERGY: a paper is relevant when the reviewers included it. arXiv: a fixed sample of the crawl's
unique papers (those whose id hashes into 2 of 7 buckets, about 21,000), relevant to a profile when
listed in its category. `--profiles boolean`: the search strings of benchmarks/profiles/synergy-boolean/
(one file per SYNERGY review, PubMed, Ovid, Scopus or WoS syntax), imported by `profiles import`; the
peers get every term and alias of the imported profile (truncation marks removed). Every method is
scored with papertriage.evaluation.metrics (ties ordered by a hash of the paper, the same for all), so
`papertriage evaluate` gives the same numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
from dataclasses import replace

from common import CORPORA, CRAWL, REPO, load_peers

from papertriage.config import load_config
from papertriage.evaluation import Metrics, label_of, metrics, paper_key, profile_scores
from papertriage.models import Paper, Profile
from papertriage.triage import parse_listings

PROFILES = REPO / "benchmarks" / "profiles"
CATEGORY = {"robotics": "cs.RO", "security": "cs.CR", "retrieval": "cs.IR", "graphics": "cs.GR",
            "audio": "cs.SD", "information-theory": "cs.IT"}
METHODS = ("papertriage", "exact", "partial", "bm25")


def peer_terms(profile: Profile) -> list[tuple[str, float]]:
    """The same profile for the peers: every term and alias with the term's weight (a truncated
    word as its stem, `migrain*` -> `migrain`: what a substring or token match can do with it)."""
    return [(text.replace("*", ""), t.weight) for t in profile.terms for text in (t.term, *t.aliases)]


def boolean_profiles() -> list[Profile]:
    """The Boolean search strings, imported as `papertriage profiles import FILE --name REVIEW` does."""
    import yaml

    from papertriage.config import profiles_from_data
    from papertriage.query import config_yaml, import_query

    out = []
    for path in sorted((PROFILES / "synergy-boolean").glob("*.txt")):
        imported = import_query(path.read_text(encoding="utf-8"), path.stem)
        out += profiles_from_data(yaml.safe_load(config_yaml(imported)), str(path))
    return out


def score_all(papers: list[Paper], profile: Profile, peers) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    records = [{"title": p.title, "abstract": p.abstract} for p in papers]
    terms = peer_terms(profile)
    return {
        "papertriage": profile_scores(papers, [profile])[profile.name],
        "exact": peers.exact(records, terms),
        "partial": peers.partial(records, terms),
        "bm25": peers.bm25(records, terms),
    }


def synergy_cases(profiles: dict[str, Profile]) -> list[tuple[str, list[Paper], list[bool], Profile]]:
    cases = []
    for name, profile in profiles.items():
        path = CORPORA / "other" / "synergy" / f"{name}.csv"
        papers = list(parse_listings([str(path)], dedupe=False))
        labels = [bool(label_of(p, None)) for p in papers]
        cases.append((name, papers, labels, profile))
    return cases


def arxiv_sample() -> list[Paper]:
    papers = parse_listings([str(CRAWL)])
    return [p for p in papers if int(hashlib.sha1(p.id.encode()).hexdigest(), 16) % 7 < 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", choices=("ours", "alt", "boolean"), default="ours")
    parser.add_argument("--only", choices=("synergy", "arxiv"))
    parser.add_argument("--no-partial", action="store_true",
                        help="papertriage without partial credit (every term as with `partial: false`)")
    args = parser.parse_args()
    if not CORPORA.exists():
        sys.exit(f"benchmark needs {CORPORA}")
    peers = load_peers()
    suffix = "" if args.profiles == "ours" else "-alt"
    cases = []
    if args.profiles == "boolean":
        cases += synergy_cases({p.name: p for p in boolean_profiles()})
    elif args.only != "arxiv":
        synergy = {p.name: p for p in load_config(PROFILES / f"synergy{suffix}.yaml")}
        cases += synergy_cases(synergy)
    if args.only != "synergy" and args.profiles != "boolean":
        sample = arxiv_sample()
        for profile in load_config(PROFILES / f"arxiv-categories{suffix}.yaml"):
            labels = [CATEGORY[profile.name] in p.categories for p in sample]
            cases.append((f"arXiv {CATEGORY[profile.name]} ({len(sample)})", sample, labels, profile))

    if args.no_partial:
        cases = [(name, papers, labels, replace(profile, terms=tuple(replace(t, partial=False) for t in profile.terms)))
                 for name, papers, labels, profile in cases]
    results: dict[str, dict[str, Metrics]] = {}
    print(f"{'case':<36}{'N':>7}{'pos':>6}  " + "  ".join(f"{m + ' AP':>15}" for m in METHODS)
          + "  " + "  ".join(f"{m[:7] + ' WSS95':>13}" for m in METHODS))
    for name, papers, labels, profile in cases:
        keys = [paper_key(p) for p in papers]
        scores = score_all(papers, profile, peers)
        results[name] = {m: metrics(scores[m], labels, keys) for m in METHODS}
        row = results[name]
        print(f"{name:<36}{len(papers):>7}{sum(labels):>6}  "
              + "  ".join(f"{row[m].average_precision:>15.3f}" for m in METHODS) + "  "
              + "  ".join(f"{row[m].wss_at_95:>13.3f}" for m in METHODS), flush=True)
    mean_ap = {m: statistics.mean(r[m].average_precision for r in results.values()) for m in METHODS}
    mean_wss = {m: statistics.mean(r[m].wss_at_95 for r in results.values()) for m in METHODS}
    print(f"{'mean':<49}" + "  ".join(f"{mean_ap[m]:>15.3f}" for m in METHODS) + "  "
          + "  ".join(f"{mean_wss[m]:>13.3f}" for m in METHODS))
    best_peer = max(METHODS[1:], key=lambda m: mean_ap[m])
    best_wss = max(METHODS[1:], key=lambda m: mean_wss[m])
    print(f"papertriage mean AP {mean_ap['papertriage']:.3f} vs best peer ({best_peer}) {mean_ap[best_peer]:.3f}: "
          f"{(mean_ap['papertriage'] / mean_ap[best_peer] - 1) * 100:+.1f}%")
    print(f"papertriage mean WSS@95 {mean_wss['papertriage']:.3f} vs best peer ({best_wss}) {mean_wss[best_wss]:.3f}")
    mean_r10 = {m: statistics.mean(r[m].recall_at_10pct for r in results.values()) for m in METHODS}
    print("mean recall@10%: " + ", ".join(f"{m} {mean_r10[m]:.3f}" for m in METHODS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
