"""The append-only record of a run (`generated.jsonl`): one JSON object per line, keyed by content hash.

A process killed mid-write leaves at most one torn last line; opening the store cuts it off (its work is redone),
so a resumed run neither loses nor duplicates a record. Later records with the same key supersede earlier ones
(a failed row generated again), and nothing is ever rewritten in place.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

from rnr_dspy.errors import RnrError
from rnr_dspy.jsonl import LineProblem, cut_torn_last_line, read_jsonl
from rnr_dspy.masking import mask_credentials

__all__ = ["RunStore"]

_DAMAGED = "the run record is damaged: move it aside to start over"


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.torn_lines = 0
        self._lock = threading.Lock()
        self._synced_changed = threading.Condition()
        self._syncing = False
        self._written = self._synced = 0  # appends written to the file, and those an fsync has covered
        self._records: dict[str, dict[str, Any]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._load()

    def _load(self) -> None:
        self.torn_lines = int(cut_torn_last_line(self.path))
        problems: list[LineProblem] = []
        for number, record in read_jsonl(self.path, problems):
            if problems:
                break
            if not isinstance(record.get("key"), str):
                raise RnrError(f"{self.path}:{number}: a record without a key; {_DAMAGED}")
            self._records[record["key"]] = record
        if problems:
            raise RnrError(f"{problems[0]}; {_DAMAGED}")

    def get(self, key: str) -> dict[str, Any] | None:
        return self._records.get(key)

    def append(self, record: dict[str, Any]) -> None:
        """Append `record` durably (on disk when this returns); a credential in a URL in its error text is masked
        first."""
        if isinstance(record.get("error"), str):
            record = {**record, "error": mask_credentials(record["error"])}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
            self._records[record["key"]] = record
            self._written += 1
            ticket = self._written
        self._sync(ticket)

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

    def records(self, stage: str | None = None, keys: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The latest record of every key (of `keys` only, when given), in the order keys first appeared."""
        with self._lock:
            return [r for r in self._records.values()
                    if (stage is None or r.get("stage") == stage) and (keys is None or r["key"] in keys)]

