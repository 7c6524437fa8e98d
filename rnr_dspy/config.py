"""Stage configs from YAML files, with command-line flags on top."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rnr_dspy.errors import ConfigError

__all__ = ["build_config"]

Config = TypeVar("Config", bound=BaseModel)


def build_config(cls: type[Config], path: Path | None, overrides: dict[str, Any], *,
                 flag_names: bool = False) -> Config:
    """`cls` from the YAML mapping at `path` (if any), with `overrides` (the flags a user gave) on top.

    Raises `ConfigError` naming the file and the field that is wrong (as a `--flag` with `flag_names`).
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read config {path}: {error}") from error
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings, got {type(loaded).__name__}")
        values = loaded
    merged = {**values, **{key: value for key, value in overrides.items() if not isinstance(value, dict)}}
    for key, value in overrides.items():
        if isinstance(value, dict):
            merged[key] = {**(values.get(key) or {}), **value}
    try:
        return cls(**merged)
    except ValidationError as error:
        source = f"{path}: " if path else ""
        fields = [".".join(map(str, e["loc"])) for e in error.errors()]
        if flag_names:
            fields = ["--" + field.replace("_", "-") for field in fields]
        problems = "; ".join(f"{field}: {e['msg']}" for field, e in zip(fields, error.errors(), strict=True))
        raise ConfigError(f"{source}{problems}") from None
