"""Training rows from `rnr-dspy generate` output: read, validate, mix with IFT rows, count what was left out.

SFT rows are TRL's conversational format (`{"messages": [...]}`) and are trained as prompt/completion pairs: the
prompt is every turn before the last assistant turn, the completion that turn, so the loss covers the assistant's
tokens only. DPO rows are TRL's conversational preference format (`prompt`, `chosen`, `rejected`). GRPO rows are
prompts with the rules their completions are rewarded on (`prompt`, `rules`, `turn_type`). Extra keys
(provenance) are ignored. A bad row never stops a load: it is skipped and counted with its file and line.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rnr_dspy.errors import RnrError
from rnr_dspy.runtime.jsonl import LineProblem, read_jsonl

__all__ = ["DataError", "DataSet", "load_dpo_rows", "load_prompt_rows", "load_sft_rows", "mix_ift", "resolve_files"]

_ROLES = frozenset({"system", "user", "assistant"})
_MAX_PROBLEMS_KEPT = 20


class DataError(RnrError):
    """Training data cannot be read or has no usable row."""


class DataSet(BaseModel):
    """Rows ready for a TRL trainer, and an account of the rows that were not used."""

    rows: list[dict[str, Any]] = []
    row_sources: list[str] = []
    skipped: Counter[str] = Counter()
    problems: list[str] = []
    too_long: int = 0

    def add(self, row: dict[str, Any], source: str) -> None:
        self.rows.append(row)
        self.row_sources.append(source)

    def keep(self, wanted: list[bool]) -> None:
        """Keep the rows whose flag is true."""
        pairs = [pair for pair, keep in zip(zip(self.rows, self.row_sources, strict=True), wanted, strict=True)
                 if keep]
        self.rows, self.row_sources = [row for row, _ in pairs], [source for _, source in pairs]

    def sample(self, count: int, seed: int, reason: str) -> None:
        """Keep `count` rows drawn at random (seeded, in their order) and count the others under `reason`."""
        if count >= len(self.rows):
            return
        chosen = set(random.Random(seed).sample(range(len(self.rows)), count))
        self.skipped[reason] += len(self.rows) - count
        self.keep([index in chosen for index in range(len(self.rows))])

    def counts(self) -> dict[str, int]:
        """Rows per source file."""
        return dict(Counter(self.row_sources))

    def skip(self, where: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.problems) < _MAX_PROBLEMS_KEPT:
            self.problems.append(f"{where}: {reason}")


def resolve_files(paths: list[Path], name: str) -> list[Path]:
    """The JSONL files behind `--data` for `name` (`sft.jsonl` or `dpo.jsonl`).

    A run directory contributes `data/<name>`. A file given itself goes where its first row belongs: preference
    rows (with `chosen`) to DPO, anything else to SFT (where a malformed file's problems are reported).
    """
    files = []
    for path in paths:
        if path.is_dir():
            candidate = path / "data" / name
            if not candidate.is_file():
                raise DataError(f"{path} is a directory without data/{name} (expected a `rnr-dspy generate` run)")
            files.append(candidate)
        elif path.is_file():
            if _holds_preferences(path) == (name == "dpo.jsonl"):
                files.append(path)
        else:
            raise DataError(f"training data not found: {path}")
    if not files:
        kind = "preference rows (prompt, chosen, rejected)" if name == "dpo.jsonl" else "SFT rows (messages)"
        raise DataError(f"none of {', '.join(map(str, paths))} holds {kind}")
    return files


def _holds_preferences(path: Path) -> bool:
    try:
        first = next(read_jsonl(path, []), None)
    except OSError:
        return False
    return first is not None and "chosen" in first[1]


def load_sft_rows(files: list[Path], methods: Collection[str] | None = None) -> DataSet:
    """Prompt/completion rows from conversational SFT files; with `methods`, a generated row (one with a `method`)
    only if its method is one of them."""
    data = DataSet()
    for source, where, row in _jsonl(files, data):
        pair = _prompt_completion(row.get("messages"))
        if methods is not None and row.get("method") not in (None, *methods):
            data.skipped[f"{row['method']} rows (not in sft_rows)"] += 1
        elif isinstance(pair, str):
            data.skip(where, pair)
        else:
            data.add(pair, source)
    return data


def load_dpo_rows(files: list[Path]) -> DataSet:
    """Preference rows (`prompt`, `chosen`, `rejected`, each a list of turns) from DPO files."""
    data = DataSet()
    for source, where, row in _jsonl(files, data):
        turns: dict[str, Any] = {key: row.get(key) for key in ("prompt", "chosen", "rejected")}
        problem = next((f"{key}: {p}" for key, value in turns.items() if (p := _turns_problem(value))), None)
        if problem is None and turns["chosen"][-1]["role"] != "assistant":
            problem = "chosen does not end with an assistant turn"
        if problem is None and turns["rejected"][-1]["role"] != "assistant":
            problem = "rejected does not end with an assistant turn"
        if problem is not None:
            data.skip(where, problem)
        else:
            data.add({key: _clean(value) for key, value in turns.items()}, source)
    return data


def load_prompt_rows(paths: list[Path]) -> DataSet:
    """GRPO rows: every answered prompt of `rnr-dspy generate` runs (their `generated.jsonl`), or JSONL files of
    `{"prompt": [system, user], "rules": [...], "turn_type": ...}`. The rules travel as JSON text: their checks'
    parameters differ from row to row, which a column of the dataset cannot hold."""
    from rnr_dspy.rules import TURN_TYPES, Rule

    files = [path / "generated.jsonl" if path.is_dir() else path for path in paths]
    data = DataSet()
    for source, where, row in _jsonl([file for file in files if file.is_file()], data):
        if row.get("stage", "prompt") != "prompt" or row.get("status") == "error":
            continue
        prompt = row.get("prompt") or [{"role": "system", "content": row.get("system_prompt")},
                                       {"role": "user", "content": row.get("user")}]
        try:
            rules = [Rule.model_validate(rule) for rule in row.get("rules") or []]
        except ValueError as error:
            data.skip(where, f"rules: {str(error).splitlines()[0]}")
            continue
        problem = _turns_problem(prompt) or (None if rules else "no rules") or (
            None if row.get("turn_type") in TURN_TYPES else f"turn_type must be one of {', '.join(TURN_TYPES)}")
        if problem:
            data.skip(where, problem)
        else:
            data.add({"prompt": _clean(prompt), "turn_type": row["turn_type"],
                      "rules": json.dumps([rule.model_dump(mode="json") for rule in rules])}, source)
    missing = [str(file) for file in files if not file.is_file()]
    if missing:
        raise DataError(f"no prompts to train on: {', '.join(missing)} not found (expected `rnr-dspy generate` run "
                        "directories or JSONL files of prompts with rules)")
    return data


def mix_ift(data: DataSet, source: str, ratio: float, seed: int) -> int:
    """Add about `ratio` IFT rows per RNR row from `source`, sampled without replacement; returns how many."""
    from rnr_dspy.errors import SeedError
    from rnr_dspy.seeds.data import load_seeds

    try:
        seeds = load_seeds(source)
    except SeedError as error:
        raise DataError(f"--ift-data: {error}") from error
    for problem in seeds.problems:
        data.skip(problem.where, f"IFT row: {problem.message}")
    usable = [seed for seed in seeds.seeds if seed.output.strip()]
    if len(usable) < len(seeds.seeds):
        data.skipped["IFT row without an output"] += len(seeds.seeds) - len(usable)
    wanted = min(len(usable), round(ratio * len(data.rows)))
    chosen = random.Random(seed).sample(usable, wanted)
    for seed_row in chosen:
        data.add({"prompt": [{"role": "user", "content": seed_row.prompt}],
                  "completion": [{"role": "assistant", "content": seed_row.output}]}, source)
    return wanted


def _jsonl(files: list[Path], data: DataSet) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in files:
        bad: list[LineProblem] = []
        try:
            for number, row in read_jsonl(path, bad):
                _skip_bad_lines(bad, data)
                yield str(path), f"{path}:{number}", row
        except OSError as error:
            raise DataError(f"cannot read {path}: {error}") from error
        _skip_bad_lines(bad, data)


def _skip_bad_lines(bad: list[LineProblem], data: DataSet) -> None:
    for problem in bad:
        data.skip(problem.where, problem.reason)
    bad.clear()


def _prompt_completion(messages: Any) -> dict[str, Any] | str:
    problem = _turns_problem(messages)
    if problem:
        return f"messages: {problem}"
    last = max((i for i, turn in enumerate(messages) if turn["role"] == "assistant"), default=None)
    if last is None:
        return "no assistant turn"
    if last != len(messages) - 1:
        return "turns after the last assistant turn"
    if last == 0 or not messages[last]["content"].strip():
        return "no prompt before the assistant turn" if last == 0 else "empty assistant turn"
    turns = _clean(messages)
    return {"prompt": turns[:last], "completion": [turns[last]]}


def _turns_problem(turns: Any) -> str | None:
    if not isinstance(turns, list) or not turns:
        return "expected a non-empty list of turns"
    for turn in turns:
        if not isinstance(turn, dict) or turn.get("role") not in _ROLES or not isinstance(turn.get("content"), str):
            return f"each turn needs a role ({', '.join(sorted(_ROLES))}) and string content"
    return None


def _clean(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"role": turn["role"], "content": turn["content"]} for turn in turns]
