"""Content hashes: a row's id is the hash of everything that determines it, and so is the seed its samples are
drawn with."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["content_hash", "sampling_seed"]


def content_hash(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def sampling_seed(run_seed: int, key: str, attempt: int) -> int:
    """The seed of one sampled request: the same for the same row, attempt and run seed, whatever order rows are
    generated in and however often the run was resumed (a 31-bit integer, as servers and llama.cpp take it)."""
    return int(content_hash("seed", run_seed, key, attempt)[:8], 16) & 0x7FFFFFFF
