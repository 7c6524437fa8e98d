"""Reading JSON Lines where a bad line is a problem with its file and line, never a crash.

Every JSONL file the project reads (seeds, training rows, the generate record, benchmark suites) goes through
`read_jsonl`: it yields each line's JSON object with its line number and hands each bad line to the caller as a
`LineProblem` (not UTF-8, not JSON, not a JSON object), so the caller decides whether a bad line is skipped and
counted or stops the load. Blank lines are skipped; a UTF-8 byte-order mark before the first line is ignored.

Example:
    >>> problems: list[LineProblem] = []
    >>> rows = [row for _, row in read_jsonl("seeds.jsonl", problems)]  # doctest: +SKIP
    >>> [str(problem) for problem in problems]  # doctest: +SKIP
    ['seeds.jsonl:3: not JSON (Expecting value: column 1)']
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

__all__ = ["AppendedFile", "LineProblem", "cut_torn_last_line", "json_type", "read_jsonl"]

_BLOCK_BYTES = 1 << 16

Reason = Literal["not UTF-8", "not JSON", "not a JSON object"]


@dataclass(frozen=True)
class LineProblem:
    """A line that did not hold a JSON object: `reason` is one of a few fixed phrases (for counting), `detail` says
    exactly what was wrong."""

    path: Path
    line: int
    reason: Reason
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def message(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def read_jsonl(path: str | Path, problems: list[LineProblem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line number, object)` for each line of `path` holding a JSON object; append a `LineProblem` to
    `problems` for each other non-blank line. Raises `OSError` when the file cannot be opened or read."""
    path = Path(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            value = _parse(raw.rstrip(b"\r\n"))
            if isinstance(value, dict):
                yield number, value
            else:
                problems.append(LineProblem(path, number, *value))


def _parse(raw: bytes) -> dict[str, Any] | tuple[Reason, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return "not UTF-8", f"{error.reason} at byte {error.start}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return "not JSON", f"{error.msg}: column {error.colno}"
    except RecursionError:
        return "not JSON", "nested too deeply"
    if not isinstance(value, dict):
        return "not a JSON object", f"a JSON {json_type(value)}"
    return value


def json_type(value: Any) -> str:
    """JSON's name for the type of a decoded value: object, array, string, number, boolean, null."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
             type(None): "null"}
    return names.get(type(value), type(value).__name__)


def cut_torn_last_line(path: str | Path) -> bool:
    """Cut off a last line without its newline (a writer killed mid-line) from an append-only JSONL file, so the
    next append starts a line of its own; returns whether there was one. Complete lines are never touched."""
    path = Path(path)
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        position = size
        while position > 0:
            step = min(_BLOCK_BYTES, position)
            position -= step
            handle.seek(position)
            found = handle.read(step).rfind(b"\n")
            if found >= 0:
                position += found + 1
                break
        if position == size:
            return False
        handle.truncate(position)
        return True


class AppendedFile:
    """A file appended to, kept open between appends (opened at the first, again after `close`); each append is
    flushed, so a killed process loses nothing it appended. The caller serializes calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def append(self, *chunks: bytes) -> None:
        if self._handle is None:
            self._handle = self.path.open("ab")
        self._handle.writelines(chunks)
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
