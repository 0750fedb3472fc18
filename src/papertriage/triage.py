"""The commands' core: read listings, deduplicate, score and rank; no printing here."""

from __future__ import annotations

import gc
import os
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from papertriage.calibration import Hits, scan_sample
from papertriage.errors import InputError
from papertriage.identity import (
    BEFORE_SINCE,
    HIDDEN,
    PARTIAL_ONLY,
    Deduplicator,
    GroupKeys,
    PaperTable,
    first_papers,
    merge,
    merged_papers,
    paper_keys,
)
from papertriage.models import Paper, Profile, Scored, squash
from papertriage.scoring import Scorer, rank, sort_key
from papertriage.sources import (
    Piece,
    add_stats,
    expand_with_origin,
    provide_stdin,
    read_papers,
    split_file,
    stdin_bytes,
)
from papertriage.sources.base import Warn

SHARD_BYTES = 4 * 1024 * 1024
"""Inputs are cut into shards of at least this many bytes (whole files, in order); shards run in parallel."""
MAX_SHARD_BYTES = 32 * 1024 * 1024
"""Nor more (a larger file in pieces, when it can be cut): what a shard holds while it is scored grows with it."""
MAX_SHARDS = 32
"""More shards than cores keep every process busy to the end (the crawl: 7.3 s with 8, 6.9 s with 32)."""
BATCH = 256
"""Papers scored together: their words are scanned in one pass."""
PARALLEL_BYTES = 2 * 1024 * 1024
"""Below this much input a process pool costs more than it saves."""

Input = str | Piece
"""What a shard reads: files, and pieces of a large file."""


@dataclass
class RankResult:
    results: list[Scored]
    stats: dict[str, int] = field(default_factory=dict)
    """files, papers (records read), unique, merged, skipped (entries), hidden, files_skipped."""
    profiles: list[Profile] = field(default_factory=list)
    """The profiles as scored: calibrated on the inputs unless plain."""

    @property
    def total(self) -> int:
        """Unique papers read."""
        return self.stats.get("unique", 0)


@dataclass(frozen=True)
class _Run:
    """What every shard of one run needs but the profiles: given to each worker process once, when it starts."""

    fmt: str | None
    top: int
    min_score: float
    dedupe: bool
    hidden: frozenset[str] = frozenset()
    lenient: frozenset[str] = frozenset()
    stdin: bytes | None = None
    """The standard input, for a shard that reads `-` (a worker process cannot read it itself)."""
    show_partial: bool = False
    """Hold papers whose score is partial_only (see Scored) like the others; else they are only counted."""
    per_profile: bool = False
    """top counts for each best profile, not for all papers."""
    since: str = ""
    """Leave out papers published before this ISO date (and undated ones), counted as before_since."""
    head: dict[int, _Read] = field(default_factory=dict)
    """Shards read whole for calibration: scored from these records, not read again."""
    sample: list[Paper] = field(default_factory=list)
    """The papers calibration samples (see calibration.scan_sample)."""


@dataclass
class _Read:
    """The records of one shard, with the warnings and stats reading it gave."""

    papers: list[Paper]
    warnings: list[str]
    stats: dict[str, int]


@dataclass
class _ShardResult:
    groups: list[GroupKeys]
    """The keys of every paper group of the shard, in order."""
    held: list[tuple[int, Scored]]
    """(group index, scored) of the groups that may make the final ranking."""
    stats: dict[str, int]
    warnings: list[str]
    partial_only: list[int] = field(default_factory=list)
    """Group indices of the papers left out because their score is partial_only (see Scored)."""
    hidden: list[int] = field(default_factory=list)
    """Group indices of the papers left out as hidden (already shown): counted as papers, not records."""
    before_since: list[int] = field(default_factory=list)
    """Group indices of the papers all of whose records in the shard were left out by since."""


def _keep_best(held: dict[int, Scored], top: int, per_profile: bool = False) -> dict[int, Scored]:
    """The top best of held (of each best profile with per_profile)."""
    if per_profile:
        kept = {id(s) for s in rank(held.values(), top=top, min_score=float("-inf"), per_profile=True)}
        return {group: s for group, s in sorted(held.items()) if id(s) in kept}
    return dict(sorted(held.items(), key=lambda kv: sort_key(kv[1]))[:top])


