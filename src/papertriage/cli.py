"""The command line: options in, call the core, render, map errors to exit codes."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, TypeVar

import typer

from papertriage import __version__
from papertriage import exports as _exports
from papertriage.errors import PapertriageError
from papertriage.exports import records as _records

if TYPE_CHECKING:
    from papertriage.models import Profile

app = typer.Typer(
    name="papertriage",
    help="Rank saved paper listings against your keyword profiles, with fuzzy whole-word matching.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

T = TypeVar("T")


# the choices of --format, as typer takes them (str Enums), made from the registries of exports/
RankFormat = Enum("RankFormat", {name: name for name in _exports.WRITERS}, type=str)  # type: ignore[misc]
ParseFormat = Enum("ParseFormat", {name: name for name in _records.WRITERS}, type=str)  # type: ignore[misc]


class ReportFormat(str, Enum):
    table = "table"
    json = "json"


def warn(message: str) -> None:
    from papertriage.exports import printable

    sys.stderr.write(f"warning: {printable(message)}\n")


def fail(message: str) -> None:
    from papertriage.exports import printable

    sys.stderr.write(f"Error: {printable(message)}\n")
    raise typer.Exit(1)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; our errors become one line on stderr and exit 1 (traceback only with -v)."""
    from papertriage.output import Terminated

    try:
        return action()
    except PapertriageError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None
    except Terminated as exc:
        raise typer.Exit(128 + exc.signum) from None
    except (PermissionError, NotADirectoryError) as exc:  # a path under a folder that cannot be entered
        fail(f"{exc.filename}: {(exc.strerror or str(exc)).lower()}; check the permissions of the folders on its way")
    except BrokenPipeError:
        # the reader has gone (`| head -1`): what it wanted was written, so end quietly, as `yes | head` does
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            except (OSError, ValueError):
                pass
        raise typer.Exit(0) from None
    raise AssertionError("unreachable")


def protected_files(config: Optional[str], state: Optional[str]) -> dict[str, Any]:
    """The files -o must never overwrite: the config in use and the seen ledger."""
    from papertriage.config import find_config
    from papertriage.ledger import default_path

    return {"the config in use": find_config(config), "the seen ledger": default_path(state)}


def show_report(fmt: ReportFormat, report: T, as_json: Callable[[T, Any], None],
                as_table: Callable[[T, Any, bool], None]) -> None:
    """A report (explain, evaluate) on stdout as JSON or as a table."""
    if fmt is ReportFormat.json:
        as_json(report, sys.stdout)
    else:
        as_table(report, sys.stdout, use_color(None))


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def use_color(output: Optional[str], mode: ColorMode = ColorMode.auto) -> bool:
    """Colour (and terminal hyperlinks) on stdout: --color always|never, else only on a terminal,
    never with NO_COLOR, always with FORCE_COLOR (https://no-color.org, https://force-color.org)."""
    if output and output != "-":
        return False
    if mode is not ColorMode.auto:
        return mode is ColorMode.always
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


ColorOpt = typer.Option(ColorMode.auto, "--color",
                        help="Colour and clickable links: auto (on a terminal, not with NO_COLOR), always, never.")
WidthOpt = typer.Option(None, "--width", min=20, help="Lay the table out for N columns (default: the terminal's, or 80).")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"papertriage {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Rank saved paper listings against your keyword profiles."""


ListingArg = typer.Argument(..., help="Listing files or directories ('-' for stdin).", show_default=False)


def _known_format(value: Optional[str]) -> Optional[str]:
    """--from names a format of the source registry; another name is bad usage (exit 2)."""
    if value is None:
        return None
    from papertriage.sources import SOURCES

    names = [s.name for s in SOURCES]
    if value not in names:
        raise typer.BadParameter(f"unknown input format {value!r}; use one of: {', '.join(sorted(names))}")
    return value


FromOpt = typer.Option(None, "--from", callback=_known_format, help="Force the input format (see `papertriage formats`).")
OutputOpt = typer.Option(None, "-o", "--output", help="Write to FILE (atomically) instead of stdout.")
KeepDupOpt = typer.Option(False, "--keep-duplicates", help="Do not merge records of the same paper.")
ConfigOpt = typer.Option(None, "-c", "--config", help="Config file with profiles (see config.example.yaml).")
KeywordOpt = typer.Option([], "-k", "--keyword", help="Ad-hoc term, no config needed (repeatable).")
StateOpt = typer.Option(None, "--state", help="Seen-ledger file (default: $PAPERTRIAGE_STATE or the user data dir).")
PlainOpt = typer.Option(False, "--plain",
                        help="Score with the profiles as written: no term rarity, nothing learned (see --no-learn).")


NoPartialOpt = typer.Option(False, "--no-partial",
                            help="No partial credit: a multi-word term counts only when found whole (per term: partial: false).")


NoLearnOpt = typer.Option(False, "--no-learn",
                          help="Learn no related words from the listing (nor from decisions); rarity stays (see --plain).")


def without_learning(profiles: list[Profile], no_learn: bool) -> list[Profile]:
    """--no-learn: calibration keeps rarity but learns no words for these profiles."""
    if not no_learn:
        return profiles
    from dataclasses import replace

    return [replace(p, learn=False) for p in profiles]


