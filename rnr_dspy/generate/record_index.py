"""Where each key's latest record is in a run's record, and its status: `generated.index` beside `generated.jsonl`.

One JSON array per record line (`[key, offset, length, stage, status, transient]`), appended after the record
itself. The index is a cache of the record: opening checks it against the record and reads the record's lines
past the index's last good entry (written while the process was killed, or by a version without the index).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnr_dspy.errors import RnrError
from rnr_dspy.generate.failures import is_transient
from rnr_dspy.runtime.jsonl import AppendedFile, cut_torn_last_line

__all__ = ["Entry", "RecordIndex", "first_entries"]


@dataclass(frozen=True, slots=True)
class Entry:
    offset: int
    length: int
    stage: str
    status: str
    transient: bool
    """Its error is one a later try may clear (see `rnr_dspy.generate.failures`)."""

    @classmethod
    def of(cls, record: dict[str, Any], offset: int, length: int) -> Entry:
        """The entry of `record`, written at `offset` in `length` bytes."""
        return cls(offset, length, str(record.get("stage")), str(record.get("status")),
                   is_transient(record.get("error")))

    def to_redo(self, *, retry_failed: bool) -> bool:
        """Whether its record is generated again: a failure that a later try may clear, or any failure with
        `retry_failed`."""
        return self.status == "error" and (retry_failed or self.transient)

    def line(self, key: str) -> bytes:
        fields = [key, self.offset, self.length, self.stage, self.status, int(self.transient)]
        return (json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def read_line(cls, raw: bytes) -> tuple[str, Entry]:
        """The key and entry of an index `line` (raises ValueError for a line that is not one)."""
        key, offset, length, stage, status, transient = json.loads(raw)
        return key, cls(offset, length, stage, status, bool(transient))


class RecordIndex:
    def __init__(self, path: Path, entries: dict[str, Entry], torn_lines: int, lines: int) -> None:
        self.path = path
        self.entries = entries
        self.torn_lines = torn_lines
        self.lines = lines  # record lines indexed (a superseded record's too)
        self._file = AppendedFile(path)

    @classmethod
    def open(cls, record: Path, damaged: str) -> RecordIndex:
        """The index of `record` (built from the record where the index is missing, stale or behind)."""
        path = _index_path(record)
        if not record.exists():
            path.unlink(missing_ok=True)
            return cls(path, {}, 0, 0)
        torn = int(cut_torn_last_line(record))
        entries, index_bytes, covered, lines = _read_index(path, record)
        with path.open("r+b" if path.exists() else "wb") as handle:
            handle.truncate(index_bytes)  # lines that disagree with the record go; it is read from there
        index = cls(path, entries, torn, lines)
        for key, entry in _scan(record, covered, lines, damaged):
            index.add(key, entry)
        return index

    def add(self, key: str, entry: Entry) -> None:
        """Record `entry` as the latest of `key` (the caller serializes calls)."""
        self.entries[key] = entry  # a key superseded keeps its first place
        self.lines += 1
        self._file.append(entry.line(key))

    def close(self) -> None:
        """Close the index file (a later `add` opens it again)."""
        self._file.close()


def first_entries(record: Path, lines: int) -> dict[str, Entry]:
    """The latest entry of each key among the first `lines` lines of the index of `record`, as written: the index
    of a store another process opened (which checked it) and appends to."""
    entries: dict[str, Entry] = {}
    if lines:
        with _index_path(record).open("rb") as handle:
            entries.update(Entry.read_line(raw) for raw in itertools.islice(handle, lines))
    return entries


def _index_path(record: Path) -> Path:
    return record.with_name(record.stem + ".index")


def _read_index(path: Path, record: Path) -> tuple[dict[str, Entry], int, int, int]:
    """The entries of the index that agree with the record; the index bytes they take, the record bytes they
    cover, and how many record lines that is."""
    entries: dict[str, Entry] = {}
    index_bytes = covered = lines = 0
    if not path.exists():
        return entries, 0, 0, 0
    size = record.stat().st_size
    with path.open("rb") as handle:
        for raw in handle:
            try:
                key, entry = Entry.read_line(raw)
            except ValueError:
                break  # a torn or damaged line: the record is read from here on
            if entry.offset != covered or entry.offset + entry.length > size:
                break
            entries[key] = entry
            index_bytes += len(raw)
            covered = entry.offset + entry.length
            lines += 1
    if entries and not _holds(record, next(reversed(entries.values())), next(reversed(entries))):
        return {}, 0, 0, 0  # the index of another record (a file replaced): rebuilt
    return entries, index_bytes, covered, lines


def _holds(record: Path, entry: Entry, key: str) -> bool:
    with record.open("rb") as handle:
        handle.seek(entry.offset)
        raw = handle.read(entry.length)
    try:
        return raw.endswith(b"\n") and json.loads(raw).get("key") == key
    except ValueError:
        return False


def _scan(record: Path, start: int, line_number: int, damaged: str) -> list[tuple[str, Entry]]:
    """Index entries for the record's lines from byte `start` (line `line_number` + 1) on."""
    found: list[tuple[str, Entry]] = []
    with record.open("rb") as handle:
        handle.seek(start)
        offset = start
        for raw in handle:
            line_number += 1
            where = f"{record}:{line_number}"
            if raw.strip():
                key, entry = _entry(raw, offset, where, damaged)
                found.append((key, entry))
            offset += len(raw)
    return found


def _entry(raw: bytes, offset: int, where: str, damaged: str) -> tuple[str, Entry]:
    try:
        value = json.loads(raw.decode("utf-8").lstrip("\ufeff"))
    except UnicodeDecodeError as error:
        raise RnrError(f"{where}: not UTF-8 ({error.reason} at byte {error.start}); {damaged}") from error
    except ValueError as error:
        raise RnrError(f"{where}: not JSON ({error}); {damaged}") from error
    if not isinstance(value, dict) or not isinstance(value.get("key"), str):
        raise RnrError(f"{where}: a record without a key; {damaged}")
    return value["key"], Entry.of(value, offset, len(raw))
