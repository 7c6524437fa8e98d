"""DSPy's response cache keys replies by endpoint and never serves a reply that did not parse (against a real
HTTP server on 127.0.0.1)."""

import subprocess
import sys
import threading

import dspy
import pytest
from dspy.clients.cache import Cache
from dspy.utils.exceptions import AdapterParseError
from fake_openai_server import FakeOpenAIServer

from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.reply_cache import DiskThroughOneThread, ReplyCache, endpoint_key, use_reply_cache
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.signatures import GenerateRole

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture(params=["memory", "disk"])
def cache(request, tmp_path):
    dspy.configure_cache(enable_memory_cache=request.param == "memory", enable_disk_cache=request.param == "disk",
                         disk_cache_dir=str(tmp_path / "dspy-cache"))
    yield request.param
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _role(server, instruction="Plan a trip to Kyoto."):
    lm = make_lm("openai/fake", api_base=server.url, api_key="sk-test", num_retries=0, timeout=5)
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        return dspy.Predict(GenerateRole)(seed_instructions=[instruction]).role


def test_a_reply_that_did_not_parse_is_asked_for_again(cache, tmp_path):
    with FakeOpenAIServer("empty_choices") as server:
        with pytest.raises(AdapterParseError):
            _role(server)
        server.mode = "healthy"
        if cache == "disk":  # a new process: a new cache object over the same directory
            dspy.configure_cache(enable_memory_cache=False, enable_disk_cache=True,
                                 disk_cache_dir=str(tmp_path / "dspy-cache"))
        assert _role(server).startswith("You are")
        assert server.requests == 2
        assert _role(server).startswith("You are") and server.requests == 2  # a reply that parsed is served


def test_an_unparsed_reply_is_not_served_to_another_server(cache):
    with FakeOpenAIServer("empty_choices") as broken, FakeOpenAIServer("healthy") as healthy:
        with pytest.raises(AdapterParseError):
            _role(broken)
        assert _role(healthy).startswith("You are") and healthy.requests == 1


def test_replies_are_cached_per_endpoint(cache):
    with FakeOpenAIServer() as first, FakeOpenAIServer() as second:
        assert _role(first) == _role(second)
        _role(first)
        assert (first.requests, second.requests) == (1, 1)


def test_the_endpoint_key_holds_no_credentials():
    assert endpoint_key("HTTP://user:pa55@Host.example:8000/v1/") == "http://host.example:8000/v1"
    assert endpoint_key("https://[::1]/v1") == "https://[::1]/v1"
    cache = ReplyCache(enable_disk_cache=False, enable_memory_cache=True, disk_cache_dir=None)

    def key(api_base):  # as DSPy asks for it: the address and the key themselves left out
        request = {"model": "openai/x", "messages": [{"role": "user", "content": "hi"}], "api_base": api_base,
                   "api_key": api_base[-3:]}
        return cache.cache_key(request, ["api_key", "api_base", "base_url"])

    assert key("http://a:pw1@h/v1") == key("http://b:pw2@h/v1/") != key("http://g/v1")


def test_dspys_cache_object_is_kept_and_a_cache_of_the_users_own_left_alone():
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
    original = dspy.cache
    use_reply_cache()
    assert dspy.cache is original and isinstance(original, ReplyCache)

    class Own(Cache):
        pass

    dspy.cache = Own(enable_disk_cache=False, enable_memory_cache=True, disk_cache_dir=None)
    use_reply_cache()
    assert type(dspy.cache) is Own


