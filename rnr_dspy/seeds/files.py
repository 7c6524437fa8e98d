"""Rows of a seed file (JSONL, JSON, CSV, parquet), each with where it came from (`file:line`, or `file[index]` for
JSON and parquet).

A file that cannot be read as its format at all raises `SeedError` naming the file (and the line, where there is
one); a row that is not a record (a JSON string or number, a CSV line with the wrong number of fields, a line that
is not UTF-8 or not JSON) is reported through `problem(where, message)` and the rest of the file still loads.
A UTF-8 byte-order mark is ignored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rnr_dspy.errors import SeedError
from rnr_dspy.runtime.jsonl import LineProblem, json_type, read_jsonl

__all__ = ["FORMATS", "Problem", "file_rows"]

FORMATS = (".jsonl", ".json", ".csv", ".parquet")

Problem = Callable[[str, str], None]
Rows = Iterator[tuple[str, dict[str, Any]]]


def file_rows(path: Path, problem: Problem) -> Rows:
    """The rows of the seed file at `path`, by its extension."""
    readers: dict[str, Callable[[Path, Problem], Rows]] = {
        ".jsonl": _jsonl_rows, ".json": _json_rows, ".csv": _csv_rows, ".parquet": _parquet_rows}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise SeedError(f"{path}: unsupported seed format {path.suffix!r}; use one of {', '.join(FORMATS)}")
    try:
        yield from reader(path, problem)
    except OSError as error:
        raise SeedError(f"cannot read seed file {path}: {error}") from error


def _jsonl_rows(path: Path, problem: Problem) -> Rows:
    bad: list[LineProblem] = []
    for number, row in read_jsonl(path, bad):
        _report(bad, problem)
        yield f"{path}:{number}", row
    _report(bad, problem)


def _report(bad: list[LineProblem], problem: Problem) -> None:
    for line in bad:
        problem(line.where, line.message)
    bad.clear()


def _json_rows(path: Path, problem: Problem) -> Rows:
    try:
        data = json.loads(_utf8_text(path))
    except json.JSONDecodeError as error:
        raise SeedError(f"{path}:{error.lineno}: not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise SeedError(f"{path}: not valid JSON (nested too deeply)") from None
    rows = data.get("data", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise SeedError(f"{path}: expected a JSON list of objects (or {{'data': [...]}}), got a JSON "
                        f"{json_type(rows)}")
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            yield f"{path}[{index}]", row
        else:
            problem(f"{path}[{index}]", f"not a JSON object (a JSON {json_type(row)})")


def _csv_rows(path: Path, problem: Problem) -> Rows:
    text = _utf8_text(path)
    lines = io.StringIO(text, newline="").readlines()  # ended where the csv reader ends them (\n, \r)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _next_record(reader, path, problem)
    while header is not None and not any(name.strip() for name in header):
        header = _next_record(reader, path, problem)  # leading blank lines
    if header is None:
        return
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise SeedError(f"{path}:{reader.line_num}: the header repeats column(s) {repeated}")
    while True:
        start = reader.line_num + 1
        fields = _next_record(reader, path, problem)
        if fields is None:
            return
        if not fields:  # a blank line
            continue
        if start < reader.line_num >= len(lines) and _never_closed("".join(lines[start - 1:])):
            # The csv module reads a quote never closed to the end of the file, taking every line after it in.
            problem(f"{path}:{start}", f"a quoted field opened here is never closed (lines {start} to "
                    f"{reader.line_num} would be one row)")
            continue
        if len(fields) != len(header):
            problem(f"{path}:{start}", f"{len(fields)} fields where the header has {len(header)}")
            continue
        yield f"{path}:{start}", dict(zip(header, fields, strict=True))


def _never_closed(record: str) -> bool:
    """Whether the CSV text of a record runs out inside a quoted field."""
    try:
        list(csv.reader(io.StringIO(record, newline=""), strict=True))
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def _next_record(reader: Any, path: Path, problem: Problem) -> list[str] | None:
    """The next CSV record; a record the csv module refuses is reported and skipped."""
    while True:
        line = reader.line_num
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            problem(f"{path}:{reader.line_num}", f"not valid CSV ({error})")
            if reader.line_num == line:  # nothing consumed: stop rather than report the same line forever
                return None


def _parquet_rows(path: Path, problem: Problem) -> Rows:
    import pyarrow as pa
    import pyarrow.parquet as pq

    index = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches():
            for row in batch.to_pylist():
                yield f"{path}[{index}]", row
                index += 1
    except pa.ArrowException as error:
        raise SeedError(f"{path}: not a readable parquet file ({error})") from None


def _utf8_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SeedError(f"{path}:{line}: not UTF-8 ({error.reason} at byte {error.start}); save the file as "
                        "UTF-8") from None
