"""`rnr-dspy run`: a recipe's stages, compile → generate → train → eval, into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli.common import err, guarded, out, say
from rnr_dspy.cli.display import ProgressDisplay
from rnr_dspy.recipe import STAGES


def run_command(
    recipe: Annotated[str, typer.Argument(help="A recipe YAML file, or a shipped recipe: embedded-smollm2, "
                                          "teacher-vllm-7b.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run directory (default: the recipe's).")] = None,
    force: Annotated[list[str] | None, typer.Option(help=f"Run this stage again even if it is done (repeatable): "
                                                    f"{', '.join(STAGES)}.")] = None,
) -> None:
    """Run a recipe end to end; run it again to resume where it stopped."""
    from rnr_dspy.recipe import load_recipe, run_recipe

    loaded = guarded(lambda: load_recipe(recipe, out=out_dir))
    unknown = sorted(set(force or []) - set(STAGES))
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)}: not a stage ({', '.join(STAGES)})", param_hint="'--force'")

    def report(stage: str, status: str, info: dict[str, Any]) -> None:
        seconds = f" ({info['wall_seconds']:.0f} s, peak {info.get('peak_rss_mb', '?')} MB)" if "wall_seconds" in info \
            else ""
        say(err, f"{stage}:", f"{status}{seconds}")

    def call() -> dict[str, Any]:
        with ProgressDisplay(err) as display:
            return run_recipe(loaded, force=force or [], on_stage=report, progress=display)  # type: ignore[arg-type]

    state = guarded(call, "(exit code 130); run the same command again to resume: finished stages are skipped")
    total = sum(stage["wall_seconds"] for stage in state.values())
    say(out, "", f"recipe {loaded.name} done in {loaded.out}: " + ", ".join(
        f"{name} {stage['wall_seconds']:.0f} s" for name, stage in state.items()) + f" (total {total:.0f} s)")
    report_md = loaded.out / "eval" / "report.md"
    if report_md.exists():
        say(out, "report:", str(report_md), "")
