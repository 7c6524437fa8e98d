"""`rnr-dspy compile`: optimize the RNR program's prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rnr_dspy.cli import (
    OPT_PANEL,
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
    guarded,
    out,
    phase_reporter,
    progress_bars,
    stage_config,
)


@app.command("compile")
def compile_command(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("runs/compile"),
    config_file: ConfigFile = None,
    lm: TeacherLM = "embedded",
    judge_lm: JudgeLM = None,
    api_base: ApiBase = None,
    api_key: ApiKey = None,
    seeds: Seeds = "shipped",
    instruction_column: Column = None,
    input_column: Column = None,
    messages_column: Column = None,
    limit: SeedLimit = None,
    k: GroupSize = 4,
    optimizer: Annotated[str, typer.Option(help="bootstrap, mipro, gepa or none.",
                                           rich_help_panel=OPT_PANEL)] = "bootstrap",
    auto: Annotated[str, typer.Option(help="Budget of mipro/gepa: light, medium, heavy.",
                                      rich_help_panel=OPT_PANEL)] = "light",
    max_metric_calls: Annotated[int | None, typer.Option(help="gepa budget in metric calls (overrides --auto).",
                                                         rich_help_panel=OPT_PANEL)] = None,
    reflection_lm: Annotated[str | None, typer.Option(help="LM that gepa reflects with.",
                                                      rich_help_panel=OPT_PANEL)] = None,
    max_rounds: Annotated[int, typer.Option(help="bootstrap: attempts per training example (>1 samples at "
                                            "temperature 1.0).", rich_help_panel=OPT_PANEL)] = 1,
    train_size: Annotated[int, typer.Option(help="Training groups.")] = 12,
    val_size: Annotated[int, typer.Option(help="Held-out groups scored before and after.")] = 6,
    num_threads: Annotated[int, typer.Option(help="Parallel evaluation threads (HTTP LMs).")] = 1,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the first group's prompts; call no LM.")] = False,
) -> None:
    """Optimize the RNR program's prompts against the rule-adherence metric."""
    from rnr_dspy.compile_job import CompileConfig, make_examples, run_compile

    flags = {"out": out_dir, "lm": lm, "judge_lm": judge_lm, "api_base": api_base, "api_key": api_key,
             "seeds": seeds, "limit": limit, "k": k, "optimizer": optimizer, "auto": auto,
             "max_metric_calls": max_metric_calls, "reflection_lm": reflection_lm, "max_rounds": max_rounds,
             "train_size": train_size,
             "val_size": val_size, "num_threads": num_threads,
             "columns": {"instruction": instruction_column, "input": input_column, "messages": messages_column}}
    config = guarded(lambda: stage_config(ctx, CompileConfig, config_file, flags, parameter_names={"out": "out_dir"}))
    if dry_run:
        trainset, valset, _ = guarded(lambda: make_examples(config))
        example = (trainset or valset)[0]
        print_prompts(example.instructions, example.user)
        return
    with progress_bars() as bars:
        result = guarded(lambda: run_compile(config, progress=phase_reporter(bars)))
    out.print(f"score before {result['score_before']:.3f} → after {result['score_after']:.3f} "
              f"(pass rate {result['pass_rate_before']:.2f} → {result['pass_rate_after']:.2f}); "
              f"{result['lm_calls']} LM calls, {result['tokens']} tokens, {result['wall_seconds']:.0f} s")
    out.print(f"wrote {out_dir / 'program.json'} and {out_dir / 'compile_report.json'}")


def print_prompts(instructions: list[str], user: str) -> None:
    from rnr_dspy.dry_run import render_prompts
    from rnr_dspy.program import RNRProgram

    for stage, messages in render_prompts(RNRProgram(), instructions, user):
        out.rule(stage)
        for message in messages:
            out.print(f"[bold]{message['role']}[/bold]")
            out.print(message["content"], markup=False, highlight=False, soft_wrap=True)
