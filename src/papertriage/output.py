"""Writing results: stdout or a file written atomically (temporary file, then rename)."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from papertriage.errors import OutputError


def check_output(output: str | None, inputs: list[str]) -> None:
    """Refuse, before any work is done, an output that names an input or a place that cannot be written."""
    if not output or output == "-":
        return
    target = Path(output)
    for name in inputs:
        if name != "-" and Path(name).exists() and target.exists() and target.resolve() == Path(name).resolve():
            raise OutputError(f"{output}: is also an input; write the output to another file")
    parent = target.parent if str(target.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{output}: {str(parent)!r} is a file, not a directory; choose another path")
    if not parent.is_dir():
        raise OutputError(f"{output}: directory {str(parent)!r} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"{output}: is a directory; name a file")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{output}: directory {str(parent)!r} is not writable; choose another place")


@contextmanager
def open_output(output: str | None) -> Iterator[TextIO]:
    """Yield a text stream; for a file, nothing appears at the path unless the whole write succeeds."""
    if not output or output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(output)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{output}: directory {str(parent)!r} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"{output}: is a directory; name a file")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"{output}: cannot write there ({exc.strerror}); choose another place") from None
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
