"""Small helpers for tests: run the CLI in-process and read its JSON Lines output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from papertriage.cli import app


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def cli(*args: str, input: str | bytes | None = None) -> Run:
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)
