"""Shared helpers for the benchmarks: where the shared corpora and peers are, and process measurements."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PAPERTRIAGE_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"
CRAWL = CORPORA / "jsonl-bulk" / "dw-dengwei-daily-arxiv" / "gz"
SEED = SHARED / "listings" / "hf-papers-search-copy.txt"


def load_peers() -> ModuleType:
    path = SHARED / "bench" / "peers.py"
    if not path.exists():
        sys.exit(f"benchmark needs {path} (the shared folder beside the repository)")
    spec = importlib.util.spec_from_file_location("peers", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (Linux /proc)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], *, memory: bool = True,
                 **kw: object) -> tuple[float, int, subprocess.CompletedProcess[bytes]]:
    """(wall seconds, peak resident bytes of the whole process tree, result) of one command.

    The memory is sampled every 20 ms by a thread of this process, which takes a little CPU from
    the command: memory=False times the command alone (and gives 0 bytes).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    if memory:
        sampler.join()
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def best_of(n: int, cmd: list[str]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def papertriage_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "papertriage"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "papertriage"]
