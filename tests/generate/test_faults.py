"""`generate` against a fake OpenAI-compatible server on 127.0.0.1 that fails in each way a real one does (429 with
Retry-After, 500, empty choices, a body that is not JSON, a stall). For each fault: the row's error is recorded, the
run ends in bounded time, nothing of the failure is cached (a second run, against a healthy server, sends requests
and succeeds), and no row is lost (a --retry-failed run in the same directory yields every row)."""

import json
import re
import time

import dspy
import pytest
from fake_openai_server import FAULTS, FakeOpenAIServer

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.models.served import TRIP_AFTER

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

SEEDS = 4  # 2 groups of 2; each group's first call (its role) meets the fault
RECORDED = {
    "rate_limited": r"LMRateLimitError: \[openai/fake\] rate limited",
    "server_error": r"LMServerError: \[openai/fake\] internal error",
    "empty_choices": r"AdapterParseError: The LM returned an empty or null response",
    "bad_json": r"LMProviderError: .*is not JSON",
    "stall": r"LMTransportError: .*timed out.*waited 1 s per try, 3 tries; raise request_timeout",
}
# A group's failing call takes at most 3 tries (the default retries) of 1 s with backoff 1 + 2 s (a stall), or two
# Retry-After waits of 1 s; the run's own work about as long again. The bound leaves room for a loaded machine and
# is far from the 50 minutes a stalled call took before.
BOUND_SECONDS = 30


@pytest.fixture(autouse=True)
def dspy_cache():
    """DSPy's cache on, as a user has it: a cached failure would show (the disk cache: tests/models/
    test_reply_cache.py)."""
    dspy.configure_cache(enable_memory_cache=True, enable_disk_cache=False)
    yield
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _config(out, server, **overrides):
    return GenerateConfig(**{
        "out": out, "lm": "openai/fake", "api_base": server.url, "api_key": "sk-test-not-a-secret", "limit": SEEDS,
        "k": 2, "judge_lm": "none", "rule_source": "sampled", "user_turns": False, "attempts": 1,
        "num_threads": 2, "request_timeout": 1, **overrides})


def _records(out):
    return [json.loads(line) for line in (out / "generated.jsonl").read_text().splitlines()]


def _sft_prompts(out):
    return sorted(json.loads(line)["messages"][1]["content"] for line in (out / "data/sft.jsonl").read_text()
                  .splitlines())


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_is_recorded_bounded_never_cached_and_loses_no_row(tmp_path, fault):
    states = []
    with FakeOpenAIServer(fault, retry_after=1) as server:
        started = time.monotonic()
        report = run_generate(_config(tmp_path / "run", server), progress=states.append)
        elapsed = time.monotonic() - started
        failed = [record for record in _records(tmp_path / "run") if record["status"] == "error"]
        assert report.sft_rows == 0 and report.errors == len(failed) == 2
        assert all(record["stage"] == "system" for record in failed)
        for record in failed:
            assert record["error"] and re.search(RECORDED[fault], record["error"]), record["error"]
        assert elapsed < BOUND_SECONDS, elapsed
        assert states[-1].done == SEEDS and states[-1].stats["errors"] == SEEDS
        if fault in ("rate_limited", "server_error", "stall"):  # retried, each wait shown as the run's status
            assert any("retrying in" in str(state.stats.get("waiting", "")) for state in states)

        with FakeOpenAIServer("healthy") as healthy:  # a new run elsewhere: nothing of the failure is replayed
            other = run_generate(_config(tmp_path / "other", healthy))
            assert healthy.requests > 0 and other.sft_rows == SEEDS and other.errors == 0

        server.mode = "healthy"  # the same server recovered: the failed rows come back, none lost or doubled
        sent = server.requests
        retried = run_generate(_config(tmp_path / "run", server, retry_failed=True))
        assert server.requests > sent and retried.sft_rows == SEEDS and retried.errors == 0
        assert _sft_prompts(tmp_path / "run") == _sft_prompts(tmp_path / "other")


def test_a_dead_server_ends_a_long_run_in_bounded_time_with_every_row_recorded(tmp_path):
    with FakeOpenAIServer("server_error") as server:
        started = time.monotonic()
        report = run_generate(_config(tmp_path / "run", server, limit=12, k=1, num_threads=1, num_retries=1))
        elapsed = time.monotonic() - started
    failed = [record for record in _records(tmp_path / "run") if record["status"] == "error"]
    assert report.errors == len(failed) == 12 and report.sft_rows == 0
    assert server.requests == 2 * TRIP_AFTER and elapsed < TRIP_AFTER * 1 + 5  # later calls fail at once
    assert sum("not answering" in record["error"] for record in failed) == 12 - TRIP_AFTER


def test_a_healthy_server_gets_seeded_sampled_requests_and_no_key_is_written(tmp_path):
    with FakeOpenAIServer("healthy") as server:
        report = run_generate(_config(tmp_path / "run", server))
    assert report.sft_rows == SEEDS and report.errors == 0
    sampled = [body for body in server.bodies if body.get("temperature")]
    assert len(sampled) == SEEDS and len({body["seed"] for body in sampled}) == SEEDS
    assert all("sk-test" not in path.read_text(errors="ignore") for path in (tmp_path / "run").rglob("*.json*"))


@pytest.mark.parametrize("fault", ["server_error", "stall"])
def test_every_request_sent_is_counted_those_that_failed_or_timed_out_too(tmp_path, fault):
    with FakeOpenAIServer(fault) as server:
        report = run_generate(_config(tmp_path / "run", server, limit=2, k=2, num_retries=1))
        sent = server.requests
    assert sent == 2 and report.this_run["lm_calls"] == 0 and report.this_run["failed_lm_calls"] == sent
    assert report.this_run["per_lm"]["openai/fake"]["failed_calls"] == sent


def test_a_server_that_dies_mid_run_costs_no_row_when_the_model_has_others(tmp_path):
    with FakeOpenAIServer() as one, FakeOpenAIServer() as dying, FakeOpenAIServer() as three:
        dying.fault_for = lambda body: "server_error" if dying.requests > 2 else None  # dies after its first answers
        servers = [one.url, dying.url, three.url]
        report = run_generate(_config(tmp_path / "run", one, api_base=servers, limit=12, k=1, num_threads=3))
    assert report.sft_rows == 12 and report.errors == report.missing_rows == 0, report.first_errors
    assert dying.requests <= 2 + 2 * TRIP_AFTER and one.requests + three.requests > 12
