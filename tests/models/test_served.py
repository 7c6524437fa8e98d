"""A served LM's waits are bounded and reported: request timeouts, retries with capped Retry-After, and an endpoint
that failed call after call is not called again (against a real HTTP server on 127.0.0.1)."""

import asyncio
import copy
import time

import dspy
import pytest
from dspy.utils.exceptions import LMRateLimitError, LMTransportError
from fake_openai_server import FakeOpenAIServer

import rnr_dspy.models.served as served
from rnr_dspy.errors import LMError
from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.served import MAX_RETRY_WAIT, TRIP_AFTER, ServedLM, reporting_lm_waits

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _lm(server, **settings):
    return make_lm("openai/fake", api_base=server.url, api_key="sk-test", cache=False, **settings)


def _ask(lm, text="hello"):
    return lm(text)


def test_a_stalled_server_is_given_up_on_after_the_timeout_and_retries(monkeypatch):
    waits = []
    with FakeOpenAIServer("stall") as server, reporting_lm_waits(waits.append):
        started = time.monotonic()
        with pytest.raises(LMTransportError, match=r"timed out.*waited 0.5 s per try, 2 tries; raise request_timeout"):
            _ask(_lm(server, timeout=0.5, num_retries=1))
        elapsed = time.monotonic() - started
    assert server.requests == 2 and 1.9 < elapsed < 6  # two tries of 0.5 s and a 1 s backoff
    (wait,) = waits
    assert (wait.failed_try, wait.tries, wait.seconds) == (1, 2, 1.0)
    assert wait.reason == "LMTransportError: no answer within 0.5 s"
    assert str(wait).startswith(f"openai/fake at {server.url}: try 1 of 2 failed")


def test_retry_after_is_honoured_but_never_for_longer_than_the_cap(monkeypatch):
    slept = []
    monkeypatch.setattr(served.time, "sleep", slept.append)
    with FakeOpenAIServer("rate_limited", retry_after=3) as server:
        with pytest.raises(LMRateLimitError):
            _ask(_lm(server, num_retries=2))
        server.retry_after = 86_400
        with pytest.raises(LMRateLimitError):
            _ask(_lm(server, num_retries=1))
    assert slept == [3.0, 3.0, MAX_RETRY_WAIT] and server.requests == 5


def test_after_calls_in_a_row_failed_every_try_the_endpoint_is_not_called_again(monkeypatch):
    monkeypatch.setattr(served.time, "sleep", lambda seconds: None)
    with FakeOpenAIServer("server_error") as server:
        lm = _lm(server, num_retries=1)
        rollout = lm.copy(rollout_id=1, temperature=1.0)  # copies share the endpoint's health
        for index in range(TRIP_AFTER):
            with pytest.raises(dspy.utils.exceptions.LMServerError):
                _ask(rollout if index % 2 else lm, f"question {index}")
        assert server.requests == 2 * TRIP_AFTER
        with pytest.raises(LMError, match=rf"not answering: {TRIP_AFTER} calls in a row failed .*re-run the same"):
            _ask(copy.deepcopy(lm), "one more")
        assert server.requests == 2 * TRIP_AFTER


def test_an_answer_between_failures_keeps_the_endpoint_in_use(monkeypatch):
    monkeypatch.setattr(served.time, "sleep", lambda seconds: None)
    with FakeOpenAIServer("server_error") as server:
        lm = _lm(server, num_retries=0)
        for index in range(2 * TRIP_AFTER):
            server.mode = "healthy" if index % TRIP_AFTER == TRIP_AFTER - 1 else "server_error"
            try:
                _ask(lm, f"question {index}")
            except dspy.utils.exceptions.LMServerError:
                pass
        assert server.requests == 2 * TRIP_AFTER


def test_the_async_path_is_bounded_too():
    with FakeOpenAIServer("stall") as server:
        started = time.monotonic()
        with pytest.raises(LMTransportError):
            asyncio.run(_lm(server, timeout=0.5, num_retries=0).acall("hi"))
        assert time.monotonic() - started < 4 and server.requests == 1


def test_make_lm_gives_a_served_model_its_timeout_and_retries():
    lm = make_lm("hosted_vllm/m", api_base="http://127.0.0.1:9/v1", timeout=7, num_retries=5)
    assert isinstance(lm, ServedLM) and lm.kwargs["timeout"] == 7 and lm.retries == 5 and lm.num_retries == 0
    assert lm.endpoint == "http://127.0.0.1:9/v1"


def test_a_saved_served_lm_loads_with_its_timeout_and_retries_and_no_key():
    import cloudpickle

    lm = make_lm("hosted_vllm/m", api_base="http://127.0.0.1:9/v1", api_key="sk-never-saved", timeout=7,
                 num_retries=5)
    state = lm.dump_state()
    assert "sk-never-saved" not in str(state)
    loaded = ServedLM.load_state(state, allow_custom_lm_class=True)
    assert (loaded.retries, loaded.kwargs["timeout"], loaded.num_retries) == (5, 7, 0)
    assert cloudpickle.loads(cloudpickle.dumps(lm)).retries == 5


def test_a_429_after_the_retries_says_what_was_tried_not_to_retry_it_yourself():
    with FakeOpenAIServer("rate_limited", retry_after=0) as server:
        with pytest.raises(LMRateLimitError) as raised:
            _ask(_lm(server, num_retries=1))
    message = str(raised.value)
    assert server.requests == 2 and message.startswith("[openai/fake] rate limited [2 tries with backoff")
    assert "--num-threads" in message and "--num-retries" in message and "never retries" not in message


def test_each_thread_keeps_to_one_of_several_engines():
    import threading

    from rnr_dspy.models.connections import SHARDS

    with FakeOpenAIServer() as server:
        lm = _lm(server)
        engines = {}

        def ask_twice(number):
            first = _engines_in_use(lm)
            _ask(lm, f"hello {number}")
            _ask(lm, f"again {number}")
            engines[number] = _engines_in_use(lm) - first

        threads = [threading.Thread(target=ask_twice, args=(number,)) for number in range(4)]
        for thread in threads:  # one after the other, so that each sees the engine its requests added
            thread.start()
            thread.join()
    assert all(len(added) == 1 for added in engines.values())  # one engine per thread, kept for its next request
    assert len(set().union(*engines.values())) == min(4, SHARDS)  # lm15's pool lock is not one lock for all


def _engines_in_use(lm):
    return {id(engine) for key, engine in dict.items(lm._engine_store) if key[0] is None}
