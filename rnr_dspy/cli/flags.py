"""Command-line flags made from a stage config's pydantic fields: each flag's name, type, choices, default and help
come from its field, so a setting is declared once (TRL's TrlParser does the same with its dataclasses).

One convention for every command:
- a field is the flag `--field-name` (underscores become dashes): `--train-size 12`;
- a field of a nested model is `--field.sub-field`: `--columns.instruction question`;
- a bool is a pair `--x/--no-x`; a list repeats its flag: `--data a --data b`;
- a mapping of free keys (TRL's and PEFT's settings) takes `KEY=VALUE`, repeated, each value read as JSON or YAML:
  `--sft-config learning_rate=5e-5 --sft-config max_length=512`.
A flag given on the command line wins over the same setting in `--config FILE`.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from rich.markup import escape

__all__ = ["Flag", "config_flags", "overrides_from_flags"]


@dataclass(frozen=True)
class Flag:
    """The flag of one config field (`path` is the field, or a nested model's field under its parent)."""

    path: tuple[str, ...]
    field: FieldInfo
    kind: str  # value | bool | list | mapping
    option_type: Any
    choices: type[enum.Enum] | None = None
    panel: str | None = None
    """Where `--help` lists it: the field's `json_schema_extra["panel"]` (a nested model's: its parent's)."""
    parent_default: BaseModel | None = None
    """The default of the nested model holding the field, where the config gives it defaults of its own."""

    @property
    def name(self) -> str:
        return "--" + ".".join(part.replace("_", "-") for part in self.path)

    @property
    def param(self) -> str:
        return "setting__" + "__".join(self.path)

    def parameter(self) -> Any:
        """The `inspect.Parameter` of the command function that Typer turns into this option."""
        import inspect

        extra = _extra(self.field)
        declaration = f"{self.name}/--no-{self.name.removeprefix('--')}" if self.kind == "bool" else self.name
        option = typer.Option(
            declaration, help=escape(self.field.description or ""), rich_help_panel=self.panel,
            envvar=extra.get("envvar"), show_envvar=bool(extra.get("envvar")), metavar=self._metavar(),
            show_default=self._default() is not None and self.kind != "mapping",
        )
        return inspect.Parameter(self.param, inspect.Parameter.KEYWORD_ONLY, default=self._default(),
                                 annotation=Annotated[self.option_type | None, option])

    def setting(self, value: Any) -> Any:
        """The config value of what the flag parsed."""
        if self.kind == "mapping":
            return dict(_key_value(self.name, item) for item in value)
        if self.kind == "list":
            return [item.value if isinstance(item, enum.Enum) else item for item in value]
        return value.value if isinstance(value, enum.Enum) else value

    def _default(self) -> Any:
        default = (getattr(self.parent_default, self.path[-1]) if self.parent_default is not None
                   else self.field.get_default(call_default_factory=True))
        if default is PydanticUndefined or default is None or self.kind == "mapping":
            return None
        if self.choices is not None:
            return [self.choices(item) for item in default] if self.kind == "list" else self.choices(default)
        return default

    def _metavar(self) -> str | None:
        if self.kind == "bool":
            return ""  # a switch takes no value
        if self.kind == "mapping":
            return "<key=value>…"
        if self.kind == "list" and self.choices is None:
            return f"<{_type_label(typing.get_args(self.option_type)[0])}>…"
        return None


def config_flags(cls: type[BaseModel], prefix: tuple[str, ...] = (), panel: str | None = None,
                 defaults: BaseModel | None = None) -> list[Flag]:
    """One flag per field of `cls`, and per field of each nested model (its defaults: the config's default of the
    nested model, e.g. generate's `answer`, where it has one)."""
    flags = []
    for name, field in cls.model_fields.items():
        annotation = _without_none(field.annotation)
        field_panel = _extra(field).get("panel", panel)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            default = field.get_default(call_default_factory=True)
            flags += config_flags(annotation, (*prefix, name), field_panel,
                                  default if isinstance(default, BaseModel) else None)
            continue
        flag = _flag((*prefix, name), field, annotation, field_panel)
        flags.append(dataclasses.replace(flag, parent_default=defaults) if defaults is not None else flag)
    return flags


def overrides_from_flags(flags: list[Flag], values: dict[str, Any]) -> dict[str, Any]:
    """The settings of the flags in `values` (by parameter name), nested under their parent field."""
    overrides: dict[str, Any] = {}
    for flag in flags:
        if flag.param not in values:
            continue
        *parents, name = flag.path
        target = overrides
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = flag.setting(values[flag.param])
    return overrides


def _flag(path: tuple[str, ...], field: FieldInfo, annotation: Any, panel: str | None) -> Flag:
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return Flag(path, field, "bool", bool, panel=panel)
    if origin is dict:
        return Flag(path, field, "mapping", list[str], panel=panel)
    if origin is list:
        element, choices = _value_type(path, typing.get_args(annotation)[0])
        return Flag(path, field, "list", list[element], choices, panel)  # type: ignore[valid-type]
    value, choices = _value_type(path, annotation)
    return Flag(path, field, "value", value, choices, panel)


def _extra(field: FieldInfo) -> dict[str, Any]:
    return field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}


def _value_type(path: tuple[str, ...], annotation: Any) -> tuple[Any, type[enum.Enum] | None]:
    if typing.get_origin(annotation) is typing.Literal:
        values = [str(value) for value in typing.get_args(annotation)]
        choices = enum.Enum("_".join(path), [(value, value) for value in values], type=str)  # type: ignore[misc]
        return choices, choices
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation, annotation
    if annotation is SecretStr:
        return str, None
    if annotation in (str, int, float, Path):
        return annotation, None
    raise TypeError(f"no flag form for the setting {'.'.join(path)} of type {annotation}")


def _without_none(annotation: Any) -> Any:
    arguments = [argument for argument in typing.get_args(annotation) if argument is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        return arguments[0]
    return annotation


def _type_label(annotation: Any) -> str:
    return {str: "str", int: "int", float: "float", Path: "path"}.get(annotation, "value")


def _key_value(flag: str, item: str) -> tuple[str, Any]:
    key, separator, text = item.partition("=")
    if not separator or not key.strip():
        raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=f"'{flag}'")
    try:
        return key.strip(), json.loads(text)
    except ValueError:
        pass
    try:
        return key.strip(), yaml.safe_load(text)
    except yaml.YAMLError:
        return key.strip(), text
