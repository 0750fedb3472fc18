"""Learning benchmark: papertriage simulate against ASReview LAB's simulate and random order, on SYNERGY.

    flock /tmp/papertriage-bench.lock python benchmarks/learning.py            # all 18 sets, Markdown
    python benchmarks/learning.py --profiles alt                              # the *-alt profiles
    python benchmarks/learning.py --sets Cohen_2006_Triptans --rerun-asreview  # one set, ASReview again
    python benchmarks/learning.py --asreview-only --sets Hamilton_2022         # fill ASReview's cache only
    python benchmarks/learning.py --seeds 1 2 3                               # means over three seeds
    python benchmarks/learning.py --no-peeking                                # labels shuffled at random

Every method screens the same shuffled copy of each set (the SYNERGY files list the relevant records
first; the copy is shuffled by a seed, and its label column is named `label_included`, which both
tools read). Rows without a title are left out of the copy (7 in all, none relevant, in three sets:
papertriage reads no paper from them), so every method screens the same papers. The methods:

- ASReview LAB's own `asreview simulate` with its default model and its 1+1 prior (one random
  relevant and one random irrelevant record, `--prior-seed`), best installed in a venv of its own
  (`pip install "papertriage[bench]"` there) and named by $ASREVIEW, else found beside this Python
  or on PATH. Its labelling order is read from the project file it writes (a zip whose results.db
  holds the results table, in labelling order); its default TF-IDF features need no network;
- papertriage `simulate` with `--prior 0` (the profile, no label) and `--prior 1+1` (same seed);
- random order (the mean of 100 seeded random orders), also after a random 1+1 prior.

All are scored by the same code from the labels in screening order; the prior records count as the
first papers screened (ASReview's own loss and NDCG, printed by its simulate, leave them out: on
that order without them, this code's reading of its project file gives the same figures). Wall
times are those of each command as a user runs it. ASReview is slow, so its orders and times are
cached (~/.cache/papertriage-bench, or $PAPERTRIAGE_BENCH_CACHE) and reused unless
`--rerun-asreview`; the cache is keyed by the shuffled file's hash.

--no-peeking replaces the labels of each shuffled copy by a random permutation of them: a model that
only sees a label once the paper is screened can do no better than random order there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from common import CORPORA, REPO, papertriage_cmd

from papertriage import simulate

SYNERGY = CORPORA / "other" / "synergy"
PROFILES = REPO / "benchmarks" / "profiles"
CACHE = Path(os.environ.get("PAPERTRIAGE_BENCH_CACHE", Path.home() / ".cache" / "papertriage-bench"))
LABEL_COLUMNS = ("label_included", "labels")
RANDOM_ORDERS = 100
METRICS = ("average_precision", "recall_at_10pct", "recall_at_20pct", "wss_at_95", "screened_to_95", "screened_to_100")


def screening_metrics(labels: Sequence[bool | int]) -> dict[str, float]:
    """The figures of one screening order (labels in the order screened), by papertriage's own definitions."""
    figures = asdict(simulate.screening_metrics([bool(x) for x in labels]))
    return {k: float(figures[k]) for k in METRICS}

@dataclass
class Shuffled:
    """A set's shuffled copy: its path, the labels in file order, and the hash the caches are keyed by."""

    name: str
    path: Path
    labels: list[int]
    sha: str


