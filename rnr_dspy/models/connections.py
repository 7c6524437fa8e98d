"""Connections a served model may hold open to each of its servers, and the pools that hold them.

DSPy's native HTTP engine opens at most 100 connections per server (lm15's default), so a run could never keep
more requests in flight on one server than that, whatever its threads. A served model's engines are built with
room for `connections` instead (lm15's own `RouterConfig(max_connections=...)`); connections open only as needed.

Each kind of engine is built `SHARDS` times over, a thread keeping to one: an engine's connection pool holds its
lock while it checks a socket, so a few hundred threads queued on a single pool's lock.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from typing import Any

from dspy.clients.engines.lm15_engine import AsyncLM15Engine, LM15Engine

__all__ = ["DEFAULT_CONNECTIONS", "SHARDS", "WiderEngines"]

DEFAULT_CONNECTIONS = 1024
SHARDS = 16


class WiderEngines(dict[Any, Any]):
    """A `dspy.LM`'s store of engines (`_engine_store`) whose native engines get `connections` per server, one
    engine per shard of the threads that ask (DSPy looks engines up with `get` and stores them by item)."""

    def __init__(self, connections: int = DEFAULT_CONNECTIONS) -> None:
        super().__init__()
        self.connections = connections

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get((*key, _shard()), default)

    def __setitem__(self, key: Any, engine: Any) -> None:
        config = getattr(engine, "config", None)
        if isinstance(engine, (LM15Engine, AsyncLM15Engine)) and config is not None and config.transport is None \
                and config.max_connections is None:
            engine.config = replace(config, max_connections=self.connections)
            engine.router = type(engine.router)(engine.config)
        super().__setitem__((*key, _shard()), engine)


_threads = threading.local()
_numbers = itertools.count()


def _shard() -> int:
    """The shard of the calling thread: threads take shards in turn, at their first request."""
    try:
        return _threads.shard
    except AttributeError:
        _threads.shard = next(_numbers) % SHARDS
        return _threads.shard