def without_partial(profiles: list[Profile], no_partial: bool) -> list[Profile]:
    """--no-partial: every term as if written with `partial: false`."""
    if not no_partial:
        return profiles
    from dataclasses import replace

    return [replace(p, terms=tuple(replace(t, partial=False) for t in p.terms)) for p in profiles]


def load_profiles(config: Optional[str], names: List[str], keywords: List[str],
                  threshold: Optional[float]) -> list[Profile]:
    from papertriage.config import resolve_profiles

    return resolve_profiles(config, names, keywords, threshold)


@contextmanager
def progress_reporter(listings: List[str], calibrating: bool) -> Iterator[Callable[[int, int], None] | None]:
    """Progress on stderr, for terminals only: from the start a line saying what is read (calibration
    comes first), then a bar of the files and megabytes ranked, with the time left."""
    if not sys.stderr.isatty() or os.environ.get("PAPERTRIAGE_NO_PROGRESS"):
        yield None
        return
    from papertriage.sources import Piece, expand_with_origin
    from papertriage.triage import input_bytes, plan_shards

    try:
        plan = plan_shards([f for f, _ in expand_with_origin(listings)])
    except (OSError, PapertriageError):  # the run itself reports it
        yield None
        return
    sizes = [sum(map(input_bytes, shard)) for shard in plan]
    in_files = [sum(1 for item in shard if not isinstance(item, Piece) or item.start == 0) for shard in plan]
    files, total = sum(in_files), sum(sizes)
    megabytes = f"{total / 1e6:.1f} MB" if total < 10e6 else f"{total / 1e6:.0f} MB"
    sys.stderr.write(f"reading {files} file{'s' if files != 1 else ''} ({megabytes})"
                     + ("; calibrating the profiles on the first papers" if calibrating else "") + "…")
    sys.stderr.flush()
    bar: list[Any] = []

    def report(done: int, shards: int) -> None:
        if not bar:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            sys.stderr.write("\r\x1b[2K")
            progress = Progress(TextColumn("ranking"), BarColumn(), TextColumn("{task.fields[files]}/" f"{files} files"),
                                TextColumn("{task.fields[mb]}/" f"{megabytes}"), TimeElapsedColumn(),
                                TextColumn("left"), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            progress.start()
            bar.extend([progress, progress.add_task("ranking", total=max(1, total), files=0, mb="0")])
        exact = shards == len(plan)  # the plan rank_listings made: shards map to files and bytes
        read = sum(sizes[:done]) if exact else total * done // max(1, shards)
        bar[0].update(bar[1], completed=read, files=sum(in_files[:done]) if exact else "?",
                      mb=f"{read / 1e6:.1f}" if total < 10e6 else f"{read / 1e6:.0f}")

    try:
        yield report
    finally:
        if bar:
            bar[0].stop()
        sys.stderr.write("\r\x1b[2K")


def learned_words(profiles: list[Profile]) -> None:
    """Say which related words each profile learned from the listing (they show as ~word)."""
    for prof in profiles:
        if prof.learned:
            from papertriage.exports import printable

            sys.stderr.write(printable(f"{prof.name}: related words learned from the listing: {', '.join(prof.learned)} "
                                       "(--no-learn to score without them)") + "\n")


class SortKey(str, Enum):
    score = "score"
    date = "date"
    upvotes = "upvotes"


def sorted_by(results: list[Any], key: SortKey) -> list[Any]:
    """--sort: newest or most upvoted first, the score order breaking ties (stable sort)."""
    if key is SortKey.date:
        return sorted(results, key=lambda s: s.paper.published or "", reverse=True)
    if key is SortKey.upvotes:
        return sorted(results, key=lambda s: s.paper.upvotes or 0, reverse=True)
    return results


def _iso_date(value: Optional[str]) -> Optional[str]:
    """--since: an ISO date, or a month or year (its first day); anything else is bad usage (exit 2)."""
    import re

    if value is None:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value.strip())
    if not m or (m.group(3) and not m.group(2)) or not 1 <= int(m.group(2) or 1) <= 12 or not 1 <= int(m.group(3) or 1) <= 31:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    return f"{m.group(1)}-{m.group(2) or '01'}-{m.group(3) or '01'}"


def summary(stats: dict[str, int], since: Optional[str] = None) -> None:
    files = stats.get("files", 0)
    parts = [f"read {stats.get('unique', 0)} papers from {files} listing{'s' if files != 1 else ''}"]
    if stats.get("partial_only"):
        parts.append(f"{stats['partial_only']} matched only by single words of multi-word terms or by learned words, "
                     "not shown (--show-partial to see them)")
    if stats.get("before_since"):
        parts.append(f"{stats['before_since']} published before {since} or undated left out (--since)")
    if stats.get("hidden"):
        parts.append(f"{stats['hidden']} already shown hidden (--new-only)")
    if stats.get("merged"):
        parts.append(f"{stats['merged']} duplicate records merged")
    if stats.get("skipped"):
        parts.append(f"{stats['skipped']} entries could not be read (see warnings above)")
    if stats.get("files_skipped"):
        parts.append(f"{stats['files_skipped']} files skipped (see warnings above)")
    sys.stderr.write("; ".join(parts) + "\n")


