"""DSPy's model-table lookup (`model_info`), memoized: DSPy reads the table on every call of an HTTP LM (its
capabilities and its cost), and for a model the table does not list, as a self-served one under `openai/...` or
`hosted_vllm/...`, each read scans all of it. The table is loaded once per process, so a lookup's answer never
changes; each caller still gets its own copy. A model served by vLLM that the table does not describe is known to
take a response schema."""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["memoize_model_info"]

_PATCHED_MODULES = ("dspy.clients.capabilities", "dspy.clients.costs")
_lock = threading.Lock()


def memoize_model_info() -> None:
    """Route DSPy's callers of `model_info` through a memo (idempotent)."""
    import importlib

    with _lock:
        for name in _PATCHED_MODULES:
            module = importlib.import_module(name)
            lookup = getattr(module, "model_info", None)
            if lookup is not None and not getattr(lookup, "memoized", False):
                module.model_info = _memoized(lookup)  # type: ignore[attr-defined]


def _served_by_vllm(provider: str, info: dict[str, Any]) -> dict[str, Any]:
    """A `hosted_vllm/...` model the table does not describe takes a response schema: vLLM decodes under it
    (guided decoding), so the JSON schema is sent instead of asked for in the prompt alone."""
    if provider == "vllm" and info.get("supports_response_schema") is None:
        return {**info, "supports_response_schema": True}
    return info


def _memoized(lookup: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.lru_cache(maxsize=1024)
    def cached(provider: str, model: str, namespaces: tuple[str, ...] | None) -> dict[str, Any]:
        return _served_by_vllm(provider, lookup(provider, model, namespaces=namespaces))

    def model_info(provider: str, model: str, *, namespaces: Any = None) -> dict[str, Any]:
        key = tuple(namespaces) if namespaces is not None else None
        try:
            return copy.deepcopy(cached(provider, model, key))
        except TypeError:  # an argument that cannot be a key: looked up as DSPy would
            return lookup(provider, model, namespaces=namespaces)

    model_info.memoized = True  # type: ignore[attr-defined]
    return model_info