_SCORERS: dict[tuple[Profile, ...], Scorer] = {}


def _scorer_for(profiles: list[Profile]) -> Scorer:
    """One scorer per process and profile set, so its word cache serves every shard the process runs."""
    key = tuple(profiles)
    if key not in _SCORERS:
        _SCORERS.clear()
        _SCORERS[key] = Scorer(profiles)
    return _SCORERS[key]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Reading makes millions of short-lived containers and no reference cycles, and the cyclic
    collector's passes over them cost about 8% of a large run: it waits until the work is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def read_cost(paper: Paper) -> int:
    """About the bytes a paper held in memory takes: its text, its extra fields (each a string and
    a dict entry, some 80 bytes besides its text), and a kilobyte for the rest."""
    return len(paper.title) + len(paper.abstract) + sum(len(str(v)) + 80 for v in paper.extra.values()) + 1024


def _read(files: list[Input], run: _Run, warnings: list[str], stats: dict[str, int],
          known_duplicate: Callable[[str, str, str], bool] | None = None) -> Iterator[Paper]:
    """The records of a shard's files, as read_papers gives them."""
    # a line equal to one read before is the same record: skipped, unless it may be a hidden paper's
    # (those are counted as hidden, not as duplicates)
    seen_lines: set[int] | None = set() if run.dedupe and not run.hidden else None
    return read_papers(files, fmt=run.fmt, warn=warnings.append, stats=stats, known_duplicate=known_duplicate,
                       lenient=run.lenient, seen_lines=seen_lines)


_RUN: list[_Run] = []
"""The run this process scores shards of (see _start)."""


def _start(run: _Run, worker: bool) -> None:
    """Make this process score shards of run: a worker process ignores Ctrl-C (the parent stops it)."""
    if worker:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if run.stdin is not None:
        provide_stdin(run.stdin)
    _RUN[:] = [run]


Task = tuple[int, list[Input], list[Profile]]
"""A shard to score: its index, its files, the profiles."""


def _score_shard(task: Task) -> _ShardResult:
    """Score one shard's papers (read now, or for calibration), merging duplicates, and keep only
    what can reach the top."""
    index, files, profiles = task
    run = _RUN[0]
    with _gc_paused():
        run.sample.clear()  # calibration is done
        read = run.head.pop(index, None)  # given up once scored
        if run.head and index > max(run.head):
            run.head.clear()  # given to other processes, whose shards come first
        scoring = _ShardScoring(run, profiles, read)
        papers = read.papers if read else _read(
            files, run, scoring.warnings, scoring.stats, scoring.known_duplicate if scoring.dedup else None)
        for paper in papers:
            scoring.add(paper)
        return scoring.result()


def _scan_sample(task: tuple[list[Profile], int, int]) -> Hits:
    """A slice of calibration's scan of the sample (see calibration.calibrate)."""
    profiles, start, end = task
    with _gc_paused():
        return scan_sample(_scorer_for(profiles), _RUN[0].sample[start:end])


