"""The `rnr-dspy` command line: each command parses options, builds a config, calls one library function and
renders the result. Commands live one per module; this module holds the app and what they share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rnr_dspy.errors import ConfigError, RnrError

app = typer.Typer(no_args_is_help=True, help="Teach LLMs to follow roles and rules (RNR) with DSPy.")
err = Console(stderr=True)
out = Console()

LM_PANEL = "Language models"
SEED_PANEL = "Seeds"
OPT_PANEL = "Optimizer"

# Options that several commands share, declared once.
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML file of settings; flags override it.",
                                                 exists=True, dir_okay=False)]
TeacherLM = Annotated[str, typer.Option("--lm", help="Teacher LM: embedded, local:PATH, or provider/model.",
                                        rich_help_panel=LM_PANEL)]
JudgeLM = Annotated[str | None, typer.Option("--judge-lm", help="Judge LM for rules without a check (default: "
                                             "--lm).", rich_help_panel=LM_PANEL)]
ApiBase = Annotated[str | None, typer.Option("--api-base", help="Base URL of an OpenAI-compatible server.",
                                             rich_help_panel=LM_PANEL)]
ApiKey = Annotated[str | None, typer.Option("--api-key", envvar="RNR_DSPY_API_KEY", show_envvar=True,
                                            help="API key.", rich_help_panel=LM_PANEL)]
Seeds = Annotated[str, typer.Option("--seeds", help="Seed file (jsonl/json/csv/parquet), hub dataset id, or "
                                    "'shipped'.", rich_help_panel=SEED_PANEL)]
Column = Annotated[str | None, typer.Option(rich_help_panel=SEED_PANEL)]
SeedLimit = Annotated[int | None, typer.Option("--limit", help="Use at most N seeds.", rich_help_panel=SEED_PANEL)]
GroupSize = Annotated[int, typer.Option("--k", help="Instructions per group (one role each).",
                                        rich_help_panel=SEED_PANEL)]


@app.callback()
def main() -> None:
    """Teach LLMs to follow roles and rules (RNR) with DSPy."""


def stage_config(ctx: typer.Context, cls: Any, path: Path | None, flags: dict[str, Any],
            parameter_names: dict[str, str] | None = None) -> Any:
    """Build a stage config: the YAML file's settings, then every flag the user gave (defaults fill the rest)."""
    from rnr_dspy.config import build_config

    def given(name: str) -> bool:
        # Compared by name: typer ships its own copy of click's ParameterSource enum.
        source = ctx.get_parameter_source((parameter_names or {}).get(name, name))
        return path is None or getattr(source, "name", "DEFAULT") != "DEFAULT"

    overrides = {key: value for key, value in flags.items() if not isinstance(value, dict) and given(key)}
    for key, value in flags.items():
        if isinstance(value, dict):
            overrides[key] = {field: v for field, v in value.items() if v is not None}
    try:
        return build_config(cls, path, overrides, flag_names=path is None)
    except ConfigError as error:
        if path is not None:
            raise
        raise typer.BadParameter(str(error)) from None


def guarded(call: Any) -> Any:
    try:
        return call()
    except RnrError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(code=1) from None
    except Exception as error:
        from dspy.utils.exceptions import LMError

        if isinstance(error, LMError):
            err.print(f"[red]LM error:[/red] {error}", highlight=False)
            raise typer.Exit(code=1) from None
        raise


def phase_reporter(bars: Progress) -> Any:
    """A `progress(phase, done, total)` callback drawing one bar per phase (total 0: not known yet)."""
    tasks: dict[str, Any] = {}

    def report(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(phase, total=total or None)
        bars.update(tasks[phase], completed=done)

    return report


def progress_bars() -> Progress:
    return Progress(TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


# Each command module registers itself on `app` when imported.
from rnr_dspy.cli import compile as _compile  # noqa: E402, F401
from rnr_dspy.cli import evaluate as _evaluate  # noqa: E402, F401
from rnr_dspy.cli import generate as _generate  # noqa: E402, F401
from rnr_dspy.cli import run as _run  # noqa: E402, F401
from rnr_dspy.cli import train as _train  # noqa: E402, F401
