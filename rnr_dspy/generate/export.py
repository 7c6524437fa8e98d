"""The datasets of a run, rebuilt from its record: `data/sft.jsonl` (TRL conversational), `data/dpo.jsonl` (TRL
preference), a `datasets` copy (`data/hf/`) and a dataset card (`data/README.md`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnr_dspy.generate.card import dataset_card
from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.records import PromptRecord
from rnr_dspy.generate.store import RunStore
from rnr_dspy.rules import TURN_TYPES
from rnr_dspy.rules.census import rule_census
from rnr_dspy.runtime.atomic import write_lines, write_text
from rnr_dspy.runtime.masking import mask_credentials

__all__ = ["write_datasets"]

_CARD_PROBLEMS = 10


def write_datasets(store: RunStore, data_dir: Path, config: GenerateConfig, seed_report: dict[str, Any],
                   push_to_hub: str | None = None, keys: Collection[str] | None = None) -> dict[str, Any]:
    """The datasets and counts of the records under `keys` (default: every record): the records this run's flow
    reached, so that records it left behind (turns composed while the LM's turns failed) drop out."""
    prompts = _in_program_order(store, [PromptRecord.model_validate(record)
                                        for record in store.records("prompt", keys)], keys)
    sft = [row for record in prompts for row in record.to_messages()]
    dpo = [pair for record in prompts if (pair := record.to_preference()) is not None]
    data_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(data_dir / "sft.jsonl", sft)
    _write_jsonl(data_dir / "dpo.jsonl", dpo)
    counts = _counts(store, prompts, sft, dpo, keys)
    splits = _save_hf(data_dir / "hf", {"sft": sft, "dpo": dpo})
    card = dataset_card(counts, seed_report, config, prompts, sft)
    write_text(data_dir / "README.md", mask_credentials(str(card)))
    if push_to_hub is not None:
        # An empty split is not pushed (the Hub cannot hold a dataset without rows), nor named in the card.
        pushed = {name: dataset for name, dataset in splits.items() if dataset.num_rows}
        _push(push_to_hub, pushed, dataset_card(counts, seed_report, config, prompts, sft, hub=list(pushed)))
    return counts


def _in_program_order(store: RunStore, prompts: list[PromptRecord],
                      keys: Collection[str] | None = None) -> list[PromptRecord]:
    """The records in the order the program asked the prompts: by group (where its system prompt is in the run),
    then its instructions in order, then its generated turns. A group's prompts are answered concurrently, so
    they are stored in the order they finished."""
    groups = {record["key"]: (place, record.get("instructions") or [])
              for place, record in enumerate(store.records("system", keys))}

    def place(record: PromptRecord) -> tuple[int, int]:
        group, instructions = groups.get(record.system_key, (len(groups), []))
        if record.user in instructions:
            return group, instructions.index(record.user)
        return group, len(instructions) + TURN_TYPES.index(record.turn_type)

    return sorted(prompts, key=place)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """One JSON line per row, written row by row, renamed into place."""
    write_lines(path, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def _counts(store: RunStore, prompts: list[PromptRecord], sft: list[dict[str, Any]],
            dpo: list[dict[str, Any]], keys: Collection[str] | None = None) -> dict[str, Any]:
    status = Counter(record.status for record in prompts)
    # Each row's rules, found by its system prompt: the prompt's own, or a hindsight attempt's.
    rules_of = {record.system_prompt: record.rules for record in prompts} | {
        attempt.system_prompt: attempt.rules for record in prompts for attempt in record.attempts if attempt.rules}
    judged = status["passed"] + status["failed"]
    as_written = sum((chosen := record.chosen()) is not None and chosen.method == "sampled" for record in prompts)
    failed_stages = sum(r["stage"] != "prompt" for r in store.records(keys=keys, status="error"))
    return {
        "prompts": len(prompts), "judged": judged, "passed": status["passed"], "failed": status["failed"],
        "errors": status["error"] + failed_stages,
        # Repaired rows count as passed (they follow every rule of the real system prompt), but apart from those
        # that passed as written; hindsight rows pass under rules of their own and count in neither.
        "pass_rate": round(status["passed"] / judged, 4) if judged else None,
        "passed_as_written": as_written,
        "pass_rate_as_written": round(as_written / judged, 4) if judged else None,
        "rejected_by_quality_gate": sum(bool(a.problems) for record in prompts for a in record.attempts),
        "cut_off_tails_dropped": sum(a.dropped_tail is not None for record in prompts for a in record.attempts),
        "sft_rows": len(sft), "dpo_pairs": len(dpo),
        "rows_by_method": dict(Counter(row["method"] for row in sft)),
        "rows_by_turn_type": dict(Counter(row["turn_type"] for row in sft)),
        "rule_kinds": dict(Counter(kind for row in sft for kind in row["rule_kinds"])),
        "attempts": sum(len(record.attempts) for record in prompts),
        **rule_census(rules_of.get(row["messages"][0]["content"], []) for row in sft),
    }


def _save_hf(directory: Path, splits: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    import datasets

    saved = {name: datasets.Dataset.from_list(rows) for name, rows in splits.items()}
    with _quiet_datasets():
        for name, dataset in saved.items():
            dataset.save_to_disk(str(directory / name))
    return saved


def _push(repo: str, splits: dict[str, Any], card: Any) -> None:
    """Each dataset as a config of `repo` (`sft`, `dpo`), then the card: last, so that it is the README."""
    with _quiet_datasets():
        for name, dataset in splits.items():
            dataset.push_to_hub(repo, config_name=name)
    card.push_to_hub(repo, repo_type="dataset")


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    from datasets.utils import logging as datasets_logging

    shown = datasets_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()  # the library reports through its caller, never on the console
    try:
        yield
    finally:
        if shown:
            datasets_logging.enable_progress_bar()