@app.command("rank")
def rank_cmd(
    listings: List[str] = ListingArg,
    fmt: RankFormat = typer.Option(RankFormat["table"], "--format", "-f", help="Output format."),
    output: Optional[str] = OutputOpt,
    config: Optional[str] = ConfigOpt,
    profile: List[str] = typer.Option([], "-p", "--profile", help="Use only this profile (repeatable)."),
    keyword: List[str] = KeywordOpt,
    top: int = typer.Option(20, "--top", "-n", min=0, help="Show the best N papers (0 = all)."),
    min_score: float = typer.Option(0.000001, "--min-score", min=0, help="Hide papers below this score (0 = show every paper)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0, max=100,
                                               help="Override the fuzzy similarity threshold (0-100)."),
    source_format: Optional[str] = FromOpt,
    keep_duplicates: bool = KeepDupOpt,
    abstracts: bool = typer.Option(False, "--abstracts", help="Show an abstract excerpt under each title."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes to use for large inputs (0 = one per core)."),
    new_only: bool = typer.Option(False, "--new-only", help="Hide papers shown by an earlier run."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not remember the papers shown."),
    state: Optional[str] = StateOpt,
    plain: bool = PlainOpt,
    show_partial: bool = typer.Option(False, "--show-partial",
                                      help="Also show papers matched only by single words of multi-word terms or learned words."),
    no_partial: bool = NoPartialOpt,
    no_learn: bool = NoLearnOpt,
    color: ColorMode = ColorOpt,
    width: Optional[int] = WidthOpt,
    sort: SortKey = typer.Option(SortKey.score, "--sort",
                                 help="Order of the papers shown (--top still picks the best by score)."),
    since: Optional[str] = typer.Option(None, "--since", callback=_iso_date, metavar="DATE",
                                        help="Only papers published on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)."),
    per_profile: bool = typer.Option(False, "--per-profile", help="--top N best papers of each profile, not of all."),
) -> None:
    """Rank the papers of LISTINGS against your profiles and show what to read first."""

    def run() -> None:
        from papertriage.exports import ExportOptions, writer
        from papertriage.ledger import Ledger, default_path
        from papertriage.output import check_output, open_output
        from papertriage.triage import rank_listings

        profiles = without_learning(without_partial(load_profiles(config, profile, keyword, threshold), no_partial),
                                    no_learn)
        check_output(output, listings, protected_files(config, state))
        ledger_path = default_path(state)
        hidden: frozenset[str] = frozenset()
        if new_only or not no_record:
            with Ledger(ledger_path) as ledger:  # opened, and its schema known, before any paper is read
                hidden = ledger.seen_keys() if new_only else hidden
        teach = decisions_teacher(ledger_path, no_learn)
        with progress_reporter(listings, not plain) as progress:
            result = rank_listings(listings, profiles, fmt=source_format, top=top, min_score=min_score,
                                   dedupe=not keep_duplicates, warn=warn, jobs=jobs, progress=progress, hidden=hidden,
                                   plain=plain, show_partial=show_partial, per_profile=per_profile, since=since or "",
                                   teach=teach)
        summary(result.stats, since)
        learned_words(result.profiles)
        say_learned(result.profiles)
        result.results = sorted_by(result.results, sort)
        options = ExportOptions(
            color=use_color(output, color), width=width, abstracts=abstracts, sources=listings,
            links=use_color(output, color), scored_with=result.profiles, sort=sort.value,
            profiles=[p.name for p in profiles], total=result.total,
        )
        with open_output(output) as out:
            writer(fmt.value)(result.results, out, options)
        if not no_record and result.results:
            from papertriage.lookup import last_ranking_path, save_last_ranking

            # only what a person is shown counts as seen; a file written keeps the records, for
            # decisions on them later (a ticked reading list)
            with Ledger(ledger_path) as ledger:
                if output and output != "-":
                    ledger.remember(s.paper for s in result.results)
                else:
                    ledger.record(s.paper for s in result.results)
            save_last_ranking(last_ranking_path(ledger_path), listings, [s.paper for s in result.results])

    guarded(run)


seen_app = typer.Typer(help="The papers rank has already shown (used by rank --new-only).", no_args_is_help=True)
app.add_typer(seen_app, name="seen")


@seen_app.command("list")
def seen_list(state: Optional[str] = StateOpt) -> None:
    """List the papers already shown, most recent first."""

    def run() -> None:
        from papertriage.exports import printable
        from papertriage.ledger import Ledger, default_path

        with Ledger(default_path(state)) as ledger:
            for entry in ledger.entries():
                typer.echo(f"{entry.last_seen[:10]}  {printable(entry.id)}  {printable(entry.title)}")

    guarded(run)


@seen_app.command("forget")
def seen_forget(paper: str = typer.Argument(..., help="Id (as `seen list` shows) or title."),
                state: Optional[str] = StateOpt) -> None:
    """Forget one paper, so rank --new-only shows it again."""

    def run() -> None:
        from papertriage.errors import InputError
        from papertriage.ledger import Ledger, default_path

        with Ledger(default_path(state)) as ledger:
            if not ledger.forget(paper):
                raise InputError(f"{paper!r} is not in the seen ledger; see `papertriage seen list`")
        sys.stderr.write(f"forgot {paper}\n")

    guarded(run)


YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation on a terminal.")


def interactive() -> bool:
    """Whether a person is there to answer: stdin and stderr are a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirmed(question: str, yes: bool) -> bool:
    """Ask question (y/N) on a terminal, unless --yes; elsewhere (a script) go on."""
    if yes or not interactive():
        return True
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


@seen_app.command("clear")
def seen_clear(state: Optional[str] = StateOpt, yes: bool = YesOpt) -> None:
    """Forget every paper shown so far (asks first on a terminal)."""

    def run() -> None:
        from papertriage.ledger import Ledger, default_path

        with Ledger(default_path(state)) as ledger:
            shown = len(ledger.entries())
            if shown and not confirmed(f"forget the {shown} papers shown so far ({ledger.path})?", yes):
                sys.stderr.write("nothing forgotten\n")
                raise typer.Exit(1)
            n = ledger.clear()
        sys.stderr.write(f"forgot {n} papers\n")

    guarded(run)


def config_profiles(config: Optional[str]) -> tuple[list[Profile], str]:
    """The config's profiles and where they come from ([] when no config is found)."""
    from papertriage.config import find_config, load_config

    path = find_config(config)
    if path is None:
        return [], "no config"
    return load_config(path), str(path)


def decisions_teacher(ledger_path: Path, no_learn: bool) -> Callable[[list[Profile]], list[Profile]] | None:
    """What the ledger's decisions teach the profiles (None with --no-learn or no decision)."""
    from papertriage.decisions import teacher_from
    from papertriage.ledger import Ledger

    if no_learn or not ledger_path.exists():
        return None
    with Ledger(ledger_path) as ledger:
        return teacher_from(ledger.decisions())


def say_learned(profiles: list[Profile]) -> None:
    from papertriage.decisions import learned_note
    from papertriage.exports import printable

    for line in learned_note(profiles):
        sys.stderr.write(printable(line) + "\n")


@app.command("mark")
def mark_cmd(
    papers: List[str] = typer.Argument(..., help="Papers by id, arXiv id, DOI, link or title (as rank shows them).",
                                       show_default=False),
    keep: bool = typer.Option(False, "--keep", help="Keep: relevant, read it."),
    skip: bool = typer.Option(False, "--skip", help="Skip: not relevant."),
    maybe: bool = typer.Option(False, "--maybe", help="Maybe: decide later (not a label for learning)."),
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="The profile decided for (default: the only one)."),
    note: Optional[str] = typer.Option(None, "--note", help="A note kept with the decision."),
    listing: List[str] = typer.Option([], "--in", help="A listing holding the papers, if rank has not shown them."),
    config: Optional[str] = ConfigOpt,
    state: Optional[str] = StateOpt,
    source_format: Optional[str] = FromOpt,
) -> None:
    """Record a keep, skip or maybe decision on papers; rank learns from them for that profile."""
    chosen = [name for name, on in (("keep", keep), ("skip", skip), ("maybe", maybe)) if on]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --keep, --skip, --maybe")

    def run() -> None:
        from papertriage.decisions import profile_for, resolve
        from papertriage.ledger import Ledger, default_path
        from papertriage.triage import parse_listings

        profiles, where = config_profiles(config)
        name = profile_for(profiles, profile, where)
        held = list(parse_listings(listing, fmt=source_format, warn=warn)) if listing else []
        with Ledger(default_path(state)) as ledger:
            found = resolve(papers, ledger, held)
            ledger.decide_many([(p, chosen[0], note) for p in found], name)
        sys.stderr.write(f"marked {len(found)} paper{'s' if len(found) != 1 else ''} {chosen[0]} for {name}\n")

    guarded(run)


decisions_app = typer.Typer(help="The keep/skip/maybe decisions: list, export, import, forget.", no_args_is_help=True)
app.add_typer(decisions_app, name="decisions")


class DecisionFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    ris = "ris"
    bibtex = "bibtex"


@decisions_app.command("list")
def decisions_list(
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="Only this profile's decisions."),
    state: Optional[str] = StateOpt,
) -> None:
    """List the decisions (the latest on each paper and profile), oldest first."""

    def run() -> None:
        from papertriage.exports.decisions import lines
        from papertriage.ledger import Ledger, default_path

        with Ledger(default_path(state)) as ledger:
            for line in lines(ledger.decisions(profile)):
                typer.echo(line)

    guarded(run)


