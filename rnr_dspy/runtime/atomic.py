"""Files written whole or not at all: reports, configs, cards, run state.

Each write goes to a temporary file beside the target, is flushed to disk, then renamed over the target
(`os.replace`, atomic on POSIX and Windows), so a process killed mid-write leaves the old file or the new one, never
half of one. JSON and YAML go through `mask_in` first: a password in a URL (`--api-base http://user:PW@host`) never
reaches a report.

Example:
    >>> write_json(run_dir / "generate_report.json", report)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from rnr_dspy.runtime.masking import mask_in

__all__ = ["staged", "write_json", "write_lines", "write_text", "write_yaml"]


@contextmanager
def staged(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` (same folder, same suffix) to write to; renamed over `path` when the block
    ends without an error, removed otherwise. For writers that take a path, e.g. `program.save(str(staging))`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Beside the target (one file system, so the rename is atomic); keeps the suffix, which some writers check.
    staging = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")
    try:
        yield staging
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically, creating its folder; returns the path."""
    return write_lines(path, (text,))


def write_lines(path: str | Path, lines: Iterable[str]) -> Path:
    """Write `lines` (UTF-8, each as given) to `path` atomically as they come, never as one string."""
    with staged(path) as staging, staging.open("x", encoding="utf-8", newline="") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(path)


def write_json(path: str | Path, data: Any, *, indent: int | None = 2) -> Path:
    """Write `data` as JSON (UTF-8, non-ASCII kept, credentials in URLs masked) atomically."""
    return write_text(path, json.dumps(mask_in(data), indent=indent, ensure_ascii=False) + "\n")


def write_yaml(path: str | Path, data: Any) -> Path:
    """Write `data` as YAML (keys in their order, credentials in URLs masked) atomically."""
    return write_text(path, yaml.safe_dump(mask_in(data), sort_keys=False, allow_unicode=True))
