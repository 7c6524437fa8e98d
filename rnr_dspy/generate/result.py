"""`GenerateResult`: what `run_generate` did; `generate_report.json` is its JSON dump."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["GenerateResult"]


class GenerateResult(BaseModel):
    # Counts the export adds (judged, pass rates as written, quality-gate rejections, …) are kept as they come.
    model_config = ConfigDict(extra="allow")

    prompts: int
    passed: int
    failed: int
    errors: int
    """Rows and stages recorded as failed with an error (a timeout, a refused request, a reply that did not
    parse), among the records this run reached."""
    missing_rows: int = 0
    """Prompts the run set out to answer and did not (failed, or in a group whose system prompt failed): a run
    with any is not finished."""
    planned_rows: int = 0
    needs_retry_failed: int = 0
    """Failed rows and stages a plain rerun leaves as they are (a reply that did not parse, a refused request):
    only `retry_failed` generates them again. The rest (connection errors, timeouts, 429, 5xx) a rerun retries."""
    pass_rate: float | None
    sft_rows: int
    dpo_pairs: int
    rows_by_method: dict[str, int]
    rows_by_turn_type: dict[str, int]
    rule_kinds: dict[str, int]
    rule_types: dict[str, int] = {}
    """Rule types (checker names) of the SFT rows' rules, with counts."""
    rule_wordings: dict[str, int] = {}
    judge_only_rules: int = 0
    attempts: int
    first_errors: list[str] = []
    """The first few recorded errors, as `stage: error`."""
    parse: dict[str, dict[str, Any]] = {}
    """Per stage (signature) of this run: LM replies, how many did not parse, and the first such failures."""
    seeds: dict[str, Any]
    torn_lines_dropped: int
    this_run: dict[str, Any]
    """This run's LM calls, tokens, cost and wall time (earlier runs of the directory are in `usage.json`)."""
    lm: str
    judge_lm: str
    program: str
    config: dict[str, Any]
    notes: list[str] = []
    """Defaults the run took because its teacher is weak."""
