"""`rnr-dspy run`: a recipe's stages, compile → generate → train → eval, into one run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli import app, err, guarded, out


@app.command("run")
def run_command(
    recipe: Annotated[str, typer.Argument(help="A recipe YAML file, or a shipped recipe: embedded-smollm2, "
                                          "teacher-vllm-7b.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run directory (default: the recipe's).")] = None,
    force: Annotated[list[str] | None, typer.Option(help="Run this stage again even if it is done (repeatable).")]
    = None,
) -> None:
    """Run a recipe end to end; run it again to resume where it stopped."""
    from rnr_dspy.recipe import load_recipe, run_recipe

    loaded = guarded(lambda: load_recipe(recipe, out=out_dir))

    def report(stage: str, status: str, info: dict[str, Any]) -> None:
        seconds = f" ({info['wall_seconds']:.0f} s)" if "wall_seconds" in info else ""
        err.print(f"[bold]{stage}[/bold]: {status}{seconds}")

    state = guarded(lambda: run_recipe(loaded, force=force or [], on_stage=report))  # type: ignore[arg-type]
    total = sum(stage["wall_seconds"] for stage in state.values())
    out.print(f"recipe {loaded.name} done in {loaded.out}: " + ", ".join(
        f"{name} {stage['wall_seconds']:.0f} s" for name, stage in state.items()) + f" (total {total:.0f} s)")
    report_md = loaded.out / "eval" / "report.md"
    if report_md.exists():
        out.print(f"report: {report_md}")
