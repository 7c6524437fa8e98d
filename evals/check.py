"""Checking conversations against the rules of their own system prompts: what `rnr-dspy check` runs.

The rules are read from each system prompt (`rnr_dspy.rules.reading`), so any conversation can be checked, not
only the project's: a team learns how often its model breaks its system prompt before (and after) training. With
a `model`, the model answers each system + user turn first, held to the rules by `FollowRules` when
`follow_rules` > 0.

Example:
    >>> report = check_conversations(CheckConfig(path="chats.jsonl"))  # doctest: +SKIP
    >>> report.checkable_pass_rate.value, [row.id for row in report.rows if not row.passed]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field

from rnr_dspy.errors import RnrError
from rnr_dspy.evals.conversations import Conversation, read_conversations
from rnr_dspy.evals.metrics import Metric, mean_metric, ratio_metric
from rnr_dspy.models.settings import LMSettings
from rnr_dspy.rules import Rule, RuleVerdict, decidable, decide, tally
from rnr_dspy.rules.reading import read_system_prompt
from rnr_dspy.runtime.masking import mask_credentials
from rnr_dspy.runtime.progress import Progress, ProgressEvent

__all__ = ["CheckConfig", "CheckReport", "RowCheck", "check_conversations"]


class CheckConfig(LMSettings):
    """The conversations to check, the model that answers them (if any) and the judge; the connection to served
    models is `LMSettings`."""

    path: Path = Field(description="JSONL of conversations (messages, or system/user/assistant fields).")
    model: str | None = Field(None, description="A model to answer each system + user turn (its answers are "
                              "checked instead of the file's).")
    follow_rules: int = Field(0, ge=0, le=16, description="Hold the model's answers to the rules with FollowRules: "
                              "up to N answers each (0: the model's own answer).")
    judge_lm: str | None = Field(None, description="Judge LM for rules no checker reads (unset: they stay unknown).")
    max_tokens: int = Field(512, ge=1, description="Longest answer of the model, in tokens.")
    concurrency: int = Field(4, ge=1, le=256, description="Conversations answered at once.")


class RowCheck(BaseModel):
    """One conversation: the rules read from its system prompt and each rule's verdict on the answer."""

    id: str
    line: int
    role: str
    response: str
    rules: list[Rule]
    verdicts: list[RuleVerdict]
    attempts: int = 1
    repaired: bool = False
    error: str | None = None

    @property
    def checkable(self) -> list[RuleVerdict]:
        return [verdict for verdict in self.verdicts if verdict.method == "check"]

    @property
    def passed(self) -> bool | None:
        """Whether every checkable rule was followed; None when no rule of the prompt is checkable."""
        checked = tally(self.checkable)
        return checked.passed if checked.total else None


class CheckReport(BaseModel):
    source: str
    model: str | None = None
    rows: list[RowCheck] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    checkable_pass_rate: Metric
    checkable_adherence: Metric
    adherence: Metric = Field(description="Over every rule; an unknown verdict counts against it.")


Answer = Callable[[Conversation], RowCheck]


def _row(conversation: Conversation, rules: list[Rule], response: str, verdicts: list[RuleVerdict],
         **extra: object) -> RowCheck:
    role = read_system_prompt(conversation.system).role
    return RowCheck(id=conversation.id, line=conversation.line, role=role, response=response, rules=rules,
                    verdicts=verdicts, **extra)  # type: ignore[arg-type]


def _check_written(judge: Callable[..., list[RuleVerdict]] | None) -> Answer:
    def check(conversation: Conversation) -> RowCheck:
        rules = decidable(read_system_prompt(conversation.system).rules, conversation.turn_type)
        response = conversation.assistant or ""
        verdicts = (judge(conversation, rules, response) if judge else
                    decide(rules, response, turn_type=conversation.turn_type))
        return _row(conversation, rules, response, verdicts)

    return check


