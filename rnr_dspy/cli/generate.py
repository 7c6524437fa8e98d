"""`rnr-dspy generate`: turn seed instructions into SFT rows and DPO pairs.

    rnr-dspy generate --out runs/gen --program runs/compile/program.json --limit 200
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

import typer
from rich.text import Text

from rnr_dspy.cli.common import err, fail, guarded, out, run_stage, say
from rnr_dspy.cli.stage_command import stage_command
from rnr_dspy.generate import GenerateConfig, GenerateResult

RESUME = "(exit code 130); run the same command again to resume: the finished rows are kept"
_SHOWN_PROBLEMS = 3


@stage_command("generate")
def generate_command(
    config: GenerateConfig,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the first groups' prompts; call no LM.",
                                          metavar="")] = False,
    dry_run_groups: Annotated[int, typer.Option(help="Groups --dry-run prints.", min=1)] = 1,
) -> None:
    """Generate roles, rules, user turns and judged responses: data/sft.jsonl and data/dpo.jsonl in OUT."""
    if dry_run:
        _print_group_prompts(config, dry_run_groups)
        return
    result: GenerateResult = run_stage("generate", config, describe=_describe, resume=RESUME)
    this_run = result.this_run
    rate = "n/a" if result.pass_rate is None else f"{result.pass_rate:.2f}"
    by_method = ", ".join(f"{count} {method}" for method, count in result.rows_by_method.items())
    failed_requests = this_run.get("failed_lm_calls") or 0
    calls = f"{this_run['lm_calls']} LM calls" + (f" and {failed_requests} failed requests" if failed_requests else "")
    out.print(f"{result.prompts} prompts, pass rate {rate}; {result.sft_rows} SFT rows"
              + (f" ({by_method})" if by_method else "") + f", {result.dpo_pairs} DPO pairs, {result.errors} failed; "
              f"{calls}, {this_run['wall_seconds']:.0f} s")
    _report_seeds(result.seeds, config)
    unparsed = [f"{stage} {counts['parse_failures']} of {counts['replies']}" for stage, counts in result.parse.items()
                if counts["parse_failures"]]
    if unparsed:
        say(err, "note:", f"replies that did not parse, by stage: {', '.join(unparsed)} (each recorded with its "
            "error, the run went on; parse in generate_report.json)", "yellow")
    for error in result.first_errors:
        say(err, "failed:", printable(error), "red")
    retry = finish_command(result)
    if result.sft_rows == 0:
        fail("no SFT row was produced" + (f": {result.errors} rows or stages failed; {retry}" if result.errors
                                          else f" ({result.prompts} prompts, none passed)"))
    if result.missing_rows:
        fail(f"the run is not finished: {result.missing_rows} of {result.planned_rows} rows missing "
             f"({result.errors} rows or stages failed); {retry}", label="unfinished:")
    if result.errors:
        say(err, "note:", f"{result.errors} rows or stages failed; {retry}", "yellow")
    say(out, "wrote", f"{config.out / 'data'} (sft.jsonl, dpo.jsonl, hf/, README.md), generated.jsonl, usage.json",
        "")


def _report_seeds(seeds: dict[str, Any], config: GenerateConfig) -> None:
    if seeds["contaminated"] or seeds["duplicates"] or seeds["truncated"]:
        out.print(f"seeds: {seeds['duplicates']} duplicates and {seeds['contaminated']} overlapping the shipped eval "
                  f"sets dropped; {seeds['truncated']} truncated")
    if seeds.get("problem_count"):
        first = "; ".join(printable(problem) for problem in seeds["problems"][:_SHOWN_PROBLEMS])
        say(err, "seeds:", f"{seeds['problem_count']} rows skipped, the first: {first} (all of them: "
            f"{config.out / 'generate_report.json'})", "yellow")


def printable(text: str) -> str:
    """`text` with control and format characters (an ANSI escape in a seed id) written as escapes: a terminal
    would act on them."""
    return "".join(char if char in "\n\t" or unicodedata.category(char)[0] != "C" else repr(char)[1:-1]
                   for char in text)


def finish_command(result: GenerateResult) -> str:
    """What to run to generate the failed rows: the same command, with --retry-failed where a plain rerun would
    leave some failure as it is."""
    if result.needs_retry_failed:
        return (f"run the same command with --retry-failed to generate them ({result.needs_retry_failed} failed in a "
                "way a plain rerun does not retry: a reply that did not parse, a refused request)")
    return ("run the same command again to generate them (connection errors, timeouts, 429 and 5xx are retried; "
            "the finished rows are kept)")


def _describe(stats: dict[str, Any]) -> str:
    judged = stats["passed"] + stats["failed"]
    rate = f"pass {stats['passed'] / judged:.0%}" if judged else "pass -"
    return f"{rate} · {stats['errors']} errors · {stats['tokens']:,} tokens"


def _print_group_prompts(config: GenerateConfig, groups: int) -> None:
    from rnr_dspy.cli.compile import print_prompts
    from rnr_dspy.generate.seeds import prepare_groups

    for index, group in enumerate(guarded(lambda: prepare_groups(config))[0][:groups], start=1):
        out.rule(Text(f"group {index}: seeds {', '.join(printable(seed.id) for seed in group)}"))
        print_prompts(config, [seed.prompt for seed in group], group[0].prompt)
