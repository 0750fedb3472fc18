"""JSON and JSON Lines: the record fields plus score, profile and the matches behind the score."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from papertriage.exports import ExportOptions
from papertriage.models import Scored


def record(s: Scored) -> dict[str, Any]:
    out = s.paper.to_dict()
    out["score"] = s.score
    out["profile"] = s.profile
    out["matches"] = [asdict(m) for m in s.matches]
    return out


def write_json(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    json.dump([record(s) for s in results], out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_jsonl(results: list[Scored], out: TextIO, options: ExportOptions) -> None:
    for s in results:
        out.write(json.dumps(record(s), ensure_ascii=False) + "\n")
