"""The commands' core: read listings, deduplicate, score and rank; no printing here."""

from __future__ import annotations

import gc
import os
import signal
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import chain
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, cast

from papertriage.errors import InputError
from papertriage.identity import Deduplicator, first_papers, merge, merged_papers, paper_keys
from papertriage.models import Paper, Profile, Scored, squash
from papertriage.scoring import Scorer, rank, sort_key
from papertriage.sources import (
    FileRead,
    add_stats,
    expand_with_origin,
    provide_stdin,
    read_papers,
    stdin_bytes,
)
from papertriage.sources.base import Warn

SHARD_BYTES = 4 * 1024 * 1024
"""Inputs are cut into shards of at least this many bytes (whole files, in order); shards run in parallel."""
MAX_SHARDS = 32
"""More shards than cores keep every process busy to the end (the crawl: 7.3 s with 8, 6.9 s with 32)."""
BATCH = 256
"""Papers scored together: their words are scanned in one pass."""
PARALLEL_BYTES = 2 * 1024 * 1024
"""Below this much input a process pool costs more than it saves."""


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


@dataclass
class _Shard:
    files: list[str]
    profiles: list[Profile]
    fmt: str | None
    top: int
    min_score: float
    dedupe: bool
    hidden: frozenset[str] = frozenset()
    lenient: frozenset[str] = frozenset()
    stdin: bytes | None = None
    """The standard input, for a shard that reads `-` (a worker process cannot read it itself)."""
    memo: dict[str, FileRead] | None = None
    """Files calibration has already read, given back instead of read again (one process only)."""
    show_partial: bool = False
    """Hold papers whose score is partial_only (see Scored) like the others; else they are only counted."""
    per_profile: bool = False
    """top counts for each best profile, not for all papers."""
    since: str = ""
    """Leave out papers published before this ISO date (and undated ones), counted as before_since."""


@dataclass
class _ShardResult:
    groups: list[tuple[tuple[str, ...], str | None]]
    """Dedup keys of every paper group of the shard, in order."""
    held: list[tuple[int, Scored]]
    """(group index, scored) of the groups that may make the final ranking."""
    stats: dict[str, int]
    warnings: list[str]
    partial_only: list[int] = field(default_factory=list)
    """Group indices of the papers left out because their score is partial_only (see Scored)."""
    hidden: list[int] = field(default_factory=list)
    """Group indices of the papers left out as hidden (already shown): counted as papers, not records."""


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


def _rank_shard(shard: _Shard, ahead: _ReadAhead | None = None) -> _ShardResult:
    with _gc_paused():
        return _score_shard(shard, ahead)


@dataclass
class _ReadAhead:
    """A shard's first papers, read before the profiles to score them with were known (see _work)."""

    papers: list[Paper]
    rest: Iterator[Paper]
    """The shard's papers not read yet: read as it is scored."""
    stats: dict[str, int]
    warnings: list[str]
    size: int
    """What holding papers costs, see read_cost."""
    whole: bool
    """Every paper of the shard is in papers."""


def read_cost(paper: Paper) -> int:
    """About the bytes a paper read ahead holds: its text, and a kilobyte for the rest of the record."""
    return len(paper.title) + len(paper.abstract) + 1024


def _read(shard: _Shard, warnings: list[str], stats: dict[str, int],
          known_duplicate: Callable[[str, str, str], bool] | None = None) -> Iterator[Paper]:
    """The shard's papers, as read_papers gives them."""
    if shard.stdin is not None:
        provide_stdin(shard.stdin)
    # a line equal to one read before is the same record: skipped, unless it may be a hidden paper's
    # (those are counted as hidden, not as duplicates)
    seen_lines: set[str] | None = set() if shard.dedupe and not shard.hidden else None
    return read_papers(shard.files, fmt=shard.fmt, warn=warnings.append, stats=stats, known_duplicate=known_duplicate,
                       lenient=shard.lenient, seen_lines=seen_lines, memo=shard.memo)


def _read_ahead(shard: _Shard, room: int) -> _ReadAhead:
    """The shard's first papers, until their read_cost fills room."""
    warnings: list[str] = []
    stats: dict[str, int] = {}
    stream = _read(shard, warnings, stats)
    papers: list[Paper] = []
    size = 0
    for paper in stream:
        papers.append(paper)
        size += read_cost(paper)
        if size >= room:
            return _ReadAhead(papers, stream, stats, warnings, size, False)
    return _ReadAhead(papers, stream, stats, warnings, size, True)