class _ShardScoring:
    """The papers of one shard as they are read: grouped into papers, scored in batches, and the
    best held.

    A duplicate whose title and abstract equal the kept record's cannot change the score (only
    those fields are scored), so it is merged without scoring again.
    """

    def __init__(self, run: _Run, profiles: list[Profile], read: _Read | None) -> None:
        self.run = run
        self.scorer = _scorer_for(profiles)
        self.warnings: list[str] = list(read.warnings) if read else []
        self.stats: dict[str, int] = dict(read.stats) if read else {}
        self.held: dict[int, Scored] = {}
        self.scored_text: dict[int, tuple[str, str]] = {}
        """Group -> the (title, abstract) it was scored with. The strings themselves, not a hash: equal
        texts are rare (duplicates), and hashing every abstract cost more than holding a shard's."""
        self.groups: list[GroupKeys] = []
        self.dedup = Deduplicator() if run.dedupe else None
        self.limit = 4 * run.top + 256
        self.pending: list[tuple[int, Paper, tuple[str, str]]] = []
        """(group, paper, its text) waiting to be scored in one batch."""
        self.pending_groups: set[int] = set()
        self.floor = run.min_score
        """The lowest score that can still reach the top: the top-th best so far, once there are that many."""
        self.hide_partial = not run.show_partial and run.min_score > 0
        self.partial_only: set[int] = set()
        self.hidden: set[int] = set()
        """Groups left out as hidden (already shown)."""
        self.since_out: set[int] = set()
        self.since_in: set[int] = set()
        """Groups with a record left out by since, and with one kept."""

    def known_duplicate(self, arxiv: str, title: str, abstract: str) -> bool:
        """A record of a paper already scored, not held, with the same text: it cannot change anything."""
        group = self.dedup.group_of("arxiv:" + arxiv) if self.dedup else None
        if group is None or group in self.held:
            return False
        return self.scored_text.get(group) == (squash(title), squash(abstract))

    def add(self, paper: Paper) -> None:
        run = self.run
        group, new = self._group(paper)
        if run.since:
            if (paper.published or "") < run.since:
                self.since_out.add(group)  # counted as papers (the groups), not records
                return
            self.since_in.add(group)
        if run.hidden and not run.hidden.isdisjoint(paper_keys(paper)):
            self.hidden.add(group)  # counted as papers (the groups), not records
            return
        fingerprint = (paper.title, paper.abstract)
        if not new:
            if group in self.pending_groups:
                self.score_pending()  # a duplicate merges with what its group's earlier record scored
            kept = self.held.get(group)
            if kept is not None:
                paper = merge(kept.paper, paper)
                fingerprint = (paper.title, paper.abstract)
                if self.scored_text.get(group) == fingerprint:
                    self.held[group] = replace(kept, paper=paper)
                    return
            elif self.scored_text.get(group) == fingerprint:
                return
        self.pending.append((group, paper, fingerprint))
        self.pending_groups.add(group)
        if len(self.pending) >= BATCH:
            self.score_pending()

    def _group(self, paper: Paper) -> tuple[int, bool]:
        """The paper's group and whether it is new (every record is new without deduplication)."""
        ids, title = Deduplicator.keys(paper)
        titles = (title,) if title is not None else ()
        if self.dedup is None:
            self.groups.append((ids, titles))
            return len(self.groups) - 1, True
        group, new = self.dedup.add_keys(ids, title)
        if new:
            self.groups.append((ids, titles))
        else:  # the keys of every record count across shards, not only the first record's
            known_ids, known_titles = self.groups[group]
            more_ids = tuple(k for k in ids if k not in known_ids)
            more_titles = tuple(t for t in titles if t not in known_titles)
            if more_ids or more_titles:
                self.groups[group] = (known_ids + more_ids, known_titles + more_titles)
        return group, new

    def score_pending(self) -> None:
        if not self.pending:
            return
        run, held = self.run, self.held
        scores = self.scorer.score_many([p for _, p, _ in self.pending], whole_first=not run.show_partial)
        for (group, _, fingerprint), scored in zip(self.pending, scores, strict=True):
            self.scored_text[group] = fingerprint
            if self.hide_partial and scored.partial_only and scored.score >= run.min_score:
                self.partial_only.add(group)
                held.pop(group, None)
                continue
            self.partial_only.discard(group)
            if scored.score >= self.floor:
                held[group] = scored
            else:
                held.pop(group, None)
        self.pending.clear()
        self.pending_groups.clear()
        if run.top and len(held) > self.limit:
            self.held = _keep_best(held, run.top, run.per_profile)
            if not run.per_profile:  # one floor for all: with per_profile each profile has its own
                self.floor = max(self.floor, min(s.score for s in self.held.values()))

    def result(self) -> _ShardResult:
        self.score_pending()
        if self.run.top:
            self.held = _keep_best(self.held, self.run.top, self.run.per_profile)
        # records skipped unparsed are merged all the same
        self.stats["merged"] = (self.dedup.merged if self.dedup else 0) + self.stats.pop("duplicates", 0)
        return _ShardResult(self.groups, sorted(self.held.items()), self.stats, self.warnings, sorted(self.partial_only),
                            sorted(self.hidden), sorted(self.since_out - self.since_in))


