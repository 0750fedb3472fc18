"""Files a user can trust: -o through symlinks and onto special files, modes, protected files, signals, pipes."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .helpers import cli

not_root = pytest.mark.skipif(os.geteuid() == 0, reason="as root, a regression here would replace the machine's "
                              "device node; run the tests as a normal user")
EXAMPLE = str(Path(__file__).parent.parent / "examples" / "daily-papers.txt")


def run_cli(*args: str, preexec: object = None, **kw: object) -> subprocess.CompletedProcess[str]:
    """papertriage in its own process (file descriptors, signals and limits are its own)."""
    env = {**os.environ, "PAPERTRIAGE_NO_PROGRESS": "1"}
    return subprocess.run([sys.executable, "-m", "papertriage", *args], capture_output=True, text=True,
                          env=env, preexec_fn=preexec, timeout=60, **kw)  # type: ignore[call-overload, no-any-return]


@pytest.fixture
def umask_027() -> object:
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_output_writes_through_a_symlink_and_keeps_the_target_mode(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    note = vault / "reading.md"
    note.write_text("OLD CONTENT\n", encoding="utf-8")
    note.chmod(0o644)
    link = tmp_path / "link.md"
    link.symlink_to(note)
    run = cli("rank", EXAMPLE, "-k", "pruning", "-f", "md", "-o", str(link))
    assert run.exit_code == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(note)
    assert note.read_text(encoding="utf-8").startswith("---\n")  # the reading list, in the vault
    assert stat.S_IMODE(note.stat().st_mode) == 0o644
    assert sorted(p.name for p in vault.iterdir()) == ["reading.md"]


def test_output_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "new.md")
    assert cli("rank", EXAMPLE, "-k", "pruning", "-f", "md", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and (tmp_path / "new.md").is_file()


def test_new_output_honours_the_umask(tmp_path: Path, umask_027: object) -> None:
    out = tmp_path / "out.csv"
    assert cli("rank", EXAMPLE, "-k", "pruning", "-f", "csv", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_existing_output_keeps_its_mode(tmp_path: Path, umask_027: object) -> None:
    out = tmp_path / "out.csv"
    out.write_text("x\n", encoding="utf-8")
    out.chmod(0o664)
    assert cli("rank", EXAMPLE, "-k", "pruning", "-f", "csv", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o664 and out.read_text(encoding="utf-8") != "x\n"


@not_root
def test_output_to_dev_stdout_is_written_directly() -> None:
    run = run_cli("rank", EXAMPLE, "-k", "pruning", "-f", "jsonl", "-o", "/dev/stdout")
    assert run.returncode == 0, run.stderr
    assert '"title"' in run.stdout.splitlines()[0]


@not_root
def test_output_to_dev_null_leaves_the_device() -> None:
    before = os.stat("/dev/null")
    assert run_cli("rank", EXAMPLE, "-k", "pruning", "-o", "/dev/null").returncode == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_output_to_a_fifo_is_written_into_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        run = cli("rank", EXAMPLE, "-k", "pruning", "-f", "jsonl", "-o", str(fifo))
    finally:
        try:  # never leave the reader waiting
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        reader.join(30)
    assert run.exit_code == 0 and b'"title"' in got[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_naming_the_ledger_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "seen.sqlite"
    assert cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state)).exit_code == 0
    before = state.read_bytes()
    run = cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state), "-o", str(state))
    assert run.exit_code == 1 and "is the seen ledger" in run.stderr
    assert state.read_bytes() == before


def test_output_naming_the_config_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "papertriage.yaml"
    cfg.write_text("profiles:\n  p:\n    terms: [pruning]\n", encoding="utf-8")
    link = tmp_path / "alias.yaml"
    link.symlink_to(cfg)
    for target in (cfg, link):
        run = cli("rank", EXAMPLE, "-c", str(cfg), "-o", str(target))
        assert run.exit_code == 1 and "is the config in use" in run.stderr
    run = cli("rank", EXAMPLE, "-o", "papertriage.yaml")  # found in the current folder
    assert run.exit_code == 1 and "is the config in use" in run.stderr
    assert cfg.read_text(encoding="utf-8").startswith("profiles:")


@not_root
def test_a_full_device_is_one_error_line() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    run = run_cli("rank", EXAMPLE, "-k", "pruning", "-f", "jsonl", "-o", "/dev/full")
    assert run.returncode == 1 and run.stderr.splitlines()[-1].startswith("Error: /dev/full: cannot write")
    assert "Traceback" not in run.stderr


def _file_size_limit(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_write_that_fails_half_way_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = run_cli("rank", EXAMPLE, "-k", "pruning", "--top", "0", "--min-score", "0", "-f", "jsonl",
                  "--no-record", "-o", str(out), preexec=lambda: _file_size_limit(2000))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.splitlines()[-1].startswith(f"Error: {out}: cannot write")
    assert list(tmp_path.iterdir()) == []


SLOW_WRITE = """
import os, signal, sys, time
from papertriage.exports import csv_export
from papertriage import cli
sig, listing, target = sys.argv[1:4]
def slow(results, out, options):
    out.write("rank,score\\n1,")
    out.flush()
    os.kill(os.getpid(), getattr(signal, sig))
    time.sleep(30)