def _score_shard(shard: _Shard, ahead: _ReadAhead | None = None) -> _ShardResult:
    """Score one shard's papers (read now, or ahead), merging duplicates, and keep only what can
    reach the top."""
    scoring = _ShardScoring(shard, ahead)
    papers = chain(ahead.papers, ahead.rest) if ahead else _read(
        shard, scoring.warnings, scoring.stats, scoring.known_duplicate if scoring.dedup else None)
    for paper in papers:
        scoring.add(paper)
    return scoring.result()


class _ShardScoring:
    """The papers of one shard as they are read: grouped into papers, scored in batches, and the
    best held.

    A duplicate whose title and abstract equal the kept record's cannot change the score (only
    those fields are scored), so it is merged without scoring again.
    """

    def __init__(self, shard: _Shard, ahead: _ReadAhead | None) -> None:
        self.shard = shard
        self.scorer = _scorer_for(shard.profiles)
        self.warnings: list[str] = ahead.warnings if ahead else []
        self.stats: dict[str, int] = ahead.stats if ahead else {}
        self.held: dict[int, Scored] = {}
        self.scored_text: dict[int, tuple[str, str]] = {}
        """Group -> the (title, abstract) it was scored with. The strings themselves, not a hash: equal
        texts are rare (duplicates), and hashing every abstract cost more than holding a shard's."""
        self.groups: list[tuple[tuple[str, ...], str | None]] = []
        self.dedup = Deduplicator() if shard.dedupe else None
        self.limit = 4 * shard.top + 256
        self.pending: list[tuple[int, Paper, tuple[str, str]]] = []
        """(group, paper, its text) waiting to be scored in one batch."""
        self.pending_groups: set[int] = set()
        self.floor = shard.min_score
        """The lowest score that can still reach the top: the top-th best so far, once there are that many."""
        self.hide_partial = not shard.show_partial and shard.min_score > 0
        self.partial_only: set[int] = set()
        self.hidden: set[int] = set()
        """Groups left out as hidden (already shown)."""

    def known_duplicate(self, arxiv: str, title: str, abstract: str) -> bool:
        """A record of a paper already scored, not held, with the same text: it cannot change anything."""
        group = self.dedup.group_of("arxiv:" + arxiv) if self.dedup else None
        if group is None or group in self.held:
            return False
        return self.scored_text.get(group) == (squash(title), squash(abstract))

    def add(self, paper: Paper) -> None:
        shard = self.shard
        if shard.since and (paper.published or "") < shard.since:
            self.stats["before_since"] = self.stats.get("before_since", 0) + 1
            return
        group, new = self._group(paper)
        if shard.hidden and not shard.hidden.isdisjoint(paper_keys(paper)):
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
        if self.dedup is None:
            self.groups.append(Deduplicator.keys(paper))
            return len(self.groups) - 1, True
        keys = self.dedup.keys(paper)
        group, new = self.dedup.add_keys(*keys)
        if new:
            self.groups.append(keys)
        return group, new

    def score_pending(self) -> None:
        if not self.pending:
            return
        shard, held = self.shard, self.held
        scores = self.scorer.score_many([p for _, p, _ in self.pending], whole_first=not shard.show_partial)
        for (group, _, fingerprint), scored in zip(self.pending, scores, strict=True):
            self.scored_text[group] = fingerprint
            if self.hide_partial and scored.partial_only and scored.score >= shard.min_score:
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
        if shard.top and len(held) > self.limit:
            self.held = _keep_best(held, shard.top, shard.per_profile)
            if not shard.per_profile:  # one floor for all: with per_profile each profile has its own
                self.floor = max(self.floor, min(s.score for s in self.held.values()))

    def result(self) -> _ShardResult:
        self.score_pending()
        if self.shard.top:
            self.held = _keep_best(self.held, self.shard.top, self.shard.per_profile)
        # records skipped unparsed are merged all the same
        self.stats["merged"] = (self.dedup.merged if self.dedup else 0) + self.stats.pop("duplicates", 0)
        return _ShardResult(self.groups, sorted(self.held.items()), self.stats, self.warnings, sorted(self.partial_only),
                            sorted(self.hidden))


