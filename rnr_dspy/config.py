"""Stage configs from YAML files, with command-line flags on top, and errors that say what to write instead (the
generic layer: what the stages' settings are is each stage's `config.py`)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from rnr_dspy.errors import ConfigError, validation_problems

__all__ = ["OutDir", "build_config", "read_config_file", "validate_config"]


def _not_a_file(path: Path) -> Path:
    existing = next((place for place in (path, *path.parents) if place.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"is inside {existing}, a file"
        raise ValueError(f"{path} {where}; the output goes into a directory: pass a new path")
    return path


# A stage's output directory: a path that is a file is refused when the settings are read, before any work.
OutDir = Annotated[Path, AfterValidator(_not_a_file)]

Config = TypeVar("Config", bound=BaseModel)
Location = tuple[int | str, ...]


def read_config_file(path: Path) -> dict[str, Any]:
    """The mapping of settings in a YAML file (an empty file is no settings)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read config {path}: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(loaded).__name__}")
    return loaded


def build_config(cls: type[Config], path: Path | None, overrides: dict[str, Any], *,
                 flag_of: Callable[[Location], str | None] | None = None) -> Config:
    """`cls` from the YAML mapping at `path` (if any), with `overrides` (the flags a user gave) on top; a mapping
    override is merged key by key into the file's mapping.

    Raises `ConfigError` naming each wrong field: as the flag `flag_of(location)` returns (None: not a flag), else
    as `FILE: field`.
    """
    values = read_config_file(path) if path is not None else {}
    merged = dict(values)
    for key, value in overrides.items():
        merged[key] = {**(values.get(key) or {}), **value} if isinstance(value, dict) else value

    def name(location: Location) -> str:
        flag = flag_of(location) if flag_of else None
        return flag or (f"{path}: " if path else "") + _dotted(location)

    return validate_config(cls, merged, name=name)


def validate_config(cls: type[Config], values: dict[str, Any], *, prefix: str = "",
                    name: Callable[[Location], str] | None = None) -> Config:
    """`cls(**values)`, or a `ConfigError` whose every problem names its field (`prefix` + the dotted field, or
    `name(location)`), the nearest valid names of an unknown one, and the expected type of a wrong value
    (`rnr_dspy.errors.validation_problems`)."""
    try:
        return cls.model_validate(values)
    except ValidationError as error:
        problems = validation_problems(error, field_prefix=prefix, model=cls, location_name=name)
        raise ConfigError("; ".join(problems)) from None


def _dotted(location: typing.Sequence[int | str]) -> str:
    return ".".join(map(str, location))
