"""`rnr-dspy compile`: optimize the RNR program's prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli import LM_PANEL, OPT_PANEL, SEED_PANEL, app, guarded, out, progress_bars, stage_config


@app.command("compile")
def compile_command(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("runs/compile"),
    config_file: Annotated[Path | None, typer.Option("--config", help="YAML file of settings; flags override it.",
                                                     exists=True, dir_okay=False)] = None,
    lm: Annotated[str, typer.Option(help="Teacher LM: embedded, local:PATH, or provider/model.",
                                    rich_help_panel=LM_PANEL)] = "embedded",
    judge_lm: Annotated[str | None, typer.Option(help="Judge LM for rules without a check (default: --lm).",
                                                 rich_help_panel=LM_PANEL)] = None,
    api_base: Annotated[str | None, typer.Option(help="Base URL of an OpenAI-compatible server.",
                                                 rich_help_panel=LM_PANEL)] = None,
    api_key: Annotated[str | None, typer.Option(envvar="RNR_DSPY_API_KEY", show_envvar=True, help="API key.",
                                                rich_help_panel=LM_PANEL)] = None,
    seeds: Annotated[str, typer.Option(help="Seed file (jsonl/json/csv/parquet), hub dataset id, or 'shipped'.",
                                       rich_help_panel=SEED_PANEL)] = "shipped",
    instruction_column: Annotated[str | None, typer.Option(rich_help_panel=SEED_PANEL)] = None,
    input_column: Annotated[str | None, typer.Option(rich_help_panel=SEED_PANEL)] = None,
    messages_column: Annotated[str | None, typer.Option(rich_help_panel=SEED_PANEL)] = None,
    limit: Annotated[int | None, typer.Option(help="Use at most N seeds.", rich_help_panel=SEED_PANEL)] = None,
    k: Annotated[int, typer.Option(help="Instructions per group (one role each).", rich_help_panel=SEED_PANEL)] = 4,
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
        tasks: dict[str, Any] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=total or None)
            bars.update(tasks[phase], completed=done)

        result = guarded(lambda: run_compile(config, progress=report))
    out.print(f"score before {result['score_before']:.3f} → after {result['score_after']:.3f} "
              f"(pass rate {result['pass_rate_before']:.2f} → {result['pass_rate_after']:.2f}); "
              f"{result['lm_calls']} LM calls, {result['tokens']} tokens, {result['wall_seconds']:.0f} s")
    out.print(f"wrote {out_dir / 'program.json'} and {out_dir / 'compile_report.json'}")


def print_prompts(instructions: list[str], user: str) -> None:
    from rnr_dspy.dry_run import render_prompts
    from rnr_dspy.modules import RNRProgram

    for stage, messages in render_prompts(RNRProgram(), instructions, user):
        out.rule(stage)
        for message in messages:
            out.print(f"[bold]{message['role']}[/bold]")
            out.print(message["content"], markup=False, highlight=False, soft_wrap=True)