def plan_shards(files: list[str], shard_bytes: int = SHARD_BYTES) -> list[list[str]]:
    """Consecutive files in groups of about shard_bytes: the same plan whatever the machine."""
    sizes = [Path(f).stat().st_size if f != "-" and Path(f).is_file() else 0 for f in files]
    total = sum(sizes)
    target = max(shard_bytes, total // MAX_SHARDS + 1)
    shards: list[list[str]] = [[]]
    size = 0
    for f, n in zip(files, sizes, strict=True):
        if shards[-1] and size + n > target:
            shards.append([])
            size = 0
        shards[-1].append(f)
        size += n
    return shards


Progress = Callable[[int, int], None]
Teach = Callable[[list[Profile]], list[Profile]]


def rank_listings(inputs: list[str], profiles: list[Profile], *, fmt: str | None = None, top: int = 0,
                  min_score: float = 1e-9, dedupe: bool = True, warn: Warn = lambda m: None,
                  jobs: int = 0, progress: Progress | None = None, shard_bytes: int = SHARD_BYTES,
                  hidden: frozenset[str] = frozenset(), plain: bool = False, show_partial: bool = False,
                  per_profile: bool = False, since: str = "", teach: Teach | None = None) -> RankResult:
    """Score every paper of the inputs and keep the best.

    Inputs are cut into shards (whole files, in order); each shard is ranked on its own, in a
    process pool when there is enough input, and the shards' results are merged in order, so the
    output does not depend on the number of processes. With top > 0 memory stays bounded.
    jobs: processes to use (0 = one per core when the input is large enough).
    hidden: keys (see ledger.paper_keys) of papers to leave out, such as those already shown.
    plain: score with the profiles as written, not calibrated on the inputs' first papers.
    show_partial: also rank the papers whose score is partial_only (see Scored); by default (with
    min_score > 0) they are left out and counted in stats["partial_only"].
    per_profile: top counts for each best profile. since: only papers published on or after this
    ISO date (the others, and undated ones, counted in stats["before_since"]).
    teach: what decisions add to the profiles (see learning.teacher), applied to them as scored
    (after calibration unless plain).
    """
    with _gc_paused():
        if plain and teach is not None:
            profiles = teach(profiles)
        return _rank_listings(inputs, profiles, fmt=fmt, top=top, min_score=min_score, dedupe=dedupe, warn=warn,
                              jobs=jobs, progress=progress, shard_bytes=shard_bytes, hidden=hidden, plain=plain,
                              show_partial=show_partial, per_profile=per_profile, since=since,
                              teach=teach or (lambda ps: ps))


def _rank_listings(inputs: list[str], profiles: list[Profile], *, fmt: str | None, top: int, min_score: float,
                   dedupe: bool, warn: Warn, jobs: int, progress: Progress | None, shard_bytes: int,
                   hidden: frozenset[str], plain: bool, show_partial: bool, per_profile: bool, since: str,
                   teach: Teach) -> RankResult:
    origin = list(expand_with_origin(inputs))
    files = [f for f, _ in origin]
    lenient = frozenset(f for f, walked in origin if walked)
    chunks = plan_shards(files, shard_bytes)
    total_bytes = sum(Path(f).stat().st_size for f in files if f != "-" and Path(f).is_file())
    if jobs <= 0:
        jobs = (os.cpu_count() or 1) if total_bytes >= PARALLEL_BYTES else 1
    jobs = max(1, min(jobs, len(chunks)))
    stdin = stdin_bytes() if "-" in files else None

    def tasks_with(scored_with: list[Profile], memo: dict[str, FileRead] | None = None) -> list[_Shard]:
        return [_Shard(chunk, scored_with, fmt, top, min_score, dedupe, hidden, lenient,
                       stdin if "-" in chunk else None, memo, show_partial, per_profile, since) for chunk in chunks]

    if jobs == 1:
        # nothing calibration reads is read again: the first shard is scored on from where it
        # stopped, and the later files it read whole are kept (the shards read them as calibration
        # does: duplicates merged, none hidden)
        memo: dict[str, FileRead] | None = {} if dedupe and not hidden else None
        tasks = tasks_with(profiles, memo)
        ahead = None
        if not plain:
            profiles, ahead = _calibrated_on_first_shard(profiles, tasks[0], files[len(tasks[0].files):], memo)
            profiles = teach(profiles)
            tasks = [replace(task, profiles=profiles) for task in tasks]
        if progress:
            progress(0, len(tasks))  # calibration may already have taken a second: show the bar now
        return _merged(_run_here(tasks, progress, ahead), inputs, profiles, top=top, min_score=min_score,
                       dedupe=dedupe, warn=warn, show_partial=show_partial, per_profile=per_profile)
    tasks = tasks_with(profiles)
    if plain or not _Workers.can_fork_later():
        with _Workers(tasks, jobs, profiles if plain else None) as workers:  # they read ahead while this calibrates
            if progress:
                progress(0, len(tasks))
            if not plain:
                profiles = teach(calibrated(profiles, files, fmt=fmt, dedupe=dedupe, lenient=lenient))
                workers.score_with(profiles)
            return _merged(workers.results(progress), inputs, profiles, top=top, min_score=min_score, dedupe=dedupe,
                           warn=warn, show_partial=show_partial, per_profile=per_profile)
    # one process fewer reads ahead the later shards while this one calibrates on the first shard's
    # papers; then a last worker, forked with what calibration read, scores the first shard from
    # there: no core waits for calibration, and nothing is read twice
    with _Workers(tasks, jobs - 1, None, first=1) as workers:
        profiles, ahead = _calibrated_on_first_shard(profiles, tasks[0], files[len(tasks[0].files):])
        profiles = teach(profiles)
        workers.score_with(profiles)
        workers.fork_with(profiles, 0, ahead)  # before the progress bar, whose thread would be forked too
        del ahead  # the worker has its copy
        if progress:
            progress(0, len(tasks))
        return _merged(workers.results(progress), inputs, profiles, top=top, min_score=min_score, dedupe=dedupe,
                       warn=warn, show_partial=show_partial, per_profile=per_profile)


def _merged(results: Iterable[_ShardResult], inputs: list[str], profiles: list[Profile], *, top: int,
            min_score: float, dedupe: bool, warn: Warn, show_partial: bool = False,
            per_profile: bool = False) -> RankResult:
    """The shards' results merged in shard order: duplicates across shards merged, the best kept."""
    stats: dict[str, int] = {}
    left_out: set[int] = set()
    """Groups a shard left out as partial_only (a later record of the paper may still match whole)."""
    hide_partial = not show_partial and min_score > 0
    dedup = Deduplicator() if dedupe else None
    held: dict[int, Scored] = {}
    hidden: set[int] = set()
    scorer = _scorer_for(profiles)
    offset = 0
    for result in results:
        for message in result.warnings:
            warn(message)
        add_stats(stats, result.stats)
        if dedup is None:
            mapping = [(offset + i, True) for i in range(len(result.groups))]
            offset += len(result.groups)
        else:
            mapping = [dedup.add_keys(*keys) for keys in result.groups]
        left_out.update(mapping[index][0] for index in result.partial_only)
        hidden.update(mapping[index][0] for index in result.hidden)
        for index, scored in result.held:
            group = mapping[index][0]
            kept = held.get(group)
            if kept is not None:
                paper = merge(kept.paper, scored.paper)
                if (paper.title, paper.abstract) != (kept.paper.title, kept.paper.abstract):
                    scored = scorer.score(paper, detail=False, whole_first=not show_partial)
                else:
                    scored = replace(kept, paper=paper)
                if scored.score < min_score or (hide_partial and scored.partial_only):
                    held.pop(group)
                    if scored.score >= min_score:
                        left_out.add(group)
                    continue
            held[group] = scored
            left_out.discard(group)
        if top and len(held) > 4 * top + 256:
            held = _keep_best(held, top, per_profile)
    stats["merged"] = stats.get("merged", 0) + (dedup.merged if dedup else 0)
    stats["unique"] = dedup.count if dedup else offset
    _check_something_read(inputs, stats)
    stats["partial_only"] = len(left_out - held.keys())
    if hidden:
        stats["hidden"] = len(hidden - held.keys())
    ranked = [scorer.score(s.paper, whole_first=not show_partial)
              for s in rank(held.values(), top=top, min_score=min_score, per_profile=per_profile)]
    return RankResult(ranked, stats, profiles)


def calibrated(profiles: list[Profile], inputs: list[str], *, fmt: str | None = None, dedupe: bool = True,
               lenient: frozenset[str] | None = None) -> list[Profile]:
    """The profiles calibrated on the inputs' first papers (see calibration): what rank scores with."""
    from papertriage.calibration import SAMPLE, calibrate

    if lenient is None:
        origin = list(expand_with_origin(inputs))
        inputs, lenient = [f for f, _ in origin], frozenset(f for f, walked in origin if walked)
    papers = read_papers(inputs, fmt=fmt, lenient=lenient, seen_lines=set() if dedupe else None)
    return calibrate(profiles, first_papers(papers, SAMPLE, dedupe=dedupe))


def _calibrated_on_first_shard(profiles: list[Profile], shard: _Shard, later: list[str],
                               memo: dict[str, FileRead] | None = None) -> tuple[list[Profile], _ReadAhead]:
    """`calibrated` on the papers of the shard, then of the later files, if it holds too few; with
    what was read of the shard, as a read-ahead to score it from (its warnings are reported in its
    turn). memo: where to keep the later files read to their end (see read_papers)."""
    from papertriage.calibration import SAMPLE, calibrate

    read = _ReadAhead([], iter(()), {}, [], 0, False)
    stream = _read(shard, read.warnings, read.stats)

    def first_shard() -> Iterator[Paper]:
        for paper in stream:
            read.papers.append(paper)
            yield paper
        read.whole = True

    rest = read_papers(later, fmt=shard.fmt, lenient=shard.lenient, seen_lines=set() if shard.dedupe else None,
                       memo=memo, remember=memo is not None)
    profiles = calibrate(profiles, first_papers(chain(first_shard(), rest), SAMPLE, dedupe=shard.dedupe))
    read.rest, read.size = stream, sum(map(read_cost, read.papers))
    return profiles, read


def _run_here(tasks: list[_Shard], progress: Progress | None, first: _ReadAhead | None = None
              ) -> Iterator[_ShardResult]:
    """The shards ranked in this process, the first from what was read of it (first), if anything."""
    for n, task in enumerate(tasks, 1):
        result = _rank_shard(task, first if n == 1 else None)
        if progress:
            progress(n, len(tasks))
        yield result


READ_AHEAD = 80 * 2**20
"""What the papers the workers read ahead while they wait for the profiles may hold together (see
read_cost): about 35,000 arXiv papers with their abstracts."""


def _work(tasks: list[_Shard], counter: Synchronized[int], conn: Connection, profiles: list[Profile] | None,
          inherited: list[Connection], read_ahead: int, first: tuple[int, _ReadAhead] | None = None) -> None:
    """A worker process: takes the next shard not taken (counter), scores it and sends back
    (index, result or error). Until the profiles arrive from the parent (None: the parent is
    calibrating them), it reads ahead the shards it takes, up to read_ahead (see read_cost).

    inherited: the parent's ends of the pipes, copied by fork; closed here, so that a pipe breaks
    when the parent is gone instead of filling up.
    first: a shard the parent began to read, scored before any other."""
    for end in inherited:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C the parent stops the workers
    worker = _Worker(tasks, counter, first)
    with _gc_paused(), conn:
        try:
            if profiles is None:
                profiles = worker.read_ahead_until_profiles(conn, read_ahead)
            worker.score(conn, profiles)
        except (EOFError, OSError):  # the pipe broke: the parent is gone
            return


class _Worker:
    """What one worker process holds: the shards it has read ahead, and whether any is left to take."""

    def __init__(self, tasks: list[_Shard], counter: Synchronized[int], first: tuple[int, _ReadAhead] | None) -> None:
        self.tasks = tasks
        self.counter = counter
        self.ahead: deque[tuple[int, _ReadAhead | Exception]] = deque([first] if first else [])
        self.more = True

    def take(self) -> int | None:
        """The next shard no process has taken, if any."""
        if not self.more:
            return None
        with self.counter.get_lock():
            i = self.counter.value
            if i >= len(self.tasks):
                self.more = False
                return None
            self.counter.value = i + 1
        return i

    def read_ahead_until_profiles(self, conn: Connection, read_ahead: int) -> list[Profile]:
        """Reads the shards it takes ahead, up to read_ahead (see read_cost), until the profiles come."""
        while not conn.poll():
            room = read_ahead - sum(r.size for _, r in self.ahead if isinstance(r, _ReadAhead))
            last = self.ahead[-1][1] if self.ahead else None
            if room <= 0 or (isinstance(last, _ReadAhead) and not last.whole):
                break
            i = self.take()
            if i is None:
                break
            try:
                self.ahead.append((i, _read_ahead(self.tasks[i], room)))
            except Exception as exc:  # reported in its shard's turn, as a one-process run would
                self.ahead.append((i, exc))
        return cast("list[Profile]", conn.recv())

    def score(self, conn: Connection, profiles: list[Profile]) -> None:
        """Scores the shards read ahead, then those it takes, and sends back (index, result or error)."""
        while True:
            read: _ReadAhead | Exception | None = None
            if self.ahead:
                i, read = self.ahead.popleft()
            else:
                taken = self.take()
                if taken is None:
                    return
                i = taken
            try:
                result: _ShardResult | Exception = read if isinstance(read, Exception) else _score_shard(
                    replace(self.tasks[i], profiles=profiles), read)
            except Exception as exc:
                result = exc
            conn.send((i, result))


class _Workers:
    """Worker processes (see _work) that take the shards in order as they free up; their results
    come back in shard order, so the output does not depend on which process scored what."""

    def __init__(self, tasks: list[_Shard], jobs: int, profiles: list[Profile] | None, first: int = 0) -> None:
        """profiles: what to score with, or None until score_with gives them.
        first: the first shard the workers take (those before are given with fork_with)."""
        import multiprocessing

        self.fork = "fork" in multiprocessing.get_all_start_methods()
        self.context: Any = multiprocessing.get_context("fork" if self.fork else "spawn")
        self.tasks = tasks
        self.counter = self.context.Value("i", first)  # held: a spawned worker opens its lock by name
        self.conns: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for _ in range(jobs):
            self._start(profiles, READ_AHEAD // jobs)

    def _start(self, profiles: list[Profile] | None, read_ahead: int, first: tuple[int, _ReadAhead] | None = None
               ) -> None:
        here, there = self.context.Pipe()
        process = self.context.Process(target=_work, daemon=True, args=(
            self.tasks, self.counter, there, profiles, [*self.conns, here] if self.fork else [], read_ahead, first))
        process.start()
        there.close()
        self.conns.append(here)
        self.processes.append(process)

    @staticmethod
    def can_fork_later() -> bool:
        """Whether fork_with may be used: fork is how a worker takes over what this process has
        read (a spawned one would need it pickled), and a process that already runs other threads
        (a caller's) should not fork once more in the middle of its work: their locks may be taken."""
        import multiprocessing
        import threading

        return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1

    def fork_with(self, profiles: list[Profile], index: int, read: _ReadAhead) -> None:
        """One more worker, forked with the papers this process has read of shard index: it scores
        that shard first, then takes shards as the others do."""
        self._start(profiles, 0, (index, read))

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()
        for conn in self.conns:
            conn.close()

    def score_with(self, profiles: list[Profile]) -> None:
        for conn in self.conns:
            try:
                conn.send(profiles)
            except OSError:  # that worker has died: results() says so
                pass

    def results(self, progress: Progress | None) -> Iterator[_ShardResult]:
        from multiprocessing.connection import wait

        done: dict[int, _ShardResult | Exception] = {}
        listening = list(self.conns)
        for n in range(len(self.tasks)):
            while n not in done:
                if not listening:
                    raise RuntimeError(f"a worker process stopped before shard {n + 1} of {len(self.tasks)} was done")
                for ready in wait(listening):
                    conn = cast(Connection, ready)
                    try:
                        i, result = conn.recv()
                    except (EOFError, OSError):  # that worker has finished (or died)
                        listening.remove(conn)
                        continue
                    done[i] = result
            result = done.pop(n)
            if isinstance(result, Exception):
                raise result
            if progress:
                progress(n + 1, len(self.tasks))
            yield result


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