csv_export.write = slow
sys.argv = ["papertriage", "rank", listing, "-k", "pruning", "-f", "csv", "-o", target]
cli.run()
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_a_signal_while_writing_leaves_no_temporary_file(tmp_path: Path, sig: str) -> None:
    out = tmp_path / "out" / "ranked.csv"
    out.parent.mkdir()
    run = subprocess.run([sys.executable, "-c", SLOW_WRITE, sig, EXAMPLE, str(out)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PAPERTRIAGE_NO_PROGRESS": "1"})
    assert run.returncode == 128 + getattr(signal, sig)
    assert list(out.parent.iterdir()) == []


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    listing = tmp_path / "many.jsonl"
    listing.write_text("".join(f'{{"title": "Paper number {i} on pruning", "abstract": "{"words " * 40}"}}\n'
                               for i in range(3000)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "papertriage", "parse", str(listing)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PAPERTRIAGE_NO_PROGRESS": "1"})
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"{")
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(60) == 0 and err == b""


PROFILE = "profiles:\n  p:\n    terms: [pruning]\n"


def test_config_is_found_in_a_parent_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "papertriage.yaml").write_text(PROFILE, encoding="utf-8")
    deep = tmp_path / "notes" / "2026" / "week-49"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    run = cli("rank", EXAMPLE, "-f", "jsonl")
    assert run.exit_code == 0, run.stderr
    assert run.records() and {r["profile"] for r in run.records()} == {"p"}


def test_config_discovery_stops_at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "papertriage.yaml").write_text(PROFILE, encoding="utf-8")
    home = tmp_path / "home"
    (home / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "project")
    run = cli("rank", EXAMPLE)
    assert run.exit_code == 1 and "no config found" in run.stderr


def test_config_discovery_stops_at_a_filesystem_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papertriage.config import locate_config

    inner = tmp_path / "mnt" / "usb"
    inner.mkdir(parents=True)
    (tmp_path / "papertriage.yaml").write_text(PROFILE, encoding="utf-8")
    monkeypatch.chdir(inner)
    assert locate_config(None)[0] == tmp_path / "papertriage.yaml"
    real_stat = Path.stat

    def mounted_at_inner(self: Path, **kw: bool) -> os.stat_result:
        st = real_stat(self, **kw)
        if self == inner or inner in self.parents:
            return st
        fields = list(st)
        fields[2] = st.st_dev + 1  # the folders above the mount point are on another device
        return os.stat_result(fields)

    monkeypatch.setattr(Path, "stat", mounted_at_inner)
    assert locate_config(None) == (None, "none found")


def test_where_names_the_config_and_ledger_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "papertriage.yaml").write_text(PROFILE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    run = cli("where", "--state", str(tmp_path / "s.sqlite"))
    assert run.exit_code == 0
    lines = dict(line.split(":", 1) for line in run.stdout.splitlines())
    assert lines["config"].strip().startswith(str(tmp_path / "papertriage.yaml"))
    assert lines["ledger"].strip() == f"{tmp_path / 's.sqlite'} (--state; not created yet)"
    assert lines["data dir"].strip() == str(tmp_path / "data-home" / "papertriage")
    assert lines["config dir"].strip() == str(tmp_path / "config-home" / "papertriage")


# the ledger: checked before work, never made in a folder that is not there

def test_a_broken_ledger_is_reported_before_any_output(tmp_path: Path) -> None:
    state = tmp_path / "bad.sqlite"
    state.write_bytes(b"this is not a database, just some text " * 100)
    out = tmp_path / "out.md"
    run = cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state), "-o", str(out))
    assert run.exit_code == 1 and "ledger cannot be read" in run.stderr
    assert run.stderr.startswith("Error: ") and not out.exists()
    run = cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state))
    assert run.exit_code == 1 and run.stdout == ""


def test_a_ledger_of_a_newer_papertriage_is_refused_before_any_output(tmp_path: Path) -> None:
    import sqlite3

    state = tmp_path / "future.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("PRAGMA user_version = 99")
    run = cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state))
    assert run.exit_code == 1 and "newer papertriage" in run.stderr and run.stdout == ""


@pytest.mark.parametrize("via", ["--state", "env"])
def test_a_ledger_in_a_missing_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    via: str) -> None:
    state = tmp_path / "nonexistent" / "dir" / "seen.sqlite"
    args = ["rank", EXAMPLE, "-k", "pruning"]
    if via == "env":
        monkeypatch.setenv("PAPERTRIAGE_STATE", str(state))
    else:
        args += ["--state", str(state)]
    run = cli(*args)
    assert run.exit_code == 1 and "does not exist; create it first" in run.stderr and run.stdout == ""
    assert not (tmp_path / "nonexistent").exists()