@decisions_app.command("export")
def decisions_export(
    fmt: DecisionFormat = typer.Option(DecisionFormat.csv, "--format", "-f",
                                       help="csv/jsonl: one row per decision; ris/bibtex: the kept papers."),
    output: Optional[str] = OutputOpt,
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="Only this profile's decisions."),
    state: Optional[str] = StateOpt,
) -> None:
    """Export the decisions (id, title, profile, decision, note, at), or the kept papers as RIS/BibTeX."""

    def run() -> None:
        from papertriage.exports.decisions import write
        from papertriage.ledger import Ledger, default_path
        from papertriage.output import check_output, open_output

        check_output(output, [])
        with Ledger(default_path(state)) as ledger:
            decided = ledger.decisions(profile)
        with open_output(output) as out:
            write(decided, fmt.value, out)
        sys.stderr.write(f"exported {len(decided)} decisions\n")

    guarded(run)


@decisions_app.command("import")
def decisions_import(
    listings: List[str] = typer.Argument(..., help="A labelled listing (CSV with a label column, an ASReview or "
                                                   "Rayyan export...) or a reading list written by rank -f md.",
                                         show_default=False),
    profile: Optional[str] = typer.Option(None, "-p", "--profile",
                                          help="The profile decided for (a reading list: default its headings)."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Column holding the label (1/0, yes/no...)."),
    labels: Optional[str] = typer.Option(None, "--labels", help="File of kept ids or titles, one a line: the rest skip."),
    unticked: Optional[str] = typer.Option(None, "--unticked", help="A reading list's unticked boxes: skip or maybe "
                                                                     "(default: no decision)."),
    config: Optional[str] = ConfigOpt,
    state: Optional[str] = StateOpt,
    source_format: Optional[str] = FromOpt,
) -> None:
    """Import decisions from labelled listings or ticked Markdown reading lists (- [x] = keep); all or nothing."""
    if unticked not in (None, "skip", "maybe"):
        raise typer.BadParameter("--unticked takes skip or maybe")

    def run() -> None:
        from papertriage.decisions import is_reading_list, labelled_decisions, profile_for, reading_list_decisions
        from papertriage.errors import InputError
        from papertriage.evaluation import read_label_file
        from papertriage.ledger import Ledger, default_path
        from papertriage.triage import parse_listings

        profiles, where = config_profiles(config)
        by_profile: dict[str, list[tuple[Any, str, None]]] = {}
        with Ledger(default_path(state)) as ledger:
            for name in listings:
                if is_reading_list(name):
                    for paper, decision, section in reading_list_decisions(name, ledger, unticked):
                        target = profile_for(profiles, profile or section, where)
                        by_profile.setdefault(target, []).append((paper, decision, None))
                    continue
                kept = read_label_file(labels) if labels else None
                papers = parse_listings([name], fmt=source_format, warn=warn, dedupe=False)
                target = profile_for(profiles, profile, where)
                by_profile.setdefault(target, []).extend(
                    (p, d, None) for p, d in labelled_decisions(papers, label_column, kept, name))
            if not any(by_profile.values()):
                raise InputError(f"{', '.join(listings)}: no decision to import (no label set, no box ticked); "
                                 "nothing was recorded")
            for target, items in by_profile.items():
                ledger.decide_many(items, target)
        for target, items in by_profile.items():
            counts = {d: sum(1 for _, x, _ in items if x == d) for d in ("keep", "skip", "maybe")}
            sys.stderr.write(f"imported {len(items)} decisions for {target}: "
                             + ", ".join(f"{n} {d}" for d, n in counts.items() if n) + "\n")

    guarded(run)


@decisions_app.command("forget")
def decisions_forget(
    papers: List[str] = typer.Argument(None, help="Papers by id or title (none with --all).", show_default=False),
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="Only this profile's decisions."),
    everything: bool = typer.Option(False, "--all", help="Forget every decision (of the profile, with -p)."),
    yes: bool = YesOpt,
    state: Optional[str] = StateOpt,
) -> None:
    """Forget decisions on some papers, or all of them with --all (asks first on a terminal)."""
    if bool(papers) == everything:
        raise typer.BadParameter("name the papers, or pass --all (not both)")

    def run() -> None:
        from papertriage.decisions import resolve
        from papertriage.ledger import Ledger, default_path

        with Ledger(default_path(state)) as ledger:
            if everything:
                scope = f"of profile {profile}" if profile else "of every profile"
                if not confirmed(f"forget every decision {scope}?", yes):
                    raise typer.Exit(1)
                n = ledger.forget_decisions(profile)
            else:
                found = resolve(papers, ledger)
                n = sum(ledger.forget_decisions(profile, p) for p in found)
        sys.stderr.write(f"forgot the decisions on {n} paper{'s' if n != 1 else ''}\n")

    guarded(run)


