"""Render a JSON schema as a compact, readable type description for a prompt.

The JSON schema of `list[Rule]` (a union over every registry checker) is ~4,000 tokens of JSON; the same types
read as `Rule = {kind: "format" | …, text: string, check: MaxWords | … | null}` in a few hundred. Strong models
follow it as well; a small model's prompt stays short (its decoder enforces the full schema anyway).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["describe_schema"]


def describe_schema(schema: dict[str, Any]) -> str:
    """`T` for the schema, then one `Name = {...}` line per definition it uses."""
    definitions = schema.get("$defs", {})
    lines = [_type(schema, definitions)]
    order = list(dict.fromkeys(_refs(schema)))  # definitions in the order they are first used
    for name in order:
        order += [ref for ref in _refs(definitions[name]) if ref not in order]
        lines.append(f"{name} = {_type(definitions[name], definitions)}")
    return "\n".join(lines)


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else []
        return own + [ref for key, value in schema.items() if key != "$defs" for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for item in schema for ref in _refs(item)]
    return []


def _type(schema: dict[str, Any], definitions: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return " | ".join(_type(option, definitions) for option in schema[union])
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_type(schema.get('items', {}), definitions)}]{_bounds(schema, 'minItems', 'maxItems', ' items')}"
    if kind == "object":
        required = set(schema.get("required", []))
        fields = [f"{name}{'' if name in required else '?'}: {_type(value, definitions)}"
                  for name, value in schema.get("properties", {}).items()]
        return "{" + ", ".join(fields) + "}"
    if kind in ("integer", "number"):
        return f"{kind}{_bounds(schema, 'minimum', 'maximum', '')}"
    if kind == "string":
        pattern = f" matching {schema['pattern']}" if "pattern" in schema else ""
        return f"string{_bounds(schema, 'minLength', 'maxLength', ' chars')}{pattern}"
    return str(kind or "any")


def _bounds(schema: dict[str, Any], low: str, high: str, unit: str) -> str:
    if low in schema and high in schema:
        return f" ({schema[low]} to {schema[high]}{unit})"
    if low in schema:
        return f" (at least {schema[low]}{unit})"
    if high in schema:
        return f" (at most {schema[high]}{unit})"
    return ""
