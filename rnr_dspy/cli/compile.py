"""`rnr-dspy compile`: optimize the RNR program's prompts.

    rnr-dspy compile --out runs/compile --optimizer bootstrap --limit 60
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from rnr_dspy.cli.common import guarded, out, run_stage, say
from rnr_dspy.cli.stage_command import stage_command
from rnr_dspy.compile import CompileConfig, CompileResult
from rnr_dspy.teacher_config import TeacherStageConfig

RESUME = "(exit code 130); run the same command again: the LM calls already made are replayed from DSPy's cache"


@stage_command("compile")
def compile_command(
    config: CompileConfig,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the first group's prompts; call no LM.",
                                          metavar="")] = False,
) -> None:
    """Optimize the RNR program's prompts against the rule-adherence metric."""
    if dry_run:
        from rnr_dspy.compile import make_examples

        trainset, valset, _ = guarded(lambda: make_examples(config))
        example = (trainset or valset)[0]
        print_prompts(config, example.instructions, example.user)
        return
    result: CompileResult = run_stage("compile", config, resume=RESUME)
    out.print(f"score before {result.score_before:.3f} → after {result.score_after:.3f} "
              f"(pass rate {result.pass_rate_before:.2f} → {result.pass_rate_after:.2f}); "
              f"{result.lm_calls} LM calls, {result.tokens} tokens, {result.wall_seconds:.0f} s")
    failed = (result.before.failed_items, result.optimize_failures.get("failed_examples", 0), result.after.failed_items)
    if any(failed):
        say(out, "note:", f"examples whose reply did not parse (each scored 0): {failed[0]} held out before, "
            f"{failed[1]} while optimizing, {failed[2]} held out after; see 'parse' in compile_report.json", "yellow")
    say(out, "wrote", f"{config.out / 'program.json'} and {config.out / 'compile_report.json'}", "")


def print_prompts(config: TeacherStageConfig, instructions: list[str], user: str) -> None:
    """Every step's prompt for one group, printed as it is (no markup is interpreted): the program the stage would
    run (`config.make_program`, its compiled `--program` loaded where the config has one), under its adapter."""
    from rnr_dspy.program.dry_run import render_prompts
    from rnr_dspy.program.rnr_program import load_program

    program = config.make_program(None)
    compiled = getattr(config, "program", None)
    if compiled is not None:
        guarded(lambda: load_program(program, compiled, config,
                                     accept_other_settings=getattr(config, "accept_program_settings", False)))
    for stage, messages in render_prompts(program, instructions, user, adapter=config.adapter()):
        out.rule(Text(stage))
        for message in messages:
            out.print(Text(message["role"], style="bold"))
            out.print(Text(message["content"]), soft_wrap=True)
