"""The append-only record of a run (`generated.jsonl`): one JSON object per line, keyed by content hash.

A process killed mid-write leaves at most one torn last line; opening the store cuts it off (its work is redone),
so a resumed run neither loses nor duplicates a record. Later records with the same key supersede earlier ones
(a failed row generated again), and nothing is ever rewritten in place.

Memory and opening time do not grow with the records' size: the store keeps where each key's latest record is and
its status (`RecordIndex`), reads a record back from disk when asked, and opens from `generated.index` — one short
line per record, appended beside each one — parsing only records written after the index's last line.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Collection, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, BinaryIO

from rnr_dspy.errors import RnrError
from rnr_dspy.generate.record_index import Entry, RecordIndex
from rnr_dspy.runtime.jsonl import AppendedFile
from rnr_dspy.runtime.masking import mask_credentials

__all__ = ["RunStore", "read_record"]

_DAMAGED = "the run record is damaged: move it aside to start over"


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.appended = 0  # records this process appended
        self._lock = threading.Lock()
        self._synced_changed = threading.Condition()
        self._syncing = False
        self._written = self._synced = 0  # appends written to the file, and those an fsync has covered
        self._file = AppendedFile(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.index = RecordIndex.open(path, damaged=_DAMAGED)
        self.torn_lines = self.index.torn_lines
        self._size = path.stat().st_size if path.exists() else 0

    def __contains__(self, key: str) -> bool:
        return key in self.index.entries

    def entry(self, key: str) -> Entry | None:
        """Where the latest record of `key` is, its stage and status (no disk read)."""
        return self.index.entries.get(key)

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self.index.entries.get(key)
        return None if entry is None else read_record(self.path, entry)

    def append(self, record: dict[str, Any]) -> None:
        """Append `record` durably (on disk when this returns); a credential in a URL in its error text is masked
        first."""
        self.append_many([record])

    def append_many(self, records: list[dict[str, Any]]) -> None:
        """Append `records` in order, durably, under one fsync."""
        lines = [(masked, (json.dumps(masked, ensure_ascii=False) + "\n").encode("utf-8"))
                 for masked in map(_masked, records)]
        with self._lock:
            self._file.append(*(data for _, data in lines))
            for record, data in lines:  # indexed once its bytes are in the file
                self.index.add(str(record["key"]), Entry.of(record, self._size, len(data)))
                self._size += len(data)
            self.appended += len(lines)
            self._written += 1
            ticket = self._written
        self._sync(ticket)

    def close(self) -> None:
        """Close the record's file (a later append opens it again)."""
        with self._lock:
            self._file.close()
            self.index.close()

    def _sync(self, ticket: int) -> None:
        """Return once an fsync has covered append number `ticket`. One fsync runs at a time, outside the append
        lock, and covers every append written before it began (group commit): writers do not queue one each."""
        with self._synced_changed:
            while self._synced < ticket:
                if not self._syncing:
                    self._syncing = True
                    break
                self._synced_changed.wait()
            else:
                return
        synced = 0  # stays 0 when the fsync fails: the waiting writers then try it themselves
        try:
            with self._lock:
                covered = self._written
            descriptor = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(descriptor)  # flushes the file's data whichever descriptor names it
            finally:
                os.close(descriptor)
            synced = covered
        finally:
            with self._synced_changed:
                self._syncing = False
                self._synced = max(self._synced, synced)
                self._synced_changed.notify_all()

    def records(self, stage: str | None = None, keys: Collection[str] | None = None,
                status: str | None = None) -> list[dict[str, Any]]:
        """The latest record of every key (of `keys` only, when given; of a stage, a status), in the order keys
        first appeared."""
        return list(self.iter_records(stage, keys, status))

    def iter_records(self, stage: str | None = None, keys: Collection[str] | None = None,
                     status: str | None = None) -> Iterator[dict[str, Any]]:
        """`records`, read from disk one at a time."""
        with self._lock:
            chosen = [entry for key, entry in self.index.entries.items()
                      if (stage is None or entry.stage == stage) and (status is None or entry.status == status)
                      and (keys is None or key in keys)]
        with self.path.open("rb") as handle:  # one open for all: a run's export reads every record
            for entry in chosen:
                yield read_record(self.path, entry, handle)


def read_record(path: Path, entry: Entry, handle: BinaryIO | None = None) -> dict[str, Any]:
    """The record `entry` points at in the run record `path` (read through `handle`, an open `path`, if given)."""
    with path.open("rb") if handle is None else nullcontext(handle) as source:
        source.seek(entry.offset)
        raw = source.read(entry.length)
    try:
        return json.loads(raw)
    except ValueError as error:
        raise RnrError(f"{path}: the record at byte {entry.offset} does not read back ({error}); {_DAMAGED}") from error


def _masked(record: dict[str, Any]) -> dict[str, Any]:
    if isinstance(record.get("error"), str):
        return {**record, "error": mask_credentials(record["error"])}
    return record
