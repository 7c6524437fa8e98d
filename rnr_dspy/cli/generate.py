"""`rnr-dspy generate`: turn seed instructions into SFT rows and DPO pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from rnr_dspy.cli import (
    ApiBase,
    ApiKey,
    Column,
    ConfigFile,
    GroupSize,
    JudgeLM,
    SeedLimit,
    Seeds,
    TeacherLM,
    app,
    err,
    guarded,
    out,
    stage_config,
)

GEN_PANEL = "Generation"


@app.command("generate")
def generate_command(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Run directory (resumed when it exists).")] = Path(
        "runs/generate"),
    program: Annotated[Path | None, typer.Option(help="A compiled program.json (default: uncompiled).",
                                                 exists=True, dir_okay=False)] = None,
    config_file: ConfigFile = None,
    lm: TeacherLM = "embedded",
    judge_lm: JudgeLM = None,
    api_base: ApiBase = None,
    api_key: ApiKey = None,
    seeds: Seeds = "shipped",
    instruction_column: Column = None,
    input_column: Column = None,
    output_column: Column = None,
    messages_column: Column = None,
    limit: SeedLimit = None,
    k: GroupSize = 4,
    user_turns: Annotated[bool, typer.Option(help="Also generate in-scope, adversarial and out-of-scope turns.",
                                             rich_help_panel=GEN_PANEL)] = True,
    attempts: Annotated[int, typer.Option(help="Responses sampled per prompt.", rich_help_panel=GEN_PANEL)] = 4,
    strategy: Annotated[str, typer.Option(help="best_of_n or refine (with LM feedback).",
                                          rich_help_panel=GEN_PANEL)] = "best_of_n",
    repair: Annotated[bool, typer.Option(help="Repair failed responses with the checkers.",
                                         rich_help_panel=GEN_PANEL)] = True,
    hindsight: Annotated[bool, typer.Option(help="Hindsight rules from failed responses.",
                                            rich_help_panel=GEN_PANEL)] = True,
    num_threads: Annotated[int, typer.Option(help="Groups in parallel (HTTP LMs).", rich_help_panel=GEN_PANEL)] = 1,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Generate failed rows again.",
                                               rich_help_panel=GEN_PANEL)] = False,
    push_to_hub: Annotated[str | None, typer.Option(help="Also push the datasets to this hub repo.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the first groups' prompts; call no LM.")] = False,
    dry_run_groups: Annotated[int, typer.Option(help="Groups --dry-run prints.", min=1)] = 1,
) -> None:
    """Generate roles, rules, user turns and judged responses: data/sft.jsonl and data/dpo.jsonl in OUT."""
    from rnr_dspy.generate import GenerateConfig, GenerateProgress, run_generate

    flags = {"out": out_dir, "program": program, "lm": lm, "judge_lm": judge_lm, "api_base": api_base,
             "api_key": api_key, "seeds": seeds, "limit": limit, "k": k, "user_turns": user_turns,
             "attempts": attempts, "strategy": strategy,
             "repair": repair, "hindsight": hindsight, "num_threads": num_threads, "retry_failed": retry_failed,
             "push_to_hub": push_to_hub,
             "columns": {"instruction": instruction_column, "input": input_column, "output": output_column,
                         "messages": messages_column}}
    config = guarded(lambda: stage_config(ctx, GenerateConfig, config_file, flags, parameter_names={"out": "out_dir"}))
    if dry_run:
        _print_group_prompts(config, dry_run_groups)
        return
    bars = Progress(TextColumn("generate"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err)
    with bars:
        task = bars.add_task("generate", total=None, stats="")

        def report(state: GenerateProgress) -> None:
            judged = state.passed + state.failed
            rate = f"pass {state.passed / judged:.0%}" if judged else "pass -"
            bars.update(task, completed=state.done, total=state.total,
                        stats=f"{rate} · {state.errors} errors · {state.tokens:,} tokens")

        result = guarded(lambda: run_generate(config, progress=report))
    out.print(f"{result['prompts']} prompts, pass rate {result['pass_rate']}; {result['sft_rows']} SFT rows "
              f"{result['rows_by_method']}, {result['dpo_pairs']} DPO pairs, {result['errors']} failed; "
              f"{result['this_run']['lm_calls']} LM calls, {result['this_run']['wall_seconds']:.0f} s")
    seeds_report = result["seeds"]
    if seeds_report["contaminated"] or seeds_report["duplicates"] or seeds_report["truncated"]:
        out.print(f"seeds: {seeds_report['duplicates']} duplicates and {seeds_report['contaminated']} overlapping the "
                  f"shipped eval sets dropped; {seeds_report['truncated']} truncated")
    out.print(f"wrote {out_dir / 'data'} (sft.jsonl, dpo.jsonl, hf/, README.md), generated.jsonl, usage.json")


def _print_group_prompts(config: object, groups: int) -> None:
    from rnr_dspy.cli.compile import print_prompts
    from rnr_dspy.generate.seeds import prepare_groups

    for index, group in enumerate(guarded(lambda: prepare_groups(config))[0][:groups], start=1):  # type: ignore[arg-type]
        out.rule(f"group {index}: seeds {', '.join(seed.id for seed in group)}")
        print_prompts([seed.prompt for seed in group], group[0].prompt)
