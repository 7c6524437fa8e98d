"""The error hierarchy (the CLI maps every `RnrError` to a message on stderr and exit code 1), and the one way a
pydantic `ValidationError` becomes a message: each problem as `field: what is wrong (got VALUE)`, an unknown field
with the nearest valid names."""

from __future__ import annotations

import difflib
import inspect
import reprlib
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnr_dspy.runtime.masking import mask_credentials

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "LMError", "LMSpecError", "RnrError", "SeedError", "close_names",
           "describe_validation_error", "validation_problems"]


class RnrError(Exception):
    """Base class of the errors rnr-dspy raises on bad input or a failing dependency."""


class ConfigError(RnrError):
    """A configuration value is invalid."""


class SeedError(RnrError):
    """Seed data cannot be read or has no usable instructions."""


class LMSpecError(RnrError):
    """An LM spec cannot be resolved to a model."""


class LMError(RnrError):
    """An LM could not be reached or did not answer."""


def describe_validation_error(error: ValidationError, *, source: str | Path | None = None, field_prefix: str = "",
                              field_name: Callable[[str], str] | None = None, model: type[BaseModel] | None = None,
                              separator: str = "; ") -> str:
    """One message for every problem in `error`: `SOURCE: field: problem; field: problem`.

    Args:
        error: the pydantic error.
        source: where the values came from (a file, `file:line`, a recipe), put first.
        field_prefix: put before each field path (`generate.` for a recipe's stage section).
        field_name: renders a field path, e.g. `lambda f: "--" + f.replace("_", "-")` for command-line flags.
        model: the model validated; an unknown field is then answered with the nearest valid names, and a value
            of the wrong type with the type expected.
        separator: between problems.

    Example:
        >>> from pydantic import BaseModel, ConfigDict, ValidationError
        >>> class Columns(BaseModel):
        ...     model_config = ConfigDict(extra="forbid")
        ...     instruction: str = "instruction"
        >>> try:
        ...     Columns.model_validate({"instrucion": "q"})
        ... except ValidationError as error:
        ...     describe_validation_error(error, source="seeds.yaml", model=Columns)
        'seeds.yaml: instrucion: unknown setting; did you mean instruction?'
    """
    problems = separator.join(validation_problems(error, field_prefix=field_prefix, field_name=field_name,
                                                  model=model))
    return f"{source}: {problems}" if source is not None else problems


def validation_problems(error: ValidationError, *, field_prefix: str = "",
                        field_name: Callable[[str], str] | None = None, model: type[BaseModel] | None = None,
                        location_name: Callable[[tuple[int | str, ...]], str] | None = None) -> list[str]:
    """Each problem of `error` as `field: problem` (see `describe_validation_error`); `location_name` names a
    field from its location instead (a config's flag, `FILE: field`)."""
    problems = []
    for detail in error.errors():
        location = tuple(detail["loc"])
        if location_name is not None:
            where = location_name(location)
        else:
            path = ".".join(str(part) for part in location)
            where = field_prefix + path if path else field_prefix.rstrip(".")
            if where and field_name is not None:
                where = field_name(where)
        message = _message(detail, model, location)
        problems.append(f"{where}: {message}" if where else message)
    return problems


def close_names(name: str, valid: Sequence[str]) -> str:
    """What to write instead of the unknown `name`: `did you mean a or b?`, else the valid names."""
    near = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.6)
    if near:
        return f"did you mean {' or '.join(near)}?"
    return f"valid settings: {', '.join(valid)}" if valid else ""


def _message(detail: Any, model: type[BaseModel] | None, location: tuple[Any, ...]) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        hint = close_names(str(location[-1]), _field_names(model, location[:-1]) if model is not None else [])
        return "; ".join(part for part in ("unknown setting", hint) if part)
    message, value = str(detail["msg"]), detail.get("input")
    annotation = _annotation_at(model, location) if model is not None and location else None
    if kind.endswith(("_type", "_parsing")) and annotation is not None:
        return f"expected {_type_name(annotation)}, got {_shown(value)}; {message}"
    if kind != "missing" and (value is None or isinstance(value, str | int | float | bool)):
        message += f" (got {_shown(value)})"
    return message


# A value echoed in a message is cut short (a few YAML anchors expand to a value whose whole repr runs to
# megabytes) and has its credentials masked (a server's address may carry a key).
def _shown(value: Any) -> str:
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxlist, shown.maxdict, shown.maxstring, shown.maxother = 2, 4, 4, 60, 60
    return mask_credentials(shown.repr(value))


def _field_names(model: type[BaseModel], path: Sequence[Any]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if current is not None else None
        current = _model_in(field.annotation) if field is not None else None
        if current is None:
            return []
    return sorted(current.model_fields) if current is not None else []


def _annotation_at(model: type[BaseModel], location: tuple[Any, ...]) -> Any:
    current: type[BaseModel] | None = model
    field = None
    for part in location:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if current is not None else None
        if field is None:
            return None
        current = _model_in(field.annotation)
    return field.annotation if field is not None else None


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    from pydantic import BaseModel

    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return next((found for arg in typing.get_args(annotation) if (found := _model_in(arg)) is not None), None)