def input_bytes(item: Input) -> int:
    """The bytes a shard's input holds on disk (0 for the standard input)."""
    if isinstance(item, Piece):
        return item.end - item.start
    return Path(item).stat().st_size if item != "-" and Path(item).is_file() else 0


def _pieces(path: str, size: int) -> list[Input]:
    """split_file's pieces, or the file whole when it cannot be read (reading it says why, in its turn)."""
    try:
        return list(split_file(path, size))
    except InputError:
        return [path]


def plan_shards(files: list[str], shard_bytes: int = SHARD_BYTES) -> list[list[Input]]:
    """Consecutive files in groups of about the target size (total / MAX_SHARDS, at least shard_bytes
    and at most MAX_SHARD_BYTES), a plain file of one record a line over it cut into pieces (of at
    least SHARD_BYTES, whatever shard_bytes says): the same plan whatever the machine, and no shard
    holds too much."""
    sizes = [input_bytes(f) for f in files]
    target = max(shard_bytes, min(sum(sizes) // MAX_SHARDS + 1, MAX_SHARD_BYTES))
    cut = max(target, SHARD_BYTES)
    items: list[Input] = [piece for f, n in zip(files, sizes, strict=True)
                          for piece in (_pieces(f, cut) if n > cut else [f])]
    shards: list[list[Input]] = [[]]
    size = 0
    for item in items:
        n = input_bytes(item)
        if shards[-1] and size + n > target:
            shards.append([])
            size = 0
        shards[-1].append(item)
        size += n
    return shards


Progress = Callable[[int, int], None]
Teach = Callable[[list[Profile]], list[Profile]]


def rank_listings(inputs: list[str], profiles: list[Profile], *, fmt: str | None = None, top: int = 0,
                  min_score: float = 1e-9, dedupe: bool = True, warn: Warn = lambda m: None,
                  jobs: int = 0, progress: Progress | None = None, shard_bytes: int = SHARD_BYTES,
                  hidden: frozenset[str] = frozenset(), plain: bool = False, show_partial: bool = False,
                  per_profile: bool = False, since: str = "", teach: Teach | None = None,
                  sample: int | None = None) -> RankResult:
    """Score every paper of the inputs and keep the best.

    One path for every run: inputs are cut into shards (whole files, in order); unless plain, the
    first shards are read and the profiles calibrated on their first papers (those shards are
    then scored from what was read); every shard is scored by one ordered map, in a process pool
    when there is enough input, and the shards' results are merged in order, so the output does
    not depend on the number of processes. With top > 0 memory stays bounded.
    jobs: processes to use (0 = one per core when the input is large enough).
    hidden: keys (see ledger.paper_keys) of papers to leave out, such as those already shown.
    plain: score with the profiles as written, not calibrated on the inputs' first papers.
    show_partial: also rank the papers whose score is partial_only (see Scored); by default (with
    min_score > 0) they are left out and counted in stats["partial_only"].
    per_profile: top counts for each best profile. since: only papers published on or after this
    ISO date (the others, and undated ones, counted in stats["before_since"]).
    teach: what decisions add to the profiles (see learning.teacher), applied to them as scored
    (after calibration unless plain).
    sample: how many papers calibration samples (calibration.SAMPLE by default).
    """
    teach = teach or (lambda ps: ps)
    origin = list(expand_with_origin(inputs))
    files = [f for f, _ in origin]
    run = _Run(fmt, top, min_score, dedupe, hidden, frozenset(f for f, walked in origin if walked),
               stdin_bytes() if "-" in files else None, show_partial, per_profile, since)
    shards = plan_shards(files, shard_bytes)
    total_bytes = sum(map(input_bytes, files))
    if jobs <= 0:
        jobs = (os.cpu_count() or 1) if total_bytes >= PARALLEL_BYTES else 1
    with _gc_paused():
        if not plain:
            from papertriage.calibration import SAMPLE

            run = _read_sample(run, shards, SAMPLE if sample is None else sample)
        with _shard_map(run, min(jobs, len(shards))) as mapped:
            if not plain:
                profiles = _calibrated(profiles, run, mapped)
                run.sample.clear()  # scanned: no process needs it now (forked workers drop theirs, below)
            profiles = teach(profiles)
            results = mapped(_score_shard, [(i, files, profiles) for i, files in enumerate(shards)])
            if progress:
                progress(0, len(shards))  # after the workers are forked: the bar's thread is not forked with them
            return _merged(_reporting(results, len(shards), progress), inputs, run, profiles, warn)


def _reporting(results: Iterator[_ShardResult], shards: int, progress: Progress | None) -> Iterator[_ShardResult]:
    for n, result in enumerate(results, 1):
        if progress:
            progress(n, shards)
        yield result


class Mapped(Protocol):
    """An ordered map: fn of each task, in the tasks' order (as the builtin map and Executor.map)."""

    def __call__(self, fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[Any]: ...


@contextmanager
def _shard_map(run: _Run, jobs: int) -> Iterator[Mapped]:
    """The map that runs tasks of run in order: in this process for one job, else in a process pool
    (forked, so that the workers have the records read for calibration without pickling them,
    unless fork is not there or another thread runs: its locks could stay taken in the children)."""
    if jobs <= 1:
        _start(run, worker=False)
        try:
            yield lambda fn, tasks: map(fn, tasks)
        finally:
            _RUN.clear()
        return
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
                               initializer=_start, initargs=(run, True))

    started: dict[int, Any] = {}
    """The worker processes seen started (the pool forgets those that died)."""

    def mapped(fn: Callable[[Any], Any], tasks: list[Any]) -> Iterator[Any]:
        results = pool.map(fn, tasks)
        started.update(getattr(pool, "_processes", None) or {})  # no public way before 3.14
        if fork:  # forked at the first submit, the workers have their copies (spawned ones may start later)
            run.head.clear()
        return results

    def stop() -> None:
        """The shards left are not waited for: the workers are stopped (they hold nothing to keep)."""
        pool.shutdown(wait=False, cancel_futures=True)
        started.update(getattr(pool, "_processes", None) or {})
        for process in started.values():
            process.terminate()
            process.join()

    try:
        yield mapped
    except BrokenProcessPool:
        stop()
        raise RuntimeError("a worker process stopped before its shard was done (killed, or out of memory); "
                           "run again, or with --jobs 1") from None
    except BaseException:  # an error in a shard, or Ctrl-C
        stop()
        raise
    pool.shutdown()  # every task is done: the workers end on their own (a terminated one could hold a queue's lock)


def _merged(results: Iterable[_ShardResult], inputs: list[str], run: _Run, profiles: list[Profile],
            warn: Warn) -> RankResult:
    """The shards' results merged in shard order: duplicates across shards merged, the best kept."""
    stats: dict[str, int] = {}
    papers = PaperTable(run.dedupe)
    held: dict[int, Scored] = {}
    scorer = _scorer_for(profiles)
    hide_partial = not run.show_partial and run.min_score > 0
    for result in results:
        for message in result.warnings:
            warn(message)
        add_stats(stats, result.stats)
        mapping = papers.add_groups(result.groups)
        papers.mark(mapping, result.partial_only, PARTIAL_ONLY)
        papers.mark(mapping, result.hidden, HIDDEN)
        if run.since:
            papers.mark_since(mapping, result.before_since)
        for index, scored in result.held:
            group = mapping[index]
            kept = held.get(group)
            if kept is not None:
                paper = merge(kept.paper, scored.paper)
                if (paper.title, paper.abstract) != (kept.paper.title, kept.paper.abstract):
                    scored = scorer.score(paper, detail=False, whole_first=not run.show_partial)
                else:
                    scored = replace(kept, paper=paper)
                if scored.score < run.min_score or (hide_partial and scored.partial_only):
                    held.pop(group)
                    if scored.score >= run.min_score:
                        papers.flag(group, PARTIAL_ONLY)
                    continue
            held[group] = scored
            papers.unflag(group, PARTIAL_ONLY)
        if run.top and len(held) > 4 * run.top + 256:
            held = _keep_best(held, run.top, run.per_profile)
    stats["merged"] = stats.get("merged", 0) + papers.merged
    stats["unique"] = papers.count
    _check_something_read(inputs, stats)
    stats["partial_only"] = papers.counted(PARTIAL_ONLY, held)
    if run.hidden:
        stats["hidden"] = papers.counted(HIDDEN, held)
    if run.since:
        stats["before_since"] = papers.counted(BEFORE_SINCE, held)
    ranked = [scorer.score(s.paper, whole_first=not run.show_partial)
              for s in rank(held.values(), top=run.top, min_score=run.min_score, per_profile=run.per_profile)]
    return RankResult(ranked, stats, profiles)


SAMPLE_BYTES = 64 * 2**20
"""The most the shards read for calibration may hold (see read_cost): wide rows stop the sample sooner."""


def _read_sample(run: _Run, shards: list[list[Input]], sample: int) -> _Run:
    """run with the first papers of the shards (see calibration) and the shards read whole for
    them, to be scored from what was read. The shard the sample ends in is read again in its turn
    (finishing it here would keep the other processes waiting, and could hold a whole large file),
    unless it reads a pipe, which cannot be read twice: that shard is read to its end here. Once
    the papers read pass SAMPLE_BYTES (see read_cost: wide rows), the sample ends there."""
    head: dict[int, _Read] = {}
    room = SAMPLE_BYTES
    last: list[tuple[int, _Read, Iterator[Paper]]] = []

    def records() -> Iterator[Paper]:
        nonlocal room
        for index, files in enumerate(shards):
            read = _Read([], [], {})
            stream = _read(files, run, read.warnings, read.stats)
            last[:] = [(index, read, stream)]
            for paper in stream:
                read.papers.append(paper)
                room -= read_cost(paper)
                yield paper
                if room <= 0 and _rereadable(files):
                    return  # wide rows: the sample ends here, and this shard is read again in its turn
            head[index] = read

    first = first_papers(records(), sample, dedupe=run.dedupe)
    if last and last[0][0] not in head and not _rereadable(shards[last[0][0]]):
        index, read, stream = last[0]
        read.papers.extend(stream)
        head[index] = read
    return replace(run, head=head, sample=first)


def _rereadable(files: list[Input]) -> bool:
    """Whether a shard's inputs can be read a second time: not a named pipe (`-` is read once, then kept)."""
    return all(isinstance(f, Piece) or f == "-" or os.path.isfile(f) for f in files)


def _calibrated(profiles: list[Profile], run: _Run, mapped: Mapped) -> list[Profile]:
    """The profiles calibrated on run's sample, its scan shared by the processes of mapped."""
    from papertriage.calibration import calibrate

    return calibrate(profiles, run.sample,
                     lambda slices: mapped(_scan_sample, [(profiles, a, b) for a, b in slices]))


def parse_listings(inputs: list[str], *, fmt: str | None = None, dedupe: bool = True,
                   warn: Warn = lambda m: None, stats: dict[str, int] | None = None) -> Iterable[Paper]:
    """Every paper, duplicates merged when dedupe is on (which holds the papers until the end)."""
    stats = stats if stats is not None else {}
    if not dedupe:
        yield from read_papers(inputs, fmt=fmt, warn=warn, stats=stats)
        stats["unique"] = stats.get("papers", 0)
    else:
        yield from merged_papers(read_papers(inputs, fmt=fmt, warn=warn, stats=stats), stats)
    _check_something_read(inputs, stats)


def _check_something_read(inputs: list[str], stats: dict[str, int]) -> None:
    if not stats.get("files") and stats.get("files_skipped"):
        raise InputError(f"{', '.join(inputs)}: no file in it is a listing papertriage can read; "
                         "see `papertriage formats`")
