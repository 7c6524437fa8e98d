"""Connections a served model may hold open to each of its servers.

DSPy's native HTTP engine opens at most 100 connections per server (lm15's default), so a run could never keep
more requests in flight on one server than that, whatever its threads. A served model's engines are built with
room for `connections` instead (lm15's own `RouterConfig(max_connections=...)`); connections open only as needed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dspy.clients.engines.lm15_engine import AsyncLM15Engine, LM15Engine

__all__ = ["DEFAULT_CONNECTIONS", "WiderEngines"]

DEFAULT_CONNECTIONS = 1024


class WiderEngines(dict[Any, Any]):
    """A `dspy.LM`'s store of engines (`_engine_store`) whose native engines get `connections` per server."""

    def __init__(self, connections: int = DEFAULT_CONNECTIONS) -> None:
        super().__init__()
        self.connections = connections

    def __setitem__(self, key: Any, engine: Any) -> None:
        config = getattr(engine, "config", None)
        if isinstance(engine, (LM15Engine, AsyncLM15Engine)) and config is not None and config.transport is None \
                and config.max_connections is None:
            engine.config = replace(config, max_connections=self.connections)
            engine.router = type(engine.router)(engine.config)
        super().__setitem__(key, engine)
