"""`rnr-dspy check`: how often answers break the rules of their own system prompts; a CI gate for prompt changes.

    rnr-dspy check chats.jsonl --fail-under 0.9
    rnr-dspy check prompts.jsonl --model embedded --follow-rules 2 --json
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli.common import err, fail, guarded, out, say, usage_error
from rnr_dspy.cli.display import ProgressDisplay, describe_stats

_SHOWN = 20  # broken rows listed on the console (all of them are in --json)


def check_command(
    path: Annotated[Path, typer.Argument(help="JSONL of conversations: messages (system, user, assistant) or "
                                         "system/user/assistant fields; with --model, the assistant turn is not "
                                         "needed.", exists=True, dir_okay=False)],
    model: Annotated[str | None, typer.Option(help="A model that answers each system + user turn: embedded, "
                                              "local:PATH or provider/model.")] = None,
    follow_rules: Annotated[int, typer.Option(min=0, max=16, help="Hold the model's answers to the rules with "
                                              "FollowRules, up to N answers each (0: its own answer).")] = 0,
    judge_lm: Annotated[str | None, typer.Option(help="Judge LM for rules no checker reads (unset: they stay "
                                                 "unknown).")] = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="Longest answer of the model, in tokens.")] = 512,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Conversations answered at once.")] = 4,
    api_base: Annotated[str | None, typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="RNR_DSPY_API_KEY", show_default=False,
                                                help="API key of the server (never written anywhere).")] = None,
    fail_under: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Exit 1 when the checkable pass rate "
                                                     "is below this (a CI gate).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON on stdout.")] = False,
) -> None:
    """Check each conversation's answer against the rules read from its own system prompt."""
    from rnr_dspy.evals.check import CheckConfig, check_conversations

    if follow_rules and model is None:
        usage_error("--follow-rules holds a model's answers to the rules: name the model with --model")
    config = CheckConfig(path=path, model=model, follow_rules=follow_rules, judge_lm=judge_lm,
                         max_tokens=max_tokens, concurrency=concurrency, api_base=api_base, api_key=api_key)

    def run() -> Any:
        with ProgressDisplay(err, describe_stats) as display:
            return check_conversations(config, display)

    report = guarded(run)
    for problem in report.problems:
        say(err, "skipped:", problem, "yellow")
    if as_json:
        out.print_json(report.model_dump_json(), highlight=False)
    else:
        _print_rows(report)
    rate = report.checkable_pass_rate.value
    if fail_under is not None and (rate is None or rate < fail_under):
        fail(f"checkable pass rate {'n/a' if rate is None else f'{rate:.3f}'} is under --fail-under {fail_under}")


def _print_rows(report: Any) -> None:
    broken = [row for row in report.rows if row.passed is False or row.error]
    for row in broken[:_SHOWN]:
        texts = {rule.id: rule.text for rule in row.rules}
        reasons = "; ".join(f"{texts[v.rule_id]!r}: {v.reason}" for v in row.verdicts if v.followed is False)
        label = f"line {row.line}" if row.id == str(row.line) else f"{row.id} (line {row.line})"
        say(out, label, row.error or f"broke {reasons}", "bold red")
    if len(broken) > _SHOWN:
        say(out, "", f"… and {len(broken) - _SHOWN} more (--json lists every row)")
    read = [rule for row in report.rows for rule in row.rules]
    checkable = sum(rule.checkable for rule in read)
    say(out, "rules read:", f"{len(read)} in {len(report.rows)} conversations, {checkable} checkable, "
        f"{len(read) - checkable} for a judge")
    for name in ("checkable_pass_rate", "checkable_adherence", "adherence"):
        metric = getattr(report, name)
        value = "n/a" if metric.value is None else (f"{metric.value:.3f} [{metric.low:.3f}, {metric.high:.3f}] "
                                                     f"(n={metric.n})")
        say(out, f"{name.replace('_', ' ')}:", value)
