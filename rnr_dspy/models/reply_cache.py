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
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dspy
from dspy.clients.cache import Cache

from rnr_dspy.runtime.once import per_process

__all__ = ["DiskThroughOneThread", "ReplyCache", "endpoint_key", "forgetting_unparsed_replies",
           "share_cache_between", "use_reply_cache"]

logger = logging.getLogger(__name__)

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
        key = _last_key_asked(request, ignored_args_for_cache_key)
        if key is None:
            asked = request
            endpoint = request.get("api_base") or request.get("base_url")
            if endpoint:
                endpoint = endpoint_key(str(endpoint))
                request = {**request, "_endpoint": _replica_of.get(endpoint, endpoint)}
            key = super().cache_key(request, ignored_args_for_cache_key)
            _last_key.asked = (dict(asked), ignored_args_for_cache_key, key)  # a copy: the asker's may change
        seen = _keys_of_call.get()
        if seen is not None:
            seen.append(key)
        return key

    def forget(self, key: str) -> None:
        with self._lock:
            self.memory_cache.pop(key, None)
        if self.enable_disk_cache:
            self.disk_cache.delete(key)


# A call's reply is looked up, then stored, under the key of an equal request: the thread's last key is kept, as
# hashing a request costs a few hundred threads a hand-over of Python's lock (sha256 of a long prompt releases it).
_last_key = threading.local()


def _last_key_asked(request: dict[str, Any], ignored: list[str] | None) -> str | None:
    """The key this thread computed last, if for an equal request."""
    last = getattr(_last_key, "asked", None)
    if last is None:
        return None
    try:
        return last[2] if last[1] == ignored and last[0] == request else None
    except Exception:  # a value without a plain equality (an array): hashed again
        return None


def use_reply_cache() -> None:
    """Make `dspy.cache` a `ReplyCache`, in place (a cache class of the user's own is left as it is), its disk
    store used from one thread."""
    cache = dspy.cache
    if type(cache) is Cache:
        # The same object: every holder of it keeps its stores and settings and gets the safe keying.
        cache.__class__ = ReplyCache
        if cache.enable_disk_cache:
            cache.disk_cache = DiskThroughOneThread(cache.disk_cache)


class DiskThroughOneThread:
    """A disk cache (diskcache's `FanoutCache`, DSPy's) used from one thread, whichever thread asks, in the order
    asked. diskcache opens a SQLite connection per thread and shard, each with its own page cache and memory map:
    a run of a few hundred threads held thousands, and most of its memory (results/benchmarks.md).

    Writes are not waited for: under a few hundred threads, waiting for each one cost about a seventh of a generated
    row's CPU. Reads see the writes still waiting; at most `backlog` wait, and all are made before the
    process exits (or `flush()` returns)."""

    def __init__(self, store: Any, backlog: int = 4096) -> None:
        self.store = store
        self._waiting: dict[str, Any] = {}  # key -> the value (or _DELETED) of its latest write not yet made
        self._lock = threading.Lock()
        self._room = threading.BoundedSemaphore(backlog)

    def get(self, key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:
            with self._lock:
                waiting = self._waiting.get(key, _ABSENT)
            if waiting is not _ABSENT:
                return default if waiting is _DELETED else waiting
        return _disk_thread().now(lambda: self.store.get(key, default, *args, **kwargs))

    def set(self, key: str, value: Any, *args: Any, **kwargs: Any) -> bool:
        self._later(key, value, self.store.set, key, value, *args, **kwargs)
        return True

    def delete(self, key: str, *args: Any, **kwargs: Any) -> bool:
        self._later(key, _DELETED, self.store.delete, key, *args, **kwargs)
        return True

    def flush(self) -> None:
        """Return once every write asked for so far is made."""
        _disk_thread().now(lambda: None)

    def __getattr__(self, name: str) -> Any:  # the store's other methods and settings (its directory, ...)
        return getattr(self.store, name)

    def _later(self, key: str, marker: Any, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._room.acquire()
        with self._lock:
            self._waiting[key] = marker
        _disk_thread().later(lambda: self._make(key, marker, write, args, kwargs))

    def _make(self, key: str, marker: Any, write: Callable[..., Any], args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> None:
        try:
            write(*args, **kwargs)
        except Exception as error:  # a cache that cannot be written costs LM calls later, never the run
            logger.warning("reply cache: %s of %s failed (%s: %s)", write.__name__, key, type(error).__name__, error)
        finally:
            with self._lock:
                if self._waiting.get(key) is marker:
                    del self._waiting[key]
            self._room.release()


_ABSENT = object()
_DELETED = object()


class _DiskThread:
    """A thread that runs jobs in the order given, every one of them before the process ends: it ends once its
    queue is empty and the main thread and every other non-daemon thread have finished. Leaner than an executor: a
    job is a queue entry, and a caller that waits waits on a future of its own (an executor's submit takes two
    locks every thread of the process shares)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="reply-cache-disk").start()

    def later(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def now(self, job: Callable[[], Any]) -> Any:
        """`job()`'s result (or error), once the jobs before it ran."""
        future: Future[Any] = Future()

        def run() -> None:
            try:
                future.set_result(job())
            except BaseException as error:  # raised in the caller, not here
                future.set_exception(error)

        self._jobs.put(run)
        return future.result()

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=_EXIT_CHECK_SECONDS)
            except queue.Empty:
                if _process_ending():
                    return
                continue
            job()


def _process_ending() -> bool:
    """Whether the main thread has finished and no other non-daemon thread (one that may still ask) runs."""
    me = threading.current_thread()
    return not threading.main_thread().is_alive() and not any(
        thread is not me and not thread.daemon and thread.is_alive() for thread in threading.enumerate())


_EXIT_CHECK_SECONDS = 0.1  # how often an idle disk thread looks whether the process is ending


@per_process
def _disk_thread() -> _DiskThread:
    """The one thread of this process that uses the disk caches."""
    return _DiskThread()


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
