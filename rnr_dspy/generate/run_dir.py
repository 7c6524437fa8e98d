"""One run directory holds one run: the data of one configuration, written by one process at a time.

A run records the settings that determine its data in `run_settings.json` when it starts (the teacher, judge and
program, the seeds and their grouping, rule and sampling settings; never thread counts, paths, endpoints or keys).
A later run into the same directory with the same settings resumes it; with other settings it is refused, since its
rows would mix with the earlier ones under one dataset card, unless `force_new` moves the earlier run aside into
`replaced-<time>/` first. A directory whose record is still empty may be reused with any settings.

While a run writes, it holds an exclusive lock on `.lock` (`fcntl.flock`): a second run into the directory fails at
once and names the process holding it. The kernel drops the lock when its process ends however it ends, so a run
killed with `kill -9` leaves nothing that blocks the next one.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnr_dspy.errors import RnrError
from rnr_dspy.generate.config import LEGACY_ANSWER_KEYS, GenerateConfig
from rnr_dspy.seeds.data import SHIPPED_SEEDS

__all__ = ["RunDirError", "claim_run_dir", "data_settings"]

SETTINGS_FILE = "run_settings.json"
LOCK_FILE = ".lock"
RECORD_FILE = "generated.jsonl"

# Settings that change how a run goes, never what it generates. Any other setting, including one added later,
# counts as determining the data: a run is refused rather than mixed.
NOT_DATA = frozenset({"out", "api_base", "api_key", "num_threads", "workers", "engine_batch", "retry_failed",
                      "push_to_hub", "force_new", "request_timeout", "num_retries", "accept_program_settings",
                      "structured_output", "max_in_flight"})


# Named as a flag and as a setting: a recipe's generate stage takes settings, not flags.
_FORCE_NEW = "--force-new (force_new: true in a config file or a recipe's generate section)"


class RunDirError(RnrError):
    """The run directory cannot be used by this run (another run holds it, or it holds a run of other settings)."""


@contextmanager
def claim_run_dir(config: GenerateConfig) -> Iterator[None]:
    """Hold `config.out` for this run: locked against a second run, and holding this configuration's data only."""
    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        _check_settings(out, data_settings(config), force_new=config.force_new)
        yield


def data_settings(config: GenerateConfig) -> dict[str, Any]:
    """What determines a run's data: its settings, with the seed and program files as hashes of their content."""
    settings = config.model_dump(mode="json", exclude=set(NOT_DATA) | {"answer"})
    # The answer settings under the flat names runs recorded before they were `answer.*`: those runs resume.
    answer = config.answer.model_dump(mode="json")
    settings |= {legacy: answer[name] for legacy, name in LEGACY_ANSWER_KEYS.items()}
    if answer["seed"] != config.seed:
        settings["answer_seed"] = answer["seed"]
    settings |= {f"answer.{name}": value for name, value in config.answer_settings_added().items()}
    settings["seeds"] = _source_hash(config.seeds)
    if config.program is not None:
        settings["program"] = _file_hash(config.program)
    return settings


def _source_hash(seeds: str) -> str:
    if seeds == SHIPPED_SEEDS:
        from importlib import resources

        return _file_hash(Path(str(resources.files("rnr_dspy") / "seeds" / "instructions.jsonl")))
    path = Path(seeds).expanduser()
    return _file_hash(path) if path.is_file() else seeds  # a hub dataset id, or a path the seed loader will reject


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return str(path)  # the stage reports the unreadable file itself
    return f"sha256:{digest.hexdigest()[:20]}"


def _check_settings(out: Path, settings: dict[str, Any], *, force_new: bool) -> None:
    path = out / SETTINGS_FILE
    record = out / RECORD_FILE
    has_rows = record.is_file() and record.stat().st_size > 0
    if has_rows and path.is_file():
        try:
            earlier = json.loads(path.read_text(encoding="utf-8"))["settings"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RunDirError(f"{path}: unreadable ({error}); it records which settings made the run in {out}: "
                              f"restore it, or pass {_FORCE_NEW} to move that run aside and start over") from error
        changed = _differences(earlier, settings)
        if changed and not force_new:
            raise RunDirError(
                f"{out} holds a run made with other settings ({'; '.join(changed)}); its rows would mix with this "
                f"run's. Use a new --out, or {_FORCE_NEW} to move that run aside into {out}/replaced-<time>/ and start "
                "over")
        if changed:
            _move_aside(out)
    # A run made before settings were recorded is adopted by the first run that resumes it.
    _write_json(path, {"settings": settings})


def _differences(earlier: dict[str, Any], now: dict[str, Any]) -> list[str]:
    return [f"{name}: {earlier.get(name, '(unset)')!r} -> {now.get(name, '(unset)')!r}"
            for name in sorted(set(earlier) | set(now)) if earlier.get(name) != now.get(name)]


def _move_aside(out: Path) -> None:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    aside = out / f"replaced-{stamp}"
    aside.mkdir()
    for entry in sorted(out.iterdir()):
        if entry.name != LOCK_FILE and not entry.name.startswith("replaced-"):
            entry.rename(aside / entry.name)


def _write_json(path: Path, value: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    path = out / LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunDirError(f"{out} is in use by another run (process {holder}); wait for it to finish, or use "
                              "another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
