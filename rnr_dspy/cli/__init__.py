"""The `rnr-dspy` command line: each command parses options, builds a config, calls one library function and
renders the result. Commands live one per module; this module holds the app and what they share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def progress_bars() -> Progress:
    return Progress(TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


# Each command module registers itself on `app` when imported.
from rnr_dspy.cli import compile as _compile  # noqa: E402, F401
from rnr_dspy.cli import evaluate as _evaluate  # noqa: E402, F401
from rnr_dspy.cli import generate as _generate  # noqa: E402, F401
from rnr_dspy.cli import run as _run  # noqa: E402, F401
from rnr_dspy.cli import train as _train  # noqa: E402, F401