def read_set(name: str) -> tuple[list[str], list[dict[str, str]], str]:
    with open(SYNERGY / f"{name}.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        fields = list(reader.fieldnames or [])
    column = next((c for c in LABEL_COLUMNS if c in fields), None)
    if column is None:
        sys.exit(f"{name}: no label column ({', '.join(LABEL_COLUMNS)})")
    return fields, rows, column


def shuffled_copy(name: str, seed: int, *, peek_check: bool = False) -> Shuffled:
    """Write the set's rows in a seeded random order (and, for the no-peeking check, permute its labels)."""
    fields, rows, column = read_set(name)
    rows = [r for r in rows if (r.get("title") or "").strip()]  # a row without a title is no paper to papertriage
    rng = random.Random(f"{name}:{seed}")
    rng.shuffle(rows)
    labels = [int(str(r[column]).strip() == "1") for r in rows]
    if peek_check:
        rng.shuffle(labels)
    out_fields = ["label_included" if f == column else f for f in fields]
    for row, label in zip(rows, labels, strict=True):
        del row[column]
        row["label_included"] = str(label)
    folder = CACHE / ("shuffled-labels" if peek_check else "shuffled")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{seed}.csv"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=folder, delete=False, suffix=".tmp") as fh:
        writer = csv.DictWriter(fh, fieldnames=out_fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(fh.name, path)
    return Shuffled(name, path, labels, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class Run:
    """One method's screening of one set: the labels in the order screened and the command's wall time."""

    labels: list[int]
    seconds: float


def read_asreview_order(project: Path, labels: Sequence[int]) -> list[int]:
    """The labels in ASReview's labelling order, from its project file, then the unscreened papers.

    ASReview stops after the last relevant record; the papers it left unscreened are all irrelevant,
    so their order does not change any figure.
    """
    with zipfile.ZipFile(project) as zf, tempfile.TemporaryDirectory() as tmp:
        zf.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        try:
            rows = con.execute("SELECT record_id, label FROM results WHERE label IS NOT NULL ORDER BY rowid").fetchall()
            records = con.execute("SELECT COUNT(*) FROM record").fetchone()[0]
        finally:
            con.close()
    if records != len(labels):
        raise RuntimeError(f"{project}: ASReview read {records} records, the shuffled copy has {len(labels)}")
    order = [int(r) for r, _ in rows]
    for record, label in rows:
        if int(label) != labels[int(record)]:
            raise RuntimeError(f"{project}: record {record} labelled {label} by ASReview, {labels[int(record)]} in the copy")
    if len(set(order)) != len(order):
        raise RuntimeError(f"{project}: a record was labelled twice")
    screened = [labels[i] for i in order]
    if sum(screened) != sum(labels):
        raise RuntimeError(f"{project}: ASReview stopped before finding every relevant record")
    return screened + [0] * (len(labels) - len(screened))


def asreview_command() -> str:
    found = os.environ.get("ASREVIEW") or shutil.which("asreview", path=str(Path(sys.executable).parent)) \
        or shutil.which("asreview")
    if not found:
        sys.exit("asreview not found: install it in a venv of its own (python3 -m venv ~/asreview-venv && "
                 "~/asreview-venv/bin/pip install 'asreview>=2') and set ASREVIEW=~/asreview-venv/bin/asreview")
    return found


def asreview_run(data: Shuffled, seed: int, *, rerun: bool) -> Run:
    cache = CACHE / "asreview" / f"{data.name}-{seed}.json"
    if cache.exists() and not rerun:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["sha256"] == data.sha:
            return Run(saved["labels"], saved["seconds"])
    asreview = asreview_command()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / f"{data.name}.asreview"
        cmd = [asreview, "simulate", str(data.path), "--n-prior-included", "1", "--n-prior-excluded", "1",
               "--prior-seed", str(seed), "--seed", str(seed), "-o", str(project)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"{data.name}: asreview simulate failed:\n{proc.stderr[-2000:]}")
        labels = read_asreview_order(project, data.labels)
        # (in tmp: importing asreview leaves a requests cache, synergy_cache.sqlite, in the working directory)
        version = subprocess.run([asreview, "--version"], capture_output=True, text=True, cwd=tmp).stdout.strip()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"set": data.name, "seed": seed, "asreview": version, "sha256": data.sha,
                                 "seconds": round(seconds, 3), "nice": os.nice(0), "labels": labels}), encoding="utf-8")
    return Run(labels, seconds)


def random_metrics(labels: Sequence[int], name: str, seed: int, *,
                   prior: str = "0") -> tuple[dict[str, float], dict[str, float]]:
    """The mean figures of RANDOM_ORDERS random screening orders (seeded by set and seed), and their variances.

    prior "1+1" starts each order with one random relevant and one random irrelevant paper, as the 1+1
    methods do: that first relevant paper alone adds 1/relevant to AP (0.03 on the mean of the 18 sets).
    """
    rng = random.Random(f"random{'' if prior == '0' else prior}:{name}:{seed}")
    runs = []
    order = list(range(len(labels)))
    relevant = [i for i in order if labels[i]]
    irrelevant = [i for i in order if not labels[i]]
    for _ in range(RANDOM_ORDERS):
        rng.shuffle(order)
        if prior == "1+1":
            first = [rng.choice(relevant), rng.choice(irrelevant)]
            order = first + [i for i in order if i not in first]
        runs.append(screening_metrics([labels[i] for i in order]))
    return ({m: statistics.mean(r[m] for r in runs) for m in METRICS},
            {m: statistics.variance(r[m] for r in runs) for m in METRICS})


