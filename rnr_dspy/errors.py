"""The error hierarchy (the CLI maps every `RnrError` to a message on stderr and exit code 1), and the one way a
pydantic `ValidationError` becomes a message: each problem as `field: what is wrong (got VALUE)`, an unknown field
with the nearest valid names."""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnr_dspy.masking import mask_credentials

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "LMError", "LMSpecError", "RnrError", "SeedError", "describe_validation_error",
           "validation_problems"]


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


_SHOWN_INPUT_CHARS = 60
_LISTED_FIELDS = 12


def describe_validation_error(error: ValidationError, *, source: str | Path | None = None, field_prefix: str = "",
                              field_name: Callable[[str], str] | None = None, model: type[BaseModel] | None = None,
                              separator: str = "; ") -> str:
    """One message for every problem in `error`: `SOURCE: field: problem; field: problem`.

    Args:
        error: the pydantic error.
        source: where the values came from (a file, `file:line`, a recipe), put first.
        field_prefix: put before each field path (`generate.` for a recipe's stage section).
        field_name: renders a field path, e.g. `lambda f: "--" + f.replace("_", "-")` for command-line flags.
        model: the model validated; an unknown field is then answered with the nearest valid names.
        separator: between problems.

    Example:
        >>> try:
        ...     SeedColumns.model_validate({"instrucion": "q"})
        ... except ValidationError as error:
        ...     describe_validation_error(error, source="seeds.yaml", model=SeedColumns)  # doctest: +SKIP
        "seeds.yaml: instrucion: Extra inputs are not permitted; did you mean 'instruction'?"
    """
    problems = separator.join(validation_problems(error, field_prefix=field_prefix, field_name=field_name,
                                                  model=model))
    return f"{source}: {problems}" if source is not None else problems


def validation_problems(error: ValidationError, *, field_prefix: str = "",
                        field_name: Callable[[str], str] | None = None,
                        model: type[BaseModel] | None = None) -> list[str]:
    """Each problem of `error` as `field: problem` (see `describe_validation_error`)."""
    problems = []
    for detail in error.errors():
        location = tuple(detail["loc"])
        path = ".".join(str(part) for part in location)
        where = field_prefix + path if path else field_prefix.rstrip(".")
        if where and field_name is not None:
            where = field_name(where)
        message = _message(detail, model, location)
        problems.append(f"{where}: {message}" if where else message)
    return problems


def _message(detail: Any, model: type[BaseModel] | None, location: tuple[Any, ...]) -> str:
    message = str(detail["msg"])
    kind = detail["type"]
    if kind == "extra_forbidden":
        valid = _field_names(model, location[:-1]) if model is not None else []
        close = difflib.get_close_matches(str(location[-1]), valid, n=3, cutoff=0.6)
        if close:
            return f"{message}; did you mean {' or '.join(map(repr, close))}?"
        if valid and len(valid) <= _LISTED_FIELDS:
            return f"{message} (valid: {', '.join(valid)})"
        return message
    value = detail.get("input")
    if kind != "missing" and (value is None or isinstance(value, str | int | float | bool)):
        shown = mask_credentials(repr(value))
        if len(shown) > _SHOWN_INPUT_CHARS:
            shown = shown[: _SHOWN_INPUT_CHARS - 1] + "…"
        message += f" (got {shown})"
    return message


def _field_names(model: type[BaseModel], path: Sequence[Any]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part)) if current is not None else None
        current = _model_in(field.annotation) if field is not None else None
        if current is None:
            return []
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    from pydantic import BaseModel

    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return next((found for arg in typing.get_args(annotation) if (found := _model_in(arg)) is not None), None)
