"""Several servers of one model: least-outstanding routing, a bound on requests in flight per server, a failing
server set aside and tried again later, the run going on on the others (real HTTP servers on 127.0.0.1)."""

import threading
import time

import pytest
from fake_openai_server import FakeOpenAIServer

import rnr_dspy.models.served as served
from rnr_dspy.errors import LMError, LMSpecError
from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.server_pool import SET_ASIDE_SECONDS, TRIP_AFTER, ServerPool, split_api_base

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_api_base_names_one_server_or_several():
    assert split_api_base(None) == [] and split_api_base("http://a/v1") == ["http://a/v1"]
    assert split_api_base(" http://a/v1, http://b/v1 ,") == ["http://a/v1", "http://b/v1"]
    assert split_api_base(["http://a/v1", "http://b/v1"]) == ["http://a/v1", "http://b/v1"]


def test_each_request_goes_to_the_server_with_the_fewest_outstanding():
    pool = ServerPool(["a", "b", "c"])
    first = [pool.lease("m") for _ in range(3)]
    assert sorted(first) == ["a", "b", "c"]  # one each before any gets a second
    pool.release("b", answered=True)
    assert pool.lease("m") == "b"
    pool.release("a", answered=True)
    pool.release("c", answered=True)
    assert sorted(pool.lease("m") for _ in range(2)) == ["a", "c"]


def test_a_retry_avoids_the_server_that_just_failed():
    pool = ServerPool(["a", "b"])
    assert all(pool.lease("m", avoid="a") == "b" for _ in range(3))  # even when b is the busier one


def test_requests_in_flight_per_server_are_bounded():
    pool = ServerPool(["a"], max_in_flight=2)
    pool.lease("m"), pool.lease("m")
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.lease("m")))
    waiter.start()
    time.sleep(0.3)
    assert got == []  # the third waits for a slot
    pool.release("a", answered=True)
    waiter.join(timeout=0.5)  # woken by the release, not by its wait's 1 s timeout
    assert got == ["a"]


def test_a_failing_server_is_set_aside_then_given_one_request_at_a_time_until_it_answers():
    clock = _Clock()
    pool = ServerPool(["a", "b"], clock=clock)
    for _ in range(TRIP_AFTER):
        assert pool.lease("m", avoid="b") == "a"
        pool.release("a", answered=False)
    assert {pool.lease("m") for _ in range(4)} == {"b"}  # a is set aside
    clock.now += SET_ASIDE_SECONDS
    assert pool.lease("m") == "a"  # back: b has 4 outstanding
    assert pool.lease("m") == "b"  # a on probation takes one request at a time
    pool.release("a", answered=True)
    assert [pool.lease("m") for _ in range(2)] == ["a", "a"]  # answered: its full share again


def test_one_server_is_never_set_aside_but_the_model_is_given_up_on_after_calls_failed_every_try():
    pool = ServerPool(["a"])
    for _ in range(TRIP_AFTER * 3):
        pool.release(pool.lease("m"), answered=False)
    assert pool.lease("m") == "a"
    for _ in range(TRIP_AFTER):
        pool.gave_up("500")
    with pytest.raises(LMError, match=r"m at a is not answering: 3 calls in a row failed \(500\)"):
        pool.lease("m")


def test_requests_spread_over_servers_and_a_dead_one_costs_no_row_and_no_wait(monkeypatch):
    slept = []
    monkeypatch.setattr(served.time, "sleep", slept.append)
    with FakeOpenAIServer() as one, FakeOpenAIServer("server_error") as dead, FakeOpenAIServer() as three:
        lm = make_lm("openai/fake", api_base=[one.url, dead.url, three.url], api_key="sk-test", cache=False,
                     num_retries=2)
        answers = [lm(f"question {index}") for index in range(30)]
    assert len(answers) == 30 and all(answers)
    assert dead.requests == TRIP_AFTER  # then set aside for the rest of this short run
    assert one.requests + three.requests == 30 and min(one.requests, three.requests) >= 10
    assert all(seconds == 0 for seconds in slept)  # each retry went to another server at once


def test_concurrent_requests_are_balanced_across_servers():
    with FakeOpenAIServer() as one, FakeOpenAIServer() as two:
        one.latency = two.latency = 0.05
        lm = make_lm("openai/fake", api_base=f"{one.url},{two.url}", api_key="sk-test", cache=False)
        threads = [threading.Thread(target=lm, args=(f"q{index}",)) for index in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert one.requests + two.requests == 16 and abs(one.requests - two.requests) <= 2


def test_replicas_share_cached_replies(tmp_path):
    import dspy

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=True)
    with FakeOpenAIServer() as one, FakeOpenAIServer() as two:
        lm = make_lm("openai/fake", api_base=[one.url, two.url], api_key="sk-test")
        first = lm("the same question")
        lm.copy()._pool.lease("openai/fake")  # the next request would go to the other server
        assert lm("the same question") == first
    assert one.requests + two.requests == 1


def test_a_password_in_any_of_the_servers_is_refused():
    with pytest.raises(LMSpecError, match=r"holds a user name and password"):
        make_lm("hosted_vllm/m", api_base=["http://127.0.0.1:9/v1", "http://u:pw@127.0.0.1:10/v1"])


def test_an_lm_of_several_servers_names_them_all():
    lm = make_lm("hosted_vllm/m", api_base="http://127.0.0.1:9/v1/,http://[::1]:10/v1", max_in_flight=4)
    assert lm.endpoint == "http://127.0.0.1:9/v1, http://[::1]:10/v1"
    assert lm._pool.max_in_flight == 4 and lm.kwargs["api_base"] == "http://127.0.0.1:9/v1/"


def test_one_server_gets_more_requests_in_flight_than_the_http_engines_default_100():
    from serve_fake_openai import TimedServer

    with TimedServer(latency=1.0) as server:
        lm = make_lm("hosted_vllm/fake", api_base=server.url, cache=False, timeout=60)
        threads = [threading.Thread(target=lm, args=(f"q{index}",)) for index in range(160)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert server.requests == 160 and server.peak_in_flight > 120


def test_a_stage_config_takes_several_servers_as_a_list_or_comma_separated_and_a_bound_per_server():
    from rnr_dspy.generate import GenerateConfig

    config = GenerateConfig(lm="hosted_vllm/m", api_base=["http://a:8000/v1", "http://b:8000/v1"], max_in_flight=64)
    assert config.lm_kwargs()["api_base"] == "http://a:8000/v1,http://b:8000/v1"
    lm = make_lm(config.lm, **config.lm_kwargs())
    assert lm._pool.urls == ["http://a:8000/v1", "http://b:8000/v1"] and lm._pool.max_in_flight == 64


def test_calls_made_with_a_request_spread_over_the_servers_too():
    from dspy.lm15 import Config, Message, Request

    with FakeOpenAIServer() as one, FakeOpenAIServer() as two:
        one.latency = two.latency = 0.05
        lm = make_lm("openai/fake", api_base=[one.url, two.url], api_key="sk-test", cache=False)
        request = Request(model=lm.model, messages=(Message.user("hello"),), config=Config(max_tokens=16))
        threads = [threading.Thread(target=lm, args=(request,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert one.requests + two.requests == 8 and min(one.requests, two.requests) >= 3