def _answer_with_model(config: CheckConfig, judge_lm: object) -> Answer:
    from rnr_dspy.evals.solvers import make_generator
    from rnr_dspy.program.follow_hint import ask_with_hint
    from rnr_dspy.program.follow_rules import FollowRules

    # The eval's LM generator: a GGUF engine sized to decode the concurrent conversations together.
    generator = make_generator(config.model or "embedded", backend="lm", batch_size=config.concurrency,
                               max_tokens=config.max_tokens, api_base=config.api_base,
                               api_key=config.api_key_value, timeout=config.request_timeout,
                               num_retries=config.num_retries, engine_threads=config.engine_threads)
    follow = FollowRules(generator.lm, attempts=max(1, config.follow_rules), judge_lm=judge_lm)  # type: ignore[arg-type]
    written = _check_written(_judge(judge_lm) if judge_lm else None)

    def answer(conversation: Conversation) -> RowCheck:
        try:
            if config.follow_rules == 0:  # (the engine lives as long as its generator, held here)
                text = ask_with_hint(generator.lm, conversation.system, conversation.user, None, None,
                                     output_field="response", lm_updates={})
                return written(conversation.model_copy(update={"assistant": text}))
            prediction = follow(system_prompt=conversation.system, user=conversation.user,
                                turn_type=conversation.turn_type)
        except Exception as error:  # one failed answer is that row's error, never the end of the check
            return _row(conversation, [], "", [], error=mask_credentials(f"{type(error).__name__}: {error}"))
        return _row(conversation, prediction.rules, prediction.response, prediction.verdicts,
                    attempts=prediction.attempts, repaired=prediction.repaired)

    return answer


def _judge(judge_lm: object) -> Callable[..., list[RuleVerdict]]:
    from rnr_dspy.program.modules import RuleJudge

    judge = RuleJudge(judge_lm=judge_lm)  # type: ignore[arg-type]

    def verdicts(conversation: Conversation, rules: list[Rule], response: str) -> list[RuleVerdict]:
        return judge(system_prompt=conversation.system, user=conversation.user, response=response, rules=rules,
                     turn_type=conversation.turn_type).verdicts

    return verdicts


def check_conversations(config: CheckConfig, progress: Progress | None = None) -> CheckReport:
    """Read, answer (with a model) and check every conversation of `config.path`; progress in the phase "check".
    Raises `RnrError` when the file cannot be read or holds no conversation."""
    problems: list[str] = []
    try:
        conversations = read_conversations(config.path, answered=config.model is None, problems=problems)
    except OSError as error:
        raise RnrError(f"cannot read {config.path}: {error.strerror or error}") from error
    if not conversations:
        raise RnrError(f"{config.path}: no conversation to check" + (f" ({problems[0]})" if problems else ""))
    judge_lm = None
    if config.judge_lm:
        from rnr_dspy.models.lm import make_lm

        judge_lm = make_lm(config.judge_lm, **config.lm_kwargs(cache=False))
    answer = (_answer_with_model(config, judge_lm) if config.model else
              _check_written(_judge(judge_lm) if judge_lm else None))
    rows: list[RowCheck] = []
    with ThreadPoolExecutor(config.concurrency if config.model else 1) as pool:
        for row in pool.map(answer, conversations):
            rows.append(row)
            if progress:
                progress(ProgressEvent(phase="check", done=len(rows), total=len(conversations)))
    return _report(config, rows, problems)


def _report(config: CheckConfig, rows: list[RowCheck], problems: list[str]) -> CheckReport:
    checkable = [tally(row.checkable) for row in rows]
    return CheckReport(
        source=str(config.path), model=config.model, rows=rows, problems=problems,
        checkable_pass_rate=mean_metric([row.passed for row in rows]),
        checkable_adherence=ratio_metric([(count.followed, count.total) for count in checkable]),
        adherence=ratio_metric([(tally(row.verdicts).followed, len(row.verdicts)) for row in rows]))