def papertriage_run(data: Shuffled, config: Path, profile: str, prior: str, seed: int, *,
                    own_figures: bool) -> tuple[Run, dict[str, float]]:
    """papertriage simulate on the shuffled copy, as a user runs it: its screening order (jsonl) and wall time;
    with own_figures, a second run for its own figures (json), with where it suggested stopping."""
    base = [*papertriage_cmd(), "simulate", str(data.path), "-c", str(config), "-p", profile, "--prior", prior,
            "--seed", str(seed), "--label-column", "label_included", "--stop", "none"]
    start = time.perf_counter()
    proc = subprocess.run([*base, "--format", "jsonl"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{data.name}: papertriage simulate --prior {prior} failed:\n{proc.stderr[-2000:]}")
    labels = [int(json.loads(line)["label"]) for line in proc.stdout.splitlines() if line.strip()]
    if len(labels) != len(data.labels) or sum(labels) != sum(data.labels):
        sys.exit(f"{data.name}: papertriage screened {len(labels)} papers ({sum(labels)} relevant), "
                 f"the copy has {len(data.labels)} ({sum(data.labels)} relevant)")
    own: dict[str, float] = {}
    if own_figures:
        proc = subprocess.run([*base, "--format", "json"], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{data.name}: papertriage simulate --format json failed:\n{proc.stderr[-2000:]}")
        own = json.loads(proc.stdout)
        mine = screening_metrics(labels)
        if any(abs(own[k] - mine[k]) > 1e-9 for k in METRICS):
            sys.exit(f"{data.name}: papertriage's own figures {own} differ from those of its screening order {mine}")
    return Run(labels, seconds), own

@dataclass
class SetResult:
    name: str
    papers: int
    relevant: int
    metrics: dict[str, dict[str, float]]
    """Per method, the figures of screening_metrics."""
    seconds: dict[str, float]
    random_variance: dict[str, dict[str, float]]
    """Per random method, the variance of each figure over its random orders."""
    recall_at_stop: float | None = None
    """papertriage --prior 0: the recall reached where it suggested stopping."""


METHODS = {"asreview": "ASReview 1+1", "pt0": "papertriage", "pt11": "papertriage 1+1", "random": "random",
           "random11": "random 1+1"}
BASELINE = {"pt0": "random", "pt11": "random11"}
"""The random order each papertriage method is checked against on permuted labels."""
SHORT = {"asreview": "ASR", "pt0": "pt", "pt11": "pt 1+1"}


def run_seed(name: str, config: Path, seed: int, *, rerun: bool, peek_check: bool) -> SetResult:
    data = shuffled_copy(name, seed, peek_check=peek_check)
    metrics: dict[str, dict[str, float]] = {}
    seconds: dict[str, float] = {}
    if not peek_check:
        asr = asreview_run(data, seed, rerun=rerun)
        metrics["asreview"], seconds["asreview"] = screening_metrics(asr.labels), asr.seconds
    recall_at_stop = None
    for key, prior in (("pt0", "0"), ("pt11", "1+1")):
        run, own = papertriage_run(data, config, name, prior, seed, own_figures=prior == "0")
        metrics[key], seconds[key] = screening_metrics(run.labels), run.seconds
        if prior == "0":
            recall_at_stop = own.get("recall_at_stop")
    variance = {}
    for key, prior in (("random", "0"), ("random11", "1+1")):
        metrics[key], variance[key] = random_metrics(data.labels, name, seed, prior=prior)
    return SetResult(name, len(data.labels), sum(data.labels), metrics, seconds, variance, recall_at_stop)


def run_set(name: str, config: Path, seeds: Sequence[int], *, rerun: bool, peek_check: bool) -> SetResult:
    """A set's figures and times, each the mean over the seeds (a seed gives the shuffle and both 1+1 priors)."""
    runs = [run_seed(name, config, seed, rerun=rerun, peek_check=peek_check) for seed in seeds]
    if len(runs) == 1:
        return runs[0]
    stops = [r.recall_at_stop for r in runs]
    return SetResult(
        name, runs[0].papers, runs[0].relevant,
        {m: {k: statistics.mean(r.metrics[m][k] for r in runs) for k in METRICS} for m in runs[0].metrics},
        {m: statistics.mean(r.seconds[m] for r in runs) for m in runs[0].seconds},
        # the variance of a mean of len(seeds) random orders, to set against papertriage's mean over the seeds
        {m: {k: statistics.mean(r.random_variance[m][k] for r in runs) / len(runs) for k in METRICS}
         for m in runs[0].random_variance},
        None if None in stops else statistics.mean(x for x in stops if x is not None),
    )

def fmt(value: float, metric: str) -> str:
    return f"{value:.1f}".removesuffix(".0") if metric.startswith("screened") else f"{value:.3f}"


def per_set_table(results: list[SetResult]) -> list[str]:
    cols = [("wss_at_95", "WSS@95"), ("recall_at_10pct", "R@10%"), ("screened_to_95", "to 95%")]
    methods = ("asreview", "pt0", "pt11")
    head = ["set", "papers", "relevant"]
    head += [f"{label} {SHORT[m]}" for _, label in cols for m in methods]
    head += [f"s {SHORT[m]}" for m in methods] + ["pt stop recall"]
    lines = ["ASR: ASReview 1+1; pt: papertriage --prior 0; pt 1+1: papertriage --prior 1+1; to 95%: papers screened "
             "to reach 95% recall; s: seconds of the command; pt stop recall: recall where papertriage --prior 0 "
             "suggested stopping; best of the three in bold.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        best = {metric: (min if metric.startswith("screened") else max)(r.metrics[m][metric] for m in methods)
                for metric, _ in cols}
        cells = [r.name, str(r.papers), str(r.relevant)]
        for metric, _ in cols:
            for m in methods:
                text = fmt(r.metrics[m][metric], metric)
                cells.append(f"**{text}**" if r.metrics[m][metric] == best[metric] else text)
        cells += [f"{r.seconds[m]:.1f}" for m in methods]
        cells.append("never" if r.recall_at_stop is None else f"{r.recall_at_stop:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def means_table(results: list[SetResult]) -> list[str]:
    labels = {"average_precision": "AP", "recall_at_10pct": "R@10%", "recall_at_20pct": "R@20%",
              "wss_at_95": "WSS@95", "screened_to_95": "screened to 95%", "screened_to_100": "screened to 100%"}
    methods = [m for m in METHODS if m in results[0].metrics]
    head = [f"mean over {len(results)} sets", *labels.values(), "seconds (sum)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in methods:
        cells = [METHODS[m]] + [fmt(statistics.mean(r.metrics[m][k] for r in results), k) for k in labels]
        cells.append(f"{sum(r.seconds[m] for r in results):.1f}" if m in results[0].seconds else "")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def targets(results: list[SetResult]) -> list[str]:
    """Issue 17's targets, each with the sets that miss it."""
    def mean(m: str, k: str) -> float:
        return statistics.mean(r.metrics[m][k] for r in results)

    out = []
    for k, label in (("wss_at_95", "WSS@95"), ("recall_at_10pct", "recall@10%")):
        ok = mean("pt0", k) >= mean("asreview", k)
        out.append(f"- mean {label}: papertriage {mean('pt0', k):.3f} (1+1: {mean('pt11', k):.3f}) vs ASReview "
                   f"{mean('asreview', k):.3f}: {'met' if ok else 'NOT met'}")
    fewer = [r.name for r in results if r.metrics["pt0"]["screened_to_95"] < r.metrics["asreview"]["screened_to_95"]]
    worse = [f"{r.name} ({r.metrics['pt0']['screened_to_95']:.0f} vs {r.metrics['asreview']['screened_to_95']:.0f})"
             for r in results if r.name not in fewer]
    out.append(f"- 95% recall after fewer papers than ASReview: {len(fewer)}/{len(results)} sets"
               + (f"; not on {', '.join(worse)}" if worse else ""))
    stopped = [r for r in results if r.recall_at_stop is not None]
    safe = [r for r in stopped if r.recall_at_stop is not None and r.recall_at_stop >= 0.95]
    early = [f"{r.name} ({r.recall_at_stop:.3f})" for r in stopped if r not in safe]
    never = [r.name for r in results if r.recall_at_stop is None]
    out.append(f"- where papertriage suggested stopping, recall >= 0.95 on {len(safe)}/{len(results)} sets"
               + (f"; stopped too early on {', '.join(early)}" if early else "")
               + (f"; never suggested stopping (every paper screened, recall 1) on {', '.join(never)}" if never else ""))
    ratios = {r.name: r.seconds["asreview"] / r.seconds["pt0"] for r in results}
    slow = [f"{n} ({x:.1f}x)" for n, x in ratios.items() if x < 5]
    out.append(f"- speed: papertriage simulate {min(ratios.values()):.1f}x to {max(ratios.values()):.1f}x faster than "
               f"asreview simulate (median {statistics.median(ratios.values()):.1f}x)"
               + (f"; under 5x on {', '.join(slow)}" if slow else ""))
    return out


def peeking_report(results: list[SetResult]) -> list[str]:
    """On permuted labels: papertriage's mean figures against random order's, with random's standard error."""
    out = []
    for key in ("pt0", "pt11"):
        for metric in ("average_precision", "wss_at_95", "recall_at_10pct"):
            base = BASELINE[key]
            diff = statistics.mean(r.metrics[key][metric] - r.metrics[base][metric] for r in results)
            # one papertriage order per set against the mean of many random ones: the spread is a single order's
            se = math.sqrt(sum(r.random_variance[base][metric] for r in results)) / len(results)
            verdict = "ok" if diff <= 3 * se else "BETTER THAN RANDOM: the model may see labels early"
            out.append(f"- {METHODS[key]} {metric}: mean {diff:+.4f} vs {METHODS[base]} "
                       f"(3 standard errors: {3 * se:.4f}): {verdict}")
    return out

def set_names(profiles: str) -> list[str]:
    import yaml

    path = PROFILES / f"synergy{'' if profiles == 'ours' else '-alt'}.yaml"
    return sorted(yaml.safe_load(path.read_text(encoding="utf-8"))["profiles"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", choices=("ours", "alt"), default="ours")
    parser.add_argument("--sets", nargs="+", metavar="NAME", help="only these SYNERGY sets")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], metavar="N",
                        help="seeds of the shuffle and of both 1+1 priors; figures are means over them (default 1)")
    parser.add_argument("--rerun-asreview", action="store_true", help="run ASReview again instead of reading its cache")
    parser.add_argument("--asreview-only", action="store_true", help="only run ASReview (fill its cache)")
    parser.add_argument("--no-peeking", action="store_true", help="labels permuted at random: papertriage vs random order")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    args = parser.parse_args()
    if not SYNERGY.exists():
        sys.exit(f"benchmark needs {SYNERGY}")
    names = args.sets or set_names(args.profiles)
    if args.asreview_only:
        for name in names:
            for seed in args.seeds:
                run = asreview_run(shuffled_copy(name, seed), seed, rerun=args.rerun_asreview)
                m = screening_metrics(run.labels)
                print(f"{name} seed {seed}: {len(run.labels)} papers, {run.seconds:.1f} s, "
                      f"WSS@95 {m['wss_at_95']:.3f}, R@10% {m['recall_at_10pct']:.3f}", file=sys.stderr, flush=True)
        return 0
    config = PROFILES / f"synergy{'' if args.profiles == 'ours' else '-alt'}.yaml"
    results = []
    for name in names:
        result = run_set(name, config, args.seeds, rerun=args.rerun_asreview, peek_check=args.no_peeking)
        print(f"{name}: " + ", ".join(f"{METHODS[m]} WSS@95 {v['wss_at_95']:.3f}" for m, v in result.metrics.items()),
              file=sys.stderr, flush=True)
        results.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")
    what = "labels permuted at random (no-peeking check)" if args.no_peeking else f"profiles {config.name}"
    seeds = " ".join(map(str, args.seeds))
    print(f"SYNERGY, {what}, shuffle and prior seed{'s' if len(args.seeds) > 1 else ''} {seeds}\n")
    print("\n".join(means_table(results)))
    print()
    if args.no_peeking:
        print("\n".join(peeking_report(results)))
        return 0
    print("\n".join(per_set_table(results)))
    print()
    print("\n".join(targets(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