def test_the_disk_cache_is_read_and_written_from_one_thread_whatever_thread_asks(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import diskcache

    callers = set()
    for name in ("get", "set"):
        method = getattr(diskcache.FanoutCache, name)
        monkeypatch.setattr(diskcache.FanoutCache, name, lambda self, *args, _method=method, **kwargs: (
            callers.add(threading.get_ident()), _method(self, *args, **kwargs))[1])
    dspy.configure_cache(enable_memory_cache=False, enable_disk_cache=True, disk_cache_dir=str(tmp_path / "cache"))
    try:
        use_reply_cache()

        def round_trip(number):
            request = {"model": "openai/fake", "messages": [{"role": "user", "content": f"question {number}"}]}
            dspy.cache.put(request, {"answer": number})
            return dspy.cache.get(request)["answer"]

        with ThreadPoolExecutor(32) as pool:
            assert list(pool.map(round_trip, range(256))) == list(range(256))
    finally:
        dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    assert len(callers) == 1  # diskcache opens a SQLite connection per thread and shard


class _HeldStore(dict):
    """A disk store whose writes wait until `release` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def set(self, key, value):
        assert self.release.wait(10)
        self[key] = value

    def delete(self, key):
        assert self.release.wait(10)
        return self.pop(key, None) is not None


def test_a_disk_write_is_not_waited_for_and_reads_see_it_meanwhile():
    store = _HeldStore()
    disk = DiskThroughOneThread(store)
    assert disk.set("a", {"answer": 1}) is True  # returns while the store's write is held
    disk.set("b", {"answer": 2})
    disk.delete("b")
    assert (disk.get("a"), disk.get("b"), disk.get("b", "none"), store) == ({"answer": 1}, None, "none", {})
    store.release.set()
    disk.flush()
    assert store == {"a": {"answer": 1}}  # made in the order asked: b written, then deleted
    assert disk.get("a") == {"answer": 1} and disk.get("b") is None  # now read from the store


def test_at_most_the_backlog_of_writes_waits():
    store = _HeldStore()
    disk = DiskThroughOneThread(store, backlog=2)
    disk.set("a", 1)
    disk.set("b", 2)
    third = threading.Thread(target=disk.set, args=("c", 3))
    third.start()
    third.join(0.3)
    assert third.is_alive()  # the third write waits for room
    store.release.set()
    third.join(5)
    disk.flush()
    assert store == {"a": 1, "b": 2, "c": 3}


def test_a_write_that_fails_is_logged_and_forgotten(caplog):
    class Broken(dict):
        def set(self, key, value):
            raise OSError("disk full")

    disk = DiskThroughOneThread(Broken())
    disk.set("a", 1)
    disk.flush()
    assert disk.get("a") is None  # not served as if written
    assert "reply cache: set of a failed (OSError: disk full)" in caplog.text


def test_writes_still_waiting_when_the_process_exits_are_made(tmp_path):
    script = f"""
import dspy
from rnr_dspy.models.reply_cache import use_reply_cache
dspy.configure_cache(enable_memory_cache=False, enable_disk_cache=True, disk_cache_dir={str(tmp_path)!r})
use_reply_cache()
for number in range(200):
    dspy.cache.put({{"model": "openai/fake", "messages": [{{"role": "user", "content": str(number)}}]}}, number)
"""
    assert _replies_after(script, tmp_path, 200) == list(range(200))


def test_writes_of_a_thread_still_running_after_the_main_thread_ended_are_made(tmp_path):
    script = f"""
import threading, time
import dspy
from rnr_dspy.models.reply_cache import use_reply_cache
dspy.configure_cache(enable_memory_cache=False, enable_disk_cache=True, disk_cache_dir={str(tmp_path)!r})
use_reply_cache()
dspy.cache.put({{"model": "openai/fake", "messages": [{{"role": "user", "content": "first"}}]}}, "first")

def late():
    time.sleep(0.5)  # the main thread has ended and the disk thread is idle by now
    for number in range(50):
        dspy.cache.put({{"model": "openai/fake", "messages": [{{"role": "user", "content": str(number)}}]}}, number)

threading.Thread(target=late).start()
"""
    assert _replies_after(script, tmp_path, 50) == list(range(50))


def test_a_read_that_fails_raises_in_the_caller():
    class Unreadable(dict):
        def get(self, key, default=None):
            raise OSError("disk gone")

        def set(self, key, value):
            self[key] = value

    disk = DiskThroughOneThread(Unreadable())
    with pytest.raises(OSError, match="disk gone"):
        disk.get("a")
    disk.set("b", 2)
    assert disk.get("b") == 2  # the thread goes on: a waiting write is read as it is


def test_a_reply_stored_under_the_request_just_looked_up_is_keyed_once(monkeypatch):
    hashed = []
    real = Cache.cache_key
    monkeypatch.setattr(Cache, "cache_key", lambda self, request, ignored=None: (
        hashed.append(request["messages"][0]["content"]), real(self, request, ignored))[1])
    cache = ReplyCache(enable_disk_cache=False, enable_memory_cache=True, disk_cache_dir="", memory_max_entries=10)

    def request(text):
        return {"model": "openai/fake", "api_base": "http://127.0.0.1:1/v1", "messages": [{"role": "user",
                                                                                          "content": text}]}

    assert cache.get(request("a")) is None
    cache.put(request("a"), {"answer": 1})  # an equal request, as DSPy builds it again to store the reply
    asked = request("b")
    assert cache.get(asked) is None
    asked["messages"] = [{"role": "user", "content": "a"}]  # the asker's request changed after it was keyed
    assert cache.get(asked) == {"answer": 1}
    assert hashed == ["a", "b", "a"]
    assert cache.cache_key(request("a")) != cache.cache_key({**request("a"), "api_base": "http://127.0.0.1:2/v1"})


def _replies_after(script, cache_dir, count):
    """The replies to questions "0" .. `count - 1` in the disk cache `cache_dir` once `script` ran in a process."""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    dspy.configure_cache(enable_memory_cache=False, enable_disk_cache=True, disk_cache_dir=str(cache_dir))
    try:
        use_reply_cache()
        return [dspy.cache.get({"model": "openai/fake", "messages": [{"role": "user", "content": str(number)}]})
                for number in range(count)]
    finally:
        dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
