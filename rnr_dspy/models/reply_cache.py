"""DSPy's response cache, made safe to share between servers and runs.

DSPy 3.4 keys a cached reply by the request without `api_base`, and stores a reply before anyone parsed it. So a
reply that did not parse (an empty or truncated answer) was served again to every later run, even one pointed at
another, healthy server, which then got no request at all. `ReplyCache` keys a reply by the endpoint too (without
any user name or password in its URL), and `forgetting_unparsed_replies()` drops the replies a failed adapter call
read or wrote, so only replies that parsed are ever served from the cache.

`use_reply_cache()` turns DSPy's one cache object into a `ReplyCache` in place: its stores, settings and identity
stay, only the keying changes (a cache class of the user's own is left alone). `make_lm` and `StructuredAdapter`
call it, so it holds even after a `dspy.configure_cache(...)` made a new cache.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dspy
from dspy.clients.cache import Cache

__all__ = ["DiskThroughFewThreads", "ReplyCache", "endpoint_key", "forgetting_unparsed_replies",
           "share_cache_between", "use_reply_cache"]

# The servers of one model (replicas) share their cached replies: each is keyed as the first of them.
_replica_of: dict[str, str] = {}

# The cache keys an adapter call has read or written, in the context of that call.
_keys_of_call: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("rnr_reply_keys", default=None)


@lru_cache(maxsize=256)  # asked several times per LM call, of a run's few servers
def endpoint_key(url: str) -> str:
    """The endpoint a request goes to, without credentials: `http://user:pw@host:8000/v1/` -> `http://host:8000/v1`."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc.lower(), parts.path.rstrip("/"), "", ""))


def share_cache_between(urls: list[str]) -> None:
    """Key the replies of these servers (replicas of one model) alike, whichever of them answered."""
    keys = [endpoint_key(url) for url in urls]
    for key in keys[1:]:
        _replica_of.setdefault(key, keys[0])


class ReplyCache(Cache):
    """DSPy's `Cache`, keyed by the endpoint as well, and able to forget a reply."""

    def cache_key(self, request: dict[str, Any], ignored_args_for_cache_key: list[str] | None = None) -> str:
        endpoint = request.get("api_base") or request.get("base_url")
        if endpoint:
            key = endpoint_key(str(endpoint))
            request = {**request, "_endpoint": _replica_of.get(key, key)}
        key = super().cache_key(request, ignored_args_for_cache_key)
        seen = _keys_of_call.get()
        if seen is not None:
            seen.append(key)
        return key

    def forget(self, key: str) -> None:
        with self._lock:
            self.memory_cache.pop(key, None)
        if self.enable_disk_cache:
            self.disk_cache.delete(key)


def use_reply_cache() -> None:
    """Make `dspy.cache` a `ReplyCache`, in place (a cache class of the user's own is left as it is), its disk
    store used from a few threads only."""
    cache = dspy.cache
    if type(cache) is Cache:
        # The same object: every holder of it keeps its stores and settings and gets the safe keying.
        cache.__class__ = ReplyCache
        if cache.enable_disk_cache:
            cache.disk_cache = DiskThroughFewThreads(cache.disk_cache)


class DiskThroughFewThreads:
    """A disk cache (diskcache's `FanoutCache`, DSPy's) read and written from `threads` threads, whichever thread
    asks. diskcache opens a SQLite connection per thread and shard, each with its own page cache and memory map:
    a run of a few hundred threads held thousands, and most of its memory (results/benchmarks.md)."""

    def __init__(self, store: Any, threads: int = 4) -> None:
        self.store = store
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="reply-cache-disk")

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self._threads.submit(self.store.get, key, *args, **kwargs).result()

    def set(self, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        return self._threads.submit(self.store.set, key, value, *args, **kwargs).result()

    def delete(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self._threads.submit(self.store.delete, key, *args, **kwargs).result()

    def __getattr__(self, name: str) -> Any:  # the store's other methods and settings (its directory, ...)
        return getattr(self.store, name)


@contextmanager
def forgetting_unparsed_replies() -> Iterator[None]:
    """Around one adapter call (LM call and parse): if it raises, the cached replies it used are dropped."""
    seen: list[str] = []
    token = _keys_of_call.set(seen)
    try:
        yield
    except Exception:
        cache = dspy.cache
        if isinstance(cache, ReplyCache):
            for key in seen:
                cache.forget(key)
        raise
    finally:
        _keys_of_call.reset(token)
