"""Writing results: stdout, a special file written directly, or a regular file replaced atomically."""

from __future__ import annotations

import os
import secrets
import signal
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, TextIO

from papertriage.errors import OutputError


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a file was written: unwound like Ctrl-C so the temporary file goes."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def check_output(output: str | None, inputs: list[str], protected: dict[str, Path | None] | None = None) -> None:
    """Refuse, before any work is done, an output that names an input, the ledger or the config, or a
    place that cannot be written. protected maps what a file is ("the seen ledger (--state)") to it."""
    if not output or output == "-":
        return
    target = Path(output)
    for name in inputs:
        if name != "-" and Path(name).exists() and target.exists() and _same_file(target, Path(name)):
            raise OutputError(f"{output}: is also an input; write the output to another file")
    for what, path in (protected or {}).items():
        if path is not None and (path.exists() or target.exists()) and _same_file(target, path):
            raise OutputError(f"{output}: is {what}; write the output to another file")
    if target.exists() and not target.is_dir() and not target.is_file():
        if not os.access(target, os.W_OK):
            raise OutputError(f"{output}: cannot write there (permission denied); choose another place")
        return  # a device or a FIFO: written directly
    real = Path(os.path.realpath(target))
    parent = _parent(real if target.is_symlink() else target)
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{output}: {str(parent)!r} is a file, not a directory; choose another path")
    if not parent.is_dir():
        raise OutputError(f"{output}: directory {str(parent)!r} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"{output}: is a directory; name a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{output}: directory {str(parent)!r} is not writable; choose another place")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Terminated while the block runs (main thread only), so cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, unwind) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _write_error(output: str, exc: OSError) -> OutputError:
    return OutputError(f"{output}: cannot write ({exc.strerror or exc}); nothing was written there")


@contextmanager
def open_output(output: str | None) -> Iterator[TextIO]:
    """Yield a text stream. A regular file (or a symlink to one) is replaced atomically: a temporary file
    beside the real target, renamed over it once the whole write succeeds, with the old file's mode or
    else the umask's. A device or FIFO (/dev/stdout, a named pipe) is written directly."""
    if not output or output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(output)
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _write_error(output, exc) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{output}: is a directory; name a file")
    if info is not None and not stat.S_ISREG(info.st_mode):
        with _special(output) as fh:
            yield fh
        return
    with _replaced(output, Path(os.path.realpath(target)), info) as fh:
        yield fh


@contextmanager
def _special(output: str) -> Iterator[TextIO]:
    try:
        fh = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _write_error(output, exc) from None
    try:
        yield fh
        fh.close()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _write_error(output, exc) from None
    finally:
        try:
            fh.close()
        except OSError:
            pass


@contextmanager
def _replaced(output: str, real: Path, info: os.stat_result | None) -> Iterator[TextIO]:
    parent = _parent(real)
    if not parent.is_dir():
        raise OutputError(f"{output}: directory {str(parent)!r} does not exist; create it first")
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    tmp = parent / f".{real.name}.{secrets.token_hex(4)}.tmp"
    with _signals_unwind():
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise OutputError(f"{output}: cannot write there ({exc.strerror}); choose another place") from None
        try:
            try:
                with open(fd, "w", encoding="utf-8", newline="") as fh:
                    os.fchmod(fd, mode)
                    yield fh
                os.replace(tmp, real)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _write_error(output, exc) from None
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