def test_the_default_ledger_directory_is_created(tmp_path: Path) -> None:
    assert cli("rank", EXAMPLE, "-k", "pruning").exit_code == 0
    assert (tmp_path / "data-home" / "papertriage" / "seen.sqlite").is_file()


def test_hidden_papers_are_counted_as_papers_not_records(tmp_path: Path) -> None:
    state = str(tmp_path / "seen.sqlite")
    copy = tmp_path / "again.txt"
    copy.write_bytes(Path(EXAMPLE).read_bytes())
    first = cli("rank", EXAMPLE, "-k", "pruning", "--top", "0", "--min-score", "0", "-f", "jsonl", "--state", state)
    shown = len(first.records())
    run = cli("rank", EXAMPLE, str(copy), "-k", "pruning", "--new-only", "--state", state)
    assert f"{shown} already shown hidden" in run.stderr, run.stderr


def test_seen_clear_asks_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = str(tmp_path / "seen.sqlite")
    assert cli("rank", EXAMPLE, "-k", "pruning", "--state", state).exit_code == 0
    import papertriage.cli as cli_module

    monkeypatch.setattr(cli_module, "interactive", lambda: True)
    run = cli("seen", "clear", "--state", state, input="n\n")
    assert run.exit_code == 1 and "[y/N]" in run.stderr and "nothing forgotten" in run.stderr
    assert cli("seen", "list", "--state", state).stdout.strip()
    run = cli("seen", "clear", "--state", state, input="y\n")
    assert run.exit_code == 0 and "forgot" in run.stderr
    assert cli("seen", "list", "--state", state).stdout.strip() == ""


def test_seen_clear_yes_and_scripts_do_not_ask(tmp_path: Path) -> None:
    state = str(tmp_path / "seen.sqlite")
    for args in (["--yes"], []):
        assert cli("rank", EXAMPLE, "-k", "pruning", "--state", state).exit_code == 0
        run = cli("seen", "clear", "--state", state, *args)
        assert run.exit_code == 0 and "[y/N]" not in run.stderr and "forgot" in run.stderr


def test_a_full_disk_under_the_ledger_is_one_error_line(tmp_path: Path) -> None:
    state = tmp_path / "seen.sqlite"
    run_cli("rank", EXAMPLE, "-k", "pruning", "--state", str(state))  # the ledger exists, with its tables
    listing = tmp_path / "many.jsonl"
    listing.write_text("".join(f'{{"title": "Pruning paper {i}", "abstract": "{"pruning words " * 30}"}}\n'
                               for i in range(2000)), encoding="utf-8")
    size = state.stat().st_size + sum(p.stat().st_size for p in tmp_path.glob("seen.sqlite-*"))
    run = run_cli("rank", str(listing), "-k", "pruning", "--top", "0", "--state", str(state),
                  preexec=lambda: _file_size_limit(size + 8192))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.splitlines()[-1].startswith(f"Error: {state}: cannot record"), run.stderr
    assert "no transaction is active" not in run.stderr


def test_decisions_forget_all_asks_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papertriage.cli as cli_module
    from papertriage.ledger import Ledger
    from papertriage.models import make_paper

    state = tmp_path / "seen.sqlite"
    with Ledger(state) as ledger:
        ledger.decide(make_paper(title="A kept paper", source="t"), "p", "keep")
    monkeypatch.setattr(cli_module, "interactive", lambda: True)
    run = cli("decisions", "forget", "--all", "--state", str(state), input="n\n")
    assert run.exit_code == 1 and "[y/N]" in run.stderr
    with Ledger(state) as ledger:
        assert len(ledger.decisions()) == 1
    run = cli("decisions", "forget", "--all", "--state", str(state), "--yes")
    assert run.exit_code == 0 and "[y/N]" not in run.stderr
    with Ledger(state) as ledger:
        assert ledger.decisions() == []


KILLED_WRITER = """
import sys
from pathlib import Path
from papertriage.ledger import Ledger
from papertriage.models import make_paper
batch = 0
while True:
    papers = [make_paper(title=f"Paper {batch} {i}", source="t") for i in range(50)]
    with Ledger(Path(sys.argv[1])) as ledger:
        ledger.record(papers)
    batch += 1
    if batch == 3:
        print("ready", flush=True)
"""


def test_a_ledger_killed_mid_write_holds_whole_runs_only(tmp_path: Path) -> None:
    import sqlite3
    import time

    from papertriage.ledger import Ledger

    state = tmp_path / "seen.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(state)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    time.sleep(0.3)  # somewhere in a later run's transaction
    proc.kill()
    proc.wait(30)
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Ledger(state) as ledger:
        shown = len(ledger.entries())
    assert shown >= 150 and shown % 50 == 0  # each run's 50 papers recorded whole or not at all
