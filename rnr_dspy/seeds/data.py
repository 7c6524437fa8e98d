"""Seed instructions: load IFT data from files or the Hugging Face hub, and group it by theme.

Alpaca-shaped rows (`instruction`, `input`, `output`) and messages-shaped rows (`messages`: a list of
`{"role", "content"}` or ShareGPT `{"from", "value"}` turns) are recognised; other column names are mapped
with `SeedColumns`. Bad rows never stop a load: each becomes a `SeedProblem` with its file and line.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rnr_dspy.errors import SeedError
from rnr_dspy.seeds.files import FORMATS, file_rows

__all__ = ["SHIPPED_SEEDS", "Seed", "SeedColumns", "SeedProblem", "SeedSet", "group_seeds", "load_seeds"]

SHIPPED_SEEDS = "shipped"


class Seed(BaseModel):
    id: str
    instruction: str
    input: str = ""
    output: str = ""
    theme: str | None = None

    @property
    def prompt(self) -> str:
        """The user turn: the instruction, then its input passage if any."""
        return f"{self.instruction}\n\n{self.input}" if self.input else self.instruction


class SeedColumns(BaseModel):
    """Which columns hold what. Unset fields are detected (Alpaca, then messages shape)."""

    model_config = ConfigDict(extra="forbid")

    instruction: str | None = Field(None, description="Column of the instruction (Alpaca shape).")
    input: str | None = Field(None, description="Column of the instruction's input passage.")
    output: str | None = Field(None, description="Column of the reference answer.")
    messages: str | None = Field(None, description="Column of a list of chat turns (messages shape).")
    id: str | None = Field(None, description="Column of the seed's id (default: a hash of its text).")
    theme: str | None = Field(None, description="Column of the seed's theme (groups seeds; default: domain or "
                              "category).")


class SeedProblem(BaseModel):
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SeedSet(BaseModel):
    """The seeds loaded, and every row that was not used and why (`problems`, in file order)."""

    seeds: list[Seed]
    problems: list[SeedProblem] = []
    source: str


def load_seeds(source: str | Path = SHIPPED_SEEDS, *, columns: SeedColumns | None = None, split: str = "train",
               limit: int | None = None) -> SeedSet:
    """Load seed instructions from the shipped set, a JSONL/JSON/CSV/parquet file, or a hub dataset id.

    Raises `SeedError` when the source cannot be read, has no instruction column, or yields no seed.
    """
    columns = columns or SeedColumns()
    problems: list[SeedProblem] = []
    seeds: list[Seed] = []
    label = str(source)
    for where, row in _rows(source, split, problems):
        if limit is not None and len(seeds) >= limit:
            break
        seed = _seed_from_row(row, columns, where, problems)
        if seed is not None:
            seeds.append(seed)
    if not seeds:
        detail = "; ".join(str(p) for p in problems[:3])
        count = f"{len(problems)} problem(s), the first: " if len(problems) > 3 else ""
        raise SeedError(f"no usable seed instruction in {label}" + (f" ({count}{detail})" if detail else ""))
    return SeedSet(seeds=seeds, problems=problems, source=label)


def group_seeds(seeds: list[Seed], k: int, *, shuffle_seed: int = 0) -> list[list[Seed]]:
    """Groups of up to `k` seeds sharing a theme (seeds without one are grouped in order of appearance)."""
    if k < 1:
        raise SeedError(f"group size k must be at least 1, got {k}")
    by_theme: dict[str | None, list[Seed]] = defaultdict(list)
    for seed in seeds:
        by_theme[seed.theme].append(seed)
    rng = random.Random(shuffle_seed)
    groups = []
    for members in by_theme.values():
        rng.shuffle(members)
        groups += [members[i : i + k] for i in range(0, len(members), k)]
    rng.shuffle(groups)
    return groups


def _rows(source: str | Path, split: str, problems: list[SeedProblem]) -> Iterator[tuple[str, dict[str, Any]]]:
    def problem(where: str, message: str) -> None:
        problems.append(SeedProblem(where=where, message=message))

    if str(source) == SHIPPED_SEEDS:
        shipped = resources.files("rnr_dspy") / "seeds" / "instructions.jsonl"
        with resources.as_file(shipped) as path:
            yield from file_rows(path, problem)
        return
    path = Path(source).expanduser()
    if path.is_dir():
        raise SeedError(f"{path} is a directory, not a seed file: give one file ({', '.join(FORMATS)}) or a hub "
                        "dataset id")
    if path.suffix.lower() in FORMATS or path.exists():
        if not path.is_file():
            raise SeedError(f"seed file not found: {path}")
        yield from file_rows(path, problem)
        return
    yield from _hub_rows(str(source), split)


def _hub_rows(dataset_id: str, split: str) -> Iterator[tuple[str, dict[str, Any]]]:
    import datasets

    try:
        dataset = datasets.load_dataset(dataset_id, split=split)
    except Exception as error:  # the hub client raises many unrelated types
        raise SeedError(f"cannot load seeds {dataset_id!r}: not a local file, and the hub said: {error}") from error
    yield from ((f"{dataset_id}[{i}]", row) for i, row in enumerate(dataset))


def _seed_from_row(row: dict[str, Any], columns: SeedColumns, where: str,
                   problems: list[SeedProblem]) -> Seed | None:
    messages_column = columns.messages or _first_present(row, ("messages", "conversations"))
    instruction_column = columns.instruction or (
        None if columns.messages else _first_present(row, ("instruction", "prompt", "question"))
    )
    if instruction_column is not None and instruction_column in row:
        instruction = row[instruction_column]
        user_input = row.get(columns.input or "input") or row.get("context") or ""
        output = row.get(columns.output or "output") or row.get("response") or ""
    elif messages_column is not None and messages_column in row:
        instruction, output = _first_exchange(row[messages_column])
        user_input = ""
    else:
        problems.append(SeedProblem(where=where, message=(
            f"no instruction column; found columns {sorted(map(str, row))}. Map one with --columns.instruction NAME "
            "(Alpaca shape) or --columns.messages NAME (a list of chat turns)")))
        return None
    if instruction is not None and not isinstance(instruction, str):
        problems.append(SeedProblem(where=where, message=f"the instruction is not text "
                                    f"({type(instruction).__name__}); skipped"))
        return None
    if not instruction or not instruction.strip():
        problems.append(SeedProblem(where=where, message="empty instruction, skipped"))
        return None
    text, extra = instruction.strip(), str(user_input or "").strip()
    seed_id = row.get(columns.id or "id") or hashlib.sha256(f"{text}\n{extra}".encode()).hexdigest()[:12]
    theme = row.get(columns.theme) if columns.theme else row.get("domain") or row.get("category")
    return Seed(id=str(seed_id), instruction=text, input=extra, output=str(output or ""),
                theme=str(theme) if theme else None)


def _first_present(row: dict[str, Any], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in row), None)


def _first_exchange(turns: Any) -> tuple[str, str]:
    """The first user turn and the assistant turn after it, from OpenAI- or ShareGPT-style messages."""
    if not isinstance(turns, list):
        return "", ""
    texts = [(str(t.get("role", t.get("from", ""))), t.get("content", t.get("value", ""))) for t in turns
             if isinstance(t, dict)]
    for index, (role, text) in enumerate(texts):
        if role in ("user", "human"):
            reply = next((t for r, t in texts[index + 1 :] if r in ("assistant", "gpt")), "")
            return str(text or ""), str(reply or "")
    return "", ""
