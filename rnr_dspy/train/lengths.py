"""Rows longer than `max_length` tokens: skipped or left to TRL's truncation, and counted either way.

TRL truncates silently (and drops a row whose completion is cut away entirely); measuring the rendered rows first
lets the run say how many rows were affected and, by default, keep only rows whose completion fits whole.
"""

from __future__ import annotations

from typing import Any, Literal

from rnr_dspy.train.data import DataSet

__all__ = ["fit_to_length", "token_lengths"]


def token_lengths(rows: list[dict[str, Any]], tokenizer: Any) -> list[int]:
    """Tokens of each row as the trainer renders it, chat-templated: the prompt plus its completion, or plus the
    longer of its chosen and rejected answers."""
    keys = [[k for k in ("completion", "chosen", "rejected") if k in row] for row in rows]
    conversations = [row["prompt"] + row[key] for row, row_keys in zip(rows, keys, strict=True) for key in row_keys]
    if not conversations:
        return []
    texts = tokenizer.apply_chat_template(conversations, tokenize=False)
    counts = iter(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])
    return [max(next(counts) for _ in row_keys) for row_keys in keys]


def fit_to_length(data: DataSet, tokenizer: Any, max_length: int | None,
                  policy: Literal["skip", "truncate"]) -> int:
    """Apply `policy` to the rows of `data` longer than `max_length`; returns how many rows were too long."""
    if max_length is None:
        return 0
    lengths = token_lengths(data.rows, tokenizer)
    too_long = [length > max_length for length in lengths]
    count = sum(too_long)
    if count and policy == "skip":
        data.keep([not long for long in too_long])
        data.skipped[f"longer than max_length={max_length} tokens"] += count
    return count
