"""Continuous batching in the llama.cpp engine, on the real model: a reply is the same alone or batched, failures
and cancellations stay with their request, and closing leaves no thread behind."""

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import dspy
import pytest
from dspy.lm15 import Config, ContextLengthError, InvalidRequestError, Message, Request

from rnr_dspy.errors import LMError
from rnr_dspy.models.completion import CompletionJob
from rnr_dspy.models.engine import AsyncLlamaCppEngine, LlamaCppEngine
from rnr_dspy.models.lm import embedded_model_path
from rnr_dspy.models.sampling import SamplingParams

pytestmark = pytest.mark.embedded

TOPICS = ["a fruit", "a colour", "a city", "an animal", "a river", "a planet", "a tool", "a sport", "a metal",
          "a flower", "a bird", "a language", "a dance", "a cheese", "a tree", "a storm"]
COLOR = {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}}, "required": ["color"]}
AGE = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}


@pytest.fixture(scope="module")
def engine():
    # One thread: on a shared machine llama.cpp's threads spin-wait for each other; results do not depend on it.
    engine = LlamaCppEngine(embedded_model_path(), n_ctx=1024, parallel=16, n_threads=1)
    yield engine
    engine.close()


def request(user, *, system="You are terse.", max_tokens=16, **config):
    return Request(model="local/test", system=system, messages=(Message.user(user),),
                   config=Config(max_tokens=max_tokens, **config))


def varied_requests():
    """Plain, grammar-constrained and seeded-sampling requests of different lengths, so sequences finish at
    different steps and queued ones join a running batch."""
    requests = []
    for i, topic in enumerate(TOPICS):
        kind = i % 4
        if kind == 0:
            requests.append(request(f"Name {topic}.", max_tokens=4 + i))
        elif kind == 1:
            requests.append(request(f"Pick a colour for {topic}.", max_tokens=16,
                                    response_format={"type": "json_schema", "schema": COLOR}))
        elif kind == 2:
            requests.append(request(f"How old is {topic}? Answer in JSON.", max_tokens=16,
                                    response_format={"type": "json_schema", "schema": AGE}))
        else:
            requests.append(request(f"Describe {topic}.", max_tokens=8, temperature=0.8, seed=i))
    return requests


def alone(engine, requests):
    return [engine.submit(r).result(timeout=120) for r in requests]


def test_replies_are_the_same_token_for_token_alone_or_batched(engine):
    requests = varied_requests()
    singles = alone(engine, requests)
    engine.scheduler.peak_batch = 0
    futures = [engine.submit(r) for r in requests + requests[:4]]  # 20 > 16 slots: the last 4 join mid-run
    batched = [future.result(timeout=120) for future in futures]
    assert engine.scheduler.peak_batch == 16
    assert [c.tokens for c in batched] == [c.tokens for c in singles + singles[:4]]
    assert all(c.completion_tokens > 0 for c in singles)
    for completion, r in zip(singles, requests, strict=True):
        schema = (r.config.response_format or {}).get("schema")
        if schema is COLOR:
            assert json.loads(completion.text)["color"] in {"red", "green", "blue"}
        elif schema is AGE:
            assert isinstance(json.loads(completion.text)["age"], int)


def test_a_failing_request_fails_alone(engine):
    good = [request(f"Name {topic}.", max_tokens=10) for topic in TOPICS[:3]]
    expected = alone(engine, good)
    too_long = request("word " * 1500)
    bad_grammar = CompletionJob(messages=[{"role": "user", "content": "Hi"}],
                                sampling=SamplingParams(grammar='root ::= "unclosed'))
    futures = [engine.submit(good[0]), engine.submit(too_long), engine.scheduler.submit(bad_grammar),
               engine.submit(good[1]), engine.submit(good[2])]
    with pytest.raises(ContextLengthError, match="1024 tokens per request"):
        futures[1].result(timeout=60)
    with pytest.raises(InvalidRequestError, match="could not parse the grammar"):
        futures[2].result(timeout=60)
    assert [f.result(timeout=120).tokens for f in (futures[0], futures[3], futures[4])] == [c.tokens for c in expected]


