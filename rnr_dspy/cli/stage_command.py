"""`@stage_command("compile")`: a command whose options are its stage config's fields (see `rnr_dspy.cli.flags`)
plus `--config FILE` and what the command itself adds (`--dry-run`, ...).

The decorated function receives the validated config first, then its own options; the decorator returns the
command function Typer registers (`rnr_dspy.cli` does, under the stage's name):

    @stage_command("generate")
    def generate_command(config: GenerateConfig, dry_run: Annotated[bool, typer.Option(...)] = False) -> None:
        ...

A config error (an unknown key, a wrong type or value, from the file or a flag) is a usage error: it names the
field, as the flag given or as `FILE: key`, and exits 2 before anything is written.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from rnr_dspy.cli.flags import Flag, config_flags, overrides_from_flags
from rnr_dspy.config import Location, build_config
from rnr_dspy.stages import STAGES, Stage

__all__ = ["CONFIG_OPTION", "stage_command"]

CONFIG_OPTION = typer.Option("--config", help="YAML file of settings (any field of the stage's config); flags "
                             "given on the command line override it.", exists=True, dir_okay=False)


def stage_command(stage: Stage) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    cls = STAGES[stage].config
    flags = config_flags(cls)

    def register(body: Callable[..., Any]) -> Callable[..., Any]:
        own = list(inspect.signature(body, eval_str=True).parameters.values())[1:]

        def command(**values: Any) -> Any:
            ctx: typer.Context = values.pop("ctx")
            config_file: Path | None = values.pop("config_file")
            parsed = {flag.param: values.pop(flag.param) for flag in flags}
            settings = {flag.param: parsed[flag.param] for flag in flags if _given(ctx, flag)}
            config = config_from_flags(cls, flags, config_file, settings)
            return body(config, **values)

        keyword = inspect.Parameter.KEYWORD_ONLY
        command.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
            inspect.Parameter("ctx", keyword, annotation=typer.Context),
            inspect.Parameter("config_file", keyword, default=None,
                              annotation=Annotated[Path | None, CONFIG_OPTION]),
            *(parameter.replace(kind=keyword) for parameter in own),
            *(flag.parameter() for flag in flags),
        ])
        command.__name__, command.__doc__ = body.__name__, body.__doc__
        return command

    return register


def config_from_flags(cls: type[BaseModel], flags: list[Flag], config_file: Path | None,
                      values: dict[str, Any]) -> Any:
    """The config: the file's settings, then the flags in `values` (the ones given) on top."""
    from rnr_dspy.cli.common import usage_error
    from rnr_dspy.errors import ConfigError

    given = {flag.path for flag in flags if flag.param in values}

    def flag_of(location: Location) -> str | None:
        for flag in flags:
            if tuple(location[: len(flag.path)]) == flag.path and (config_file is None or flag.path in given):
                return flag.name
        return None

    try:
        return build_config(cls, config_file, overrides_from_flags(flags, values), flag_of=flag_of)
    except ConfigError as error:
        usage_error(str(error))


def _given(ctx: typer.Context, flag: Flag) -> bool:
    # Compared by name: Typer ships its own copy of click's ParameterSource enum.
    source = ctx.get_parameter_source(flag.param)
    return getattr(source, "name", "DEFAULT") != "DEFAULT"