@app.command("suggest")
def suggest_cmd(
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="The profile (default: the only one)."),
    top: int = typer.Option(10, "--top", "-n", min=1, help="At most this many suggestions of each kind."),
    config: Optional[str] = ConfigOpt,
    state: Optional[str] = StateOpt,
) -> None:
    """Profile edits from the decisions: words and phrases to add, excludes, terms mostly skipped (YAML to paste)."""

    def run() -> None:
        from papertriage.decisions import profile_for
        from papertriage.errors import ConfigError
        from papertriage.exports.suggestions import write
        from papertriage.ledger import Ledger, default_path
        from papertriage.suggest import suggest

        profiles, where = config_profiles(config)
        if not profiles:
            raise ConfigError("suggest needs the profile's config (-c, $PAPERTRIAGE_CONFIG or ./papertriage.yaml)")
        name = profile_for(profiles, profile, where)
        with Ledger(default_path(state)) as ledger:
            decided = [(d.paper, d.decision == "keep") for d in ledger.decisions(name) if d.decision != "maybe"]
        write(suggest(next(p for p in profiles if p.name == name), decided, top), sys.stdout)

    guarded(run)


class SimulateFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


@app.command("simulate")
def simulate_cmd(
    listings: List[str] = typer.Argument(..., help="Labelled listing(s): every row carries a kept/skipped label.",
                                         show_default=False),
    config: Optional[str] = ConfigOpt,
    profile: Optional[str] = typer.Option(None, "-p", "--profile", help="The profile (default: the only one)."),
    keyword: List[str] = KeywordOpt,
    prior: str = typer.Option("0", "--prior", help="0: start from the profile alone; 1+1: from one random relevant "
                                                   "and one random irrelevant paper (ASReview's protocol)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --prior 1+1 draw."),
    stop: str = typer.Option("none", "--stop", help="none: screen every paper; auto: end where the stopping rule says."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Column holding the label (1/0, yes/no)."),
    labels: Optional[str] = typer.Option(None, "--labels", help="File of ids or titles that were kept, one a line."),
    fmt: SimulateFormat = typer.Option(SimulateFormat.table, "--format", "-f",
                                       help="table/json: the figures; jsonl: the screening order (step, id, title, label)."),
    source_format: Optional[str] = FromOpt,
    plain: bool = PlainOpt,
) -> None:
    """Replay a screening on labelled papers: each step screens the top paper, whose label the model then learns."""
    if prior not in ("0", "1+1"):
        raise typer.BadParameter("--prior takes 0 or 1+1")
    if stop not in ("none", "auto"):
        raise typer.BadParameter("--stop takes none or auto")

    def run() -> None:
        from papertriage.decisions import profile_for
        from papertriage.evaluation import load_labelled
        from papertriage.exports.simulation import render_json, render_jsonl, render_table
        from papertriage.simulate import simulate

        profiles = load_profiles(config, [profile] if profile else [], keyword, None)
        name = profile_for(profiles, profile, config or "the config")
        papers, flags = load_labelled(listings, fmt=source_format, column=label_column, labels_file=labels, warn=warn)
        result = simulate(papers, flags, next(p for p in profiles if p.name == name), prior=prior, seed=seed,
                          plain=plain, stop=stop == "auto")
        if fmt is SimulateFormat.jsonl:
            render_jsonl(result, papers, sys.stdout)
        elif fmt is SimulateFormat.json:
            render_json(result, sys.stdout)
        else:
            render_table(result, sys.stdout, use_color(None))

    guarded(run)


@app.command("parse")
def parse_cmd(
    listings: List[str] = ListingArg,
    fmt: ParseFormat = typer.Option(ParseFormat["jsonl"], "--format", "-f", help="Output format."),
    output: Optional[str] = OutputOpt,
    source_format: Optional[str] = FromOpt,
    keep_duplicates: bool = KeepDupOpt,
) -> None:
    """Read LISTINGS into paper records (the record of product.md, one per paper)."""

    def run() -> None:
        from papertriage.output import check_output, open_output
        from papertriage.triage import parse_listings

        check_output(output, listings, protected_files(None, None))
        stats: dict[str, int] = {}
        papers = parse_listings(listings, fmt=source_format, dedupe=not keep_duplicates, warn=warn, stats=stats)
        with open_output(output) as out:
            _records.WRITERS[fmt.value][0](papers, out)
        summary(stats)

    guarded(run)


@app.command("explain")
def explain_cmd(
    listing: List[str] = typer.Argument(None, show_default=False,
                                        help="Listing file(s), then the title or id (arXiv, DOI, PMID) to look for; "
                                             "with --rank only the listings (default: those of the last ranking)."),
    rank: Optional[int] = typer.Option(None, "--rank", min=1, help="Explain the N-th paper of the last ranking shown."),
    config: Optional[str] = ConfigOpt,
    profile: List[str] = typer.Option([], "-p", "--profile", help="Explain only this profile (repeatable)."),
    keyword: List[str] = KeywordOpt,
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f", help="Output format."),
    source_format: Optional[str] = FromOpt,
    plain: bool = PlainOpt,
    no_learn: bool = NoLearnOpt,
    no_partial: bool = NoPartialOpt,
    state: Optional[str] = StateOpt,
    color: ColorMode = ColorOpt,
    width: Optional[int] = WidthOpt,
) -> None:
    """Show why a paper (by title, id or --rank N) scored what it did: every match and the total."""

    def run() -> None:
        from papertriage.calibration import SAMPLE, calibrate
        from papertriage.errors import InputError
        from papertriage.explain import explain
        from papertriage.exports.explain import render_json, render_table
        from papertriage.ledger import default_path
        from papertriage.lookup import by_id, find, last_ranking_path, ranked
        from papertriage.triage import parse_listings

        inputs = list(listing or [])
        if rank is not None:
            saved, query, title = ranked(last_ranking_path(default_path(state)), rank)
            inputs = inputs or saved
        elif len(inputs) < 2:
            usage_error("explain needs a listing and the title or id to look for: papertriage explain LISTING TEXT "
                        "(or: papertriage explain --rank N)")
        else:
            *inputs, query = inputs
        profiles = without_learning(without_partial(load_profiles(config, profile, keyword, None), no_partial), no_learn)
        papers = list(parse_listings(inputs, fmt=source_format, warn=warn))
        if rank is not None:
            paper = by_id(papers, query)
            if paper is None:
                raise InputError(f"--rank {rank}: {title!r} ({query}) is not in {', '.join(inputs)}")
        else:
            paper = found_paper(find(papers, query), query, inputs)
        if not plain:  # on the papers read above: a pipe (`<(...)`) cannot be read twice
            profiles = calibrate(profiles, papers[:SAMPLE])
        teach = decisions_teacher(default_path(state), no_learn)
        if teach is not None:
            profiles = teach(profiles)
        report = explain(paper, profiles)
        if fmt is ReportFormat.json:
            render_json(report, sys.stdout)
        else:
            render_table(report, sys.stdout, use_color(None, color), width=width)

    guarded(run)


def usage_error(message: str) -> None:
    from papertriage.exports import printable

    sys.stderr.write(f"Error: {printable(message)}\n")
    raise typer.Exit(2)


def found_paper(found: Any, query: str, inputs: list[str]) -> Any:
    """The paper a lookup found; a weak title match is explained with a warning naming the closest
    titles, and none close is an error (exit 1) that names them."""
    from papertriage.errors import InputError
    from papertriage.exports import printable

    closest = "; ".join(f"{n}. {printable(p.title)} ({p.id}, {sim:g})" for n, (sim, p) in enumerate(found.closest, 1))
    hint = "give more of the title, an id (arXiv, DOI, PMID), or --rank N of the last ranking"
    if found.paper is None:
        raise InputError(f"no paper in {', '.join(inputs)} has a title close to {query!r}"
                         + (f"; closest: {closest}" if closest else "") + f"; {hint}")
    if found.how == "weak":
        warn(f"the best title match for {query!r} is weak, explaining {found.paper.title!r}; closest: {closest}; {hint}")
    return found.paper


@app.command("evaluate")
def evaluate_cmd(
    listings: List[str] = typer.Argument(..., help="Labelled listing(s): rows that carry a kept/skipped label.",
                                         show_default=False),
    config: Optional[str] = ConfigOpt,
    profile: List[str] = typer.Option([], "-p", "--profile", help="Evaluate this profile (repeatable; default all)."),
    keyword: List[str] = KeywordOpt,
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Column holding the label (1/0, yes/no)."),
    labels: Optional[str] = typer.Option(None, "--labels", help="File of ids or titles that were kept, one a line."),
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f", help="Output format."),
    source_format: Optional[str] = FromOpt,
    plain: bool = PlainOpt,
    no_learn: bool = NoLearnOpt,
    state: Optional[str] = StateOpt,
) -> None:
    """How well each profile ranks the kept papers first: AP, recall at 10/20%, WSS@95, P@10, nDCG@10."""

    def run() -> None:
        from papertriage.evaluation import evaluate, load_labelled
        from papertriage.exports.evaluation import render_json, render_table
        from papertriage.ledger import default_path

        profiles = without_learning(load_profiles(config, profile, keyword, None), no_learn)
        papers, flags = load_labelled(listings, fmt=source_format, column=label_column, labels_file=labels, warn=warn)
        teach = decisions_teacher(default_path(state), no_learn)
        show_report(fmt, evaluate(papers, flags, profiles, plain=plain, teach=teach), render_json, render_table)

    guarded(run)


profiles_app = typer.Typer(help="List the profiles and their terms (--lint: against a listing); "
                                "`profiles import`: a Boolean search string as a profile.",
                           invoke_without_command=True)
app.add_typer(profiles_app, name="profiles")


@profiles_app.callback()
def profiles_cmd(
    ctx: typer.Context,
    config: Optional[str] = ConfigOpt,
    profile: List[str] = typer.Option([], "-p", "--profile", help="Only this profile (repeatable)."),
    lint_listing: List[str] = typer.Option([], "--lint", help="Check the terms against this listing (repeatable)."),
    source_format: Optional[str] = FromOpt,
    color: ColorMode = ColorOpt,
    width: Optional[int] = WidthOpt,
) -> None:
    """List the profiles and their terms; with --lint, how many papers each term matches and risky terms."""
    if ctx.invoked_subcommand is not None:
        return

    def run() -> None:
        profiles = load_profiles(config, profile, [], None)
        if not lint_listing:
            from papertriage.exports.profiles import render_profiles

            render_profiles(profiles, sys.stdout, use_color(None, color))
            return
        from papertriage.calibration import calibrate
        from papertriage.lint import lint
        from papertriage.triage import parse_listings

        papers = list(parse_listings(lint_listing, fmt=source_format, warn=warn))
        calibrated = calibrate(profiles, papers)
        reports = lint(papers, profiles, calibrated)
        from papertriage.exports.lint import render_lint

        render_lint(reports, calibrated, f"{len(papers)} papers in {', '.join(lint_listing)}", sys.stdout,
                    use_color(None, color), width)
        flagged = sum(1 for r in reports if r.warnings)
        sys.stderr.write(f"{flagged} of {len(reports)} terms have warnings\n")

    guarded(run)


def _s(items: list[Any]) -> str:
    return "" if len(items) == 1 else "s"


class QuerySyntax(str, Enum):
    auto = "auto"
    pubmed = "pubmed"
    ovid = "ovid"
    scopus = "scopus"
    wos = "wos"


@profiles_app.command("import")
def profiles_import_cmd(
    query: str = typer.Argument(..., help="The search string, or a file holding it ('-' for stdin).", show_default=False),
    name: str = typer.Option(..., "--name", help="Name of the new profile.", show_default=False),
    syntax: QuerySyntax = typer.Option(QuerySyntax.auto, "--syntax", help="The database the string is written for."),
    output: Optional[str] = typer.Option(None, "-o", "--output",
                                         help="Add the profile to this config (atomically, keeping the rest of it)."),
) -> None:
    """Turn a Boolean search string (PubMed, Ovid, Scopus, Web of Science) into a profile; print its YAML."""

    def run() -> None:
        from papertriage.errors import InputError
        from papertriage.output import check_output, open_output
        from papertriage.query import add_to_config, config_yaml, import_query, note_lines

        if query == "-":
            text = sys.stdin.read()
        elif "\n" not in query and len(query) < 4096 and Path(query).is_file():
            try:
                text = Path(query).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{query}: cannot read the search string ({exc})") from None
        else:
            text = query
        check_output(output, [])
        imported = import_query(text, name, syntax.value)
        notes = note_lines(imported)
        for line in notes:
            warn(f"not exact: {line}")
        if output and output != "-":
            target = Path(output)
            current = target.read_text(encoding="utf-8-sig") if target.is_file() else None
            updated = add_to_config(current, imported, output)
            with open_output(output) as out:
                out.write(updated)
        else:
            sys.stdout.write(config_yaml(imported))
        excluded = f", {len(imported.exclude)} excluded term{_s(imported.exclude)}" if imported.exclude else ""
        sys.stderr.write(f"{'added' if output and output != '-' else 'imported'} profile {name} "
                         f"({imported.syntax}): {len(imported.concepts)} concept{_s(imported.concepts)}{excluded}"
                         f"{f'; {len(notes)} part{_s(notes)} not translated exactly (above)' if notes else ''}"
                         f"{f' to {output}' if output and output != '-' else ''}\n")

    guarded(run)


@app.command("formats")
def formats_cmd() -> None:
    """List the input formats (and how each is detected) and the output formats."""
    from papertriage.exports.catalog import render_formats

    render_formats(sys.stdout)


@app.command("where")
def where_cmd(config: Optional[str] = ConfigOpt, state: Optional[str] = StateOpt) -> None:
    """Print the config, the seen ledger and the directories papertriage uses from here, and why."""

    def run() -> None:
        from platformdirs import user_config_dir, user_data_dir

        from papertriage.config import locate_config
        from papertriage.exports import printable
        from papertriage.ledger import STATE_ENV, default_path

        found, how = locate_config(config)
        ledger = default_path(state)
        ledger_how = "--state" if state else f"${STATE_ENV}" if os.environ.get(STATE_ENV) else "the user data dir"
        rows = [("config", f"{found.resolve()} ({how})" if found else "none found (looked for -c, $PAPERTRIAGE_CONFIG, "
                 "papertriage.yaml here or in a parent folder, then the user config dir)"),
                ("ledger", f"{ledger.resolve()} ({ledger_how}{'' if ledger.exists() else '; not created yet'})"),
                ("config dir", user_config_dir("papertriage")),
                ("data dir", user_data_dir("papertriage"))]
        for name, value in rows:
            typer.echo(f"{name + ':':<12}{printable(value)}")

    guarded(run)


@app.command("init")
def init_cmd(
    path: str = typer.Argument("papertriage.yaml", help="Where to write the starter config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter config with example profiles."""

    def run() -> None:
        from papertriage.errors import OutputError
        from papertriage.output import open_output
        from papertriage.starter import STARTER_CONFIG

        target = Path(path)
        if target.exists() and not force:
            raise OutputError(f"{path}: already exists; pass --force to overwrite it")
        with open_output(path) as out:
            out.write(STARTER_CONFIG)
        sys.stderr.write(f"wrote {path}; edit its profiles, then: papertriage rank LISTING -c {path}\n")

    guarded(run)


@app.command("review")
def review_cmd(
    listings: List[str] = typer.Argument(None, help="Listing files or directories to screen.", show_default=False),
    config: Optional[str] = ConfigOpt,
    profile: Optional[str] = typer.Option(None, "-p", "--profile",
                                          help="The profile to screen for (needed when the config has several)."),
    state: Optional[str] = StateOpt,
    source_format: Optional[str] = FromOpt,
    plain: bool = PlainOpt,
    list_keys: bool = typer.Option(False, "--list-keys", help="List the keys of the screen and exit."),
) -> None:
    """Screen LISTINGS paper by paper in a full-screen app: k keep, s skip, m maybe, u undo, q quit (see
    --list-keys). Each decision is saved at once; the papers left are re-ranked with what it taught."""
    if list_keys:
        from papertriage.review.app import keys_help

        typer.echo(keys_help())
        return
    if not listings:
        raise typer.BadParameter("review needs a listing: papertriage review LISTING... [-c CONFIG] [-p PROFILE]",
                                 param_hint="LISTING")

    def run() -> None:
        from papertriage.ledger import default_path
        from papertriage.review import review_listings

        profiles = load_profiles(config, [profile] if profile else [], [], None)
        if len(profiles) > 1:
            raise typer.BadParameter(f"review screens one profile; choose one of: {', '.join(p.name for p in profiles)}",
                                     param_hint="-p")
        done = review_listings(listings, profiles[0], default_path(state), fmt=source_format, plain=plain, warn=warn,
                               read=summary)
        sys.stderr.write(done + "\n")

    guarded(run)


def run() -> None:
    app()