def test_stop_strings_and_max_tokens_end_a_reply(engine):
    free = engine.submit(request("Tell me a story about a cat.", max_tokens=24)).result(timeout=60)
    assert free.finish_reason == "length" and free.completion_tokens == 24
    stop = free.text[len(free.text) // 2:len(free.text) // 2 + 3]  # a string the reply reaches mid-way
    stopped = engine.submit(request("Tell me a story about a cat.", max_tokens=24, stop=("zzz", stop))).result(60)
    assert stopped.finish_reason == "stop" and stopped.text == free.text[:free.text.index(stop)]
    assert stopped.completion_tokens < 24


def wait_idle(engine, seconds=30):
    deadline = time.monotonic() + seconds
    while engine.scheduler.active and time.monotonic() < deadline:
        time.sleep(0.01)
    return engine.scheduler.active


def test_a_cancelled_request_frees_its_slot_and_the_others_finish(engine):
    expected = alone(engine, [request("Name a fruit.")])
    long = engine.submit(request("Tell me a very long story.", max_tokens=900))
    other = engine.submit(request("Name a fruit."))
    while engine.scheduler.active < 2:
        time.sleep(0.005)
    assert long.cancel()
    assert other.result(timeout=60).tokens == expected[0].tokens
    assert wait_idle(engine) == 0


def test_cancelling_an_async_call_frees_its_slot(engine):
    async_engine = AsyncLlamaCppEngine(engine)

    async def call_with_timeout():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(async_engine.complete(request("Tell me a long story.", max_tokens=900)), 0.5)

    asyncio.run(call_with_timeout())
    assert wait_idle(engine) == 0


def test_sixteen_threads_share_the_engine_through_dspy(engine):
    lm = dspy.LM("local/test", engine=engine, cache=False)
    requests = varied_requests()
    expected = [c.tokens for c in alone(engine, requests)]
    texts = [engine.submit(r).result(timeout=120).text for r in requests]
    results: dict[int, list[str]] = {}

    def caller(i):
        results[i] = [lm(requests[(i + k) % 16]).text for k in range(2)]

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(caller, range(16)))
    assert len(expected) == 16
    assert all(results[i] == [texts[(i + k) % 16] for k in range(2)] for i in range(16))
    assert lm.history[-1]["usage"]["completion_tokens"] > 0


def test_close_fails_running_requests_and_leaves_no_thread():
    before = set(threading.enumerate())
    engine = LlamaCppEngine(embedded_model_path(), n_ctx=512, parallel=4, n_threads=1)
    futures = [engine.submit(request(f"Tell me a long story about {t}.", max_tokens=400)) for t in TOPICS[:6]]
    while engine.scheduler.active < 4:
        time.sleep(0.005)
    engine.close()
    for future in futures:
        with pytest.raises(LMError, match="closed"):
            future.result(timeout=10)
    assert not engine.loaded and set(threading.enumerate()) <= before
    assert engine.complete(request("Say hi.", max_tokens=3)).usage.output_tokens == 3  # reloads on demand
    engine.close()
    assert set(threading.enumerate()) <= before


def test_a_model_that_does_not_load_fails_its_requests_and_is_retried(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF not really")
    engine = LlamaCppEngine(broken)
    for _ in range(2):  # the failure is not cached: each request tries again
        with pytest.raises(Exception, match="could not load"):
            engine.complete(request("Hi"))
        assert not engine.loaded



SHARED_SYSTEM = ("You are Nova, the assistant of a small bakery in Lisbon. You answer questions about bread, pastries, "
                 "opening hours and orders. Keep every answer under eighty words, never use exclamation marks, and "
                 "when a request is outside your scope reply with: I can only help with the bakery and its orders. "
                 "Sign every answer with your name on a line of its own.")


def test_a_prompt_a_running_request_shares_is_copied_from_its_slot_and_replies_the_same():
    story = request("Tell me a long story about the sea.", system=SHARED_SYSTEM, max_tokens=96)
    fruit = request("Name a pastry you sell.", system=SHARED_SYSTEM, max_tokens=12)
    reference = LlamaCppEngine(embedded_model_path(), n_ctx=1024, parallel=1, n_threads=1)
    expected = alone(reference, [story, fruit])
    reference.close()
    engine = LlamaCppEngine(embedded_model_path(), n_ctx=1024, parallel=4, n_threads=1)
    try:
        running = engine.submit(story)
        while engine.scheduler.steps < 2:  # the story's prompt is decoded: its slot holds the shared system prompt
            time.sleep(0.005)
        assert engine.scheduler.active == 1
        joined = engine.submit(fruit).result(timeout=120)
        assert engine.scheduler.copied_tokens > 60  # the system prompt came from the story's slot
        assert joined.tokens == expected[1].tokens and running.result(timeout=120).tokens == expected[0].tokens
    finally:
        engine.close()


def test_requests_sent_together_with_a_shared_prompt_decode_it_once_and_reply_the_same():
    asks = [request(f"Name {topic} you might find near a bakery.", system=SHARED_SYSTEM, max_tokens=10)
            for topic in TOPICS[:6]]
    reference = LlamaCppEngine(embedded_model_path(), n_ctx=1024, parallel=1, n_threads=1)
    expected = alone(reference, asks)
    reference.close()
    engine = LlamaCppEngine(embedded_model_path(), n_ctx=1024, parallel=4, n_threads=1)
    try:
        replies = [future.result(timeout=120) for future in engine.submit_many(asks)]
        # The first decodes the system prompt; the next three wait a step and copy it (the last two, joining later,
        # find it in the slot they are given).
        assert engine.scheduler.copied_tokens > 3 * 60
        assert [reply.tokens for reply in replies] == [reply.tokens for reply in expected]
    finally:
        engine.close()
